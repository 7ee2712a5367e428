"""Issuing an instrument: sealed, numbered, logged, with deadlines from the supervising bureau's jurisdiction's
rules, across holidays in two jurisdictions (issue 20 §4; SUP-08)."""

import datetime as dt
import io

import pytest
from django.core.files.storage import default_storage

from zhifa.core.errors import ZhifaError
from zhifa.instruments import deadlines
from zhifa.instruments.models import SealedDocument, State, Step
from zhifa.ledger.models import Entry
from zhifa.rules.services import rule_version_create, ruleset_apply

from .conftest import issue

pytestmark = [pytest.mark.django_db, pytest.mark.req("SUP-08")]


def test_issued_opinion_is_a_sealed_numbered_pdf_in_the_evidence_store(world):
    """The instrument is printed, sealed with the bureau's PAdES signature, numbered and its issue logged."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    i = issue(world)
    assert i.state == State.ISSUED
    assert i.number == "甲司监意〔2026〕1号"
    doc = SealedDocument.objects.get(instrument=i)
    with default_storage.open(doc.blob.storage_name, "rb") as fh:  # the evidence store
        data = fh.read()
    assert data.startswith(b"%PDF")
    reader = PdfFileReader(io.BytesIO(data))
    assert [s.field_name for s in reader.embedded_signatures] == ["AgencySeal"]
    assert doc.signer_sha256 and doc.number == i.number
    kinds = list(Entry.objects.filter(subject=f"instruments.instrument:{i.pk}").values_list("kind", flat=True))
    assert sorted(kinds) == ["instruments.document_sealed", "instruments.issued"]
    assert Step.objects.get(instrument=i).action == "issue"
    second = issue(world)
    assert second.number == "甲司监意〔2026〕2号"
    assert issue(world, kind="decision").number == "甲司监决〔2026〕1号"


def test_calendar_days_ending_in_national_day_move_to_the_next_working_day(world):
    """IM-M region: 30 days from 3 September 2026 end on 3 October, a National Day holiday: the limit ends on
    8 October, the first working day after it. The 10 working days to ask for re-examination skip the holiday."""
    ruleset_apply(name="im-m", jurisdiction=world.tree.region)
    i = issue(world, today=dt.date(2026, 9, 3))
    assert i.due_on == dt.date(2026, 10, 8)
    assert i.review_due_on == dt.date(2026, 9, 17)
    late = issue(world, today=dt.date(2026, 9, 25))
    assert late.review_due_on == dt.date(2026, 10, 15)  # 28–30 Sep, then 8, 9, 10 (调休 Saturday), 12–15 Oct
    assert "内蒙古" in late.rule_source


def test_spring_festival_in_the_az_county_rules(world):
    """AZ rules at city B: 30 days from 16 January 2026 end on 15 February, in the Spring Festival holiday
    (15–23 February): the limit ends on 24 February; 10 working days from 5 February end on 26 February."""
    ruleset_apply(name="az", jurisdiction=world.tree.city_b)
    i = issue(world, today=dt.date(2026, 1, 16), bureau=world.bureau_b, agency=world.tree.agency_b1,
              actor=world.sup_b)
    assert i.due_on == dt.date(2026, 2, 24)
    feb = issue(world, today=dt.date(2026, 2, 5), bureau=world.bureau_b, agency=world.tree.agency_b1,
                actor=world.sup_b)
    assert feb.review_due_on == dt.date(2026, 2, 26)
    assert "安泽" in feb.rule_source


def test_the_rule_of_the_bureaus_own_jurisdiction_decides(world):
    """A jurisdiction that sets its own limit (here 15 working days to correct) is followed for its bureau only."""
    value = dict(deadlines.limits_for(world.tree.city_a, as_of=dt.date(2026, 9, 1))[0])
    value["opinion"] = {"days": 15, "unit": "working_days"}
    rule_version_create(key="supervision.instrument_days", value=value, effective_from=dt.date(2026, 1, 1),
                        source="测试：甲市规定十五个工作日", jurisdiction=world.tree.city_a, actor=world.users.su)
    a = issue(world, today=dt.date(2026, 9, 25))
    assert a.due_on == dt.date(2026, 10, 22)  # 15 working days across National Day (10 Oct a 调休 Saturday)
    b = issue(world, today=dt.date(2026, 9, 25), bureau=world.bureau_b, agency=world.tree.agency_b1,
              actor=world.sup_b)
    assert b.due_on == dt.date(2026, 10, 26)  # the baseline: 25 October is a Sunday, so Monday 26th


@pytest.mark.parametrize("field, value, code", [
    ("title", "", "instrument_text_required"),
    ("findings", "   ", "instrument_text_required"),
    ("requirement", "", "instrument_text_required"),
])
def test_missing_text_is_refused_in_chinese(world, field, value, code):
    with pytest.raises(ZhifaError) as exc:
        issue(world, **{field: value})
    assert exc.value.code == code
    assert exc.value.message.startswith("请填写")


def test_decision_needs_an_order_and_only_a_decision_has_one(world):
    with pytest.raises(ZhifaError) as exc:
        issue(world, kind="decision", order="")
    assert exc.value.code == "instrument_order_invalid" and "决定事项" in exc.value.message
    with pytest.raises(ZhifaError) as exc:
        issue(world, kind="opinion", order="revoke")
    assert exc.value.code == "instrument_order_invalid"


def test_summons_needs_its_record(world):
    with pytest.raises(ZhifaError) as exc:
        issue(world, kind="summons", talk={"at": "上午", "place": "", "attendees": "局长", "record": "谈话"})
    assert exc.value.code == "instrument_text_required" and "约谈地点" in exc.value.message
    i = issue(world, kind="summons")
    assert i.talk["place"] == "甲市司法局会议室" and i.review_due_on is None


def test_agency_outside_the_bureaus_subtree_is_refused(world):
    """City A's bureau does not supervise city B's agencies; city B's supervisor cannot issue as city A."""
    with pytest.raises(ZhifaError) as exc:
        issue(world, agency=world.tree.agency_b1)
    assert exc.value.code == "instrument_agency_not_supervised"


def test_only_a_justice_bureau_issues(world):
    with pytest.raises(ZhifaError) as exc:
        issue(world, bureau=world.tree.agency_city_a)
    assert exc.value.code == "instrument_issuer_not_justice_bureau"


def test_cases_must_be_the_agencys(world):
    with pytest.raises(ZhifaError) as exc:
        issue(world, case_ids=[999999])
    assert exc.value.code == "instrument_case_not_of_agency"


def test_issued_from_an_alert_keeps_it_and_its_case(world, desk):
    """From an alert: the alert's model and case join the instrument; another agency's alert is refused."""
    from django.utils import timezone

    from zhifa.cases.tests.conftest import inspection_with_record
    from zhifa.supervision.models import Alert

    case, _ = inspection_with_record(desk)
    now = timezone.now()
    alert = Alert.objects.create(agency=world.agency, case=case, model="M06", scope="case", level="alarm",
                                 detail="应当全程音像记录而未记录", opened_at=now, level_changed_at=now)
    i = issue(world, alert_id=alert.pk, today=dt.date(2026, 9, 3))
    assert i.alert_id == alert.pk and i.model_code == "M06" and list(i.cases.all()) == [case]
    other = Alert.objects.create(agency=world.tree.agency_a2, model="M20", scope="agency", level="warning",
                                 detail="不予受理率偏高", opened_at=now, level_changed_at=now)
    with pytest.raises(ZhifaError) as exc:
        issue(world, alert_id=other.pk)
    assert exc.value.code == "instrument_alert_not_of_agency"
    alert.refresh_from_db()
    assert alert.state == "open"  # issuing (and closing) an instrument never closes the alert


def test_an_instrument_for_an_alert_cannot_claim_another_model(world, desk):
    """Review L10: the alert names its problem model; another model_code with it is refused (pages and API go through it)."""
    from django.utils import timezone

    from zhifa.cases.tests.conftest import inspection_with_record
    from zhifa.instruments.models import Instrument
    from zhifa.supervision.models import Alert

    case, _ = inspection_with_record(desk)
    now = timezone.now()
    alert = Alert.objects.create(agency=world.agency, case=case, model="M01", scope="case", level="alarm",
                                 detail="应当公示而未公示", opened_at=now, level_changed_at=now)
    with pytest.raises(ZhifaError) as exc:
        issue(world, alert_id=alert.pk, model_code="M05", today=dt.date(2026, 9, 3))
    assert exc.value.code == "instrument_model_not_of_alert" and "M01" in exc.value.message
    assert not Instrument.objects.filter(alert=alert).exists()
    assert issue(world, alert_id=alert.pk, model_code="M01", today=dt.date(2026, 9, 3)).model_code == "M01"
