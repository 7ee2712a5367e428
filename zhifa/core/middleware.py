"""Turn rule errors raised in page views into the right response (the API has its own handler), refuse text
no database stores before any view sees it, and give every API error response the {code, message} shape."""

import json
import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404, QueryDict
from django.shortcuts import render

from .bounds import normalise, text_problem
from .error_views import error_response, is_api
from .errors import CoreErrorCode, NotFoundError, PermissionDeniedError, ZhifaError, error_body

logger = logging.getLogger("zhifa.pages")


def request_text_problem(request) -> str | None:
    """Why the path, a query parameter or a form field holds text no database can store, or None."""
    if problem := text_problem(request.path):
        return f"地址{problem}"
    for source, label in ((request.GET, "查询参数"), (request.POST, "表单字段")):
        for key, values in source.lists():
            for text in (key, *values):
                if problem := text_problem(text):
                    return f"{label}“{key[:40]}”{problem}"
    return None


def _is_nfc(text: str) -> bool:
    return text.isascii() or normalise(text) == text


def normalise_request(request) -> None:
    """Issue 14 §9: query and form text in Unicode NFC before any view sees it, so the row, its log entry and
    the page all hold one spelling of "é" whichever door it came through (JSON bodies: core.api.ZhifaParser).
    Password fields are left as typed: their hashes were made from the characters as typed. Uploaded file
    names are a browser's or device's, not the user's typing: their invisible control characters and paths
    are removed (core.files.clean_filename)."""
    from .files import clean_filename

    for attr in ("GET", "POST"):
        source = getattr(request, attr)
        if all(_is_nfc(key) and all(_is_nfc(v) for v in values) for key, values in source.lists()):
            continue
        copy = QueryDict(mutable=True, encoding=source.encoding)
        for key, values in source.lists():
            copy.setlist(normalise(key), values if "password" in key.lower() else [normalise(v) for v in values])
        copy._mutable = False
        setattr(request, attr, copy)
    for _key, uploads in request.FILES.lists():
        for upload in uploads:
            upload.name = clean_filename(upload.name)


class ZhifaErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Issue 13 §5: bad input is a 400 before any view runs, never a database error later.
        try:
            problem = request_text_problem(request)
        except RequestDataTooBig:
            return error_response(request, 413)
        if problem:
            return error_response(request, 400, CoreErrorCode.INVALID_INPUT, problem)
        normalise_request(request)
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400:
            _shape(request, response)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return error_response(request, 413)
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, DjangoValidationError):
            return error_response(request, 400, CoreErrorCode.INVALID_INPUT, "；".join(exception.messages))
        if isinstance(exception, DataError):  # last line behind core.bounds: a missing bound, logged
            logger.warning("DataError answered 400 on %s: %s", request.path, exception)
            return error_response(request, 400, CoreErrorCode.INVALID_INPUT, "输入的值超出允许范围。")
        if isinstance(exception, IntegrityError):  # a race nobody foresaw: the loser retries
            logger.warning("IntegrityError answered 409 on %s: %s", request.path, exception)
            return error_response(request, 409)
        if isinstance(exception, PermissionDeniedError):
            return render(request, "403.html", {"exception": exception.message}, status=403)
        if isinstance(exception, NotFoundError):
            return render(request, "404.html", status=404)
        if isinstance(exception, ZhifaError):
            return render(request, "400.html", {"exception": exception.message}, status=exception.status)
        if isinstance(exception, (PermissionDenied, Http404)):
            return None
        return None


def _shape(request, response) -> None:
    """An API error answered outside ninja's handlers (405 for a method the route lacks, tus's bare 409 and
    412) gets the {code, message} body for its status; its headers (Allow, Upload-Offset) stay."""
    if response.streaming or request.method == "HEAD":
        return
    if response.get("Content-Type", "").startswith("application/json"):
        return
    response.content = json.dumps(error_body(response.status_code), ensure_ascii=False).encode()
    response["Content-Type"] = "application/json; charset=utf-8"
