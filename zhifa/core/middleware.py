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


def request_text_problem(request, sources=("GET", "POST")) -> str | None:
    """Why the path, a query parameter or a form field holds text no database can store, or None."""
    if problem := text_problem(request.path):
        return f"地址{problem}"
    labels = {"GET": "查询参数", "POST": "表单字段"}
    for attr in sources:
        for key, values in getattr(request, attr).lists():
            for text in (key, *values):
                if problem := text_problem(text):
                    return f"{labels[attr]}“{key[:40]}”{problem}"
    return None


def _is_nfc(text: str) -> bool:
    return text.isascii() or normalise(text) == text


def normalise_request(request, sources=("GET", "POST")) -> None:
    """Issue 14 §9: query and form text in Unicode NFC before any view sees it, so the row, its log entry and
    the page all hold one spelling of "é" whichever door it came through (JSON bodies: core.api.ZhifaParser).
    Password fields are left as typed: their hashes were made from the characters as typed. Uploaded file
    names are a browser's or device's, not the user's typing: their invisible control characters and paths
    are removed (core.files.clean_filename)."""
    from .files import clean_filename

    for attr in sources:
        source = getattr(request, attr)
        if all(_is_nfc(key) and all(_is_nfc(v) for v in values) for key, values in source.lists()):
            continue
        copy = QueryDict(mutable=True, encoding=source.encoding)
        for key, values in source.lists():
            copy.setlist(normalise(key), values if "password" in key.lower() else [normalise(v) for v in values])
        copy._mutable = False
        setattr(request, attr, copy)
    if "POST" in sources:
        for _key, uploads in request.FILES.lists():
            for upload in uploads:
                upload.name = clean_filename(upload.name)


# Review finding 4: the form body is checked and normalised when it is parsed, not before the login check, CSRF
# and the view. Reading request.POST in __call__ parsed (spooled to disk) every body, an anonymous 8 GB upload
# to a login-only page included, before anyone decided the request may run at all; and the portal's "a body
# beyond the limits is refused before it is read" could not hold. Now the body is parsed only by whoever reads
# it first: CSRF's check of a POST (after the login and second-factor checks, config/settings.py MIDDLEWARE) or
# the view. Django parses it in HttpRequest._load_post_and_files; the request's class is swapped for a subclass
# whose parse runs the text rule and the normalisation right after.
_TEXT_PROBLEM = "_zhifa_body_problem"  # (status, message) of a body refused while middleware read it
_IN_VIEW = "_zhifa_in_view"


class BodyTextRefused(ZhifaError):
    """A form body the text rule refuses, found while a view read it (the view's caller answers 400)."""

    def __init__(self, message: str):
        super().__init__(CoreErrorCode.INVALID_INPUT, message, status=400)


class _CheckedBody:
    """Mixed into the request's class: the form body, once parsed, is checked and normalised."""

    def _load_post_and_files(self):
        try:
            super()._load_post_and_files()
        except RequestDataTooBig:
            if getattr(self, _IN_VIEW, False):
                raise
            # Read by a middleware (CSRF): answered 413 by process_view, before the view; nothing parsed stays.
            self._mark_post_parse_error()
            setattr(self, _TEXT_PROBLEM, (413, None))
            return
        problem = request_text_problem(self, sources=("POST",))
        if problem is None:
            normalise_request(self, sources=("POST",))
            return
        if getattr(self, _IN_VIEW, False):
            self._mark_post_parse_error()  # a view that catches the refusal and reads on finds no form at all
            raise BodyTextRefused(problem)
        setattr(self, _TEXT_PROBLEM, (400, problem))


def body_too_big(request) -> bool:
    """Whether CSRF's read of the form body stopped at DATA_UPLOAD_MAX_MEMORY_SIZE (its failure view says 413)."""
    return getattr(request, _TEXT_PROBLEM, (None,))[0] == 413


_checked_classes: dict[type, type] = {}


def _check_body_when_parsed(request) -> None:
    cls = type(request)
    if issubclass(cls, _CheckedBody):
        return
    checked = _checked_classes.get(cls)
    if checked is None:
        checked = _checked_classes[cls] = type(f"Checked{cls.__name__}", (_CheckedBody, cls), {})
    request.__class__ = checked


class ZhifaErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Issue 13 §5: bad input is a 400 before any view runs, never a database error later. The path and the
        # query now; the form body when it is parsed (_CheckedBody), which is never before the login check.
        problem = request_text_problem(request, sources=("GET",))
        if problem:
            return error_response(request, 400, CoreErrorCode.INVALID_INPUT, problem)
        normalise_request(request, sources=("GET",))
        _check_body_when_parsed(request)
        response = self.get_response(request)
        if is_api(request) and response.status_code >= 400:
            _shape(request, response)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The last middleware to look at the request before the view (AxesMiddleware has no process_view): a
        # body CSRF's check parsed and the text rule refused is answered here; one the view parses raises.
        refused = getattr(request, _TEXT_PROBLEM, None)
        if refused is not None:
            status, problem = refused
            if status == 413:
                return error_response(request, 413)
            return error_response(request, 400, CoreErrorCode.INVALID_INPUT, problem)
        setattr(request, _IN_VIEW, True)
        return None

    def process_exception(self, request, exception):
        if isinstance(exception, RequestDataTooBig):
            return error_response(request, 413)
        if isinstance(exception, BodyTextRefused):
            return error_response(request, 400, CoreErrorCode.INVALID_INPUT, exception.message)
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
