"""The cases API: the same rules as the services; ID numbers masked unless the role needs them (REC-09)."""

import pytest

from zhifa.cases.tests.conftest import elements
from zhifa.core.models import ApiToken


def headers(user):
    _row, raw = ApiToken.issue(user=user, name="测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_an_external_system_opens_and_advances_a_case_through_the_api(client, desk, users):
    officer, head = headers(desk.officer), headers(desk.head)
    created = client.post("/api/cases/", {"agency_id": desk.agency.pk, "handling_unit_id": desk.unit.pk,
                                          "title": "无证经营", "action_type": "penalty", "procedure": "ordinary",
                                          "place": desk.place.code, "legal_basis": "《无证无照经营查处办法》"},
                          content_type="application/json", **officer)
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    for person in desk.officers:
        assert client.post(f"/api/cases/{case_id}/officers?person_id={person.pk}", **officer).status_code == 201
    party = client.post(f"/api/cases/{case_id}/parties", {"kind": "natural", "name": "张三",
                        "id_number": "11010519491231002X"}, content_type="application/json", **officer)
    assert party.json()["id_number"] == "110105********002X"
    blocked = client.post(f"/api/cases/{case_id}/advance", **head)
    assert blocked.status_code == 400 and blocked.json()["code"] == "case_documents_missing"
    bad = client.post(f"/api/cases/{case_id}/documents", {"form": "filing_approval", "elements": {"place": "x"}},
                      content_type="application/json", **officer)
    assert bad.status_code == 400 and bad.json()["code"] == "case_element_missing" and bad.json()["details"]["missing"]
    doc_elements = elements(desk, case_source="举报", opinion="同意", approver="局长")
    doc = client.post(f"/api/cases/{case_id}/documents", {"form": "filing_approval", "elements": doc_elements},
                      content_type="application/json", **officer)
    assert doc.status_code == 201 and doc.json()["title"] == "立案审批表" and doc.json()["log_entry_id"]
    assert client.post(f"/api/cases/{case_id}/advance", **officer).json()["code"] == "permission_denied"
    advanced = client.post(f"/api/cases/{case_id}/advance", **head).json()
    assert advanced["stage"] == "investigation" and advanced["missing_for_next_stage"] == [["inspection_record", "inquiry_record"]]
    detail = client.get(f"/api/cases/{case_id}", **officer).json()
    assert detail["parties"][0]["id_number"] == "11010519491231002X"  # the officer needs it
    no_reason = client.get(f"/api/cases/{case_id}", **headers(users.city_a_supervisor))
    assert no_reason.status_code == 403 and no_reason.json()["code"] == "case_consultation_reason_required"
    for user, reason in ((users.city_a_supervisor, "专项监督检查"), (users.region_supervisor, "全区案卷评查")):
        opened = client.post(f"/api/cases/{case_id}/consultations", {"reason": reason}, content_type="application/json",
                             **headers(user))
        assert opened.status_code == 201 and opened.json()["reason"] == reason
    supervisor = client.get(f"/api/cases/{case_id}", **headers(users.city_a_supervisor)).json()
    assert supervisor["parties"][0]["id_number"] == "110105********002X"  # the supervisor does not
    assert client.get(f"/api/cases/{case_id}", **headers(users.region_supervisor)).status_code == 200
    listing = client.get("/api/cases/", **headers(users.city_a_supervisor)).json()
    assert listing["count"] == 1


@pytest.mark.django_db
def test_cases_of_another_agency_are_404(client, desk, tree):
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    created = client.post("/api/cases/", {"agency_id": desk.agency.pk, "handling_unit_id": desk.unit.pk, "title": "t",
                                          "action_type": "inspection", "procedure": "ordinary",
                                          "place": desk.place.code, "legal_basis": "b"},
                          content_type="application/json", **headers(desk.officer))
    stranger = grant(UserFactory(), Role.OFFICER, agency=tree.agency_b1)
    assert client.get(f"/api/cases/{created.json()['id']}", **headers(stranger)).status_code == 404
    refused = client.post("/api/cases/", {"agency_id": desk.agency.pk, "handling_unit_id": desk.unit.pk, "title": "t",
                                          "action_type": "inspection", "procedure": "ordinary",
                                          "place": desk.place.code, "legal_basis": "b"},
                          content_type="application/json", **headers(stranger))
    assert refused.status_code == 404
