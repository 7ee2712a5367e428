"""API plumbing shared by every app: authentication, the error shape, bounded parameter types, the parser."""

import datetime as dt
import json
from functools import wraps
from typing import Annotated, Any

from django.contrib.auth.views import redirect_to_login
from django.utils import timezone
from ninja import Field, Schema
from ninja.pagination import PaginationBase
from ninja.parser import Parser
from ninja.security import HttpBearer, django_auth
from pydantic import BaseModel, ConfigDict

from .bounds import MAX_BIGINT, MAX_YEAR, MIN_YEAR, json_problem, normalise
from .error_views import json_error
from .errors import CoreErrorCode, ZhifaError
from .models import ApiToken, SecurityEventKind
from .paginator import DEFAULT_CAP, KeysetPaginator, PaginationErrorCode, list_filters
from .permissions import can
from .services import security_event_record
from .tokens import token_lacks_second_factor


class TokenAuth(HttpBearer):
    """`Authorization: Bearer zf_…` for machine clients (external case systems, scripts)."""

    def authenticate(self, request, token):
        row = (
            ApiToken.objects.select_related("user")
            .filter(digest=ApiToken.digest_of(token), user__is_active=True)
            .first()
        )
        if row is None:
            security_event_record(kind=SecurityEventKind.TOKEN_FAILED, request=request, detail="invalid API token")
            return None
        now = timezone.now()
        # Issue 14 §7: a revoked or expired token is refused with its own code (the 401 handler reads it here).
        if row.revoked_at is not None:
            security_event_record(kind=SecurityEventKind.TOKEN_FAILED, request=request, user=row.user,
                                  detail=f"revoked API token {row.pk}")
            request.zhifa_auth_error = (CoreErrorCode.TOKEN_REVOKED, "接口令牌已被吊销。")
            return None
        if row.expires_at <= now:
            security_event_record(kind=SecurityEventKind.TOKEN_EXPIRED, request=request, user=row.user,
                                  detail=f"API token {row.pk} expired {row.expires_at:%Y-%m-%d}")
            request.zhifa_auth_error = (CoreErrorCode.TOKEN_EXPIRED, "接口令牌已过期，请重新签发。")
            return None
        # Review finding 9: a token issued from a password-only session stops when its user now needs a second
        # factor (a role granted since, a device enrolled since): the second factor would never have passed.
        if token_lacks_second_factor(row):
            security_event_record(kind=SecurityEventKind.TOKEN_SECOND_FACTOR, request=request, user=row.user,
                                  detail=f"API token {row.pk} issued without the second factor the user now needs")
            request.zhifa_auth_error = (CoreErrorCode.TOKEN_SECOND_FACTOR,
                                        "您的账户现须双因素认证，此令牌签发时未经双因素认证，请在完成双因素认证后重新签发。")
            return None
        if row.last_used_at is None or (now - row.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
        request.user = row.user
        return row.user


# Token for machines, the session (with CSRF) for people using the pages.
API_AUTH = [TokenAuth(), django_auth]


def staff_docs(view):
    """NinjaAPI(docs_decorator=…): /api/docs and /api/openapi.json for staff only (issue 14 §7), by session (the
    second factor already enforced by the middleware) or by an API token. Anonymous: the page goes to the
    login, the schema answers 401; a user without a staff role gets 403, and the denial is logged."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user if request.user.is_authenticated else None
        header = request.headers.get("Authorization", "")
        if user is None and header.lower().startswith("bearer "):
            user = TokenAuth().authenticate(request, header.split(" ", 1)[1].strip())
        if user is None:
            if request.path.endswith(".json"):
                return json_error(401, *getattr(request, "zhifa_auth_error", (None, None)))
            return redirect_to_login(request.get_full_path())
        if not can(user, "core.view_api_docs"):
            security_event_record(kind=SecurityEventKind.DENIED, request=request, user=user,
                                  permission="core.view_api_docs")
            return json_error(403)
        return view(request, *args, **kwargs)

    return wrapper


class RowOut(BaseModel):
    """The base of an API output built from a dict, as most of ours are: plain pydantic, validated in compiled code.
    django-ninja's `Schema` wraps every input in its `DjangoGetter` first (for `resolve_*` methods and model
    attributes): measured 0.58 ms for a 50-row list against 0.03 ms with this base (issue 17: the review queue API
    had become 1.5–2 ms slower when its rows were typed). Outputs with `resolve_*` methods stay ninja Schemas."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class ErrorOut(Schema):
    """Every failure, from a rule of the domain to a malformed body: a stable code and a Chinese message."""

    code: str = Field(description="稳定的错误代码，供程序判断")
    message: str = Field(description="中文说明，可直接展示给用户")
    details: Any = Field(None, description="可选：出错的字段及原因等")


# Issue 13 §5: integers in paths and query strings are bounded, so none reaches the database past 64 bits.
Id = Annotated[int, Field(ge=1, le=MAX_BIGINT, description="记录编号")]
Offset = Annotated[int, Field(ge=0, le=MAX_BIGINT, description="跳过的条数")]
Year = Annotated[int, Field(ge=MIN_YEAR, le=MAX_YEAR, description="年份")]
Day = Annotated[dt.date, Field(ge=dt.date(MIN_YEAR, 1, 1), le=dt.date(MAX_YEAR, 12, 31), description="日期")]
Limit = Annotated[int, Field(ge=1, le=500, description="每页条数（至多 500）")]


class Pagination(PaginationBase):
    """Keyset pages for every API list (issue 19 §2; core.paginator): `{items, count, count_capped, next}`.

    `next` is an opaque cursor: pass it back as `cursor` for the following page, however deep, at the cost of
    the first. `count` stops at the cap (`count_capped` says it did). `offset` is kept for existing clients
    only up to the cap; past it the answer is 400 `offset_beyond_cap`, naming `cursor`."""

    class Input(Schema):
        limit: int = Field(50, ge=1, le=500, description="每页条数（至多 500）")
        cursor: str | None = Field(None, max_length=2000, description="上一页返回的 next 翻页标记")
        offset: int = Field(0, ge=0, le=MAX_BIGINT,
                            description=f"跳过的条数（仅为兼容保留，至多 {DEFAULT_CAP}；更后面请用 cursor）")

    class Output(Schema):
        items: list[Any]
        count: int = Field(description=f"符合条件的条数，至多计到 {DEFAULT_CAP} 之上一条（见 count_capped）")
        count_capped: bool = Field(description="为 true 时实际条数多于 count 所示的上限")
        next: str | None = Field(description="下一页的翻页标记（cursor）；没有下一页时为 null")

    items_attribute = "items"
    cap = DEFAULT_CAP

    def __init__(self, *, rows=None, key=None, **kwargs):
        """`rows(page_rows, request)`: the rows of one page as the endpoint answers them (dicts for its schema,
        per-page data read in bulk); the model rows themselves when not given. `key`: for an endpoint that
        returns a list computed in full rather than a queryset (KeysetPaginator's `key`)."""
        super().__init__(**kwargs)
        self.rows, self.key = rows, key

    def paginate_queryset(self, queryset, pagination: Input, request, **params):
        if pagination.cursor and pagination.offset:
            raise ZhifaError(CoreErrorCode.INVALID_INPUT, "cursor 与 offset 不能同时使用。")
        if pagination.offset > self.cap:
            raise ZhifaError(PaginationErrorCode.OFFSET_BEYOND_CAP,
                             f"offset 至多为 {self.cap}；更后面的记录请用上一页返回的 next 作为 cursor 翻页。")
        paginator = KeysetPaginator(queryset, pagination.limit, cap=self.cap, key=self.key,
                                    filters=list_filters(request))
        page = paginator.page(pagination.cursor, offset=pagination.offset)
        items = self.rows(page.object_list, request) if self.rows else page.object_list
        return {self.items_attribute: items, "count": min(page.count, self.cap), "count_capped": page.capped,
                "next": page.next_cursor}


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


class ZhifaParser(Parser):
    """JSON bodies as strict JSON (no NaN/Infinity, which no database column stores) and without NUL
    characters or lone surrogates, which PostgreSQL refuses in text and jsonb. A refusal here is a 400
    `invalid_input` naming the problem (the API's HttpError handler reads it from the cause)."""

    def parse_body(self, request):
        data = json.loads(request.body, parse_constant=_no_constant)
        if problem := json_problem(data):
            raise ZhifaError(CoreErrorCode.INVALID_INPUT, f"请求内容{problem}")
        return _nfc(data)


def _nfc(value, key: str = ""):
    """Issue 14 §9: every string of a JSON body in Unicode NFC, as page forms are (core.middleware); password
    values stay as typed, their hashes were made from them. Depth is bounded by json_problem above."""
    if isinstance(value, str):
        return value if "password" in key.lower() else normalise(value)
    if isinstance(value, dict):
        return {normalise(k): _nfc(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_nfc(v, key) for v in value]
    return value


def column(model, name: str):
    """The API type of `model.name`, its limits taken from the model: `max_length` for text, the choices as
    an enum. A schema field declared with it documents and checks what the column holds (issue 13 §5)."""
    from typing import Literal

    field = model._meta.get_field(name)
    if field.choices:
        return Literal[tuple(str(value) for value, _ in field.flatchoices)]
    constraints = {"max_length": field.max_length} if getattr(field, "max_length", None) else {}
    return Annotated[str, Field(description=str(field.verbose_name), **constraints)]


def listed(model, name: str):
    """A text field whose allowed values the OpenAPI schema lists as an enum while the service checks them,
    for sets whose refusal carries a domain code of its own (an unknown action type is a 400
    `case_action_type_invalid`, not a 422)."""
    field = model._meta.get_field(name)
    values = [str(value) for value, _ in field.flatchoices]
    return Annotated[str, Field(description=str(field.verbose_name), json_schema_extra={"enum": values})]
