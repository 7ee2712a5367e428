"""The home page lists what waits, soonest first, overdue in red, with bounded queries; the overdue page is for
the agency's heads and the supervisors (issue 18 §1)."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from zhifa.cases import services as case_services
from zhifa.cases.tests.conftest import elements
from zhifa.core.testing import query_count
from zhifa.publicity.models import Publication
from zhifa.publicity.tests.conftest import decided_case
from zhifa.review.tests.conftest import submitted

from .test_providers import _open

pytestmark = pytest.mark.django_db


def filed(desk, n):
    for i in range(n):
        case = _open(desk, actor=desk.officer, title=f"检查第{i}家商店")
        case_services.document_record(case=case, form="filing_approval", elements=elements(
            desk, case_source="举报", opinion="同意立案", approver="局长"), actor=desk.officer)


def measure(client):
    def get():
        response = client.get("/")
        assert response.status_code == 200
    get()  # the first load makes the notifications; both sizes are measured after it
    return query_count(get)


def test_home_page_queries_do_not_grow_with_the_items(client, pubdesk, office, users, django_assert_max_num_queries):
    client.force_login(users.head_a1)  # approves filings, publishes, decides access requests, oversees
    filed(pubdesk, 1)
    decided_case(pubdesk, title="销售过期食品一")
    submitted(pubdesk, office)
    small = measure(client)
    filed(pubdesk, 5)
    for i in range(3):
        decided_case(pubdesk, title=f"销售过期食品{i + 2}")
    assert len(client.get("/").context["items"]) >= 9
    with django_assert_max_num_queries(small):
        client.get("/")


def test_home_lists_overdue_first_in_red_with_the_working_day_countdown(client, pubdesk, users):
    decided_case(pubdesk)
    pub = Publication.objects.get()
    client.force_login(pubdesk.editor)
    page = client.get("/").content.decode()
    assert "我的待办（1 项）" in page and "核对公开文本并提交审核" in page and "还剩" in page

    with time_machine.travel(pub.due_on + timezone.timedelta(days=10), tick=False):
        client.force_login(pubdesk.editor)  # a new session: the first one has expired ten days later
        page = client.get("/").content.decode()
    assert 'class="todo-item bad"' in page and "已超期" in page


def test_overdue_page_is_for_heads_and_supervisors(client, pubdesk, users):
    decided_case(pubdesk)
    client.force_login(users.city_a_supervisor)
    assert client.get("/worklist/overdue/").status_code == 200
    client.force_login(users.head_a1)
    assert "没有超期事项" in client.get("/worklist/overdue/").content.decode()
    for who in (pubdesk.editor, users.officer_a1):
        client.force_login(who)
        assert client.get("/worklist/overdue/").status_code == 403


def test_home_keeps_roles_and_certificates_below_the_list(client, users):
    client.force_login(users.officer_a1)
    page = client.get("/").content.decode()
    assert page.index("我的待办") < page.index("我的执法证件")
    assert "暂无待办事项" in page and "您的角色：执法人员" in page


def overdue_work(pubdesk, office, n, start=0):
    """`n` decisions not published and `n` reviews without an opinion: overdue once their deadlines have passed."""
    for i in range(start, start + n):
        decided_case(pubdesk, title=f"销售过期食品{i}")
        submitted(pubdesk, office)


def later_day():
    """A working morning well past every deadline the helpers set (publication 7 and review 10 working days)."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=60), dt.time(10)))


def measured(client, user, path):
    """(queries, items) of `path` for `user` on the later day, after a first load (which makes notifications)."""
    with time_machine.travel(later_day(), tick=False):
        client.force_login(user)  # the session of today has expired by then
        assert client.get(path).status_code == 200
        count = query_count(lambda: client.get(path))
        return count, client.get(path).context["items"]


def test_overdue_rows_cost_no_queries_on_the_home_page_or_the_overdue_page(
        client, pubdesk, office, users, django_assert_max_num_queries):
    """Finding 6 of review 18: the home page only links to the overdue page; both pages read in a fixed number
    of queries whatever the number of overdue items."""
    overdue_work(pubdesk, office, 1)
    for path in ("/", "/worklist/overdue/"):
        small, _items = measured(client, users.city_a_supervisor, path)
        before = len(measured(client, users.city_a_supervisor, "/worklist/overdue/")[1])
        overdue_work(pubdesk, office, 3, start=10 if path == "/" else 20)
        after = len(measured(client, users.city_a_supervisor, "/worklist/overdue/")[1])
        assert after >= before + 6  # more overdue rows, at least a publication and a review each
        with time_machine.travel(later_day(), tick=False):
            client.force_login(users.city_a_supervisor)
            client.get(path)
            with django_assert_max_num_queries(small):
                assert client.get(path).status_code == 200


def test_the_home_page_links_to_the_overdue_page_without_computing_it(client, pubdesk, office, users, monkeypatch):
    overdue_work(pubdesk, office, 1)
    from zhifa.worklist import selectors

    def refused(*args, **kwargs):
        raise AssertionError("the home page computed the overdue list")

    monkeypatch.setattr(selectors, "overdue_for", refused)
    with time_machine.travel(later_day(), tick=False):
        client.force_login(users.city_a_supervisor)
        page = client.get("/").content.decode()
    assert "查看本机关（辖区）的超期事项" in page and 'href="/worklist/overdue/"' in page


def test_the_overdue_page_lists_each_overdue_item_with_who_must_act(client, pubdesk, office, users):
    case = decided_case(pubdesk, title="销售过期食品甲")
    _count, items = measured(client, users.city_a_supervisor, "/worklist/overdue/")
    with time_machine.travel(later_day(), tick=False):
        client.force_login(users.city_a_supervisor)
        page = client.get("/worklist/overdue/").content.decode()
    publication = [i for i in items if case.number in i.label or "销售过期食品甲" in i.label]
    assert publication and publication[0].overdue and publication[0].actor
    assert publication[0].actor in page and "已超期" in page and pubdesk.agency.name in page
    # The link names the object and its state, not the action (tryout 18, defect 11).
    title = Publication.objects.get(case=case).title
    assert f"《{title}》待核对提交审核，已超期 " in page and ">核对公开文本并提交审核<" not in page


def test_home_greets_by_the_name_the_header_shows(client, pubdesk):
    """An account without a person record (the publicity editor) is greeted by its own name, as in the header."""
    pubdesk.editor.first_name = "丁英辉"
    pubdesk.editor.save(update_fields=["first_name"])
    client.force_login(pubdesk.editor)
    assert "<h1>丁英辉，您好</h1>" in client.get("/").content.decode()
