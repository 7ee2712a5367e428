"""Random inspections in Chromium (issue 22, "Done when"): an agency publishes an item list, plans a batch, draws,
inspects one target with a finding that opens a case, and the result appears on the portal. Everything after the
`world` fixture (people, certificates, the directory of targets) is done through the pages, as a new user would: the
links, the forms and the buttons. The draw's record.json, downloaded from the portal, replays offline in another
process to the same targets and inspectors.

The browser is driven from a thread of its own, as zhifa/evaluation/tests/test_browser.py does (tests/e2e's
session-wide Playwright may hold the main thread's event loop)."""

import datetime as dt
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tests.e2e.conftest import ARGS, CHROMIUM, SCREENSHOTS

pytestmark = [pytest.mark.e2e, pytest.mark.req("INS-01"), pytest.mark.req("INS-02"), pytest.mark.req("INS-03"),
              pytest.mark.req("PUB-13")]

LIST_TITLE = "甲一县市场监督管理局随机抽查事项清单（2026年版）"
PLAN_TITLE = "2026年度双随机、一公开抽查工作计划"
BATCH_TITLE = "第一批企业公示信息和产品质量抽查"
ITEM_1, ITEM_2 = "企业公示信息情况检查", "产品质量监督抽查"
# Two rows as pasted from the template workbook in Excel (tab-separated, the template's column order).
ROWS = "\n".join([
    "\t".join(["1", ITEM_1, "年度报告公示信息", "《企业信息公示暂行条例》第十四条", "甲一县市场监督管理局", "企业",
               "年度报告公示信息的真实性", "书面检查、实地核查", "一般检查事项", "5%", "每年一次", "两名以上持有执法证件的人员"]),
    "\t".join(["2", ITEM_2, "", "《中华人民共和国产品质量法》第十五条", "甲一县市场监督管理局", "企业", "生产销售产品的质量",
               "抽样检验", "重点检查事项", "100%", "每年两次", ""]),
])
RECORD_TEXT = "出示执法证件，检查了经营场所、年度报告底稿和库存产品，当事人法定代表人在场并陈述。"


def _session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _drive(base_url: str, sessions: dict, code: str, today: dt.date, record_path: Path) -> dict:
    from playwright.sync_api import sync_playwright

    out = {"errors": [], "server_errors": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            def page_as(who):
                context = browser.new_context(base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 900},
                                              accept_downloads=True)
                if who:
                    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": sessions[who],
                                          "url": base_url}])
                page = context.new_page()
                page.set_default_timeout(20000)
                page.on("pageerror", lambda e: out["errors"].append(str(e)))
                page.on("response", lambda r: r.status >= 500 and out["server_errors"].append(f"{r.status} {r.url}"))
                return page

            def shot(page, name):
                page.screenshot(path=str(SCREENSHOTS / f"inspections-{name}.png"), full_page=True)
                # The page's text beside its picture: a machine without CJK fonts draws the Chinese as boxes.
                (SCREENSHOTS / f"inspections-{name}.txt").write_text(page.locator("body").inner_text(), encoding="utf-8")

            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            # 1. The head drafts the item list by pasting rows from the template, submits it, and (a1 being the county's
            # market regulator, which reviews the lists) approves it: it is published, on the staff page and the portal.
            head = page_as("head")
            head.goto("/")
            head.get_by_role("navigation").get_by_role("link", name="双随机抽查").click()
            head.get_by_role("link", name="编制事项清单").first.click()
            head.wait_for_url("**/inspections/items/new/")
            head.get_by_label("清单名称").fill(LIST_TITLE)
            head.get_by_label("或粘贴事项").fill(ROWS)
            shot(head, "1-item-list-form")
            head.get_by_role("button", name="保存为草稿").click()
            head.wait_for_selector("text=请核对后报送审核")
            out["list_url"] = head.url
            out["draft_state"] = head.locator("main p strong").first.inner_text()
            head.get_by_role("button", name="报送审核").click()
            head.wait_for_selector("text=已报送审核。")
            # The review is another head's (four eyes): the head in charge of legal work approves it.
            legal = page_as("legal")
            legal.goto(out["list_url"])
            legal.get_by_label("理由").fill("事项、依据和比例符合规定，同意公示。")
            legal.get_by_role("button", name="审核通过并公示").click()
            legal.wait_for_selector("text=已审核通过并公示。")
            out["list_state"] = legal.locator("main p strong").first.inner_text()
            out["list_rows"] = head.locator("table tbody tr").count()
            shot(head, "1-item-list")

            anon = page_as(None)
            anon.goto(f"/portal/{code}/inspections/")
            anon.get_by_role("link", name="随机抽查事项清单", exact=True).click()
            anon.wait_for_url("**/inspections/items/")
            out["portal_items"] = anon.locator("main").inner_text()
            anon.get_by_role("link", name=re.compile(re.escape(LIST_TITLE))).click()
            anon.wait_for_selector(f"text={ITEM_2}")
            out["portal_list"] = anon.locator("main").inner_text()
            shot(anon, "1-portal-items")

            # 2. The handling head makes the year's plan and adds a batch over both items, from today; the head files it.
            dz = page_as("dz")
            dz.goto("/")
            dz.get_by_role("navigation").get_by_role("link", name="双随机抽查").click()
            dz.get_by_role("link", name="编制年度计划").first.click()
            dz.wait_for_url("**/inspections/plans/new/")
            out["plan_year_prefilled"] = dz.get_by_label("年度").input_value()
            dz.get_by_label("计划名称").fill(PLAN_TITLE)
            dz.get_by_role("button", name="保存").click()
            dz.wait_for_selector("text=已编制年度计划，请增加抽查批次。")
            out["plan_url"] = dz.url
            dz.get_by_role("link", name="增加抽查批次").click()
            dz.get_by_label("批次名称").fill(BATCH_TITLE)
            dz.get_by_label("检查对象类型").select_option(label="企业")
            dz.get_by_label(ITEM_1).check()
            dz.get_by_label(ITEM_2).check()
            dz.get_by_label("检查开始日期").fill(today.isoformat())
            dz.get_by_label("检查结束日期").fill(min(today + dt.timedelta(days=20), dt.date(today.year, 12, 31))
                                            .isoformat())
            dz.get_by_label("每个部门每户检查人员数").fill("2")
            shot(dz, "2-batch-form")
            dz.get_by_role("button", name="增加批次").click()
            dz.wait_for_selector("text=已增加第 1 批次。")
            out["batch_url"] = dz.url
            out["batch_before_filing"] = dz.locator("#draws").inner_text()
            shot(dz, "2-batch")

            head.goto("/")
            head.get_by_role("navigation").get_by_role("link", name="双随机抽查").click()
            head.get_by_role("link", name=PLAN_TITLE).click()
            head.get_by_label("报备说明").fill("按年度工作安排报备。")
            head.get_by_role("button", name="报备年度计划").click()
            head.wait_for_selector("text=已报备年度计划。")
            out["plan_state"] = head.locator("main p strong").first.inner_text()
            shot(head, "2-plan-filed")

            # 3. The draw: the handling head freezes the population with the moment "now" (the form's default), then
            # makes it with the 抽取 button; the service has a checkpoint signed after the moment.
            if dt.datetime.now().second >= 50:  # the default moment is the current minute, with a minute's slack
                time.sleep(61 - dt.datetime.now().second)
            dz.goto("/")
            dz.get_by_role("navigation").get_by_role("link", name="双随机抽查").click()
            dz.get_by_role("link", name=re.compile(BATCH_TITLE)).click()
            out["beacon_default"] = dz.get_by_label("随机源时点").input_value()
            dz.get_by_role("button", name="固定抽取范围").click()
            dz.wait_for_selector("text=随机源时点到达后即可抽取")
            out["frozen_state"] = dz.locator("main p strong").first.inner_text()
            shot(dz, "3-frozen")
            dz.get_by_role("button", name="抽取", exact=True).click()
            dz.wait_for_selector("text=抽取已完成")
            out["draw_url"] = dz.url
            out["draw_message"] = dz.locator("text=抽取已完成").first.inner_text()
            out["draw_state"] = dz.locator("main p strong").first.inner_text()
            table = dz.locator("h2:has-text('抽取结果') + dl + table tbody tr")
            out["drawn"] = [[c.strip() for c in table.nth(i).locator("td").all_inner_texts()]
                            for i in range(table.count())]
            out["draw_page"] = dz.locator("main").inner_text()
            shot(dz, "3-drawn")

            # 4. An inspector the draw sent (insp1, or insp2 when the draw sent insp1 nowhere) finds the target in the
            # to-do list of the home page, records the inspection with one item "发现问题已立案查处" (a case is opened
            # and linked), and the publicity approver publishes the result from the to-do list.
            for who in ("insp1", "insp2"):
                insp = page_as(who)
                insp.goto("/")
                tasks = insp.locator("#todo tr[data-kind='inspections.record']")
                if tasks.count():
                    break
            assert tasks.count(), "the draw sent neither insp1 nor insp2"
            out["inspector"] = who
            out["target"] = tasks.first.locator("td").nth(1).inner_text().split("（")[0]
            shot(insp, "4-todo")
            tasks.first.get_by_role("link", name="实施抽查检查并记录检查情况").click()
            insp.locator("#record").wait_for()
            insp.get_by_label("检查日期").fill(today.isoformat())
            out["place_prefilled"] = insp.get_by_label("检查地点").input_value()
            insp.get_by_label("检查情况记录").fill(RECORD_TEXT)
            insp.get_by_label(ITEM_1).select_option(label="发现问题已立案查处")
            insp.get_by_label("情况说明").first.fill("年度报告所填从业人数与社保缴费记录明显不符，涉嫌隐瞒真实情况。")
            insp.get_by_label(ITEM_2).select_option(label="未发现问题")
            shot(insp, "4-record-form")
            insp.get_by_role("button", name="记录检查情况").click()
            insp.wait_for_selector("text=已记录检查情况。")
            out["inspection_url"] = insp.url
            out["findings"] = insp.locator("#findings").inner_text()
            out["inspection_state"] = insp.locator("dt:has-text('状态') + dd").inner_text()
            out["case_link"] = insp.locator("#cases a").first.inner_text()
            shot(insp, "4-recorded")
            insp.locator("#cases a").first.click()
            insp.wait_for_load_state()
            out["case_page"] = (insp.url, insp.locator("main").inner_text())
            shot(insp, "4-case")

            pub = page_as("pub")
            pub.goto("/")
            pub.locator("#todo tr[data-kind='inspections.publish']", has_text=out["target"]) \
                .get_by_role("link", name="公示抽查检查结果").click()
            pub.get_by_role("button", name="公示检查结果").click()
            pub.wait_for_selector("text=已公示检查结果")
            out["published_state"] = pub.locator("dt:has-text('状态') + dd").inner_text()
            shot(pub, "4-published")

            # 5. Anyone: the portal's results show the target and its outcome; the draw announcement shows the draw, and
            # its record.json is downloaded for the offline replay (after the clock's next checkpoint, which covers
            # the make entry: production signs one every minute).
            import threading

            from django.db import connection as db_connection

            from zhifa.ledger.services import checkpoint_create

            def sign():  # outside Playwright's event loop (the ORM refuses to run inside it)
                try:
                    checkpoint_create()
                finally:
                    db_connection.close()

            signer_thread = threading.Thread(target=sign)
            signer_thread.start()
            signer_thread.join()
            anon.goto(f"/portal/{code}/inspections/")
            anon.get_by_role("link", name="抽查结果", exact=True).click()
            anon.wait_for_url("**/inspections/results/")
            out["portal_results"] = anon.locator("main").inner_text()
            shot(anon, "5-portal-results")
            anon.get_by_role("link", name=out["target"]).click()
            anon.wait_for_selector("text=各抽查事项的检查结果")
            out["portal_result"] = anon.locator("main").inner_text()
            shot(anon, "5-portal-result")
            anon.get_by_role("link", name=re.compile("抽取公告")).click()
            anon.wait_for_selector("text=抽取结果")
            out["portal_draw"] = anon.locator("main").inner_text()
            shot(anon, "5-portal-draw")
            with anon.expect_download() as download:
                anon.get_by_role("link", name="抽取记录（JSON 文件）").click()
            download.value.save_as(str(record_path))
            # The verifier key the log publishes (the portal's publicity pages link here).
            keys = anon.request.get("/ledger/verifier-keys").json()
            out["published_key"] = next(k["key"] for k in keys if not k["valid_until"])
            anon.goto(f"/portal/{code}/inspections/")
            anon.get_by_role("link", name="抽取公告", exact=True).click()
            out["portal_draws"] = anon.locator("main").inner_text()
            shot(anon, "5-portal-draws")
            anon.goto(f"/portal/{code}/inspections/")
            anon.get_by_role("link", name="年度抽查计划", exact=True).click()
            anon.get_by_role("link", name=re.compile(PLAN_TITLE)).click()
            out["portal_plan"] = anon.locator("main").inner_text()
            shot(anon, "5-portal-plan")
            return out
        finally:
            browser.close()


def test_an_item_list_to_a_published_result_in_the_browser(live_server, transactional_db, world, tmp_path):
    """An agency publishes an item list, plans a batch, draws, inspects one target with a finding that opens a case,
    and the result appears on the portal; the draw's published record replays offline to the same result."""
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    from zhifa.cases.models import Case
    from zhifa.inspections.models import Draw, Finding, Inspection, ItemList, Outcome
    from zhifa.ledger.services import signer

    sessions = {name: _session(getattr(world, name)) for name in ("head", "legal", "dz", "pub", "insp1", "insp2")}
    record_path = tmp_path / "draw-record.json"
    code = world.tree.a1.code
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_drive, live_server.url, sessions, code, timezone.localdate(), record_path).result()
    assert seen["errors"] == [] and seen["server_errors"] == []

    # 1. The list: drafted, then published, on the portal with its items.
    assert seen["draft_state"] == "草拟" and seen["list_state"] == "已公示" and seen["list_rows"] == 2
    assert LIST_TITLE in seen["portal_items"] and world.a1.name in seen["portal_items"]
    assert ITEM_1 in seen["portal_list"] and ITEM_2 in seen["portal_list"] and "5%" in seen["portal_list"]
    lst = ItemList.objects.get(agency=world.a1)
    assert lst.state == "published" and lst.items.count() == 2

    # 2. The plan: made by the handling head, filed by the head; the batch page says a draw waits for the filing.
    assert seen["plan_year_prefilled"] == str(timezone.localdate().year)
    assert "年度计划报备后才能抽取" in seen["batch_before_filing"]
    assert seen["plan_state"] == "已报备"

    # 3. The draw: frozen, then made; the page lists every drawn target with two a1 inspectors.
    assert seen["frozen_state"] == "已固定抽取范围，待随机源" and seen["draw_state"] == "已抽取"
    draw = Draw.objects.get()
    drawn = list(draw.drawn.order_by("rank").prefetch_related("assignments__person"))
    assert drawn and len(seen["drawn"]) == len(drawn)
    assert f"共抽取 {len(drawn)} 户检查对象" in seen["draw_message"]
    for row, cells in zip(drawn, seen["drawn"], strict=True):
        assert row.target.name in cells[1] and row.code in cells[1]
        for a in row.assignments.all():
            assert f"{a.person.name}（{a.certificate}）" in cells[3]
    assert draw.seed and draw.seed in seen["draw_page"] and draw.checkpoint.created_at >= draw.beacon_after

    # The record downloaded from the portal replays offline, in another process, to the same targets and inspectors.
    assert seen["published_key"] == signer().verifier.encode()
    done = subprocess.run([sys.executable, "-m", "zhifa.verify", "draw", str(record_path), "--key",
                           seen["published_key"]], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: replayed" in done.stdout
    for row in drawn:  # the batch is still being inspected: the public record names the drawn targets by token
        line = next(x for x in done.stdout.splitlines() if row.token in x)
        assert all(a.certificate in line for a in row.assignments.all())

    # 4. The inspection: recorded by an inspector the draw sent, a case opened and linked, the result published.
    inspection = Inspection.objects.get(state="published")
    inspector = getattr(world, seen["inspector"])
    assert inspection.drawn.assignments.filter(person__user=inspector).exists()
    assert inspection.drawn.target.name in seen["target"]
    assert seen["place_prefilled"] == inspection.drawn.target.address
    assert "发现问题已立案查处" in seen["findings"] and "未发现问题" in seen["findings"]
    assert seen["inspection_state"] == "已检查" and seen["published_state"] == "结果已公示"
    finding = Finding.objects.get(inspection=inspection, outcome=Outcome.CASE_OPENED)
    case = Case.objects.get(pk=finding.case_id)
    assert case.agency_id == world.a1.pk and case.number in seen["case_link"]
    assert inspection.drawn.target.name in case.title
    assert f"/cases/{case.pk}" in seen["case_page"][0]

    # 5. The portal: the result with its outcome and the case, the draw announcement with the draw.
    target = inspection.drawn.target
    assert target.name in seen["portal_results"] and target.code in seen["portal_results"]
    assert f"{ITEM_1}：发现问题已立案查处（已立案）" in seen["portal_results"]
    assert f"{ITEM_2}：未发现问题" in seen["portal_results"]
    assert "已立案" in seen["portal_result"] and RECORD_TEXT not in seen["portal_result"]
    assert "检查员" not in seen["portal_result"]  # no inspector names on a result
    assert BATCH_TITLE in seen["portal_draw"] and "已抽取" in seen["portal_draw"] and draw.seed in seen["portal_draw"]
    # Until the batch's inspection period is over the announcement does not name the drawn targets (no warning to
    # them); the inspected target's result is published on its own.
    assert "检查期结束" in seen["portal_draw"]
    assert not any(row.target.name in seen["portal_draw"] for row in drawn)
    assert BATCH_TITLE in seen["portal_draws"] and "第 1 次" in seen["portal_draws"]
    assert PLAN_TITLE in seen["portal_plan"] and BATCH_TITLE in seen["portal_plan"] and ITEM_2 in seen["portal_plan"]
