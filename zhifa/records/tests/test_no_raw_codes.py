"""Pages show what people call things, never the codes the API speaks (tryout of issue 14, finding 6: the
recordings page showed `seize`, `evidence_taking`, `seizure_decision`, and its upload form `filing_approval`)."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from zhifa.cases import services as cases
from zhifa.cases.doctypes import FORMS
from zhifa.cases.models import PartyKind, Procedure, Stage
from zhifa.cases.tests.conftest import elements
from zhifa.org.models import ActionType
from zhifa.records.tests.test_recordings import upload
from zhifa.rules.catalogue import AV_ITEMS

CODES = {*AV_ITEMS, *FORMS, *Stage.values, *ActionType.values, *Procedure.values, *PartyKind.values}


class _Text(HTMLParser):
    """The text a person reads: element content, without attributes, scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def raw_codes(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.parts)
    return {code for code in CODES if re.search(rf"(?<![A-Za-z_]){re.escape(code)}(?![A-Za-z_])", text)}


@pytest.mark.django_db
def test_recordings_and_case_pages_show_labels_not_codes(client, desk, seizure):
    case, camera = seizure
    seizure_record = cases.document_record(case=case, form="seizure_decision", elements=elements(
        desk, items="货车一辆", legal_basis="依据", period="三十日"), actor=desk.officer)
    inspection = cases.document_record(case=case, form="inspection_record", elements=elements(desk, activities=["seize"]),
                                       actor=desk.officer)
    start = timezone.now() - dt.timedelta(hours=3)
    upload(desk, case, camera, start=start, minutes=1, document=seizure_record, activity="seize")
    upload(desk, case, camera, start=start + dt.timedelta(minutes=1), minutes=1, document=inspection,
           activity="evidence_taking")
    client.force_login(desk.officer)
    recordings = client.get(f"/records/cases/{case.pk}/").content.decode()
    assert raw_codes(recordings) == set()
    assert "扣押财物" in recordings and "《查封/扣押决定书》" in recordings and "《立案审批表》" in recordings
    detail = client.get(f"/cases/{case.pk}/").content.decode()
    assert raw_codes(detail) == set()
    assert "现场检查笔录" in detail and "扣押财物" in detail  # the activities element, as labels (PDF too)


@pytest.mark.django_db
def test_the_agency_page_names_its_enforcement_types(client, desk, users):
    desk.agency.enforcement_types = ["penalty", "inspection"]
    desk.agency.save(update_fields=["enforcement_types"])
    client.force_login(users.su)
    page = client.get(f"/org/agencies/{desk.agency.pk}/").content.decode()
    assert raw_codes(page) == set()
    assert f"{ActionType.PENALTY.label}、{ActionType.INSPECTION.label}" in page
