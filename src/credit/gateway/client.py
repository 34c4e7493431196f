"""A small client for ``/api/v1`` that signs every request (standard library only).

    from credit.gateway.client import CreditClient

    client = CreditClient("https://credit.changzhou.example", key="ck_…", secret="…")
    status, body = client.get("/api/v1/subjects/91320400MA1XXXXXXX")
    status, body = client.post("/api/v1/ingest/admin-penalty", {"rows": [...]})

Departments may copy this file into their own systems: it needs nothing but Python 3.11.
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlencode, urlsplit

from credit.gateway.signing import sign


def signed_headers(
    key: str,
    secret: str,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
) -> dict[str, str]:
    """The four ``X-Credit-*`` headers for one request (a fresh timestamp and nonce unless
    given)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or secrets.token_urlsafe(16)
    return {
        "X-Credit-Key": key,
        "X-Credit-Timestamp": ts,
        "X-Credit-Nonce": nonce,
        "X-Credit-Signature": sign(secret, method, path, query, body, timestamp=ts, nonce=nonce),
    }


class CreditClient:
    """Calls the platform with signed requests; returns ``(status, parsed JSON body)``."""

    def __init__(self, base_url: str, *, key: str, secret: str, timeout: float = 30) -> None:
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.secret = secret
        self.timeout = timeout

    def get(self, path: str, params: dict[str, Any] | None = None) -> tuple[int, Any]:
        return self.request("GET", path, params=params)

    def post(self, path: str, payload: Any) -> tuple[int, Any]:
        return self.request("POST", path, payload=payload)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        payload: Any = None,
    ) -> tuple[int, Any]:
        query = urlencode(params or {}, doseq=True)
        body = b"" if payload is None else json.dumps(payload, ensure_ascii=False).encode()
        sent_path = urlsplit(self.base_url + path).path
        headers = signed_headers(self.key, self.secret, method, sent_path, query, body)
        if payload is not None:
            headers["Content-Type"] = "application/json"
        url = self.base_url + path + (f"?{query}" if query else "")
        request = urllib.request.Request(  # noqa: S310 — the caller chooses the platform URL
            url, data=body or None, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return response.status, _json(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, _json(exc.read())


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data.decode("utf-8", "replace")
