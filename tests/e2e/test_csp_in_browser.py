"""Under the strict Content-Security-Policy, Chromium reports no violation while the pages, htmx and the API docs
(Swagger UI) do their work, and the docs load nothing from another host (issue 14 §7)."""

import pytest
from django.contrib.auth import get_user_model

from zhifa.core.permissions import Role
from zhifa.org.tests.factories import PersonFactory, grant

PASSWORD = "e2e-password-2026"
# Injected through the DevTools protocol, which the page's CSP does not govern: every violation the browser
# reports, with what it blocked.
LISTEN = """document.addEventListener("securitypolicyviolation", e => {
  (window.__csp = window.__csp || []).push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} ${e.sample || ""}`);
});"""


@pytest.fixture
def officer(transactional_db, tree):
    user = grant(get_user_model().objects.create_user("csp_officer", password=PASSWORD), Role.OFFICER,
                 agency=tree.agency_a1)
    PersonFactory(name="安全执法员", agency=tree.agency_a1, user=user)
    return user


@pytest.fixture
def watched(page, live_server):
    """The page, with CSP violations, console CSP errors and requests to other hosts collected."""
    problems = []
    page.context.add_init_script(LISTEN)
    page.on("console", lambda m: "Content Security Policy" in m.text and problems.append(m.text))
    page.on("request", lambda r: r.url.startswith(("http://", "https://")) and not r.url.startswith(live_server.url)
            and problems.append(f"request to another host: {r.url}"))

    def check(where: str):
        problems.extend(f"{where}: {v}" for v in page.evaluate("window.__csp || []"))
        return problems
    page.check_csp = check
    return page


def test_pages_htmx_and_api_docs_run_under_the_policy(watched, officer, tree):
    page = watched
    page.goto(f"/portal/{tree.a1.code}/")
    page.check_csp("portal")
    page.goto("/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill("csp_officer")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    page.check_csp("home")

    # htmx (no eval, no injected styles) still swaps the deadline into the calendar page in place.
    page.goto("/calendar/")
    page.get_by_label("起算日期").fill("2026-03-02")
    page.get_by_label("工作日数").fill("5")
    page.get_by_role("button", name="计算").click()
    page.locator("#deadline-result").get_by_text("截止日期").wait_for()
    assert page.url.endswith("/calendar/")  # answered by htmx, not by a page load
    page.check_csp("calendar")

    # The API docs: Swagger UI from this server's /static/, rendering the operations and trying one out.
    page.goto("/api/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 10
    page.locator(".opblock-summary", has_text="/api/core/me").first.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    page.locator(".live-responses-table .response-col_status", has_text="200").wait_for()
    assert page.check_csp("api docs") == []
