"""Case-file evaluation in Chromium (issue 21, "Done when"): a bureau opens a campaign, files are drawn, an evaluator
scores one with the machine's items pre-filled and overrides one with a reason, the agency sees its result and records
the rectification. The machine's pre-scores are the real ones (prescore.prescore on the record).

The browser is driven from a thread of its own, as the cockpit's test does (tests/e2e's session-wide Playwright may
hold the main thread's event loop)."""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.e2e.conftest import ARGS, CHROMIUM, SCREENSHOTS
from zhifa.org.tests.factories import AdviserFactory, AgencyFactory, PersonFactory, UnitFactory, UserFactory

from .conftest import archived

pytestmark = [pytest.mark.e2e, pytest.mark.req("SUP-06")]


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _drive(base_url: str, sessions: dict, today: dt.date) -> dict:
    from playwright.sync_api import sync_playwright

    out = {"errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            def page_as(who):
                context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900})
                context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": sessions[who], "url": base_url}])
                page = context.new_page()
                page.set_default_timeout(20000)
                page.on("pageerror", lambda e: out["errors"].append(str(e)))
                return page

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # 1. The bureau opens the campaign and draws.
            page = page_as("sup")
            page.goto("/evaluation/new/")
            page.get_by_label("评查名称").fill("2026年度行政处罚案卷评查")
            page.get_by_label("甲一县 甲一县市场监督管理局").check()
            page.get_by_label("行政处罚").check()
            page.get_by_label("归档日期自").fill((today - dt.timedelta(days=30)).isoformat())
            page.get_by_label("归档日期至").fill(today.isoformat())
            page.get_by_label("每个机关随机抽取案卷数").fill("1")
            page.get_by_label("公职律师甲（公职律师）").check()
            page.get_by_role("button", name="组织评查").click()
            page.wait_for_url("**/evaluation/*/")
            out["campaign_url"] = page.url
            page.get_by_role("button", name="随机抽取案卷").click()
            page.locator("#draw").wait_for()
            out["seed"] = page.locator("#draw code").nth(1).inner_text()
            page.get_by_role("button", name="分配评查案卷").click()
            page.wait_for_selector("text=已分配评查案卷")
            page.screenshot(path=str(SCREENSHOTS / "evaluation-bureau.png"), full_page=True)
            # 2. The evaluator scores the file: the machine's items are pre-selected with their evidence; the items only
            # a person judges are chosen; one machine item is overridden, first without a reason (refused), then with.
            ev = page_as("lawyer")
            ev.goto(out["campaign_url"])
            ev.locator("#files a").first.click()
            ev.locator("#sheet").wait_for()
            selects = ev.locator("#sheet select")
            machine_codes, person_codes = [], []
            for i in range(selects.count()):
                s = selects.nth(i)
                code = s.get_attribute("name").removeprefix("passed_")
                (person_codes if s.locator("option[value='']").count() else machine_codes).append(code)
            out["machine_items"] = len(machine_codes)
            for code in person_codes:
                ev.locator(f"select[name=passed_{code}]").select_option("0" if code == "B01" else "1")
            flip = next(c for c in machine_codes if not c.startswith("B"))
            current = ev.locator(f"select[name=passed_{flip}]").input_value()
            ev.locator(f"select[name=passed_{flip}]").select_option("0" if current == "1" else "1")
            ev.get_by_role("button", name="提交评分").click()
            ev.wait_for_selector("text=须说明理由")
            out["refused"] = True
            # The sheet comes back as it was entered: every choice kept, only the reason to add.
            out["kept"] = all(ev.locator(f"select[name=passed_{code}]").input_value() == ("0" if code == "B01" else "1")
                              for code in person_codes) and ev.locator(f"select[name=passed_{flip}]").input_value() != current
            ev.locator(f"input[name=reason_{flip}]").fill("经核查案卷原件，系统所据记录不完整。")
            ev.get_by_role("button", name="提交评分").click()
            ev.locator("#result").wait_for()
            out["grade"] = ev.locator("#result-grade").inner_text()
            ev.screenshot(path=str(SCREENSHOTS / "evaluation-evaluator.png"), full_page=True)
            # 3. The bureau closes the campaign: results fed back, the report sealed.
            page.goto(out["campaign_url"])
            page.locator("#close summary").click()  # a deliberate second step: it seals and sends
            page.get_by_label("评查情况综述").fill("抽查案卷一件，基本项目不符合，评定为不合格。")
            page.get_by_role("button", name="确认完成评查并反馈结果").click()
            page.wait_for_selector("text=评查报告（")
            out["state"] = page.locator("#state").inner_text()
            # 4. The agency sees its result and records the rectification.
            head = page_as("head")
            head.goto(out["campaign_url"])
            # Its own extract, never the sealed report covering every agency, nor the close summary.
            out["agency_links"] = (head.get_by_text("本机关评查结果（PDF 摘录）").count(),
                                   head.get_by_text("评查报告（").count(), head.get_by_text("抽查案卷一件").count())
            head.locator("#files a").first.click()
            head.locator("#result").wait_for()
            out["agency_grade"] = head.locator("#result-grade").inner_text()
            head.get_by_label("整改情况").fill("已重新审查执法主体资格，补正相关材料并组织全员培训。")
            head.get_by_role("button", name="报告整改情况").click()
            head.locator("#rectified").wait_for()
            out["rectified"] = head.locator("#rectified").inner_text()
            head.screenshot(path=str(SCREENSHOTS / "evaluation-agency.png"), full_page=True)
            return out
        finally:
            browser.close()


def test_a_campaign_from_opening_to_rectification_in_the_browser(live_server, transactional_db, tree, users):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from zhifa.evaluation.models import EvalCampaign, FileResult, Mark, RectificationReport

    AgencyFactory(name="甲市司法局", jurisdiction=tree.city_a, is_justice_bureau=True, abbreviation="甲司", field="justice")
    lawyer = UserFactory(username="lawyer_e2e")
    AdviserFactory(name="公职律师甲", person=PersonFactory(name="公职律师甲", agency=tree.agency_city_a, user=lawyer),
                   pool_jurisdiction=tree.city_a)
    world = SimpleNamespace(units={tree.agency_a1.pk: UnitFactory(agency=tree.agency_a1)}, officer=users.officer_a1)
    archived(world, tree.agency_a1, 2)
    sessions = {"sup": _session(users.city_a_supervisor), "lawyer": _session(lawyer), "head": _session(users.head_a1)}
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_drive, live_server.url, sessions, timezone.localdate()).result()
    assert seen["errors"] == []
    assert seen["machine_items"] > 0 and seen["refused"] and seen["kept"]
    assert seen["grade"] == "不合格" and seen["agency_grade"] == "不合格" and seen["state"] == "已完成"
    assert "已重新审查执法主体资格" in seen["rectified"]
    assert seen["agency_links"] == (1, 0, 0)
    c = EvalCampaign.objects.get()
    assert c.draw.seed == seen["seed"]
    assert Mark.objects.filter(file__campaign=c, source="overridden").exclude(reason="").count() == 1
    assert FileResult.objects.get(campaign=c).grade == "fail"
    assert RectificationReport.objects.count() == 1
