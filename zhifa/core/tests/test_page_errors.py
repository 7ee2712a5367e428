"""Issue 17: one error mapping for pages, as the API has one. A ZhifaError a page view lets through is answered
with the status the API gives it, on the Chinese error page; a denial is the 403 page in every app; bad input or
a wrong state a form or button caught stays the message on the page."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from config.api import api
from zhifa.core.error_views import refusal_message
from zhifa.core.errors import CoreErrorCode, NotFoundError, PermissionDeniedError, ZhifaError
from zhifa.core.middleware import ZhifaErrorMiddleware

ERRORS = [
    PermissionDeniedError("只有机关负责人可以签发文书。"),
    NotFoundError(),
    ZhifaError(CoreErrorCode.INVALID_INPUT, "输入不正确。"),
    ZhifaError(CoreErrorCode.INVALID_INPUT, "状态已变化，请刷新后重试。", status=409),
]


def _request(path):
    request = RequestFactory().post(path)
    request.user = AnonymousUser()
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


@pytest.mark.parametrize("exc", ERRORS, ids=lambda e: str(e.status))
def test_a_page_answers_a_zhifa_error_with_the_status_the_api_gives_it(exc):
    page = ZhifaErrorMiddleware(lambda r: None).process_exception(_request("/cases/1/advance/"), exc)
    request = _request("/api/cases/1/advance")
    answer = api.on_exception(request, exc)
    assert page.status_code == answer.status_code == exc.status
    assert page["Content-Type"].startswith("text/html")
    if exc.status == 403:
        assert "无权访问" in page.content.decode() and exc.message in page.content.decode()
    elif exc.status != 404:
        assert exc.message in page.content.decode()


def test_a_caught_denial_goes_to_the_403_page_and_bad_input_stays_on_the_page():
    denial = PermissionDeniedError()
    with pytest.raises(PermissionDeniedError):
        refusal_message(denial)
    assert refusal_message(ZhifaError(CoreErrorCode.INVALID_INPUT, "请填写理由。")) == "请填写理由。"
    assert refusal_message(ZhifaError(CoreErrorCode.INVALID_INPUT, "状态已变化。", status=409)) == "状态已变化。"
    with pytest.raises(ZhifaError):  # a 403 that is not a PermissionDeniedError is a denial too
        refusal_message(ZhifaError(CoreErrorCode.PERMISSION_DENIED, "无权。", status=403))
