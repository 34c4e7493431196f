"""What every ``/api/v1`` endpoint may answer besides success, declared once.

Every error body is :class:`ErrorOut`. Every endpoint may answer 401 (not signed in; a bad
key, signature, clock or nonce), 403 (a permission, a scope, a source address or a disabled
client; a missing CSRF token), 422 (parameters, characters or business rules refused) and 429
(a client's per-second limit or daily quota, with ``Retry-After``); :func:`responses` adds
these to an endpoint's success schema, and the codes an endpoint adds (404 for a look-up;
:data:`BODY_ERRORS` for one that takes a JSON body) are named where it is declared.
``credit.api`` writes the Chinese descriptions below into the OpenAPI document, so the
document lists what the code does.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class ErrorOut(Schema):
    code: str = Field(..., description="稳定的英文错误码，供程序判断，如 scope_not_granted")
    message: str = Field(..., description="中文说明，供人阅读")
    details: dict[str, Any] = Field(..., description="补充信息，如 errors、permission、field")


#: The error statuses every endpoint may answer.
COMMON_ERRORS = (401, 403, 422, 429)
#: What an endpoint that takes a JSON body adds: not JSON (400), too large (413).
BODY_ERRORS = (400, 413)

#: How each error status reads in the OpenAPI document (with its codes).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "请求体不是有效的 JSON（invalid_json），或与其 Content-Type 不符（invalid_body）",
    401: (
        "未认证：未登录或会话过期（not_authenticated），或签名请求的密钥、签名头、时间戳、"
        "nonce、签名不正确（key_invalid、signature_missing、timestamp_out_of_window、"
        "nonce_invalid、nonce_reused、signature_invalid）"
    ),
    403: (
        "无权访问：缺少权限（permission_denied）、接口权限未授予（scope_not_granted）、"
        "来源地址不在允许范围（ip_not_allowed）、调用方已停用（client_disabled）、"
        "不能代其他部门报送（department_not_allowed）、缺少 CSRF 令牌"
    ),
    404: "对象不存在，或不在调用方的数据范围内（两者不作区分）",
    413: "请求体过大（body_too_large）",
    422: (
        "请求不正确：参数不符合接口定义（invalid_request，details.errors 列出各项）、"
        "含有不允许的字符（invalid_characters）、值超出数据库可存范围（invalid_input），"
        "或不符合业务规则（validation_failed 及各业务错误码）"
    ),
    429: "调用过于频繁（rate_limited）或超出每日配额（quota_exceeded），见 Retry-After",
}


def responses(success: Any, *extra: int) -> dict[int, Any]:
    """The ``response=`` of an endpoint: its success schema (a schema for 200, or a dict of
    statuses) and :class:`ErrorOut` for :data:`COMMON_ERRORS` and ``extra``."""
    found = dict(success) if isinstance(success, dict) else {200: success}
    for status in sorted({*COMMON_ERRORS, *extra}):
        found[status] = ErrorOut
    return found


def links(status: int = 200, **named: tuple[str, dict[str, str]]) -> dict[str, Any]:
    """``openapi_extra`` declaring OpenAPI links from a success response: ``name=(operation
    id, {parameter: runtime expression})``, e.g. the batch id of a push's receipt to its
    feedback. Integrators (and stateful tests) follow them from one call to the next."""
    return {
        "responses": {
            status: {
                "links": {
                    name: {"operationId": operation, "parameters": parameters}
                    for name, (operation, parameters) in named.items()
                }
            }
        }
    }
