"""The cockpit in Chromium on a 390 px phone (issue 20 §6): the vendored ECharts draws both charts under the strict
CSP with no violation reported (ADR 0007), and the page never scrolls sideways.

The browser is driven from a thread of its own: tests/e2e's session-wide Playwright (its `browser` fixture) runs an
event loop in the main thread of the same worker, and a second sync Playwright cannot start beside it there."""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from tests.e2e.conftest import ARGS, CHROMIUM, SCREENSHOTS

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
LISTEN = """document.addEventListener("securitypolicyviolation", e => {
  (window.__csp = window.__csp || []).push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`);
});"""


def _drive(base_url: str, session: str, city_code: str) -> dict:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        try:
            context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=PHONE)
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])
            context.add_init_script(LISTEN)
            page = context.new_page()
            page.set_default_timeout(15000)
            errors = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto("/cockpit/")
            page.locator("#chart-trend canvas").wait_for()
            page.locator("#chart-models canvas").wait_for()
            out = {"csp": page.evaluate("window.__csp || []"), "errors": errors,
                   "width": page.evaluate("document.documentElement.scrollWidth"),
                   "chart": page.locator("#chart-trend canvas").evaluate("el => el.getBoundingClientRect().width")}
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "cockpit-phone.png"), full_page=True)
            page.get_by_role("link", name="甲市", exact=True).first.click()
            page.wait_for_url(f"**/cockpit/?j={city_code}")
            out["city_width"] = page.evaluate("document.documentElement.scrollWidth")
            return out
        finally:
            browser.close()


@pytest.mark.req("SUP-01")
def test_the_cockpit_draws_its_charts_on_a_phone_under_the_policy(live_server, transactional_db, tree, users,
                                                                    planted):
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    planted({tree.agency_a1: "alarm", tree.agency_a2: "warning", tree.agency_b1: "notice"})
    client = Client()
    client.force_login(users.region_supervisor)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(_drive, live_server.url, session, tree.city_a.code).result()
    assert seen["csp"] == [] and seen["errors"] == []
    assert seen["width"] <= PHONE["width"] and seen["city_width"] <= PHONE["width"]
    assert seen["chart"] <= PHONE["width"]
