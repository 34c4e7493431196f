"""The ``/api/v1`` API: one NinjaAPI with a router per app and stable error codes.

Staff use it with their session cookie (and the CSRF token on writes); business systems with
signed requests (``credit.gateway``: key, HMAC signature, source address, scopes, limits).
Every error body is ``{"code", "message", "details"}``:
``code`` is a stable English identifier, ``message`` is Chinese for people.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from credit.accounts.api import router as accounts_router
from credit.alerts.api import router as alerts_router
from credit.assessment.api import router as assessment_router
from credit.catalog.api import router as catalog_router
from credit.commitments.api import router as commitments_router
from credit.core.api import router as core_router
from credit.core.errors import CreditError, RateLimited
from credit.core.schemas import ERROR_DESCRIPTIONS
from credit.events.api import router as push_router
from credit.gateway.auth import SessionAuth, SignedRequest
from credit.ingest.api import router as ingest_router
from credit.integrity.api import router as integrity_router
from credit.records.api import router as records_router
from credit.reports.api import router as reports_router
from credit.sanctions.api import router as sanctions_router
from credit.subjects.api import router as subjects_router


class CreditAPI(NinjaAPI):
    """The NinjaAPI whose OpenAPI document describes each error status in Chinese with the
    codes it carries (``credit.core.schemas.ERROR_DESCRIPTIONS``)."""

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    if int(status) in ERROR_DESCRIPTIONS:
                        response["description"] = ERROR_DESCRIPTIONS[int(status)]
        return schema


api = CreditAPI(
    title="公共信用信息平台 API",
    version="1",
    description="常州市公共信用信息平台对部门和业务系统开放的接口。错误返回 "
    '`{"code": 英文错误码, "message": 中文说明, "details": {...}}`。',
    auth=[SignedRequest(), SessionAuth()],
    urls_namespace="api-1",
    # Swagger UI from django-ninja's bundled static files (no CDN, no inline script). No
    # validator badge: it would send the document's address to validator.swagger.io.
    docs=Swagger(settings={"validatorUrl": None}),
)


def _error(
    request: HttpRequest, status: int, code: str, message: str, details=None
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(CreditError)
def _credit_error(request: HttpRequest, exc: CreditError) -> HttpResponse:
    response = _error(request, exc.status, exc.code, exc.message, exc.details)
    if isinstance(exc, RateLimited):
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "not_authenticated", "未登录或登录已过期")


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    return _error(request, 422, "invalid_request", "请求参数不正确", {"errors": exc.errors})


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return _error(request, 413, "body_too_large", "请求体过大，请分批提交")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if exc.status_code == 400:  # Ninja could not parse the body
        return _error(request, 400, "invalid_json", "请求体不是有效的 JSON，请检查格式后重试")
    codes = {404: "not_found", 403: "permission_denied", 405: "method_not_allowed"}
    return _error(request, exc.status_code, codes.get(exc.status_code, "error"), str(exc))


api.add_router("/", core_router)
api.add_router("/accounts", accounts_router)
api.add_router("/catalog", catalog_router)
api.add_router("/subjects", subjects_router)
api.add_router("/ingest", ingest_router)
api.add_router("/sanctions", sanctions_router)
api.add_router("/sanctions", push_router)
api.add_router("/warnings", alerts_router)
api.add_router("/reports", reports_router)
api.add_router("/integrity", integrity_router)
api.add_router("/commitments", commitments_router)
api.add_router("/assessment", assessment_router)
api.add_router("/changes", records_router)
