"""Enumerated errors: a stable code for machines, a Chinese message for people.

Every service raises ZhifaError (or a subclass) with a code from an app's StrEnum; the API turns it
into {"code": ..., "message": ...} with the error's HTTP status, and pages show the message.
"""

from enum import StrEnum

from .regulations import expand


class CoreErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    # Issue 14 §9: text hiding a bidirectional override, zero-width or other invisible control character.
    TEXT_INVISIBLE_CONTROL = "text_invisible_control"
    APPEND_ONLY = "append_only"
    CALENDAR_INVALID = "calendar_invalid"
    CALENDAR_YEAR_EXISTS = "calendar_year_exists"
    # Issue 14 §6, §7: login, second factor, session lifetime and API tokens.
    LOCKED_OUT = "locked_out"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    SECOND_FACTOR_INVALID = "second_factor_invalid"
    SECOND_FACTOR_THROTTLED = "second_factor_throttled"
    SECOND_FACTOR_EXISTS = "second_factor_exists"
    SESSION_EXPIRED = "session_expired"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_REVOKED = "token_revoked"
    TOKEN_SECOND_FACTOR = "token_second_factor"
    # The transport's failures, in the same shape as the rules' (issue 13 §5).
    UNAUTHENTICATED = "unauthenticated"
    MALFORMED_BODY = "malformed_body"
    CSRF_FAILED = "csrf_failed"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    TOO_LARGE = "too_large"
    CONFLICT = "conflict"
    # Issue 17: a workflow move the object's state does not allow (core.workflow), the same in every app.
    WRONG_STATE = "wrong_state"
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"


# The message for each HTTP status when nothing more specific is known.
STATUS_ERRORS = {
    400: (CoreErrorCode.INVALID_INPUT, "请求不正确。"),
    401: (CoreErrorCode.UNAUTHENTICATED, "请先登录或提供有效的接口令牌。"),
    403: (CoreErrorCode.PERMISSION_DENIED, "您没有执行此操作的权限。"),
    404: (CoreErrorCode.NOT_FOUND, "未找到该记录，或您无权查看。"),
    405: (CoreErrorCode.METHOD_NOT_ALLOWED, "不支持的请求方法。"),
    409: (CoreErrorCode.CONFLICT, "该记录已被同时修改，请刷新后重试。"),
    413: (CoreErrorCode.TOO_LARGE, "请求内容过大。"),
    422: (CoreErrorCode.INVALID_INPUT, "请求参数不正确。"),
    429: (CoreErrorCode.RATE_LIMITED, "请求过于频繁，请稍后再试。"),
    500: (CoreErrorCode.SERVER_ERROR, "服务器内部错误，已记录，请稍后再试。"),
}


def error_body(status: int, code: str | None = None, message: str | None = None, details=None) -> dict:
    """{code, message[, details]} for `status`, with the status's defaults for what is not given."""
    default_code, default_message = STATUS_ERRORS.get(status, (CoreErrorCode.INVALID_INPUT, "请求失败。"))
    body = {"code": str(code or default_code), "message": message or default_message}
    if details is not None:
        body["details"] = details
    return body


class ZhifaError(Exception):
    """A rule was broken. `code` is stable API vocabulary; `message` is shown to people."""

    status = 400

    def __init__(self, code: StrEnum | str, message: str, *, details: dict | list | None = None, status=None):
        # People read the message: a regulation is named, never cited by the team's code (issue 18 §3).
        message = expand(message)
        super().__init__(message)
        self.code = str(code)
        self.message = message
        self.details = details
        if status is not None:
            self.status = status

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body


class PermissionDeniedError(ZhifaError):
    status = 403

    def __init__(self, message: str = "您没有执行此操作的权限。", **kwargs):
        super().__init__(CoreErrorCode.PERMISSION_DENIED, message, **kwargs)


class NotFoundError(ZhifaError):
    """Also raised for objects outside the actor's scope, so scope cannot be probed (STYLE habit 4)."""

    status = 404

    def __init__(self, message: str = "未找到该记录，或您无权查看。", **kwargs):
        super().__init__(CoreErrorCode.NOT_FOUND, message, **kwargs)


class WrongStateError(ZhifaError):
    """A move the workflow's table does not allow from the object's state, or into the state asked for
    (core.workflow). One code and one status in every app: 409, the state is the conflict."""

    status = 409

    def __init__(self, message: str, **kwargs):
        super().__init__(CoreErrorCode.WRONG_STATE, message, **kwargs)
