"""Django Ninja authentication: signed requests of API clients (see
:mod:`credit.gateway.signing`) and staff sessions. Both hand the handler the same thing: a
principal (``credit.core.access.Principal``) on ``request.auth``.

Requests without ``X-Credit-Key`` fall through to the next authenticator (the staff session,
with its CSRF check on writes), so the same endpoints serve business systems and staff.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.encoding import escape_uri_path
from ninja.security import APIKeyHeader
from ninja.security import SessionAuth as NinjaSessionAuth

from credit.core.access import principal_of
from credit.core.netaddr import client_ip
from credit.gateway import services


class SignedRequest(APIKeyHeader):
    """``X-Credit-Key`` plus the HMAC signature headers; the request runs as the client's
    principal (``request.auth``), with the client on ``request.api_client``."""

    param_name = "X-Credit-Key"
    openapi_description = (
        "签名请求：X-Credit-Key、X-Credit-Timestamp、X-Credit-Nonce、X-Credit-Signature，"
        "签名方法见接入指南（docs/api.md）。"
    )

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        client = services.authenticate(
            key=key,
            method=request.method or "GET",
            path=escape_uri_path(request.path),
            query=request.META.get("QUERY_STRING", ""),
            body=request.body,
            headers=request.headers,
            source_ip=client_ip(request),
        )
        request.api_client = client
        request.user = client.user
        return client.as_principal()


class SessionAuth(NinjaSessionAuth):
    """A signed-in member of staff (session cookie; CSRF token on writes), as a principal."""

    openapi_description = "工作人员登录会话（Cookie），写操作需携带 X-CSRFToken。"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return principal_of(user) if user is not None else None
