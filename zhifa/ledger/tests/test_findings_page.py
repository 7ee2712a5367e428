"""The integrity findings page pages by keyset (issue 19 §2): one page read, whatever the number of findings, and
the same queries at two sizes."""

import pytest
from django.urls import reverse

from zhifa.core.testing import query_count
from zhifa.ledger import selectors, services
from zhifa.ledger.models import FindingKind

pytestmark = pytest.mark.django_db


def _findings(n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        services._finding(FindingKind.LOG_MISMATCH, f"第{i}号检查点与日志不一致")


def _get(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return response


def test_findings_page_runs_the_same_queries_at_two_sizes(client, users):
    client.force_login(users.su)
    url = reverse("ledger-findings")
    _findings(2)
    services.finding_review(finding=selectors.finding_list_for(actor=users.su).first(), note="已查明", actor=users.su)
    _get(client, url)
    small = query_count(lambda: _get(client, url))
    _findings(18, start=2)
    for finding in selectors.finding_list_for(actor=users.su)[:5]:
        services.finding_review(finding=finding, note="已查明", actor=users.su)
    large = query_count(lambda: _get(client, url))
    assert small == large, (small, large)


def test_findings_page_shows_fifty_then_the_rest_by_cursor(client, users):
    """Sixty findings: the newest fifty, then by 下一页 the ten before them, none twice, none left out."""
    client.force_login(users.su)
    _findings(60)
    first = _get(client, reverse("ledger-findings"))
    page = first.context["page"]
    assert len(page.object_list) == 50 and page.has_next and page.count_label == "60"
    assert "下一页" in first.content.decode()
    second = _get(client, reverse("ledger-findings") + f"?cursor={page.next_cursor}").context["page"]
    assert len(second.object_list) == 10 and not second.has_next and second.has_previous
    shown = [f.detail for f in page.object_list] + [f.detail for f in second.object_list]
    assert shown == [f"第{i}号检查点与日志不一致" for i in range(59, -1, -1)]


def test_a_garbled_cursor_is_refused_not_a_server_error(client, users):
    client.force_login(users.su)
    _findings(2)
    response = client.get(reverse("ledger-findings") + "?cursor=garbled")
    assert response.status_code == 400
    assert "翻页标记无效" in response.content.decode()


def test_findings_outside_every_scope_are_not_listed_for_a_supervisor(client, users):
    """The log's own findings (ledger.* subjects, no scope registered) are for system-wide readers only."""
    _findings(3)
    assert not selectors.finding_list_for(actor=users.region_supervisor).exists()
    assert selectors.finding_list_for(actor=users.su).count() == 3
