"""A major penalty through legal review in a real browser: submission, a "correct" opinion, the
correction and resubmission, "agree", and the signed decision (REV-01, REV-04, REV-07)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from zhifa.cases import services as case_services
from zhifa.cases.models import Stage
from zhifa.cases.tests.conftest import elements
from zhifa.core.permissions import Role
from zhifa.org.models import Field, UnitKind
from zhifa.org.tests.factories import AgencyFactory, CertificateFactory, PersonFactory, UnitFactory, grant
from zhifa.review.models import Review
from zhifa.rules.services import ruleset_apply

from .test_seizure_walk import PASSWORD, login, relogin


@pytest.fixture
def agency(transactional_db, tree):
    User = get_user_model()
    agency = tree.agency_a1
    handling = UnitFactory(agency=agency, name="综合执法大队", kind=UnitKind.HANDLING)
    review_unit = UnitFactory(agency=agency, name="法制审核科", kind=UnitKind.REVIEW)
    AgencyFactory(name="甲一县司法局", jurisdiction=tree.a1, is_justice_bureau=True, field=Field.JUSTICE)
    today = dt.date.today()
    officers = []
    for name in ("李执法", "王执法"):
        person = PersonFactory(agency=agency, unit=handling, name=name)
        CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=100),
                           valid_to=today + dt.timedelta(days=300))
        officers.append(person)
    leader = grant(User.objects.create_user("team_leader", password=PASSWORD), Role.HANDLING_HEAD, agency=agency)
    grant(User.objects.create_user("review_chief", password=PASSWORD), Role.REVIEW_HEAD, agency=agency)
    grant(User.objects.create_user("agency_head", password=PASSWORD), Role.AGENCY_HEAD, agency=agency)
    reviewer = grant(User.objects.create_user("reviewer", password=PASSWORD), Role.REVIEWER, agency=agency)
    PersonFactory(agency=agency, unit=review_unit, name="赵审核", is_reviewer=True, user=reviewer,
                  legal_qualification_number="A20151101000001")
    root = User.objects.create_superuser("e2e_root", password=PASSWORD)
    ruleset_apply(name="national", actor=root)
    ruleset_apply(name="im-m", jurisdiction=tree.region, actor=root)
    case = case_services.case_open(agency=agency, handling_unit=handling, title="无证经营危险化学品（浏览器测试）",
                                   action_type="penalty", procedure="ordinary", place=tree.a1,
                                   legal_basis="《危险化学品安全管理条例》第七十七条", actor=leader)
    desk = type("Desk", (), {"officers": officers})
    for person in officers:
        case_services.officer_assign(case=case, person=person, actor=leader)
    # A decision names its party (行政处罚法 §59; issue 18).
    case_services.party_add(case=case, kind="organisation", name="某某化工贸易有限公司", id_number="91350100M000100Y43",
                            address="甲一县工业路1号", actor=leader)

    def record(form, **kw):
        case_services.document_record(case=case, form=form, elements=elements(desk, **kw), actor=leader)
    record("filing_approval", case_source="举报", opinion="同意立案", approver="局长")
    case = case_services.case_advance(case=case, actor=leader)
    record("inspection_record")
    case = case_services.case_advance(case=case, actor=leader)
    record("penalty_notice", facts="无证经营", legal_basis="第七十七条", proposed_penalty="罚款二十万元", rights="陈述申辩听证")
    record("investigation_report", facts="无证经营", evidence="现场检查笔录", proposal="罚款二十万元")
    record("penalty_decision", facts="无证经营", legal_basis="第七十七条", penalty="罚款二十万元", remedies="复议或诉讼")
    return case


@pytest.mark.req("REV-01")
@pytest.mark.req("REV-04")
@pytest.mark.req("REV-07")
def test_a_major_penalty_through_review_to_the_signed_decision(page, agency, shot):
    case = agency
    login(page, "team_leader")
    page.goto(f"/review/cases/{case.pk}/")
    page.get_by_label("罚没款金额（元）").fill("200000")
    page.get_by_label("直接关系行政相对人或者第三人重大权益").check()
    page.get_by_role("button", name="保存认定").click()
    assert "属于重大执法决定" in page.content()
    page.get_by_role("button", name="送法制审核").click()
    assert "已送法制审核" in page.content()
    shot("review-submitted")

    relogin(page, "review_chief")
    page.goto(f"/review/cases/{case.pk}/")
    page.select_option("#rp", label="赵审核")
    page.get_by_role("button", name="指派").click()
    assert "已指派审核人员" in page.content()

    relogin(page, "reviewer")
    page.goto("/review/?mine=1")
    page.get_by_role("link", name=case.number).click()
    page.select_option("select[name=finding_discretion]", "problem")
    page.fill("input[name=note_discretion]", "罚款数额未按裁量基准确定")
    page.select_option("#kind", "correct")
    page.check("input[value=discretion_improper]")
    page.fill("#ot", "请按裁量基准重新确定罚款数额后再送审。")
    page.get_by_role("button", name="签署审核意见").click()
    assert "已出具审核意见" in page.content()
    shot("review-correct-opinion")

    relogin(page, "team_leader")
    page.goto(f"/review/cases/{case.pk}/")
    page.get_by_role("button", name="采纳审核意见").click()
    assert Review.objects.get(case=case).state == "to_resubmit"
    page.goto(f"/cases/{case.pk}/")
    draft = case.documents.get(form="penalty_decision")
    page.locator("details", has_text="行政处罚决定书").locator("summary").click()
    page.locator("details", has_text="行政处罚决定书").get_by_role("button", name="更正此文书").click()
    page.wait_for_selector("#cr")
    page.fill("#cr", "按法制审核意见调整罚款数额")
    page.fill("#el-penalty", "罚款十万元")
    page.get_by_role("button", name="保存文书").click()
    page.wait_for_load_state("networkidle")
    assert draft.superseded_by.elements["penalty"] == "罚款十万元"
    page.goto(f"/review/cases/{case.pk}/")
    page.get_by_label("处理情况说明").fill("已按裁量基准调整为十万元")
    page.get_by_role("button", name="重新送审").click()
    assert "已重新送审" in page.content() and Review.objects.get(case=case).round == 2

    relogin(page, "reviewer")
    page.goto(f"/review/cases/{case.pk}/")
    page.fill("#ot", "同意作出决定。")
    page.get_by_role("button", name="签署审核意见").click()
    assert Review.objects.get(case=case).state == "passed"

    # Issue 14 §5: the head who signs for the agency issues (seals) the decision, by a POST; the handling
    # unit's head sees no 签发 button, and the download serves only what was issued.
    relogin(page, "team_leader")
    page.goto(f"/cases/{case.pk}/")
    decision = case.documents.get(form="penalty_decision", superseded_by__isnull=True)
    assert page.get_by_role("button", name="签发（加盖电子签章）").count() == 0
    relogin(page, "agency_head")
    page.goto(f"/cases/{case.pk}/")
    details = page.locator("details", has_text="行政处罚决定书")
    details.locator("summary").first.click()
    details.get_by_role("button", name="签发（加盖电子签章）").first.click()
    page.wait_for_load_state("networkidle")
    assert decision.renditions.get(kind="pdf").signer_sha256
    with page.expect_download() as download:
        page.evaluate(f"window.location.href='/cases/{case.pk}/documents/{decision.pk}.pdf'")
    assert download.value.suggested_filename.endswith(".pdf")
    relogin(page, "team_leader")
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("button", name="作出决定，进入送达执行").click()
    page.wait_for_load_state("networkidle")
    assert case.__class__.objects.get(pk=case.pk).stage == Stage.SERVICE_ENFORCEMENT
    shot("review-decided")
