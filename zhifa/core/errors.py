"""Enumerated errors: a stable code for machines, a Chinese message for people.

Every service raises ZhifaError (or a subclass) with a code from an app's StrEnum; the API turns it
into {"code": ..., "message": ...} with the error's HTTP status, and pages show the message.
"""

from enum import StrEnum


class CoreErrorCode(StrEnum):
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    INVALID_INPUT = "invalid_input"
    APPEND_ONLY = "append_only"
    CALENDAR_INVALID = "calendar_invalid"
    CALENDAR_YEAR_EXISTS = "calendar_year_exists"


class ZhifaError(Exception):
    """A rule was broken. `code` is stable API vocabulary; `message` is shown to people."""

    status = 400

    def __init__(self, code: StrEnum | str, message: str, *, details: dict | list | None = None, status=None):
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
