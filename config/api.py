"""One NinjaAPI mounting each app's router (STYLE layout). OpenAPI docs at /api/docs."""

import logging

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from zhifa.core.api import API_AUTH, ErrorOut, ZhifaParser, staff_docs
from zhifa.core.errors import CoreErrorCode, ZhifaError, error_body

logger = logging.getLogger("zhifa.api")

# Issue 13 §5: the failures every operation can answer, declared once for all of them (see ZhifaAPI).
ERROR_RESPONSES = {
    400: "请求不正确（格式、长度或取值超出范围，或违反业务规则）",
    401: "未登录或接口令牌无效",
    403: "无权执行此操作，或 CSRF 校验失败",
    404: "记录不存在，或不在您的权限范围内",
    409: "与现有记录冲突（重复提交、并发修改或状态已变化）",
    413: "请求内容过大",
    422: "请求参数不符合接口定义",
}
PUBLIC_ERRORS = (400, 404, 409, 413, 422)  # an operation without authentication answers neither 401 nor 403


class ZhifaAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema declares the error responses on every operation, with ErrorOut as
    their body, so a route added later documents them without saying so itself."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["ErrorOut"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}}
        for item in schema["paths"].values():
            for operation in item.values():
                statuses = ERROR_RESPONSES if operation.get("security") else PUBLIC_ERRORS
                for status in statuses:
                    operation["responses"].setdefault(status, {"description": ERROR_RESPONSES[status], "content": ref})
        return schema


api = ZhifaAPI(
    title="zhifa 执法 API",
    version="1",
    description="行政执法三项制度信息系统接口。所有错误响应统一为 {code, message[, details]}：code 为稳定的错误代码，"
    "message 为中文说明，details 可给出出错的字段。",
    auth=API_AUTH,
    docs_decorator=staff_docs,  # issue 14 §7: the API docs are for staff
    urls_namespace="api",
    parser=ZhifaParser(),
)


@api.exception_handler(ZhifaError)
def _zhifa_error(request, exc: ZhifaError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    return api.create_response(
        request, {"code": "invalid_input", "message": "请求参数不正确。", "details": exc.errors}, status=422
    )


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    # An expired or revoked token says so (TokenAuth leaves the reason on the request), so its client knows to
    # ask for a new one rather than retry.
    code, message = getattr(request, "zhifa_auth_error", (None, None))
    return api.create_response(request, error_body(401, code, message), status=401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "未找到该记录，或您无权查看。"}, status=404)


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    return api.create_response(request, {"code": "permission_denied", "message": "您没有执行此操作的权限。"}, status=403)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    """ninja's own refusals: a body that is not JSON (400), a failed CSRF check (403), throttling (429)."""
    if isinstance(exc.__cause__, ZhifaError):  # refused by ZhifaParser
        return api.create_response(request, exc.__cause__.as_dict(), status=exc.__cause__.status)
    if exc.status_code == 400:
        body = error_body(400, CoreErrorCode.MALFORMED_BODY, "请求体不是有效的 JSON。")
    elif exc.status_code == 403 and "CSRF" in exc.message:
        body = error_body(403, CoreErrorCode.CSRF_FAILED, "CSRF 校验失败：请刷新页面后重试，或改用接口令牌。")
    else:
        body = error_body(exc.status_code)
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(DjangoValidationError)
def _django_validation_error(request, exc: DjangoValidationError):
    details = exc.message_dict if hasattr(exc, "error_dict") else None
    return api.create_response(request, error_body(400, CoreErrorCode.INVALID_INPUT, "；".join(exc.messages), details),
                               status=400)


@api.exception_handler(IntegrityError)
def _integrity_error(request, exc):
    """A race the code did not foresee (two requests writing the same unique row): the loser is told to retry."""
    logger.warning("IntegrityError answered 409 on %s: %s", request.path, exc)
    return api.create_response(request, error_body(409), status=409)


@api.exception_handler(DataError)
def _data_error(request, exc):
    """Last line behind core.bounds: a value the database refused is the client's input, not a server fault."""
    logger.warning("DataError answered 400 on %s: %s", request.path, exc)
    return api.create_response(request, error_body(400, CoreErrorCode.INVALID_INPUT, "输入的值超出允许范围。"), status=400)


@api.exception_handler(RequestDataTooBig)
def _too_big(request, exc):
    return api.create_response(request, error_body(413), status=413)


from zhifa.assessment.api import router as assessment_router  # noqa: E402
from zhifa.campaigns.api import router as campaigns_router  # noqa: E402
from zhifa.cases.api import router as cases_router  # noqa: E402
from zhifa.cockpit.api import router as cockpit_router  # noqa: E402
from zhifa.core.api_routes import router as core_router  # noqa: E402
from zhifa.discretion.api import router as discretion_router  # noqa: E402
from zhifa.evaluation.api import router as evaluation_router  # noqa: E402
from zhifa.inspections.api import router as inspections_router  # noqa: E402
from zhifa.instruments.api import router as instruments_router  # noqa: E402
from zhifa.ledger.api import router as ledger_router  # noqa: E402
from zhifa.org.api import router as org_router  # noqa: E402
from zhifa.publicity.api import router as publicity_router  # noqa: E402
from zhifa.records.api import router as records_router  # noqa: E402
from zhifa.review.api import router as review_router  # noqa: E402
from zhifa.rules.api import router as rules_router  # noqa: E402
from zhifa.supervision.api import router as supervision_router  # noqa: E402

api.add_router("/core/", core_router)
api.add_router("/ledger/", ledger_router)
api.add_router("/org/", org_router)
api.add_router("/rules/", rules_router)
api.add_router("/cases/", cases_router)
api.add_router("/records/", records_router)
api.add_router("/review/", review_router)
api.add_router("/publicity/", publicity_router)
api.add_router("/supervision/", supervision_router)
api.add_router("/instruments/", instruments_router)
api.add_router("/campaigns/", campaigns_router)
api.add_router("/evaluation/", evaluation_router)
api.add_router("/inspections/", inspections_router)
api.add_router("/assessment/", assessment_router)
api.add_router("/discretion/", discretion_router)
api.add_router("/cockpit/", cockpit_router)
