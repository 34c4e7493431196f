"""Logs every call of ``/api/v1`` (except its documentation) in the call log.

One row per call, written after the response: signed calls of API clients, calls of staff with
their session, and refused calls (401/403/429), with the client when its key is known. The
handler may describe the call by setting ``request.call_subject`` (the identifier looked up,
masked when it is a resident ID number before it is stored) and ``request.call_result`` (a
short JSON summary such as ``{"hits": 2}``). Writing the log never changes the response.

Installed after ``RequestContextMiddleware`` (and so after the authentication middleware), so
the request id of the call is known.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from credit.core import context
from credit.core.inputs import escape_text
from credit.core.netaddr import client_ip
from credit.gateway import calllog
from credit.gateway.models import ApiClient

logger = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
#: The API's own documentation is not a call.
NOT_LOGGED = ("/api/v1/docs", "/api/v1/openapi.json")


def is_logged(path: str) -> bool:
    return path.startswith(API_PREFIX) and not path.startswith(NOT_LOGGED)


class CallLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_logged(request.path):
            return self.get_response(request)
        called_at = timezone.now()
        started = time.perf_counter()
        response = self.get_response(request)
        latency_ms = round((time.perf_counter() - started) * 1000)
        try:
            calllog.record_call(
                called_at=called_at,
                latency_ms=latency_ms,
                status=response.status_code,
                **_describe(request),
            )
        except Exception:  # the log must never break the response
            logger.warning("call log: could not describe %s", request.path, exc_info=True)
        return response


def _describe(request: HttpRequest) -> dict:
    """Who made the call and what it was, from what the request carries after the view."""
    match = getattr(request, "resolver_match", None)
    client_id = user_id = department_id = None
    client = getattr(request, "api_client", None)
    if client is not None:
        client_id, user_id, department_id = client.pk, client.user_id, client.department_id
    else:
        key = request.headers.get("X-Credit-Key", "")
        if key:  # a refused signed call: name the client when the key is one
            key = escape_text(key)[:40]  # a key with NUL (refused) is no key, not a DataError
            found = ApiClient.objects.filter(key=key).values_list("pk", "department_id").first()
            if found:
                client_id, department_id = found
        else:
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                user_id, department_id = user.pk, user.department_id
    return {
        "client_id": client_id,
        "user_id": user_id,
        "department_id": department_id,
        "method": request.method or "",
        "route": "/" + match.route if match is not None and match.route else "",
        "path": request.path,
        "subject": getattr(request, "call_subject", None),
        "result": getattr(request, "call_result", None),
        "source_ip": client_ip(request),
        "request_id": context.current().request_id,
    }
