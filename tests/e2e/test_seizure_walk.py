"""A seizure case walked from start to archive in a real browser, with a video upload (REC-01, REC-03)."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from playwright.sync_api import expect

from zhifa.cases.models import Case, Document, Stage
from zhifa.core.permissions import Role
from zhifa.core.testing import second_factor_in_browser
from zhifa.demo.media import demo_clip
from zhifa.org.models import UnitKind
from zhifa.org.tests.factories import CertificateFactory, PersonFactory, UnitFactory, grant
from zhifa.records.models import CaseFileSeal, Device, Recording
from zhifa.rules.services import ruleset_apply

PASSWORD = "e2e-password-2026"


@pytest.fixture
def handling(transactional_db, tree):
    User = get_user_model()
    agency = tree.agency_a1
    unit = UnitFactory(agency=agency, name="综合执法大队", kind=UnitKind.HANDLING)
    today = dt.date.today()
    for name in ("李执法", "王执法"):
        person = PersonFactory(agency=agency, unit=unit, name=name)
        CertificateFactory(person=person, area=tree.a1, valid_from=today - dt.timedelta(days=100),
                           valid_to=today + dt.timedelta(days=300))
    head = grant(User.objects.create_user("team_leader", password=PASSWORD), Role.HANDLING_HEAD, agency=agency)
    Device.objects.create(agency=agency, kind="body_camera", serial="ZFY-E2E-1", registered_by=head)
    # A transactional test's flush also empties the national baseline its migration loaded: put it back.
    ruleset_apply(name="national", actor=User.objects.create_superuser("e2e_root", password=PASSWORD))
    return tree


def login(page, username):
    page.goto("/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    second_factor_in_browser(page, username)  # issue 14 §6: supervisors, reviewers, heads
    page.wait_for_url("**/")


def relogin(page, username):
    """Another person at the same browser: the session of the last one is gone first."""
    page.context.clear_cookies()
    login(page, username)


def write_document(page, form: str, texts: dict, checks=()):
    before = Document.objects.filter(form=form).count()
    page.wait_for_load_state("networkidle")
    # Wait for the fields of this form to arrive, so a late reply to the page's own load request
    # cannot replace the fields after they were filled (a race under load).
    with page.expect_response(lambda r: "/fields/" in r.url and f"form={form}" in r.url):
        page.select_option("#form", form)
    page.wait_for_selector(f"#el-{next(iter(texts))}")
    for name, value in texts.items():
        page.fill(f"#el-{name}", value)
    for name in checks:
        page.check(f"#el-{name}")
    page.get_by_role("button", name="保存文书").click()
    page.wait_for_load_state("networkidle")
    assert Document.objects.filter(form=form).count() == before + 1, page.content()[-2000:]


COMMON = {"place": "甲一县人民路8号", "target": "某某商店（虚构）", "content": "扣押涉嫌假冒商品", "process": "出示证件，告知事由后实施"}
ON_SITE = ("certificate_shown", "rights_told")


@pytest.mark.req("REC-01")
@pytest.mark.req("REC-03")
def test_a_seizure_case_from_start_to_archive_with_a_video(page, handling, shot, tmp_path):
    login(page, "team_leader")
    page.goto("/cases/new/")
    page.get_by_label("案由").fill("扣押涉嫌假冒商品（浏览器测试）")
    page.select_option("#action_type", "coercion")
    page.get_by_label("法律依据").fill("《行政强制法》第二十二条")
    page.get_by_role("button", name="立案").click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(title="扣押涉嫌假冒商品（浏览器测试）")
    for _ in range(2):
        page.get_by_role("button", name="指派").click()
        page.wait_for_load_state("networkidle")
    assert case.officers.count() == 2
    # The party, through the case page's form: a decision names its party (行政强制法 §24; issue 18).
    page.select_option("#pk", "organisation")
    page.fill("#pn", "某某商店有限公司（虚构）")
    page.fill("#pid", "91350100M000100Y43")
    page.fill("#pa", "甲一县人民路8号")
    page.fill("#plr", "赵某")
    page.get_by_role("button", name="登记当事人").click()
    page.wait_for_load_state("networkidle")
    assert case.parties.filter(legal_representative="赵某").exists()
    write_document(page, "filing_approval", COMMON | {"case_source": "投诉举报", "opinion": "同意立案", "approver": "局长"})
    page.get_by_role("button", name="批准立案，开始调查取证").click()
    page.wait_for_load_state("networkidle")
    write_document(page, "inspection_record", COMMON, ON_SITE)
    # The seizure took a minute, from `began`; its recording must cover it (REC-03, IM-M §19).
    began = (timezone.localtime() - dt.timedelta(hours=2)).replace(second=0, microsecond=0)
    write_document(page, "seizure_decision", COMMON | {"items": "假冒商品 12 箱", "legal_basis": "第二十二条",
                                                       "period": "三十日", "time": f"{began:%Y-%m-%dT%H:%M}",
                                                       "end_time": f"{began + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"},
                   ON_SITE)
    # The seizure must be recorded on video before the investigation can close (REC-03): the button waits, and
    # the page says why.
    page.reload()
    assert page.get_by_role("button", name="调查终结，进入审核决定").is_disabled()
    assert "应当全程音像记录" in page.content()
    assert Case.objects.get(pk=case.pk).stage == Stage.INVESTIGATION

    video = tmp_path / "ZFY-E2E-1.mp4"
    video.write_bytes(demo_clip("执法人员正在进行扣押，现场正在录音录像。", seconds=4))
    page.goto(f"/records/cases/{case.pk}/")
    assert page.locator("#f").count() == 1, page.content()[-3000:]
    page.set_input_files("#f", str(video))
    page.select_option("#ac", "seize")
    seizure = case.documents.get(form="seizure_decision")
    page.select_option("#doc", str(seizure.pk))
    page.fill("#s", f"{began:%Y-%m-%dT%H:%M}")
    page.fill("#e", f"{began + dt.timedelta(minutes=20):%Y-%m-%dT%H:%M}")
    page.fill("#pl", "甲一县人民路8号")
    page.check("input[name=device_checked]")
    page.check("input[name=opening_statement]")
    page.get_by_role("button", name="上传", exact=True).click()
    # The page uploads by tus (issue 18 §4) and reports in place, without a page load.
    expect(page.locator("#upload-status")).to_contain_text("已上传音像记录", timeout=30000)
    recording = Recording.objects.get(case=case)
    assert recording.duration_seconds and recording.duration_seconds >= 3
    assert page.locator("video").count() == 1
    shot("seizure-recordings")

    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("button", name="调查终结，进入审核决定").click()
    page.wait_for_load_state("networkidle")
    # Every ordinary decision is first assessed: this seizure is not a major decision (REV-02).
    page.get_by_role("link", name="进入法制审核").click()
    page.get_by_role("button", name="保存认定").click()
    page.wait_for_load_state("networkidle")
    assert "不属于重大执法决定" in page.content()
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("button", name="作出决定，进入送达执行").click()
    page.wait_for_load_state("networkidle")
    write_document(page, "service_receipt", COMMON | {"served_document": "查封/扣押决定书", "recipient": "某某商店（虚构）"})
    write_document(page, "closing_report", COMMON | {"result": "扣押物品依法处理完毕"})
    page.get_by_role("button", name="结案归档").click()
    page.wait_for_load_state("networkidle")
    assert Case.objects.get(pk=case.pk).stage == Stage.ARCHIVE
    seal = CaseFileSeal.objects.get(case=case)
    page.goto(f"/records/cases/{case.pk}/")
    assert seal.index_sha256 in page.content()
    shot("seizure-archived")
