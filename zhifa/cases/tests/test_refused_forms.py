"""A refused save on the case page keeps what the officer typed (tryout of issue 14, finding 4): the page comes
back with the refusal (4xx), the chosen form and every value, and the browser is told which fields it must have."""

import re

import pytest
from django.utils import timezone

from zhifa.cases import services
from zhifa.cases.models import Document, Party
from zhifa.cases.tests.conftest import elements, inspection_with_record


def _selected(page: str, select_id: str) -> str:
    """The value of the selected option of a <select>."""
    select = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    chosen = re.search(r'<option value="([^"]*)" selected', select)
    return chosen.group(1) if chosen else ""


def _investigation(desk):
    case = services.case_open(agency=desk.agency, handling_unit=desk.unit, title="扣押", action_type="coercion",
                              procedure="ordinary", place=desk.place, legal_basis="《行政强制法》", actor=desk.officer)
    for person in desk.officers:
        services.officer_assign(case=case, person=person, actor=desk.officer)
    services.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查", opinion="同意", approver="局长"), actor=desk.officer)
    return services.case_advance(case=case, actor=desk.head)


@pytest.mark.req("REC-02")
@pytest.mark.django_db
def test_a_refused_document_keeps_its_form_and_every_value(client, desk):
    """A record missing one required element comes back on the same form (not the first of the stage), with
    every value typed, the one officer ticked and the choice picked; no load trigger replaces the fields."""
    case = _investigation(desk)
    client.force_login(desk.officer)
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    post = {"form": "coercive_measure_record", "time": now, "place": "人民路八号仓库", "officers": [desk.officers[1].pk],
            "target": "某某贸易公司", "content": "扣押涉案货车", "process": "出示证件，告知权利后扣押",
            "certificate_shown": "true", "rights_told": "true", "measure": "seize", "legal_basis": ""}
    response = client.post(f"/cases/{case.pk}/documents/", post)
    page = response.content.decode()
    assert response.status_code == 400
    assert "缺少必填要素：依据" in page
    assert _selected(page, "form") == "coercive_measure_record"
    assert 'hx-trigger="change"' in page  # the kept fields are not reloaded (and emptied) on load
    for value in ("人民路八号仓库", "某某贸易公司", "扣押涉案货车", "出示证件，告知权利后扣押", now):
        assert value in page
    assert _selected(page, "el-measure") == "seize"
    ticked = re.findall(r'name="officers" value="(\d+)" checked', page)
    assert ticked == [str(desk.officers[1].pk)]
    assert re.search(r'name="certificate_shown" value="true" checked', page)
    assert Document.objects.filter(case=case, form="coercive_measure_record").count() == 0
    post["legal_basis"] = "《行政强制法》第二十二条"
    post["officers"] = [p.pk for p in desk.officers]
    assert client.post(f"/cases/{case.pk}/documents/", post).status_code == 302  # then it saves
    assert Document.objects.filter(case=case, form="coercive_measure_record").count() == 1


@pytest.mark.django_db
def test_a_refused_correction_keeps_the_version_it_corrects(client, desk):
    """A correction without its reason comes back as the correction of that version, with the values typed."""
    case, record = inspection_with_record(desk)
    client.force_login(desk.officer)
    post = {"form": "inspection_record", "supersedes": record.pk, "correction_reason": "", "time": "2024-03-01T09:30",
            "place": "更正后的地点", "officers": [p.pk for p in desk.officers], "target": "某某商店", "content": "检查",
            "process": "检查经过", "certificate_shown": "true", "rights_told": "true"}
    response = client.post(f"/cases/{case.pk}/documents/", post)
    page = response.content.decode()
    assert response.status_code == 400 and "更正文书应当写明更正原因" in page
    assert f'name="supersedes" value="{record.pk}"' in page and "更正后的地点" in page and "2024-03-01T09:30" in page


@pytest.mark.django_db
def test_the_fields_mark_what_is_required(client, desk):
    """Required elements carry `required` so the browser catches a gap before the server refuses it; optional
    ones (the end time) do not. An on-site record must have both checkboxes ticked."""
    case, _record = inspection_with_record(desk)
    client.force_login(desk.officer)
    fields = client.get(f"/cases/{case.pk}/fields/?form=seizure_decision", HTTP_HX_REQUEST="true").content.decode()
    for name in ("place", "target", "content", "process", "items", "legal_basis", "period", "certificate_shown",
                 "rights_told", "time"):
        assert re.search(rf'<(textarea|input|select)[^>]*name="{name}"[^>]*required', fields), name
    assert not re.search(r'<input[^>]*name="end_time"[^>]*required', fields)


@pytest.mark.django_db
def test_a_refused_party_keeps_what_was_typed(client, desk):
    case, _record = inspection_with_record(desk)
    client.force_login(desk.officer)
    response = client.post(f"/cases/{case.pk}/parties/", {"kind": "organisation", "name": "某某贸易有限公司",
                                                         "id_number": "123", "address": "人民路8号"})
    page = response.content.decode()
    assert response.status_code == 400 and not Party.objects.filter(case=case).exists()
    assert 'value="某某贸易有限公司"' in page and 'value="123"' in page and 'value="人民路8号"' in page
    assert _selected(page, "pk") == "organisation"


@pytest.mark.django_db
def test_a_permission_refusal_is_the_403_page_without_the_case(client, desk, users):
    """Keeping input is for those who may write: a refusal of permission shows no case content (REC-15). It is
    the 403 page, as the API answers 403 (issue 17: one error mapping for pages)."""
    case, _record = inspection_with_record(desk)
    client.force_login(users.city_a_supervisor)
    response = client.post(f"/cases/{case.pk}/documents/", {"form": "inquiry_record", "place": "x"})
    page = response.content.decode()
    assert response.status_code == 403 and "无权访问" in page
    assert case.number not in page and case.title not in page
