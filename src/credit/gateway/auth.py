"""Django Ninja authentication for signed requests (see :mod:`credit.gateway.signing`).

Requests without ``X-Credit-Key`` fall through to the next authenticator (the staff session,
with its CSRF check on writes), so the same endpoints serve business systems and staff.
"""

from __future__ import annotations

import copy
from typing import Any

from django.http import HttpRequest
from django.utils.encoding import escape_uri_path
from ninja.security import APIKeyHeader

from credit.core.netaddr import client_ip
from credit.gateway import services


class SignedRequest(APIKeyHeader):
    """``X-Credit-Key`` plus the HMAC signature headers; the request runs as the client's
    service user (``request.auth``), with the client on ``request.api_client``."""

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
        user = copy.copy(client.user)  # the client is cached per process: one copy per request
        user._api_client = client  # perms_of() reads the scopes without another query
        request.api_client = client
        request.user = user
        return user
