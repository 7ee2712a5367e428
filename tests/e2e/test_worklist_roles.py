"""Each role starts from the to-do list on its home page, clicks the item, does the work there and sees it leave the
list (issue 18 §1, "Done when"): the officer ends an investigation, the agency head approves a filing and publishes
a decision, the reviewer signs an opinion, the publicity editor resubmits an item sent back to her, the supervisor
registers a catalogue's filing and the head decides a request to inspect records.

The accounts carry the demo's login names and roles; each test makes its own precondition through the services,
so it does not depend on what the demo data holds on a given day.
"""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import elements
from zhifa.core.permissions import Role
from zhifa.org.models import Field, UnitKind
from zhifa.org.tests.factories import AgencyFactory, CertificateFactory, PersonFactory, UnitFactory, grant
from zhifa.publicity import services as publicity
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case
from zhifa.records import access
from zhifa.review import services as review_services
from zhifa.review.models import Review
from zhifa.review.tests.conftest import determine
from zhifa.review.tests.test_catalogue import ITEMS
from zhifa.rules.services import ruleset_apply

from .test_seizure_walk import PASSWORD, login, relogin


@pytest.fixture
def world(transactional_db, tree):
    User = get_user_model()
    agency = tree.agency_a1
    handling = UnitFactory(agency=agency, name="综合执法大队", kind=UnitKind.HANDLING)
    review_unit = UnitFactory(agency=agency, name="法制审核科", kind=UnitKind.REVIEW)
    AgencyFactory(name="甲一县司法局", jurisdiction=tree.a1, is_justice_bureau=True, field=Field.JUSTICE)
    today = dt.date.today()

    def user(username, role, name, **scope):
        u = grant(User.objects.create_user(username, password=PASSWORD, first_name=name), role, **scope)
        return u

    officer = user("officer", Role.OFFICER, "王执法", agency=agency)
    officers = [PersonFactory(agency=agency, unit=handling, name="王执法", user=officer)]
    officers.append(PersonFactory(agency=agency, unit=handling, name="李执法"))
    for person in officers:
        CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=100),
                           valid_to=today + dt.timedelta(days=300))
    head = user("agency_head", Role.AGENCY_HEAD, "局长（演示）", agency=agency)
    grant(head, Role.LEGAL_HEAD, agency=agency)
    PersonFactory(agency=agency, name="局长（演示）", user=head)
    reviewer = user("reviewer", Role.REVIEWER, "赵审核", agency=agency)
    grant(reviewer, Role.REVIEW_HEAD, agency=agency)
    reviewer_person = PersonFactory(agency=agency, unit=review_unit, name="赵审核", is_reviewer=True, user=reviewer,
                                    legal_qualification_number="A20151101000001")
    editor = user("publicity_editor", Role.PUBLICITY_EDITOR, "孙编辑", agency=agency)
    supervisor = user("county_supervisor", Role.SUPERVISOR, "常监督", jurisdiction=tree.a1)
    root = User.objects.create_superuser("e2e_root", password=PASSWORD)
    ruleset_apply(name="national", actor=root)
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=root)
    return SimpleNamespace(agency=agency, unit=handling, officers=officers, officer=officer, head=head, place=tree.a1,
                           reviewer=reviewer, reviewer_person=reviewer_person, editor=editor, supervisor=supervisor)


def open_case(w, *, title, action_type="inspection", filed=True):
    case = case_services.case_open(agency=w.agency, handling_unit=w.unit, title=title, action_type=action_type,
                                   procedure="ordinary", place=w.place, legal_basis="《产品质量法》第四十九条", actor=w.officer)
    for person in w.officers:
        case_services.officer_assign(case=case, person=person, actor=w.officer)
    if filed:
        case_services.document_record(case=case, form="filing_approval", elements=elements(
            w, case_source="举报", opinion="同意立案", approver="局长"), actor=w.officer)
    return case


def todo_row(page, text):
    return page.locator("#todo tr.todo-item", has_text=text)


def start_from_the_list(page, text, title):
    """On the home page, the item is listed with its countdown; its link leads to where the work is done."""
    page.goto("/")
    row = todo_row(page, text).filter(has_text=title)
    row.wait_for()
    assert row.get_by_role("link", name=title).is_visible()
    with page.expect_navigation():
        row.get_by_role("link", name=title).click()


def gone_from_the_list(page, text):
    page.goto("/")
    page.get_by_role("heading", name="我的待办", exact=False).wait_for()
    assert todo_row(page, text).count() == 0


def test_officer_ends_the_investigation_from_the_list(page, world, shot):
    case = open_case(world, title="检查某某五金店")
    case = case_services.case_advance(case=case, actor=world.head)
    case_services.document_record(case=case, form="inspection_record", elements=elements(world), actor=world.officer)
    login(page, "officer")
    shot("worklist-officer-home")
    start_from_the_list(page, case.number, "调查终结，进入审核决定")
    assert f"/cases/{case.pk}/" in page.url
    page.get_by_role("button", name="调查终结，进入审核决定").click()
    page.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.stage == "decision"
    gone_from_the_list(page, "调查终结")


def test_agency_head_approves_a_filing_from_the_list(page, world, shot):
    case = open_case(world, title="无照经营某某烟酒店")
    login(page, "agency_head")
    shot("worklist-head-home")
    start_from_the_list(page, case.number, "批准立案，开始调查取证")
    page.get_by_role("button", name="批准立案，开始调查取证").click()
    page.wait_for_load_state("networkidle")
    case.refresh_from_db()
    assert case.stage == "investigation"
    gone_from_the_list(page, case.number)


@pytest.mark.req("REV-06")
def test_reviewer_signs_the_opinion_from_the_list(page, world, shot):
    case = open_case(world, title="无证经营危险化学品", action_type="penalty")
    case = case_services.case_advance(case=case, actor=world.head)
    record = lambda form, **kw: case_services.document_record(case=case, form=form, elements=elements(world, **kw),  # noqa: E731
                                                              actor=world.officer)
    record("inspection_record")
    case = case_services.case_advance(case=case, actor=world.officer)
    record("penalty_notice", facts="无证经营", legal_basis="第七十七条", proposed_penalty="罚款二十万元", rights="陈述申辩听证")
    record("investigation_report", facts="无证经营", evidence="现场检查笔录", proposal="罚款二十万元")
    record("penalty_decision", facts="无证经营", legal_basis="第七十七条", penalty="罚款二十万元", remedies="复议或诉讼")
    determine(case, world)
    review = review_services.review_submit(case=case, actor=world.officer, note="请审核")
    review_services.reviewer_assign(review=review, person=world.reviewer_person, actor=world.reviewer)
    login(page, "reviewer")
    row = page.locator("#todo tr.todo-item", has_text=case.number)
    row.wait_for()
    assert "还剩" in row.inner_text() and "个工作日" in row.inner_text()
    shot("worklist-reviewer-home")
    start_from_the_list(page, case.number, "审核并出具法制审核意见")
    page.fill("#ot", "同意作出决定。")
    page.get_by_role("button", name="签署审核意见").click()
    page.wait_for_load_state("networkidle")
    assert Review.objects.get(case=case).state == "passed"
    gone_from_the_list(page, "审核并出具法制审核意见")


def _publication(world):
    decided_case(world)
    return Publication.objects.get()


@pytest.mark.req("PUB-07")
def test_publicity_editor_resubmits_an_item_sent_back_from_the_list(page, world, shot):
    pub = _publication(world)
    publicity.publication_submit(publication=pub, actor=world.editor)
    publicity.publication_return(publication=pub, reason="请核对违法事实的表述", actor=world.head)
    login(page, "publicity_editor")
    row = todo_row(page, pub.title)
    row.wait_for()
    assert "被退回修改" in row.inner_text()
    shot("worklist-editor-home")
    start_from_the_list(page, pub.title, "被退回修改：按审核意见修改后重新提交审核")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_load_state("networkidle")
    pub.refresh_from_db()
    assert pub.state == "submitted"
    gone_from_the_list(page, pub.title)
    # The bell counts the notification made when the item sent back landed on her list; opening it marks it read.
    assert page.locator("#notification-bell .badge").inner_text() == "1"
    page.locator("#notification-bell").click()
    page.get_by_role("link", name="被退回修改：按审核意见修改后重新提交审核").click()
    page.wait_for_load_state("networkidle")
    assert f"/publicity/items/{pub.pk}/" in page.url
    assert page.locator("#notification-bell .badge").count() == 0


@pytest.mark.req("PUB-07")
def test_agency_head_publishes_from_the_list(page, world, shot):
    pub = _publication(world)
    publicity.publication_submit(publication=pub, actor=world.editor)
    login(page, "agency_head")
    start_from_the_list(page, pub.title, "审核并发布")
    page.get_by_role("button", name="审核通过并发布").click()
    page.wait_for_load_state("networkidle")
    pub.refresh_from_db()
    assert pub.state == "published"
    gone_from_the_list(page, pub.title)


def test_supervisor_registers_a_catalogue_filing_from_the_list(page, world, shot):
    review_services.catalogue_issue(agency=world.agency, items=ITEMS, effective_from=timezone.localdate(),
                                    actor=world.head)
    login(page, "county_supervisor")
    shot("worklist-supervisor-home")
    start_from_the_list(page, world.agency.name, "重大执法决定法制审核目录清单备案登记")
    page.get_by_role("button", name="备案登记").first.click()
    page.wait_for_load_state("networkidle")
    gone_from_the_list(page, world.agency.name)


@pytest.mark.req("REC-14")
def test_agency_head_decides_a_request_to_inspect_records_from_the_list(page, world, shot):
    case = open_case(world, title="某某超市销售过期食品")
    access.access_request_create(case=case, requester_kind="interested_person", requester_name="周某",
                                 purpose="查阅立案审批材料", actor=world.officer)
    login(page, "agency_head")
    start_from_the_list(page, case.number, "审批周某的查阅申请")
    page.get_by_label("审批理由").fill("申请人与本案无利害关系，不予提供。")
    page.get_by_role("button", name="不予提供").click()
    page.wait_for_load_state("networkidle")
    gone_from_the_list(page, "审批周某的查阅申请")


@pytest.mark.req("PUB-07")
def test_the_only_approver_who_submitted_sees_the_item_wait_without_a_link(page, world, shot):
    """Tryout 18, defect 5: the head, the agency's only approver, is not offered the submit step; had he submitted,
    his list says the item waits for another approver, and offers no 审核并发布 he would be refused."""
    pub = _publication(world)
    login(page, "agency_head")
    page.get_by_role("heading", name="我的待办", exact=False).wait_for()
    assert todo_row(page, pub.title).count() == 0
    publicity.publication_submit(publication=pub, actor=world.head)
    page.goto("/")
    row = todo_row(page, pub.title)
    row.wait_for()
    assert "等待其他审核人（本机关没有其他公示审核人，请联系管理员授予）" in row.inner_text()
    assert row.get_by_role("link", name="审核并发布").count() == 0
    assert row.get_by_role("link", name="等待其他审核人", exact=False).count() == 0
    shot("worklist-head-blocked")
    relogin(page, "county_supervisor")
    page.goto("/worklist/overdue/")
    entry = page.locator("#overdue tr", has_text=pub.title)
    assert "待审核发布" in entry.inner_text() and "无人可以办理" in entry.inner_text()
