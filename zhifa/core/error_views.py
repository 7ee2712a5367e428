"""One error shape for every failure (issue 13 §5): {code, message[, details]} as JSON under /api/, a Chinese
page elsewhere. Django's handler400/403/404/500 and CSRF_FAILURE_VIEW point here (config/urls.py, settings)."""

import logging

from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader

from .errors import CoreErrorCode, ZhifaError, error_body

logger = logging.getLogger("zhifa.errors")


def is_api(request) -> bool:
    return request.path.startswith("/api/")


def json_error(status: int, code: str | None = None, message: str | None = None, details=None) -> JsonResponse:
    return JsonResponse(error_body(status, code, message, details), status=status,
                        json_dumps_params={"ensure_ascii": False})


def error_response(request, status: int, code: str | None = None, message: str | None = None, details=None):
    """The error as the client expects it: JSON for the API, the page of that status otherwise."""
    if is_api(request):
        return json_error(status, code, message, details)
    template = {403: "403.html", 404: "404.html"}.get(status, "400.html")
    return render(request, template, {"exception": error_body(status, code, message)["message"]}, status=status)


def refusal_message(exc: ZhifaError) -> str:
    """Issue 17: the one rule for a ZhifaError a page view catches to show on the page. A denial (403) is raised
    again, so ZhifaErrorMiddleware answers it as the API does: 403, the 无权访问 page with its message, in every
    app. Bad input or a wrong state is the message on the page the form or button came from (the form shown
    again as typed, or after the redirect), which is the answer's whole point: the user corrects and retries."""
    if exc.status == 403:
        raise exc
    return exc.message


def bad_request(request, exception=None, template_name="400.html"):
    return error_response(request, 400, CoreErrorCode.INVALID_INPUT, "请求不正确，无法处理。")


def permission_denied(request, exception=None, template_name="403.html"):
    message = str(exception) if exception is not None and str(exception) else None
    return error_response(request, 403, CoreErrorCode.PERMISSION_DENIED, message)


def page_not_found(request, exception=None, template_name="404.html"):
    return error_response(request, 404)


def server_error(request, template_name="500.html"):
    if is_api(request):
        return json_error(500)
    # Rendered without the request: whatever broke the view may break the context processors too.
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request, reason=""):
    """CSRF_FAILURE_VIEW: a form posted without a valid token (an expired page, a stale tab)."""
    from .middleware import body_too_big  # the middleware imports this module

    if body_too_big(request):  # the token was not found because the form was too large to read
        return error_response(request, 413)
    logger.info("CSRF failure on %s: %s", request.path, reason)
    message = "页面已过期或安全校验（CSRF）失败：请刷新页面后重试。"
    if is_api(request):
        return json_error(403, CoreErrorCode.CSRF_FAILED, message)
    return render(request, "403.html", {"exception": message}, status=403)
