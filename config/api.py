"""One NinjaAPI mounting each app's router (STYLE layout). OpenAPI docs at /api/docs."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from zhifa.core.api import API_AUTH
from zhifa.core.errors import ZhifaError

api = NinjaAPI(
    title="zhifa 执法 API",
    version="1",
    description="行政执法三项制度信息系统接口。错误响应统一为 {code, message}：code 为稳定的错误代码，message 为中文说明。",
    auth=API_AUTH,
    urls_namespace="api",
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
    return api.create_response(request, {"code": "unauthenticated", "message": "请先登录或提供有效的接口令牌。"}, status=401)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "未找到该记录，或您无权查看。"}, status=404)


@api.exception_handler(PermissionDenied)
def _denied(request, exc):
    return api.create_response(request, {"code": "permission_denied", "message": "您没有执行此操作的权限。"}, status=403)


from zhifa.cases.api import router as cases_router  # noqa: E402
from zhifa.core.api_routes import router as core_router  # noqa: E402
from zhifa.ledger.api import router as ledger_router  # noqa: E402
from zhifa.org.api import router as org_router  # noqa: E402
from zhifa.publicity.api import router as publicity_router  # noqa: E402
from zhifa.records.api import router as records_router  # noqa: E402
from zhifa.review.api import router as review_router  # noqa: E402
from zhifa.rules.api import router as rules_router  # noqa: E402

api.add_router("/core/", core_router)
api.add_router("/ledger/", ledger_router)
api.add_router("/org/", org_router)
api.add_router("/rules/", rules_router)
api.add_router("/cases/", cases_router)
api.add_router("/records/", records_router)
api.add_router("/review/", review_router)
api.add_router("/publicity/", publicity_router)
