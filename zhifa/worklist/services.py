"""Notifications (issue 18 §1): created when an item first lands on a person's to-do list, never by signals.

The list is computed, not stored: what waits for a person follows from the cases, reviews, publications and
recordings as they are. So a notification is made by comparing the list with the notifications already made
(by item key), which is reliable whatever wrote the change (a page, the API, an import, the clock passing a
deadline): `notify_everyone` runs periodically (cron `manage.py worklist_notify`, or the task worker), and the home
page runs `notifications_sync` for its viewer so the bell is right at once.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from zhifa.core.errors import NotFoundError
from zhifa.core.todo import TodoItem
from zhifa.org.models import RoleGrant

from .models import Notification
from .selectors import todo_for

log = logging.getLogger(__name__)


def _new(user, items: list[TodoItem], known: set[str]) -> list[tuple[Notification, TodoItem]]:
    return [(Notification(recipient=user, key=i.key[:200], kind=i.kind[:60], title=i.title[:300], label=i.label[:400],
                          url=i.url[:500], due_on=i.due), i) for i in items
            if i.key[:200] not in known and not i.blocked]  # a blocked item is no work to do: no notification


def notifications_sync(*, user, items: list[TodoItem]) -> list[Notification]:
    """Make the notifications of the items on `user`'s list that have none yet (one per item key), and e-mail them
    where e-mail is configured. Returns the new ones."""
    if not items:
        return []
    known = set(Notification.objects.filter(recipient_id=user.pk, key__in=[i.key[:200] for i in items])
                .values_list("key", flat=True))
    new = _new(user, items, known)
    if not new:
        return []
    _store({user.pk: (user, new)})
    return [n for n, _item in new]


def notify_everyone(*, on: dt.date | None = None) -> int:
    """Compute every active person's list and notify what is new on it; returns how many notifications were made.
    All of them are created in one transaction; the e-mails go once it has committed."""
    on = on or timezone.localdate()
    with_roles = RoleGrant.objects.filter(revoked_at__isnull=True).values("user_id")
    users = list(get_user_model().objects.filter(is_active=True, pk__in=with_roles).select_related("person")
                 .order_by("pk"))
    pending: dict[int, tuple] = {}
    known: dict[int, set[str]] = {}
    for user_id, key in Notification.objects.filter(recipient__in=users).values_list("recipient_id", "key"):
        known.setdefault(user_id, set()).add(key)
    for user in users:
        new = _new(user, todo_for(user, on=on), known.get(user.pk, set()))
        if new:
            pending[user.pk] = (user, new)
    return _store(pending)


def _store(pending: dict[int, tuple]) -> int:
    """Insert the new notifications and e-mail only those this call inserted. A page load and the periodic run may
    meet over the same items: the unique (recipient, key) keeps one row and `ignore_conflicts` skips the other, so
    the rows are read back in the same transaction and a row counts as ours only if it carries the creation moment
    this call gave it (auto_now_add sets it on each object before the insert). The other writer mails its own."""
    rows = [n for _user, new in pending.values() for n, _item in new]
    if not rows:
        return 0
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True)
        stored = {(r.recipient_id, r.key): r.created_at for r in Notification.objects.filter(
            recipient_id__in=list(pending), key__in={n.key for n in rows}).only("recipient_id", "key", "created_at")}
        mine = {user_id: (user, [(n, i) for n, i in new if stored.get((user_id, n.key)) == n.created_at])
                for user_id, (user, new) in pending.items()}
        mine = {user_id: (user, new) for user_id, (user, new) in mine.items() if new}
        if settings.ZHIFA_NOTIFY_EMAIL and mine:
            transaction.on_commit(lambda: _email(mine))
    return sum(len(new) for _user, new in mine.values())


def _email(pending: dict[int, tuple]) -> None:
    """One mail per person: how many items are new, what each is by its kind and its case number (never a party's
    or a requester's name: the mail leaves the system for an outside mailbox), and the link to the to-do list."""
    messages = []
    home = f"{settings.ZHIFA_SITE_URL}{reverse('home')}"
    for user, new in pending.values():
        if not user.email:
            continue
        lines = [f"您好，您有 {len(new)} 项新的待办事项：", ""]
        for n, todo in new:
            due = f"，期限 {n.due_on:%Y-%m-%d}" if n.due_on else ""
            lines.append(f"· {todo.plain_title}{f'（{todo.ref}）' if todo.ref else ''}{due}")
        lines += ["", f"请登录执法三项制度信息系统办理：{home}", "本邮件由系统自动发送，不含当事人信息。"]
        messages.append((f"【执法三项制度信息系统】新的待办事项 {len(new)} 项", "\n".join(lines),
                         settings.DEFAULT_FROM_EMAIL, [user.email]))
    if not messages:
        return
    try:
        send_mass_mail(messages, fail_silently=False)
    except OSError as exc:  # an unreachable mail server must not undo or stop the notifications in the app
        log.warning("待办通知邮件发送失败：%r", exc)


def notification_open(*, notification: Notification, actor) -> Notification:
    """The recipient opens a notification: it is read (the only change a notification ever sees)."""
    if notification.recipient_id != actor.pk:
        raise NotFoundError()  # another person's notification is the same as a missing one
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
