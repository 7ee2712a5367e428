"""Writes of the shared kernel."""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from . import workdays
from .errors import CoreErrorCode, ZhifaError
from .models import CalendarYear, SecurityEvent, SecurityEventKind
from .net import client_ip


def _parse_dates(values: Iterable, *, year: int, what: str) -> list[dt.date]:
    out = []
    for raw in values:
        try:
            day = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw).strip())
        except ValueError as exc:
            raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, f"{what}中的“{raw}”不是有效日期（应为 YYYY-MM-DD）。") from exc
        if day.year != year:
            raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, f"{what}中的 {day} 不属于 {year} 年。")
        out.append(day)
    return sorted(set(out))


@transaction.atomic
def calendar_year_load(*, year: int, holidays: Iterable, workdays_: Iterable, source: str, actor) -> CalendarYear:
    """Load (or correct) one year's official holiday arrangement.

    `holidays` are the days off (statutory holidays and the weekdays given off by 调休);
    `workdays_` are the weekend days worked in exchange. A second load of the same year supersedes
    the first. Provisional deadlines stored by other apps are recomputed after commit.
    """
    if not 2000 <= year <= 2100:
        raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, "年份应在 2000 至 2100 之间。")
    if not source.strip():
        raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, "请填写依据（国务院办公厅通知文号）。")
    days_off = _parse_dates(holidays, year=year, what="放假日期")
    days_on = _parse_dates(workdays_, year=year, what="调休上班日期")
    if not days_off:
        raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, "放假日期不能为空。")
    both = set(days_off) & set(days_on)
    if both:
        raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, f"{min(both)} 同时出现在放假日期和调休上班日期中。")
    weekday_on = [d for d in days_on if d.weekday() < 5]
    if weekday_on:
        raise ZhifaError(CoreErrorCode.CALENDAR_INVALID, f"调休上班日 {weekday_on[0]} 不是周末，无需登记。")
    previous = CalendarYear.objects.select_for_update(of=("self",)).filter(year=year, superseded_by__isnull=True).first()
    row = CalendarYear.objects.create(
        year=year,
        source=source.strip(),
        holidays=[d.isoformat() for d in days_off],
        workdays=[d.isoformat() for d in days_on],
        supersedes=previous,
        loaded_by=actor,
    )
    workdays.invalidate()
    transaction.on_commit(lambda: (workdays.invalidate(), workdays.run_recompute_hooks(year)))
    return row


def security_event_record(*, kind: SecurityEventKind, request=None, user=None, username="", permission="", detail=""):
    """Append a security event (login, failure, lockout, denial). Never raises into the caller's flow."""
    ip = None
    path = ""
    if request is not None:
        ip = client_ip(request) or None
        path = request.get_full_path()[:500]
        if user is None and getattr(request, "user", None) is not None and request.user.is_authenticated:
            user = request.user
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if (user is not None and user.pk) else None,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        ip_address=ip,
        path=path,
        permission=permission[:100],
        detail=detail[:500],
    )
