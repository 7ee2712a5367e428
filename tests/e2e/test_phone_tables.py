"""Staff tables on a phone (390 × 844, issue 18 §9): the page never scrolls sideways, a wide table scrolls inside its
.table-wrap with its first column kept in view, and the two opt-in classes templates can use do what they say."""

import pytest

from zhifa.cases import services as cases

PHONE = {"width": 390, "height": 844}

SAMPLE = """<!doctype html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="{base}/static/css/zhifa.css"></head><body><main>
<div class="table-wrap"><table id="wide"><thead><tr><th>案号</th><th>案由</th><th class="prio-low">程序</th><th>阶段</th>
<th>立案日期</th><th>承办人</th></tr></thead><tbody><tr><td>2026-00001</td><td>销售不符合食品安全标准的食品</td>
<td class="prio-low">普通程序</td><td>调查取证</td><td>2026-11-30</td><td>李执法、王执法</td></tr></tbody></table></div>
<div class="table-wrap"><table id="cards" class="stack"><thead><tr><th>开始—结束</th><th>环节</th></tr></thead><tbody>
<tr><td data-label="开始—结束">2026-11-30 14:51—15:01</td><td data-label="环节">扣押财物</td></tr></tbody></table></div>
</main></body></html>"""


def _context(browser, live_server, viewport):
    return browser.new_context(base_url=live_server.url, locale="zh-CN", viewport=viewport)


@pytest.mark.parametrize("width", [390, 1280])
def test_the_table_classes_on_a_phone_and_on_a_desk(browser, live_server, width):
    context = _context(browser, live_server, {"width": width, "height": 844})
    try:
        page = context.new_page()
        page.set_content(SAMPLE.format(base=live_server.url), wait_until="load")
        low = page.locator("#wide td.prio-low")
        first = page.locator("#wide td").first
        card = page.locator("#cards td").first
        label = card.evaluate("el => getComputedStyle(el, '::before').content")
        if width == 390:
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            assert low.is_hidden()
            assert first.evaluate("el => getComputedStyle(el).position") == "sticky"
            wrap = page.locator(".table-wrap").first
            assert wrap.evaluate("el => el.scrollWidth > el.clientWidth")  # scrolls inside its wrap
            assert label == '"开始—结束"' and page.locator("#cards thead").evaluate("el => el.offsetHeight") <= 1
            assert card.evaluate("el => getComputedStyle(el).display") == "block"
        else:
            assert low.is_visible()
            assert first.evaluate("el => getComputedStyle(el).position") == "static"
            assert label in ("none", "normal")
            assert card.evaluate("el => getComputedStyle(el).display") == "table-cell"
    finally:
        context.close()


def test_the_case_list_fits_a_phone(browser, live_server, transactional_db, desk):
    from django.conf import settings
    from django.test import Client

    for n in range(12):
        cases.case_open(agency=desk.agency, handling_unit=desk.unit, title=f"销售不符合食品安全标准的食品（第{n}件）",
                        action_type="penalty", procedure="ordinary", place=desk.place, legal_basis="《食品安全法》",
                        actor=desk.officer)
    client = Client()
    client.force_login(desk.officer)
    context = _context(browser, live_server, PHONE)
    try:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
        page = context.new_page()
        page.goto("/cases/")
        assert page.locator(".table-wrap table tbody tr").count() >= 12
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        number = page.locator(".table-wrap tbody tr td").first
        assert number.evaluate("el => getComputedStyle(el).position") == "sticky"
        # The case number stays on one line: its cell is not squeezed to a few characters.
        assert number.locator("a").evaluate("el => el.getClientRects().length") == 1
    finally:
        context.close()


def test_the_staff_list_reads_as_cards_on_a_phone(browser, live_server, transactional_db, desk):
    """Tryout defect 17: /org/people/ stayed a wide table with 职务 cut; on a phone each person is a card whose
    every line is labelled."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(desk.head)
    context = _context(browser, live_server, PHONE)
    try:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                              "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
        page = context.new_page()
        page.goto(f"/org/people/?agency={desk.agency.pk}")
        table = page.locator(".table-wrap table.stack")
        assert table.locator("tbody tr").count() >= 2
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("el => el.scrollWidth <= el.clientWidth")  # no sideways scrolling inside either
        post = table.locator("td[data-label='职务']").first
        assert post.evaluate("el => getComputedStyle(el, '::before').content") == '"职务"'
        assert post.evaluate("el => el.scrollWidth <= el.clientWidth")  # not cut
        assert page.locator(".table-wrap thead").evaluate("el => el.offsetHeight") <= 1
    finally:
        context.close()
