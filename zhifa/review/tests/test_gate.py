"""REV-01: no path around the review — the page, the API, the document seal and the external push."""

import pytest

from zhifa.cases import services as case_services
from zhifa.cases.models import Case, Stage
from zhifa.cases.tests.conftest import elements
from zhifa.cases.tests.test_push import push_body
from zhifa.core.errors import ZhifaError
from zhifa.core.models import ApiToken
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import UserFactory, grant
from zhifa.review import services
from zhifa.review.workflow import State

from .conftest import agree, assigned, decision_case, determine, submitted


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_without_a_determination_no_ordinary_decision_is_made(desk, office):
    case = decision_case(desk)
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert exc.value.code == "review_required" and "认定" in exc.value.message
    determine(case, desk, fine_amount="500", criteria=[])  # not major: no catalogue, no criterion
    assert case_services.case_advance(case=case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_the_simplified_procedure_is_not_held_at_the_gate(desk, office):
    case = case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title="当场处罚", action_type="penalty",
                                   procedure="simplified", place=desk.place, legal_basis="第五十一条", actor=desk.officer)
    for p in desk.officers:
        case_services.officer_assign(case=case, person=p, actor=desk.officer)
    case_services.party_add(case=case, kind="natural", name="张三", id_number="11010519491231002X",
                            address="甲一县某路1号（虚构）", actor=desk.officer)  # a decision names its party (§59)
    case_services.document_record(case=case, form="filing_approval", actor=desk.officer,
                                  elements=elements(desk, case_source="巡查", opinion="同意", approver="局长"))
    case = case_services.case_advance(case=case, actor=desk.head)
    case_services.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    case = case_services.case_advance(case=case, actor=desk.head)
    case_services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts="f", legal_basis="b", penalty="警告", remedies="r"))
    assert case_services.case_advance(case=case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_the_decision_is_not_signed_before_the_review_passed(desk, office):
    review = assigned(submitted(desk, office), office)
    draft = review.case.documents.get(form="penalty_decision")
    for kind in ("pdf", "docx"):
        with pytest.raises(ZhifaError) as exc:
            case_services.document_issue(document=draft, kind=kind, actor=office.head)
        assert exc.value.code == "review_required"
    notice = review.case.documents.get(form="penalty_notice")
    assert case_services.document_issue(document=notice, kind="docx", actor=office.head)  # other documents are not held
    agree(review, office)
    assert case_services.document_issue(document=draft, kind="pdf", actor=office.head).signer_sha256


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_the_page_and_the_api_are_held_too(client, desk, office):
    review = submitted(desk, office)
    case = review.case
    client.force_login(desk.head)
    shown = client.get(f"/cases/{case.pk}/").content.decode()  # the button waits for the gate, and says why
    assert "尚不能办理：法制审核尚未通过" in shown and "<button disabled>作出决定，进入送达执行</button>" in shown
    page = client.post(f"/cases/{case.pk}/advance/", follow=True).content.decode()
    assert "法制审核尚未通过" in page and Case.objects.get(pk=case.pk).stage == Stage.DECISION
    api = client.post(f"/api/cases/{case.pk}/advance")
    assert api.status_code == 400 and api.json()["code"] == "review_required"
    draft = case.documents.get(form="penalty_decision")
    client.force_login(office.head)  # the signer for the agency (cases.issue_document)
    issued = client.post(f"/api/cases/{case.pk}/documents/{draft.pk}/issue?kind=pdf")
    assert issued.json()["code"] == "review_required"
    page = client.post(f"/cases/{case.pk}/documents/{draft.pk}/issue/", {"kind": "pdf"}, follow=True)
    assert "法制审核尚未通过" in page.content.decode()
    download = client.get(f"/cases/{case.pk}/documents/{draft.pk}.pdf")  # a GET never issues (issue 14 §5)
    assert download.status_code == 409 and "尚未签发" in download.content.decode()


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_an_external_push_cannot_carry_a_major_case_past_the_decision(client, desk, office):
    user = grant(UserFactory(username="county_cms"), Role.AGENCY_HEAD, agency=desk.agency)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='县办案系统')[1]}"}
    body = push_body(desk)
    del body["determination"]
    refused = client.post("/api/cases/push", body, content_type="application/json", **auth)
    assert refused.status_code == 400 and refused.json()["code"] == "review_required"
    assert not Case.objects.filter(external_id=body["external_id"]).exists()  # nothing half-written
    body["determination"] = {"fine_amount": "300000", "criteria": ["social_impact"]}  # major: held for review
    again = client.post("/api/cases/push", body, content_type="application/json", **auth)
    assert again.json()["code"] == "review_required" and "法制审核" in again.json()["message"]
    assert not Case.objects.filter(external_id=body["external_id"]).exists()
    body["stage"] = "decision"
    body["documents"] = [d for d in body["documents"] if d["form"] not in ("service_receipt", "closing_report")]
    created = client.post("/api/cases/push", body, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    case_id = created.json()["id"]
    advanced = client.post(f"/api/cases/{case_id}/advance", **auth)
    assert advanced.json()["code"] == "review_required"
    assert Case.objects.get(pk=case_id).stage == Stage.DECISION


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_submitted_case_cannot_be_talked_out_of_its_review(desk, office):
    review = submitted(desk, office)
    with pytest.raises(ZhifaError) as exc:
        determine(review.case, desk, fine_amount="0", criteria=[])
    assert exc.value.code == "review_determination_invalid"


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_draft_changed_after_the_review_passed_needs_a_new_review(desk, office):
    review = assigned(submitted(desk, office), office)
    agree(review, office)
    with pytest.raises(ZhifaError):
        services.review_resubmit(review=review, actor=desk.officer)  # nothing changed: nothing to resubmit
    draft = review.case.documents.get(form="penalty_decision")
    case_services.document_record(case=review.case, form="penalty_decision", supersedes=draft, actor=desk.officer,
                                  correction_reason="改为没收违法所得并罚款", elements=draft.elements | {"penalty": "没收并罚款"})
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=review.case, actor=desk.head)
    assert "重新送审" in exc.value.message
    review = services.review_resubmit(review=review, actor=desk.officer, note="决定书已修改")
    assert review.state == State.SUBMITTED and review.round == 2
    agree(review, office)
    assert case_services.case_advance(case=review.case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT
