"""What waits for a person (issue 18 §1): one to-do item, its countdown in working days, and the providers.

Each domain app has a read-only `todo.py` that says, from its own selectors and scope, what waits for a user
(`todo_items_for(user, *, on)`) and, for those who oversee an agency or a jurisdiction, what is overdue there
(`overdue_items_for(user, *, on)`). The apps register them here; the to-do list (zhifa.worklist) asks every
registered provider, so an app added later (supervision's alerts) adds its provider without editing the list.

A provider reads in a fixed number of queries, whatever the number of items: the home page lists them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from . import workdays


@dataclass(frozen=True)
class TodoItem:
    """One thing a person must do, or (on the overdue page) one thing overdue in an agency."""

    kind: str  # a stable code of the kind of work, e.g. "cases.approve_filing"; never shown
    key: str  # stable across computations while the item waits; a new round of the same work gets a new key
    title: str  # what to do, in Chinese: "批准立案"
    label: str  # the object: case number and 案由, the publication's title, ...
    url: str  # the page where it is done, with an anchor to its form or button
    actor: str  # who acts, in words: people's names or the roles that may act
    agency: str = ""  # the agency whose work it is, by name (the overdue page shows it)
    # The same agency's id: what the overdue page and the cockpit group by (two counties each have a 公安局, so a
    # name is not an agency).
    agency_id: int | None = None
    due: dt.date | None = None  # from the rules of the object's jurisdiction, stored when the clock started
    days_left: int | None = None  # working days from today to `due`; negative when overdue
    provisional: bool = False  # the due date crossed a year whose holiday notice is not loaded
    subject: str = ""  # the object, as the ledger names it ("cases.case:12"), for the filters below
    on: dt.date = dt.date.min  # the day the countdown was computed for
    ref: str = ""  # the object without personal data, for messages that leave the system: a case number
    brief: str = ""  # the kind's title when `title` names a person ("审批查阅申请"); else the title is generic
    hint: str = ""  # a word to the person who acts, e.g. the rules' allowance that may excuse an overdue item
    status: str = ""  # the object's state in words after `label` ("待审核发布"): the overdue page names the object
    # Why nobody can do the step (a rule no one present can satisfy, e.g. the four-eyes rule with one approver):
    # the item is listed without an action link, and on the overdue page for those who can fix it.
    blocked: str = ""

    @property
    def plain_title(self) -> str:
        """What to do, naming nobody (e-mail goes to mailboxes outside the system)."""
        return self.brief or self.title

    @property
    def overdue_text(self) -> str:
        """The overdue page's link: the object, its state and the countdown ("《…》待审核发布，已超期 3 个工作日")."""
        if not self.status:
            return f"{self.label}：{self.title}，{self.countdown}"
        return f"{self.label}{self.status}，{self.countdown}"

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def countdown(self) -> str:
        """The countdown as a person reads it: "还剩 3 个工作日", "今日到期", "已超期 2 个工作日"."""
        if self.due is None or self.days_left is None:
            return "无法定期限"
        if self.days_left < 0:
            return f"已超期 {-self.days_left} 个工作日"
        if self.days_left == 0:
            # Due today, or after today with only days off in between (a Saturday deadline seen on Friday).
            return "今日到期" if self.due <= self.on else f"{self.due.month}月{self.due.day}日到期（其间无工作日）"
        return f"还剩 {self.days_left} 个工作日"


def working_days_left(due: dt.date | None, on: dt.date) -> int | None:
    """Working days from `on` to `due` (the day of `on` not counted, Administrative Penalty Law art. 85); negative
    when `due` has passed, counted the same way backwards."""
    if due is None:
        return None
    return workdays.working_days_between(on, due)


def item(*, kind: str, key: str, title: str, label: str, url: str, actor: str, on: dt.date, agency: str = "",
         agency_id: int | None = None, due: dt.date | dt.datetime | None = None, provisional: bool = False,
         subject: str = "", ref: str = "", brief: str = "", hint: str = "", status: str = "", blocked: str = "") -> TodoItem:
    """A TodoItem with its countdown computed as of `on` (a moment due is counted by its local date)."""
    if isinstance(due, dt.datetime):
        from django.utils import timezone

        due = timezone.localdate(due)
    return TodoItem(kind=kind, key=key, title=title, label=label, url=url, actor=actor, agency=agency,
                    agency_id=agency_id, due=due, days_left=working_days_left(due, on),
                    provisional=provisional, subject=subject, on=on, ref=ref, brief=brief, hint=hint, status=status, blocked=blocked)


def sort_key(todo: TodoItem):
    """Soonest deadline first (overdue ones at the top), items without a deadline last, then stable by key."""
    return (todo.due is None, todo.due or dt.date.max, todo.key)


# --- the providers -------------------------------------------------------------------------------------------

Provider = Callable[..., list[TodoItem]]


@dataclass(frozen=True)
class Registration:
    name: str  # the app, e.g. "review"
    todo: Provider  # todo(user, *, on) -> what waits for the user
    # overdue(user, *, on) -> what is overdue in the user's oversight scope; it may read a whole jurisdiction's
    # cases, so only the overdue page calls it, never the home page.
    overdue: Provider | None = None


_providers: dict[str, Registration] = {}


def register_provider(name: str, todo: Provider, overdue: Provider | None = None) -> None:
    """Add (or replace, AppConfig.ready may run twice) an app's provider."""
    _providers[name] = Registration(name, todo, overdue)


def providers() -> list[Registration]:
    return list(_providers.values())


# A filter drops the items another app's rules hold back: filter(items) -> the items that can be done now. A lower
# app cannot see the upper app's conditions (cases' 作出决定 waits on review's gate), so the upper app filters.
Filter = Callable[[list[TodoItem]], list[TodoItem]]
_filters: dict[str, Filter] = {}


def register_filter(name: str, fn: Filter) -> None:
    _filters[name] = fn


def apply_filters(items: list[TodoItem]) -> list[TodoItem]:
    for fn in list(_filters.values()):
        items = fn(items)
    return items


def roles_label(permission: str) -> str:
    """Who may act under a permission, in words: "承办机构负责人或执法机关负责人" (the roles in the table's order)."""
    from .permissions import Role, roles_with

    held = roles_with(permission)
    return "或".join(role.label for role in Role if role in held)
