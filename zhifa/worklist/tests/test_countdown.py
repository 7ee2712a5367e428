"""The countdown is in working days, by the holiday calendar (core.workdays), never calendar days (issue 18 §1)."""

import datetime as dt

import pytest

from zhifa.core.todo import item, sort_key

pytestmark = pytest.mark.django_db


def todo(due, on):
    return item(kind="t", key=f"t:{due}", title="事项", label="对象", url="/", actor="某人", due=due, on=on)


@pytest.mark.req("REV-06")
@pytest.mark.parametrize(("on", "due", "words"), [
    (dt.date(2026, 6, 5), dt.date(2026, 6, 8), "还剩 1 个工作日"),  # Friday to Monday: the weekend does not count
    (dt.date(2026, 6, 5), dt.date(2026, 6, 6), "6月6日到期（其间无工作日）"),  # a Saturday deadline seen on Friday
    (dt.date(2026, 6, 8), dt.date(2026, 6, 8), "今日到期"),
    (dt.date(2026, 9, 30), dt.date(2026, 10, 9), "还剩 2 个工作日"),  # National Day week off: only 8 and 9 October
    (dt.date(2026, 10, 9), dt.date(2026, 9, 30), "已超期 2 个工作日"),
    (dt.date(2026, 6, 8), dt.date(2026, 6, 5), "已超期 1 个工作日"),  # overdue across a weekend: one working day
])
def test_countdown_in_working_days_across_weekends_and_holidays(on, due, words):
    assert todo(due, on).countdown == words


def test_overdue_first_then_soonest_then_those_without_a_deadline():
    on = dt.date(2026, 6, 8)
    late, soon, later = todo(dt.date(2026, 6, 1), on), todo(dt.date(2026, 6, 10), on), todo(dt.date(2026, 7, 1), on)
    none = item(kind="t", key="t:none", title="事项", label="对象", url="/", actor="某人", on=on)
    ordered = sorted([none, later, soon, late], key=sort_key)
    assert ordered == [late, soon, later, none]
    assert late.overdue and not soon.overdue and not none.overdue
    assert none.countdown == "无法定期限"
