"""The gate holds one step off the walked path (REV-01, REV-02): whether a decision is major comes from the draft
itself; the simplified procedure carries only what 行政处罚法 第五十一条 allows; action types are a closed set;
no stage after the decision is entered while the decision in force is not the one that passed review."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.decisions import facts_of
from zhifa.cases.models import Document, Stage
from zhifa.cases.tests.conftest import elements
from zhifa.cases.tests.test_push import push_body
from zhifa.core.errors import ZhifaError
from zhifa.core.models import ApiToken
from zhifa.review import services
from zhifa.review.gate import decision_problems
from zhifa.review.models import Review
from zhifa.review.workflow import State

from .conftest import agree, assigned, decision_case, determine

ITEMS = [
    {"action_type": "penalty", "matter": "较大数额罚款", "criterion": "fine_at_least", "amount": "50000"},
    {"action_type": "penalty", "matter": "吊销许可证件", "criterion": "measure", "measure": "revoke_licence"},
]


@pytest.fixture
def catalogue(desk, office):
    return services.catalogue_issue(agency=desk.agency, items=ITEMS, actor=office.head,
                                    effective_from=timezone.localdate() - dt.timedelta(days=1))


def _draft(case):
    return case.documents.get(form="penalty_decision", superseded_by__isnull=True)


def _correct(case, desk, penalty):
    return case_services.document_record(case=case, form="penalty_decision", actor=desk.officer, supersedes=_draft(case),
                                         correction_reason="更正处罚内容", elements=elements(
                                             desk, facts="无证经营", legal_basis="第七十七条", penalty=penalty,
                                             remedies="六十日内复议或六个月内起诉"))


@pytest.mark.req("REV-02")
@pytest.mark.parametrize("text, fine, measures", [
    ("罚款二十万元", "200000", set()),
    ("处以贰拾万元整的罚款", "200000", set()),
    ("罚款２０万元", "200000", set()),
    ("罚款 200,000 元，没收违法所得3.5万元", "235000", set()),
    ("依据第七十七条，处五万元以上二十万元以下罚款，决定罚款十万元", "100000", set()),  # the range is not decided
    ("吊销食品经营许可证，并处罚款5000元", "5000", {"revoke_licence"}),
    ("责令停产停业六个月", "0", {"suspend_business"}),
    ("警告", "0", set()),
    ("罚款20万", "200000", set()),
    ("罚款贰拾万圆整", "200000", set()),
    ("罚款人民币（大写）贰拾万元整", "200000", set()),
    ("处以罚款，金额为五万元", "50000", set()),
    ("罚款￥200000元", "200000", set()),
    ("罚款二十万元整，罚款二十万元", "200000", set()),  # the same fine restated counts once
    ("罚款五千元，没收违法所得五千元", "10000", set()),  # two items of the same amount count twice
    ("吊销机动车驾驶证", "0", {"revoke_licence"}),
    ("责令停产整顿三个月", "0", {"suspend_business"}),
    ("五年内不得从事食品生产经营管理工作", "0", {"restrict_practice"}),
    ("不予吊销许可证", "0", set()),  # a measure not taken
    ("责令限期拆除", "0", set()),  # an order to the party, not 强制拆除
    ("罚款9999999999999999999999999999元", "999999999999.99", set()),  # held at the ceiling, no overflow
])
def test_the_draft_decision_is_read_for_its_amounts_and_measures(text, fine, measures):
    facts = facts_of([Document(form="penalty_decision", elements={"penalty": text})])
    assert facts.fine == Decimal(fine) and set(facts.measures) == measures


@pytest.mark.req("REV-02")
@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_declared_fine_of_zero_does_not_lower_a_draft_of_two_hundred_thousand(desk, office, catalogue):
    """The issue's finding: a determination declaring a fine of 0 while the draft says 罚款二十万元 made it "not major"."""
    case = decision_case(desk)  # its draft: 罚款二十万元
    determination = determine(case, desk, fine_amount="0", criteria=[])
    assert determination.is_major and determination.fine_amount == Decimal("200000")
    assert determination.declared["fine_amount"] == "0"
    assert any("执法决定书载明" in r for r in determination.reasons)
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert exc.value.code == "review_required" and "未经法制审核" in exc.value.message


@pytest.mark.req("REV-02")
@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_changed_draft_is_determined_again(desk, office, catalogue):
    case = decision_case(desk, penalty="罚款五千元")
    first = determine(case, desk, fine_amount="0", criteria=[])
    assert not first.is_major
    _correct(case, desk, "吊销营业执照，并处罚款五千元")
    again = case.review_determinations.order_by("-version").first()
    assert again.version == 2 and again.is_major and again.measures == ["revoke_licence"]
    assert again.draft == _draft(case) and again.declared == first.declared
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert exc.value.code == "review_required"


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_decision_corrected_after_it_was_made_does_not_reach_the_archive_unreviewed(desk, office, catalogue):
    """The issue's finding: a corrected, never-reviewed decision was archived."""
    case = decision_case(desk, penalty="罚款五千元")
    determine(case, desk, fine_amount="0", criteria=[])
    case = case_services.case_advance(case=case, actor=desk.head)
    assert case.stage == Stage.SERVICE_ENFORCEMENT
    for form, extra in (("service_receipt", {"served_document": "行政处罚决定书", "recipient": "某某商店",
                                             "service_method": "direct"}),
                        ("closing_report", {"result": "已缴纳罚款"})):
        case_services.document_record(case=case, form=form, elements=elements(desk, **extra), actor=desk.officer)
    _correct(case, desk, "罚款二十万元")
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert exc.value.code == "review_required" and "未经法制审核" in exc.value.message
    # The way on: submit the corrected decision for review at this stage.
    review = services.review_submit(case=case, actor=desk.officer)
    assert review.state == State.SUBMITTED


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_reviewed_decision_corrected_in_service_must_be_reviewed_again_before_the_archive(desk, office):
    case = decision_case(desk)
    determine(case, desk)
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    agree(review, office)
    case = case_services.case_advance(case=case, actor=desk.head)
    for form, extra in (("service_receipt", {"served_document": "行政处罚决定书", "recipient": "某某商店",
                                             "service_method": "direct"}),
                        ("closing_report", {"result": "已缴纳罚款"})):
        case_services.document_record(case=case, form=form, elements=elements(desk, **extra), actor=desk.officer)
    _correct(case, desk, "罚款三十万元")
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert "重新送审" in exc.value.message
    review = services.review_resubmit(review=Review.objects.get(case=case), actor=desk.officer)
    agree(review, office)
    assert case_services.case_advance(case=case, actor=desk.head).stage == Stage.ARCHIVE


def _simplified(desk, *, kind="natural", action_type="penalty"):
    case = case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title="当场处罚", action_type=action_type,
                                   procedure="simplified", place=desk.place, legal_basis="第五十一条", actor=desk.officer)
    for p in desk.officers:
        case_services.officer_assign(case=case, person=p, actor=desk.officer)
    if kind == "natural":
        case_services.party_add(case=case, kind="natural", name="张三", id_number="11010519491231002X", actor=desk.officer)
    else:
        case_services.party_add(case=case, kind="organisation", name="某某商店", id_number="91110000600037341L",
                                actor=desk.officer)
    case_services.document_record(case=case, form="filing_approval", actor=desk.officer,
                                  elements=elements(desk, case_source="巡查", opinion="同意", approver="局长"))
    case = case_services.case_advance(case=case, actor=desk.head)
    case_services.document_record(case=case, form="inspection_record", elements=elements(desk), actor=desk.officer)
    return case_services.case_advance(case=case, actor=desk.head)


def _decide(case, desk, penalty):
    return case_services.document_record(case=case, form="penalty_decision", actor=desk.officer, elements=elements(
        desk, facts="f", legal_basis="b", penalty=penalty, remedies="r"))


@pytest.mark.req("REV-01")
@pytest.mark.django_db
@pytest.mark.parametrize("kind, penalty, allowed", [
    ("natural", "警告", True),
    ("natural", "罚款二百元", True),
    ("natural", "罚款201元", False),  # just past 200 yuan for a citizen
    ("organisation", "罚款三千元", True),
    ("organisation", "罚款3000.01元", False),  # just past 3 000 yuan for an organisation
    ("organisation", "吊销营业执照", False),  # the issue's finding: a revocation under the simplified procedure
    ("organisation", "责令停产停业", False),
    ("natural", "没收违法所得100元", False),
])
def test_the_simplified_procedure_carries_only_what_article_51_allows(desk, office, kind, penalty, allowed):
    case = _simplified(desk, kind=kind)
    if allowed:
        _decide(case, desk, penalty)
        assert case_services.case_advance(case=case, actor=desk.head).stage == Stage.SERVICE_ENFORCEMENT
        return
    with pytest.raises(ZhifaError) as exc:
        _decide(case, desk, penalty)
    assert exc.value.code == "case_procedure_not_allowed" and "第五十一条" in exc.value.message
    assert not case.documents.filter(form="penalty_decision").exists()


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_pushed_simplified_case_with_a_revocation_is_refused_whole(client, desk, office):
    body = push_body(desk) | {"procedure": "simplified", "determination": None}
    for doc in body["documents"]:
        if doc["form"] == "penalty_decision":
            doc["elements"]["penalty"] = "吊销食品经营许可证"
    body["documents"] = [d for d in body["documents"] if d["form"] != "penalty_notice"]
    machine = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=desk.head, name='县办案系统')[1]}"}
    response = client.post("/api/cases/push", body, content_type="application/json", **machine)
    assert response.status_code == 400 and response.json()["code"] == "case_procedure_not_allowed"
    assert not case_services.Case.objects.filter(external_id=body["external_id"]).exists()


@pytest.mark.req("REV-01")
@pytest.mark.django_db
@pytest.mark.parametrize("action_type", ["coercion", "levy"])
def test_coercion_and_levies_have_no_simplified_procedure(desk, action_type):
    with pytest.raises(ZhifaError) as exc:
        case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title="t", action_type=action_type,
                                procedure="simplified", place=desk.place, legal_basis="b", actor=desk.officer)
    assert exc.value.code == "case_procedure_not_allowed"


@pytest.mark.req("REV-01")
@pytest.mark.django_db
@pytest.mark.parametrize("action_type", ["", "revoke", "PENALTY", "penalty ", "其他"])
def test_an_unknown_action_type_is_refused_at_every_door(client, desk, action_type):
    with pytest.raises(ZhifaError) as exc:
        case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title="t", action_type=action_type,
                                procedure="ordinary", place=desk.place, legal_basis="b", actor=desk.officer)
    assert exc.value.code == "case_action_type_invalid"
    client.force_login(desk.officer)
    api = client.post("/api/cases/", {"agency_id": desk.agency.pk, "handling_unit_id": desk.unit.pk, "title": "t",
                                      "action_type": action_type, "procedure": "ordinary", "place": desk.place.code,
                                      "legal_basis": "b"}, content_type="application/json")
    assert api.status_code in (400, 422) and api.json()["code"] in ("case_action_type_invalid", "invalid_input")
    page = client.post("/cases/new/", {"agency": desk.agency.pk, "unit": desk.unit.pk, "title": "t",
                                       "action_type": action_type, "procedure": "ordinary", "place": desk.place.pk,
                                       "legal_basis": "b"})
    assert page.status_code in (200, 400) and "执法行为类别应为" in page.content.decode()
    assert not case_services.Case.objects.exists()


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_an_other_action_type_decision_goes_through_the_gate(desk, office, catalogue):
    """The issue's finding: an action type outside the four catalogue types skipped the gate."""
    case = decision_case(desk, action_type="other", draft="enforcement_decision")
    assert decision_problems(case)  # no determination yet
    with pytest.raises(ZhifaError):
        case_services.case_advance(case=case, actor=desk.head)
    determine(case, desk, fine_amount="0", criteria=["public_interest"])
    with pytest.raises(ZhifaError) as exc:
        case_services.case_advance(case=case, actor=desk.head)
    assert "未经法制审核" in exc.value.message


@pytest.mark.req("REV-01")
@pytest.mark.django_db
@pytest.mark.parametrize("action_type", ["other", "licence", "inspection"])
def test_a_fine_is_held_to_article_51_whatever_the_case_is_filed_as(desk, office, action_type):
    case = _simplified(desk, kind="natural", action_type=action_type)
    with pytest.raises(ZhifaError) as exc:
        case_services.document_record(case=case, form="enforcement_decision", actor=desk.officer, elements=elements(
            desk, facts="f", legal_basis="b", decision="罚款人民币二十万元", remedies="r"))
    assert exc.value.code == "case_procedure_not_allowed" and "第五十一条" in exc.value.message


@pytest.mark.req("REV-02")
@pytest.mark.django_db
def test_the_catalogue_is_matched_by_what_the_draft_decides_not_by_the_cases_label(desk, office, catalogue):
    case = decision_case(desk, action_type="other", draft="enforcement_decision")
    _correct_enforcement = case_services.document_record(
        case=case, form="enforcement_decision", actor=desk.officer, correction_reason="写明处罚",
        supersedes=case.documents.get(form="enforcement_decision"), elements=elements(
            desk, facts="无证经营", legal_basis="第七十七条", decision="罚款人民币二十万元", remedies="六十日内复议"))
    assert _correct_enforcement.version == 2
    determination = determine(case, desk, fine_amount="0", criteria=[])
    assert determination.is_major and determination.matched_items  # the penalty line of the catalogue


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_a_superseded_version_of_the_decision_is_never_sealed(desk, office, catalogue):
    case = decision_case(desk, penalty="吊销营业执照")
    old = _draft(case)
    _correct(case, desk, "警告")
    determine(case, desk, fine_amount="0", criteria=[])
    with pytest.raises(ZhifaError) as exc:
        case_services.document_issue(document=old, kind="docx", actor=office.head)
    assert exc.value.code == "case_document_already_superseded"
    assert case_services.document_issue(document=_draft(case), kind="docx", actor=office.head)


@pytest.mark.req("REV-01")
@pytest.mark.django_db
def test_no_service_or_execution_of_a_corrected_unreviewed_decision(desk, office, catalogue):
    """No stage after the decision — service, execution — goes on while the decision in force is unreviewed."""
    case = decision_case(desk, penalty="罚款五千元")
    determine(case, desk, fine_amount="0", criteria=[])
    case = case_services.case_advance(case=case, actor=desk.head)
    _correct(case, desk, "罚款二十万元")
    with pytest.raises(ZhifaError) as exc:
        case_services.document_record(case=case, form="service_receipt", actor=desk.officer, elements=elements(
            desk, served_document="行政处罚决定书", recipient="某某商店", service_method="direct"))
    assert exc.value.code == "review_required"
    assert not case.documents.filter(form="service_receipt").exists()


@pytest.mark.req("REV-10")
@pytest.mark.django_db
def test_a_joint_review_with_two_partners_passes_when_both_have_signed(desk, office, tree):
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import UserFactory, grant

    partners = [tree.agency_a2, tree.agency_b1]
    heads = [grant(UserFactory(username=f"rh_p{n}"), Role.REVIEW_HEAD, agency=a) for n, a in enumerate(partners)]
    case = decision_case(desk)
    determine(case, desk, joint_agencies=[a.pk for a in partners])
    review = assigned(services.review_submit(case=case, actor=desk.officer), office)
    agree(review, office)
    services.cosign(review=Review.objects.get(pk=review.pk), agency=partners[0], concur=True, actor=heads[0])
    assert Review.objects.get(pk=review.pk).state == State.JOINT_SIGNING
    services.cosign(review=Review.objects.get(pk=review.pk), agency=partners[1], concur=True, actor=heads[1])
    assert Review.objects.get(pk=review.pk).state == State.PASSED


@pytest.mark.req("REV-08")
@pytest.mark.django_db
def test_a_reviewer_who_recused_cannot_withdraw_the_opinion(desk, office):
    from zhifa.core.errors import PermissionDeniedError
    from zhifa.core.permissions import Role
    from zhifa.org.tests.factories import PersonFactory, UserFactory, grant

    from .test_moves_by_role import MINUTES, _bring

    review = _bring(desk, office, "consulting")
    second_user = grant(UserFactory(username="rev_second"), Role.REVIEWER, agency=desk.agency)
    second = PersonFactory(agency=desk.agency, unit=office.unit, name="钱审核", is_reviewer=True, user=second_user,
                           legal_qualification_number="A20151101000002")
    assignment = services.reviewer_assign(review=review, person=second, actor=office.review_head)
    services.recusal_record(assignment=assignment, reason="与当事人有亲属关系", actor=second_user)
    with pytest.raises(PermissionDeniedError):
        services.consultation_record(review=Review.objects.get(pk=review.pk), outcome="opinion_withdrawn",
                                     actor=second_user, **MINUTES)
    assert Review.objects.get(pk=review.pk).state == State.CONSULTING
