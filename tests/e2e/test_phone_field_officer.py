"""An officer in the field, on a phone (390 × 844): opens a case, fills the on-site record (现场检查笔录) and
uploads the clip, with no page wider than the screen (issue 18 §9)."""

import datetime as dt
import hashlib

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from zhifa.cases import services as cases
from zhifa.cases.models import Case, Document
from zhifa.core.permissions import Role
from zhifa.org.tests.factories import grant
from zhifa.records import services as records
from zhifa.records.models import Recording
from zhifa.records.tests.media import mp4
from zhifa.rules.services import ruleset_apply

PHONE = {"width": 390, "height": 844}
CLIP = mp4(frames=30, size=(320, 240), noise=True, fps=10)  # three seconds


@pytest.fixture
def field(transactional_db, desk, settings, tmp_path):
    """李执法 signs in as an officer of 甲一县's market agency, which has a registered body camera."""
    settings.ZHIFA_TUS_DIR = tmp_path / "tus"
    User = get_user_model()
    ruleset_apply(name="national", actor=User.objects.create_superuser("e2e_root", password="x-2026-pw"))
    person = desk.officers[0]
    person.user = grant(User.objects.create_user("li_field", password="x-2026-pw"), Role.OFFICER, agency=desk.agency)
    person.save(update_fields=["user"])
    records.device_register(agency=desk.agency, kind="body_camera", serial="ZFY-0001", actor=desk.head)
    return person.user


@pytest.fixture
def phone(browser, live_server, field):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=PHONE, is_mobile=True,
                                  has_touch=True, device_scale_factor=2)
    client = Client()
    client.force_login(field)
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def fits(page, name, shots):
    """No horizontal scroll: the page is no wider than the phone; the screenshot is kept for a person to look at."""
    page.wait_for_load_state("networkidle")
    width = page.evaluate("document.documentElement.scrollWidth")
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"phone-{name}.png"), full_page=True)
    assert width <= PHONE["width"], f"{name}: the page is {width}px wide on a {PHONE['width']}px phone"


def small_targets(page):
    """Buttons and form controls smaller than 40 px high are hard to hit with a thumb (WCAG 2.5.8 asks 24 px; the
    platforms' guidelines 44–48 px)."""
    return page.evaluate("""() => [...document.querySelectorAll('main button, main select, main input:not([type=checkbox]):not([type=radio]):not([type=hidden]), main .button')]
        .filter(el => el.offsetParent !== null)
        .map(el => [el.id || el.name || el.textContent.trim().slice(0, 12), Math.round(el.getBoundingClientRect().height)])
        .filter(([, h]) => h < 40)""")


@pytest.mark.req("REC-02")
@pytest.mark.req("REC-05")
def test_an_officer_opens_a_case_fills_the_on_site_record_and_uploads_from_a_phone(phone, desk, field, tmp_path):
    from tests.e2e.conftest import SCREENSHOTS

    page = phone
    page.goto("/")
    fits(page, "home", SCREENSHOTS)

    # 1. Open a case.
    page.goto("/cases/new/")
    fits(page, "case-new", SCREENSHOTS)
    assert small_targets(page) == []
    page.get_by_label("案由").fill("检查某某商店（手机）")
    page.select_option("#action_type", "inspection")
    page.get_by_label("法律依据").fill("《产品质量法》第十八条")
    page.get_by_role("button", name="立案").click()
    page.wait_for_url("**/cases/*/")
    case = Case.objects.get(title="检查某某商店（手机）")
    for _ in range(2):
        page.get_by_role("button", name="指派").click()
        page.wait_for_load_state("networkidle")
    assert case.officers.count() == 2
    fits(page, "case-detail", SCREENSHOTS)
    # The filing is approved by the handling unit's head (their own step, in the office).
    from zhifa.cases.tests.conftest import elements
    cases.document_record(case=case, form="filing_approval", elements=elements(
        desk, case_source="检查发现", opinion="同意立案", approver="局长"), actor=field)
    cases.case_advance(case=case, actor=desk.head)

    # 2. The on-site record.
    page.reload()
    page.wait_for_load_state("networkidle")  # the fields of the default form, loaded with the page, arrive first
    began = (timezone.localtime() - dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    with page.expect_response(lambda r: "/fields/" in r.url and "form=inspection_record" in r.url):
        page.select_option("#form", "inspection_record")
    page.wait_for_selector("#el-place")
    for name, value in {"place": "甲一县人民路8号", "target": "某某商店（虚构）", "content": "检查经营场所",
                        "process": "出示执法证件，告知检查事由后检查"}.items():
        page.fill(f"#el-{name}", value)
    page.fill("#el-time", f"{began:%Y-%m-%dT%H:%M}")
    page.fill("#el-end_time", f"{began + dt.timedelta(minutes=10):%Y-%m-%dT%H:%M}")
    page.check("#el-certificate_shown")
    page.check("#el-rights_told")
    fits(page, "on-site-record-form", SCREENSHOTS)
    page.get_by_role("button", name="保存文书").click()
    page.wait_for_load_state("networkidle")
    record = Document.objects.get(case=case, form="inspection_record")
    fits(page, "case-with-record", SCREENSHOTS)

    # 3. Upload the clip of the inspection.
    clip = tmp_path / "ZFY-0001.mp4"
    clip.write_bytes(CLIP)
    page.get_by_role("link", name="音像记录").click()
    page.wait_for_url(f"**/records/cases/{case.pk}/")
    fits(page, "recordings", SCREENSHOTS)
    assert small_targets(page) == []
    page.set_input_files("#f", str(clip))
    page.select_option("#ac", "evidence_taking")
    page.select_option("#doc", str(record.pk))
    assert page.locator("#doc option:checked").inner_text().startswith("《现场检查笔录》（第1版）· ")
    page.fill("#s", f"{began:%Y-%m-%dT%H:%M}")
    page.fill("#e", f"{began + dt.timedelta(minutes=10):%Y-%m-%dT%H:%M}")
    page.fill("#pl", "甲一县人民路8号")
    page.check("input[name=device_checked]")
    page.check("input[name=opening_statement]")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#upload-status")).to_contain_text("校验通过：时长 3 秒", timeout=30000)
    fits(page, "upload-done", SCREENSHOTS)
    recording = Recording.objects.select_related("blob").get()
    assert recording.document_id == record.pk and recording.blob.sha256 == hashlib.sha256(CLIP).hexdigest()
    assert page.locator("#recordings-list video").count() == 1  # the list was refreshed in place
    fits(page, "recordings-after", SCREENSHOTS)
