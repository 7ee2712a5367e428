"""Reads of the to-do list: every registered provider (core.todo) for one person, the overdue work an agency head
or a supervisor oversees, and the person's notifications."""

import datetime as dt

from django.db.models import QuerySet

from zhifa.core.errors import NotFoundError
from zhifa.core.paginator import capped_count
from zhifa.core.todo import TodoItem, apply_filters, providers, sort_key
from zhifa.org import permissions as org_perms

from .models import Notification

# Who sees the overdue page: the agency's heads and the supervisors (core.permissions). Each provider scopes its
# own part by its own permission.
OVERDUE_PERMISSION = "worklist.view_overdue"


def _unique(items: list[TodoItem]) -> list[TodoItem]:
    seen: dict[str, TodoItem] = {}
    for todo in items:
        seen.setdefault(todo.key, todo)
    return sorted(seen.values(), key=sort_key)


def todo_for(user, *, on: dt.date) -> list[TodoItem]:
    """What waits for `user`, soonest deadline first (overdue at the top), those without a deadline last."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    return _unique(apply_filters([todo for p in providers() for todo in p.todo(user, on=on)]))


def may_see_overdue(user) -> bool:
    return org_perms.can(user, OVERDUE_PERMISSION)


def overdue_for(user, *, on: dt.date) -> list[TodoItem]:
    """What is overdue in the agencies the user oversees (an agency, or a jurisdiction's subtree), with who acts."""
    if not may_see_overdue(user):
        return []
    return _unique([todo for p in providers() if p.overdue is not None for todo in p.overdue(user, on=on)])


def notification_list_for(*, actor) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=actor.pk).order_by("-created_at", "-id")


# The bell counts at most this many (issue 19 §2: no list counts everything, and the bell is on every staff page).
UNREAD_CAP = 99


def unread_count(user) -> int:
    """Unread notifications, counted up to UNREAD_CAP + 1 (the bell then says "99+")."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return capped_count(Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True), UNREAD_CAP)


def notification_get_for(*, actor, id, request=None) -> Notification:
    """One of the actor's own notifications; another's is the same 404 as a missing one."""
    found = Notification.objects.filter(pk=id).first() if str(id).isdigit() else None
    if found is None:
        raise NotFoundError()
    if found.recipient_id != actor.pk:  # another's: the same 404, and the refusal is recorded
        org_perms.record_denial(actor, "worklist.open_notification", request=request, detail=f"notification {id}")
        raise NotFoundError()
    return found
