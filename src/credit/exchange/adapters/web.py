"""What the web-service adapters (REST, WebService) share: the checks of a partner's address
and credentials, and the signing of requests with the platform's own ``X-Credit-*`` scheme
(:mod:`credit.gateway.signing`), so that a partner that is another instance of this platform
accepts them with the API client it registered for us."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import requests

from credit.gateway.client import signed_headers

#: Seconds a request may take, by default and at most.
DEFAULT_TIMEOUT = 10
MAX_TIMEOUT = 120


def text_value(value: Any) -> bool:
    """Whether ``value`` is non-blank text."""
    return isinstance(value, str) and bool(value.strip())


def address_errors(value: Any, *, name: str, missing: str, allow_query: bool = False) -> list[str]:
    """The problems of the partner's address ``value`` (config key ``name``): an http(s) URL
    with a host and a valid port, without credentials (they belong in ``auth``), without a
    query unless ``allow_query``. ``missing`` is the message when it is no such URL."""
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        return [missing]
    if parts.username or parts.password:
        return [f"{name} 中不能含用户名或密码，请用认证方式 auth 配置凭据"]
    if not allow_query and (parts.query or parts.fragment):
        return [f"{name} 不能带查询参数或 #"]
    try:
        parts.port  # noqa: B018 (raises for a port that is no number or out of range)
    except ValueError:
        return [f"{name} 的端口应为 1–65535"]
    return []


def credential_errors(config: dict[str, Any], modes: tuple[str, ...]) -> list[str]:
    """The problems of ``auth`` (one of ``modes``) with the secrets it needs — ``token`` for
    ``bearer``, ``key`` and ``secret`` for ``credit-hmac`` — and of ``timeout``."""
    errors = []
    auth = config.get("auth", "none")
    if auth not in modes:
        errors.append(f"认证方式 auth 应为 {'、'.join(modes)} 之一")
    elif auth == "bearer" and not text_value(config.get("token")):
        errors.append("认证方式 bearer 需要令牌 token")
    elif auth == "credit-hmac":
        if not text_value(config.get("key")):
            errors.append("认证方式 credit-hmac 需要访问密钥 key")
        if not text_value(config.get("secret")):
            errors.append("认证方式 credit-hmac 需要签名密钥 secret")
    timeout = config.get("timeout", DEFAULT_TIMEOUT)
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not 1 <= timeout <= MAX_TIMEOUT
    ):
        errors.append(f"超时 timeout 应为 1–{MAX_TIMEOUT} 秒")
    return errors


class CreditHmacAuth(requests.auth.AuthBase):
    """Signs each request with the platform's ``X-Credit-*`` headers (method, path as sent,
    query, raw body)."""

    def __init__(self, key: str, secret: str) -> None:
        self.key = key
        self.secret = secret

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        parts = urlsplit(request.url or "")
        body = request.body or b""
        if isinstance(body, str):
            body = body.encode("utf-8")
        request.headers.update(
            signed_headers(
                self.key,
                self.secret,
                request.method or "POST",
                parts.path or "/",
                parts.query,
                body,
            )
        )
        return request

    def __repr__(self) -> str:  # never the secret
        return f"CreditHmacAuth(key={self.key!r})"
