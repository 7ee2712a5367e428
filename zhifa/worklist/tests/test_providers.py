"""Each app's provider lists what the user must do, and nothing the user may not act on or see (issue 18 §1)."""

import datetime as dt

import pytest
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import elements
from zhifa.cases.todo import next_step_actors
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import PersonFactory, UserFactory, grant
from zhifa.review import services as review_services
from zhifa.review.tests.conftest import agree, assigned, submitted
from zhifa.worklist.selectors import overdue_for, todo_for

pytestmark = pytest.mark.django_db


def kinds(user, on=None):
    return [i.kind for i in todo_for(user, on=on or timezone.localdate())]


def _open(desk, *, actor, title="检查某某商店"):
    case = case_services.case_open(agency=desk.agency, handling_unit=desk.unit, title=title, action_type="inspection",
                                   procedure="ordinary", place=desk.place, legal_basis="《产品质量法》", actor=actor)
    for person in desk.officers:
        case_services.officer_assign(case=case, person=person, actor=actor)
    return case


def test_filing_approval_waits_for_the_head_once_the_form_is_drafted(on_duty, users, tree):
    """The officer assigned drafts the 立案审批表; then 批准立案 waits for the heads who approve (cases.approve) —
    of this agency only."""
    case = _open(on_duty, actor=on_duty.officer)
    assert "cases.missing_document" in kinds(on_duty.officer)
    assert "cases.approve_filing" not in kinds(on_duty.head)
    case_services.document_record(case=case, form="filing_approval", elements=elements(
        on_duty, case_source="举报", opinion="同意立案", approver="局长"), actor=on_duty.officer)
    assert "cases.missing_document" not in kinds(on_duty.officer)
    mine = [i for i in todo_for(on_duty.head, on=timezone.localdate()) if i.kind == "cases.approve_filing"]
    assert [i.label for i in mine] == [f"{case.number} 检查某某商店"]
    assert mine[0].url.endswith(f"/cases/{case.pk}/#next-step")
    assert mine[0].countdown == "无法定期限"
    other_head = grant(UserFactory(), Role.AGENCY_HEAD, agency=tree.agency_a2)
    assert kinds(other_head) == []
    other_officer = grant(UserFactory(), Role.OFFICER, agency=tree.agency_a2)
    assert kinds(other_officer) == []
    # The officer of the agency who is not assigned to the case has nothing to do in it.
    colleague = grant(UserFactory(), Role.OFFICER, agency=on_duty.agency)
    PersonFactory(agency=on_duty.agency, user=colleague)
    assert kinds(colleague) == []
    case_services.case_advance(case=case, actor=on_duty.head)
    assert "cases.approve_filing" not in kinds(on_duty.head)


def test_next_step_actors_names_who_can_act(on_duty, users):
    case = _open(on_duty, actor=on_duty.officer)
    assert "甲一执法员（承办执法人员）" in next_step_actors(case)  # the form is missing: the officers draft it
    case_services.document_record(case=case, form="filing_approval", elements=elements(
        on_duty, case_source="举报", opinion="同意立案", approver="局长"), actor=on_duty.officer)
    actors = next_step_actors(case)
    assert any(a.endswith("（承办机构负责人）") for a in actors)
    assert any(a.endswith("（执法机关负责人）") for a in actors)
    assert not any("承办执法人员" in a for a in actors)


@pytest.mark.req("REV-06")
def test_review_waits_for_assignment_then_for_the_reviewer_by_its_due_date(on_duty, office, users, tree):
    review = submitted(on_duty, office)
    assign = [i for i in todo_for(office.review_head, on=timezone.localdate()) if i.kind == "review.assign"]
    assert len(assign) == 1 and assign[0].due == review.due_on
    assert "review.opinion" not in kinds(office.reviewer_user)
    assigned(review, office)
    assert "review.assign" not in kinds(office.review_head)
    opinion = [i for i in todo_for(office.reviewer_user, on=timezone.localdate()) if i.kind == "review.opinion"]
    assert len(opinion) == 1 and opinion[0].due == review.due_on and opinion[0].actor == "赵审核"
    assert opinion[0].url.endswith(f"/review/cases/{review.case_id}/#kind")
    # A reviewer of another agency sees nothing of it.
    stranger = grant(UserFactory(), Role.REVIEWER, agency=tree.agency_b1)
    assert kinds(stranger) == []
    agree(review, office)
    assert "review.opinion" not in kinds(office.reviewer_user)


def test_supplements_go_back_to_the_officers_of_the_case(on_duty, office, users):
    review = assigned(submitted(on_duty, office), office)
    due = timezone.localdate() + dt.timedelta(days=10)
    review_services.clock_pause(review=review, kind="supplement", reason="补充证据", actor=office.reviewer_user,
                                 due_date=due)
    items = [i for i in todo_for(on_duty.officer, on=timezone.localdate()) if i.kind == "review.supplement"]
    assert len(items) == 1 and items[0].due == due and items[0].url.endswith("#rs")
    assert "review.supplement" not in kinds(office.reviewer_user)


def test_catalogue_filing_waits_for_the_supervisor_of_the_subtree_only(on_duty, office, users, tree):
    from zhifa.review.services import catalogue_issue
    from zhifa.review.tests.test_catalogue import ITEMS

    catalogue_issue(agency=on_duty.agency, items=ITEMS, effective_from=timezone.localdate(), actor=office.legal_head)
    assert "review.catalogue_acknowledge" in kinds(users.county_a1_supervisor)
    assert "review.catalogue_acknowledge" in kinds(users.city_a_supervisor)
    other = grant(UserFactory(), Role.SUPERVISOR, jurisdiction=tree.city_b)
    assert kinds(other) == []


@pytest.mark.req("PUB-07")
def test_publication_waits_for_editor_then_approver_and_a_return_goes_back_to_the_editor(pubdesk, tree):
    from zhifa.publicity import services as publicity
    from zhifa.publicity.models import Publication
    from zhifa.publicity.tests.conftest import decided_case

    case = decided_case(pubdesk)
    pub = Publication.objects.get(case=case)
    items = [i for i in todo_for(pubdesk.editor, on=timezone.localdate()) if i.kind == "publicity.submit"]
    assert len(items) == 1 and items[0].due == pub.due_on and items[0].due is not None
    assert kinds(pubdesk.approver) == [] or "publicity.approve" not in kinds(pubdesk.approver)
    publicity.publication_submit(publication=pub, actor=pubdesk.editor)
    assert "publicity.approve" in kinds(pubdesk.approver)
    assert "publicity.submit" not in kinds(pubdesk.editor)
    publicity.publication_return(publication=pub, reason="请隐去电话", actor=pubdesk.approver)
    returned = [i for i in todo_for(pubdesk.editor, on=timezone.localdate()) if i.kind == "publicity.returned"]
    assert len(returned) == 1 and "退回" in returned[0].title
    other_editor = grant(UserFactory(), Role.PUBLICITY_EDITOR, agency=tree.agency_b1)
    assert kinds(other_editor) == []


@pytest.mark.req("PUB-07")
def test_overdue_page_lists_what_is_late_in_the_supervisors_subtree_only(pubdesk, users):
    from zhifa.publicity.models import Publication
    from zhifa.publicity.tests.conftest import decided_case

    case = decided_case(pubdesk)
    pub = Publication.objects.get(case=case)
    late = pub.due_on + dt.timedelta(days=10)
    found = [i for i in overdue_for(users.city_a_supervisor, on=late) if i.kind == "publicity.submit"]
    assert len(found) == 1 and found[0].overdue and found[0].countdown.startswith("已超期")
    other = grant(UserFactory(), Role.SUPERVISOR, jurisdiction=pubdesk.tree.city_b)
    assert overdue_for(other, on=late) == []
    assert overdue_for(pubdesk.editor, on=late) == []  # an editor has no oversight page


def test_a_later_app_adds_its_provider_without_editing_the_list(users):
    """Supervision's alerts (issue 20) will register a provider of their own; the list asks every registered one."""
    from zhifa.core import todo as core_todo

    def alerts(user, *, on):
        return [core_todo.item(kind="supervision.alert", key=f"supervision.alert:{user.pk}", title="核查预警",
                               label="某案", url="/", actor="监督人员", on=on)] if user == users.city_a_supervisor else []

    core_todo.register_provider("supervision-test", alerts)
    try:
        assert "supervision.alert" in kinds(users.city_a_supervisor)
        assert "supervision.alert" not in kinds(users.county_a1_supervisor)
    finally:
        core_todo._providers.pop("supervision-test")
    assert "supervision.alert" not in kinds(users.city_a_supervisor)


@pytest.mark.req("REV-06")
def test_an_extension_request_waits_for_the_approver_the_rules_name(on_duty, office, users):
    """IM-M §31: the head in charge of legal work approves; the reviewer who asked does not."""
    review = assigned(submitted(on_duty, office), office)
    review_services.extension_request(review=review, reason="案情复杂", actor=office.reviewer_user)
    found = [i for i in todo_for(office.legal_head, on=timezone.localdate()) if i.kind == "review.extension"]
    assert len(found) == 1 and found[0].due == review.due_on and found[0].url.endswith("#en")
    assert "review.extension" not in kinds(office.reviewer_user)
    review_services.extension_decide(review=review, approve=True, actor=office.legal_head, note="同意")
    assert "review.extension" not in kinds(office.legal_head)


@pytest.mark.req("REV-01")
def test_the_decision_waits_on_the_list_only_once_the_review_lets_it_through(on_duty, office, users):
    """A major decision is assessed and submitted by the officers first; 作出决定 reaches the heads' lists only once
    the review passed (IM-M §25), as the gate on the case page says."""
    from zhifa.review.tests.conftest import decision_case, determine

    case = decision_case(on_duty)
    assert "review.determine" in kinds(on_duty.officer)
    assert "cases.decide" not in kinds(users.head_a1)
    determine(case, on_duty)
    assert "review.submit" in kinds(on_duty.officer) and "review.determine" not in kinds(on_duty.officer)
    assert "cases.decide" not in kinds(users.head_a1)
    review = review_services.review_submit(case=case, actor=on_duty.officer, note="请审核")
    assert "review.submit" not in kinds(on_duty.officer)
    assert "cases.decide" not in kinds(users.head_a1)
    agree(assigned(review, office), office)
    assert "cases.decide" in kinds(users.head_a1)
