"""REC-09: an external system pushes a whole case idempotently, with the same validation and log entries."""

import copy
import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases.models import Case, Document, Party
from zhifa.core.models import ApiToken
from zhifa.ledger.models import Entry

# One kind per stage move (issue 17), in the order the case made them.
STAGE_KINDS = ("cases.filing_approved", "cases.investigation_ended", "cases.decided", "cases.archived")


def push_body(desk):
    certs = [p.certificates.get().number for p in desk.officers]
    at = (timezone.now() - dt.timedelta(hours=5)).isoformat()

    def doc(ext, form, **extra):
        return {"external_id": ext, "form": form, "elements": {
            "time": at, "place": "人民路8号", "officers": certs, "target": "某某商店", "content": "检查", "process": "出示证件后检查",
            "certificate_shown": True, "rights_told": True} | extra}

    return {
        "external_system": "county-cms", "external_id": "CMS-2026-0042", "agency_id": desk.agency.pk,
        "handling_unit_id": desk.unit.pk, "title": "销售过期食品", "action_type": "penalty", "procedure": "ordinary",
        "place": desk.place.code, "legal_basis": "《食品安全法》",
        "parties": [{"external_id": "P1", "kind": "organisation", "name": "某某商店", "id_number": "91110000600037341L"}],
        "officer_certificates": certs,
        "documents": [
            doc("D6", "closing_report", result="已缴纳罚款"),  # order in the body does not matter
            doc("D1", "filing_approval", case_source="举报", opinion="同意", approver="局长"),
            doc("D2", "inspection_record"),
            doc("D3", "penalty_notice", facts="f", legal_basis="b", proposed_penalty="p", rights="r"),
            doc("D4", "penalty_decision", facts="f", legal_basis="b", penalty="罚款", remedies="复议或诉讼"),
            doc("D5", "service_receipt", served_document="决定书", recipient="某某商店", service_method="direct"),
        ],
        # Not a major decision (REV-02); the review app records it when the case reaches the decision stage.
        "determination": {"fine_amount": "5000", "criteria": []},
        "stage": "archive",
    }


@pytest.fixture
def machine(desk):
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    user = grant(UserFactory(username="county_cms"), Role.AGENCY_HEAD, agency=desk.agency)
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='县办案系统')[1]}"}


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_whole_case_is_pushed_and_a_repeat_creates_nothing(client, desk, machine):
    body = push_body(desk)
    first = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert first.status_code == 201, first.content
    assert first.json()["stage"] == "archive" and len(first.json()["documents"]) == 6
    kinds = list(Entry.objects.filter(subject=f"cases.case:{first.json()['id']}").values_list("kind", flat=True))
    assert [k for k in kinds if k in STAGE_KINDS] == list(STAGE_KINDS) and "cases.stage_advanced" not in kinds
    assert kinds.count("cases.document_recorded") == 6
    entries = Entry.objects.count()
    again = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert Entry.objects.count() == entries and Case.objects.count() == 1 and Document.objects.count() == 6


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_later_push_adds_only_what_is_new(client, desk, machine):
    body = push_body(desk)
    partial = copy.deepcopy(body)
    partial["documents"] = [d for d in body["documents"] if d["external_id"] in ("D1", "D2")]
    partial.pop("stage")
    assert client.post("/api/cases/push", partial, content_type="application/json", **machine).json()["stage"] == "investigation"
    rest = client.post("/api/cases/push", body, content_type="application/json", **machine).json()
    assert rest["stage"] == "archive" and Document.objects.count() == 6 and Party.objects.count() == 1


@pytest.mark.req("REC-09")
@pytest.mark.django_db
def test_a_push_that_breaks_a_rule_leaves_nothing(client, desk, machine):
    body = push_body(desk)
    body["documents"][2]["elements"]["certificate_shown"] = False  # the inspection record breaks PUB-12
    refused = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert refused.status_code == 400 and refused.json()["code"] == "case_certificate_or_rights_missing"
    assert not Case.objects.exists() and not Document.objects.exists()
    body = push_body(desk)
    body["documents"] = [d for d in body["documents"] if d["external_id"] != "D3"]  # no prior notice
    missing = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert missing.status_code == 400 and missing.json()["code"] == "case_documents_missing"
    assert not Case.objects.exists()


@pytest.mark.django_db
def test_a_push_needs_the_right_to_handle_cases(client, desk, users):
    token = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=users.city_a_supervisor, name='x')[1]}"}
    response = client.post("/api/cases/push", push_body(desk), content_type="application/json", **token)
    assert response.status_code == 403 and not Case.objects.exists()
