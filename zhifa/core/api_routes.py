"""Calendar and identity endpoints."""

import datetime as dt

from ninja import Router, Schema, Status

from . import workdays
from .api import Day, Id, Year
from .errors import CoreErrorCode, PermissionDeniedError, ZhifaError
from .models import SecurityEventKind
from .services import calendar_year_load, security_event_record
from .tokens import token_list_for, token_revoke

router = Router(tags=["基础：工作日与身份"])


class MeOut(Schema):
    username: str
    name: str
    is_superuser: bool


@router.get("/me", response=MeOut, summary="当前用户")
def me(request):
    user = request.user
    return {"username": user.get_username(), "name": user.get_full_name() or user.get_username(), "is_superuser": user.is_superuser}


class YearOut(Schema):
    year: int
    source: str
    origin: str  # "database" | "package" | "statutory" (no notice: statutory holidays only, provisional)
    holidays: list[dt.date]
    workdays: list[dt.date]


@router.get("/calendar/years/{year}", response=YearOut, summary="某年的节假日安排")
def calendar_year(request, year: Year):
    calendar = workdays.current()
    if year in calendar.db_years:
        data = calendar.db_years[year]
        return {"year": year, "source": data.source, "origin": "database",
                "holidays": sorted(data.holidays), "workdays": sorted(data.workdays)}
    if year in workdays.PACKAGE_YEARS:
        import chinese_calendar

        return {"year": year, "source": calendar.source_of(year), "origin": "package",
                "holidays": [d for d in chinese_calendar.get_holidays(dt.date(year, 1, 1), dt.date(year, 12, 31), include_weekends=False)],
                "workdays": [d for d in chinese_calendar.get_workdays(dt.date(year, 1, 1), dt.date(year, 12, 31), include_weekends=True) if d.weekday() >= 5]}
    # No notice: the statutory holidays are known (lunar calendar, solar terms); 调休 is not.
    return {"year": year, "source": f"《全国年节及纪念日放假办法》（{workdays.statutory_version(year)[1]}），调休安排未公布",
            "origin": "statutory", "holidays": sorted(workdays.statutory_holidays(year)), "workdays": []}


class YearIn(Schema):
    year: Year
    source: str
    holidays: list[str]
    workdays: list[str]


@router.post("/calendar/years", response={201: YearOut}, summary="录入某年的节假日安排（系统管理员）")
def calendar_year_create(request, payload: YearIn):
    if not request.user.is_superuser:
        security_event_record(kind=SecurityEventKind.DENIED, request=request, permission="core.manage_calendar")
        raise PermissionDeniedError("只有系统管理员可以录入节假日安排。")
    row = calendar_year_load(year=payload.year, holidays=payload.holidays, workdays_=payload.workdays,
                             source=payload.source, actor=request.user)
    return Status(201, {"year": row.year, "source": row.source, "origin": "database",
                        "holidays": row.holidays, "workdays": row.workdays})


class DeadlineOut(Schema):
    start: dt.date
    working_days: int
    due: dt.date
    provisional: bool
    provisional_years: list[int]


@router.get("/calendar/deadline", response=DeadlineOut, summary="计算 N 个工作日后的期限")
def calendar_deadline(request, start: Day, working_days: int, paused: str = ""):
    """`paused`: excluded periods as `YYYY-MM-DD/YYYY-MM-DD`, comma-separated (e.g. supplement time)."""
    if not 0 <= working_days <= 366:
        raise ZhifaError(CoreErrorCode.INVALID_INPUT, "工作日数应在 0 至 366 之间。")
    periods = []
    for part in filter(None, (p.strip() for p in paused.split(","))):
        try:
            a, b = part.split("/")
            periods.append(workdays.DatePeriod(dt.date.fromisoformat(a), dt.date.fromisoformat(b)))
        except ValueError as exc:
            raise ZhifaError(CoreErrorCode.INVALID_INPUT, f"暂停期间“{part}”格式应为 YYYY-MM-DD/YYYY-MM-DD。") from exc
    deadline = workdays.add_working_days(start, working_days, paused=periods)
    return {"start": start, "working_days": working_days, "due": deadline.due,
            "provisional": deadline.provisional, "provisional_years": list(deadline.provisional_years)}


class TokenOut(Schema):
    id: int
    username: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def _token_out(row) -> dict:
    return {"id": row.pk, "username": row.user.get_username(), "name": row.name, "created_at": row.created_at,
            "expires_at": row.expires_at, "last_used_at": row.last_used_at, "revoked_at": row.revoked_at}


@router.get("/tokens", response=list[TokenOut], summary="接口令牌列表（本人的；系统管理员可查看全部）")
def token_list(request, everyone: bool = False):
    """Issue 14 §7. Tokens are issued on the 接口令牌 page (a session that passed the second factor) or by the
    operator's command, never through the API."""
    return [_token_out(row) for row in token_list_for(actor=request.user, everyone=everyone)[:500]]


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="吊销接口令牌（本人的；系统管理员可吊销任何人的）")
def token_revoke_endpoint(request, token_id: Id):
    return _token_out(token_revoke(token_id=token_id, actor=request.user, request=request))
