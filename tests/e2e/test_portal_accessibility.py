"""The public portal meets WCAG 2.1 A and AA as axe-core checks it in Chromium (PUB-03: accessible, 适老化),
in normal and large-text mode, on every kind of public page."""

from pathlib import Path

import pytest
from django.urls import reverse

from zhifa.publicity import services
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case

from .test_publicity_walk import pubdesk  # noqa: F401 (fixture)

AXE = (Path(__file__).parent / "vendor" / "axe-4.14.1.min.js").read_text()
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def violations(page) -> list[str]:
    # Evaluated through the DevTools protocol: an inline <script> tag would be refused by the pages' CSP.
    page.evaluate(AXE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS)
    return [f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]]


@pytest.mark.req("PUB-03")
def test_portal_pages_have_no_wcag_violations(page, pubdesk):  # noqa: F811
    d = pubdesk
    pub = Publication.objects.get(case=decided_case(d))
    services.publication_submit(publication=pub, actor=d.editor)
    services.publication_approve(publication=pub, actor=d.approver)
    code = d.tree.a1.code
    urls = [reverse("portal-home", args=[code]), reverse("portal-search", args=[code]) + "?q=过期食品",
            reverse("portal-search", args=[code]) + "?q=没有这个词", reverse("portal-item", args=[pub.pk]),
            reverse("portal-agencies", args=[code]), reverse("portal-agency", args=[d.agency.pk]),
            reverse("portal-flowcharts", args=[code]), reverse("portal-reports", args=[code]),
            reverse("portal-request-new"), reverse("portal-request-status"),
            reverse("portal-certificate", args=[d.officers[0].certificates.first().number])]
    found = {}
    for large in (False, True):
        if large:  # the reader's switch, as on the page; a cookie keeps it
            page.goto(reverse("portal-large-text") + "?on=1&next=/portal/")
        for url in urls:
            page.goto(url)
            problems = violations(page)
            if problems:
                found[(url, large)] = problems
    assert not found, found
    assert "large-text" in page.locator("body").get_attribute("class")  # the second round was in large text
    # The check can fail: an image without a text alternative is reported.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<img src=\"/static/x.png\">')")
    assert any(v.startswith("image-alt") for v in violations(page))
