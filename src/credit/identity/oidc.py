"""The OpenID Connect client of the real-name login (Authlib's Django integration).

Authorization code flow with PKCE (S256), ``state`` and ``nonce``: :func:`begin` keeps the
three (and where to return) in the session under the state and sends the browser to the
identity platform; :func:`finish` accepts the answer only for a state this session started,
exchanges the code at the token endpoint (client secret over HTTP Basic), validates the ID
token — signature against the issuer's keys (JWKS, fetched again when an unknown key id
appears), ``iss``, ``aud``, ``exp``, ``nonce``, ``at_hash`` — and, when the ID token lacks
claims the mapping names, adds those of the userinfo endpoint for the same ``sub``.

The issuer's discovery document (``CREDIT_OIDC_ISSUER`` + ``/.well-known/openid-configuration``)
is read once an hour; its ``issuer`` must be the configured one. Every call to the platform
has a time limit (:data:`TIMEOUT`). Whatever goes wrong becomes :class:`LoginRefused` with a
Chinese message and a status for the page (400 for a refused answer, 502 when the platform
cannot be reached); the log names the reason, never personal data.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.django_client import OAuth
from authlib.integrations.django_client.apps import DjangoOAuth2App
from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from joserfc.errors import JoseError

logger = logging.getLogger("credit.identity")

NAME = "province"
#: Seconds a call to the identity platform may take.
TIMEOUT = 10
#: Seconds the discovery document is kept before it is read again.
METADATA_MAX_AGE = 3600

UNREACHABLE = "暂时无法连接省统一身份认证平台，请稍后再试。"
STATE_INVALID = (
    "登录请求已失效或与本浏览器不匹配（可能停留过久，或链接被改动）。请重新点击“实名登录”。"
)
NOT_COMPLETED = "未完成实名认证（已取消或认证平台拒绝）。如需使用实名服务，请重新登录。"
ANSWER_INVALID = "实名认证平台的应答未通过校验，登录未完成。请重新登录；多次出现请联系网站管理员。"


class LoginRefused(Exception):
    """A login that cannot go on: ``message`` for the person, ``code`` for the log,
    ``status`` for the page."""

    def __init__(self, message: str, *, code: str, status: int = 400) -> None:
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


@dataclass(frozen=True)
class Answer:
    """A finished login: the validated claims and the portal path to return to ("": none)."""

    claims: dict[str, Any]
    next_url: str


def configured() -> bool:
    """Whether an identity platform is configured (issuer and client id)."""
    return bool(settings.CREDIT_OIDC_ISSUER and settings.CREDIT_OIDC_CLIENT_ID)


def issuer() -> str:
    """The configured identity platform (the ``iss`` of its ID tokens)."""
    return settings.CREDIT_OIDC_ISSUER


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


_lock = threading.Lock()
_clients: dict[tuple[str, ...], DjangoOAuth2App] = {}


def _client() -> DjangoOAuth2App:
    """The client for the current settings; made again when they change or when its
    discovery document is older than :data:`METADATA_MAX_AGE`."""
    key = (
        settings.CREDIT_OIDC_ISSUER,
        settings.CREDIT_OIDC_CLIENT_ID,
        settings.CREDIT_OIDC_CLIENT_SECRET,
        settings.CREDIT_OIDC_SCOPES,
    )
    with _lock:
        client = _clients.get(key)
        loaded = client.server_metadata.get("_loaded_at") if client is not None else None
        if client is None or (loaded and time.time() - loaded > METADATA_MAX_AGE):
            client = OAuth().register(
                NAME,
                client_id=settings.CREDIT_OIDC_CLIENT_ID,
                client_secret=settings.CREDIT_OIDC_CLIENT_SECRET,
                server_metadata_url=discovery_url(settings.CREDIT_OIDC_ISSUER),
                client_kwargs={
                    "scope": settings.CREDIT_OIDC_SCOPES,
                    "code_challenge_method": "S256",
                    "default_timeout": TIMEOUT,
                },
            )
            _clients.clear()
            _clients[key] = client
    return client


def _metadata(client: DjangoOAuth2App) -> dict[str, Any]:
    metadata = client.load_server_metadata()
    if metadata.get("issuer") != settings.CREDIT_OIDC_ISSUER:
        logger.error(
            "real-name login: the discovery document names issuer %r, configured %r",
            metadata.get("issuer"),
            settings.CREDIT_OIDC_ISSUER,
        )
        raise LoginRefused(UNREACHABLE, code="issuer_mismatch", status=502)
    return metadata


def _unreachable(exc: Exception) -> LoginRefused:
    logger.warning("real-name login: identity platform unreachable (%s)", type(exc).__name__)
    return LoginRefused(UNREACHABLE, code="provider_unreachable", status=502)


def redirect_uri(request: HttpRequest) -> str:
    """The callback address registered with the platform: ``CREDIT_OIDC_REDIRECT_URI``, or
    this site's callback on the host the request came to."""
    return settings.CREDIT_OIDC_REDIRECT_URI or request.build_absolute_uri(
        reverse("identity:callback")
    )


def begin(request: HttpRequest, *, next_url: str) -> HttpResponseRedirect:
    """Send the browser to the platform's authorization endpoint; the state, nonce, PKCE
    verifier and ``next_url`` wait in the session under the state."""
    client = _client()
    callback = redirect_uri(request)
    try:
        _metadata(client)
        started = client.create_authorization_url(callback)
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as exc:
        raise _unreachable(exc) from exc
    client.save_authorize_data(request, redirect_uri=callback, next=next_url, **started)
    return HttpResponseRedirect(started["url"])


def finish(request: HttpRequest) -> Answer:
    """The platform's answer at the callback, validated (see the module's description)."""
    client = _client()
    params = request.GET
    state = params.get("state", "")
    data = client.framework.get_state_data(request.session, state) if state else None
    if not data:
        raise LoginRefused(STATE_INVALID, code="state_mismatch")
    if params.get("error") or not params.get("code"):
        client.framework.clear_state_data(request.session, state)
        logger.info("real-name login not completed: %s", params.get("error", "no code")[:50])
        raise LoginRefused(NOT_COMPLETED, code="provider_error")
    if "iss" in params and params["iss"] != settings.CREDIT_OIDC_ISSUER:  # RFC 9207
        client.framework.clear_state_data(request.session, state)
        raise LoginRefused(ANSWER_INVALID, code="issuer_mismatch")
    try:
        metadata = _metadata(client)
        token = client.authorize_access_token(request)
        claims = dict(token.get("userinfo") or {})
        if not claims:
            raise LoginRefused(ANSWER_INVALID, code="id_token_missing")
        wanted = settings.CREDIT_OIDC_CLAIMS.values()
        if metadata.get("userinfo_endpoint") and any(c not in claims for c in wanted):
            info = client.userinfo(token=token)
            if info.get("sub") != claims.get("sub"):
                raise LoginRefused(ANSWER_INVALID, code="userinfo_sub_mismatch")
            claims = {**info, **claims}
    except LoginRefused:
        raise
    except requests.RequestException as exc:
        raise _unreachable(exc) from exc
    except (AuthlibBaseError, JoseError, ValueError, KeyError, TypeError) as exc:
        logger.warning("real-name login refused: %s %s", type(exc).__name__, str(exc)[:200])
        raise LoginRefused(ANSWER_INVALID, code="token_invalid") from exc
    return Answer(claims=claims, next_url=data.get("next") or "")
