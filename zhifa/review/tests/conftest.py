"""An agency with a handling unit and a review unit, the rules of Inner Mongolia (IM-M) on the test tree,
and helpers that bring a case to the decision stage with the materials of IM-M §29."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import elements
from zhifa.core.permissions import Role
from zhifa.org.models import Field, UnitKind
from zhifa.org.tests.factories import AgencyFactory, PersonFactory, UnitFactory, UserFactory, grant
from zhifa.review import services
from zhifa.rules.services import ruleset_apply


@pytest.fixture
def office(desk, tree, users):
    agency = desk.agency
    unit = UnitFactory(agency=agency, name="法制审核科", kind=UnitKind.REVIEW)
    reviewer_user = grant(UserFactory(username="rev_a1"), Role.REVIEWER, agency=agency)
    reviewer = PersonFactory(agency=agency, unit=unit, name="赵审核", is_reviewer=True, user=reviewer_user,
                             legal_qualification_number="A20151101000001")
    review_head = grant(UserFactory(username="rh_a1"), Role.REVIEW_HEAD, agency=agency)
    legal_head = grant(UserFactory(username="lh_a1"), Role.LEGAL_HEAD, agency=agency)
    bureau = AgencyFactory(name="甲一县司法局", jurisdiction=tree.a1, is_justice_bureau=True, field=Field.JUSTICE)
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=users.su)
    return SimpleNamespace(agency=agency, unit=unit, reviewer=reviewer, reviewer_user=reviewer_user,
                           review_head=review_head, legal_head=legal_head, head=users.head_a1, bureau=bureau,
                           officer=desk.officer, handling_head=desk.head)


def decision_case(desk, *, hearing=False, proposal=False, action_type="penalty", draft="penalty_decision",
                  penalty="罚款二十万元"):
    """An ordinary case at the decision stage with the investigation report and a draft decision."""
    case = case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title="无证经营危险化学品",
                                   action_type=action_type, procedure="ordinary", place=desk.place,
                                   legal_basis="《危险化学品安全管理条例》第七十七条", actor=desk.officer)
    for person in desk.officers:
        case_services.officer_assign(case=case, person=person, actor=desk.officer)
    # A decision names its party (行政处罚法 第五十九条): the decision gate refuses one without.
    case_services.party_add(case=case, kind="natural", name="张三", id_number="11010519491231002X",
                            address="甲一县某路1号（虚构）", actor=desk.officer)
    record = lambda form, **kw: case_services.document_record(case=case, form=form, elements=elements(desk, **kw),  # noqa: E731
                                                              actor=desk.officer)
    record("filing_approval", case_source="举报", opinion="同意立案", approver="局长")
    case = case_services.case_advance(case=case, actor=desk.head)
    record("inspection_record")
    case = case_services.case_advance(case=case, actor=desk.officer)
    record("penalty_notice", facts="无证经营", legal_basis="第七十七条", proposed_penalty="罚款二十万元", rights="陈述申辩听证")
    if hearing:
        record("hearing_record", host="法制科长", participants="当事人及其代理人")
    if proposal:
        record("review_proposal", proposal="罚款二十万元", explanation="涉案金额较大")
    record("investigation_report", facts="无证经营", evidence="现场检查笔录", proposal="罚款二十万元")
    fields = {"penalty": penalty} if draft == "penalty_decision" else {"decision": "责令停止经营"}
    record(draft, facts="无证经营", legal_basis="第七十七条", remedies="六十日内复议或六个月内起诉", **fields)
    return case


def determine(case, desk, **kw):
    return services.determination_record(case=case, actor=desk.officer, **({"fine_amount": "200000",
                                                                              "criteria": ["major_rights"]} | kw))


def submitted(desk, office, **kw):
    case = decision_case(desk, **kw)
    determine(case, desk)
    return services.review_submit(case=case, actor=desk.officer, note="请审核")


def assigned(review, office):
    services.reviewer_assign(review=review, person=office.reviewer, actor=office.review_head)
    return review


def checklist(review, problems: dict | None = None) -> dict:
    problems = problems or {}
    return {code: ({"finding": "problem", "note": problems[code]} if code in problems else {"finding": "ok"})
            for code in review.rules["items"]}


def agree(review, office):
    return services.opinion_record(review=review, kind="agree", checklist=checklist(review), text="同意作出决定",
                                   actor=office.reviewer_user)


def days_ago(n):
    return timezone.now() - dt.timedelta(days=n)
