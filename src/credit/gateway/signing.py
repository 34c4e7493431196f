"""The request-signing scheme of ``/api/v1`` (pure standard library, shared by the server and
by :mod:`credit.gateway.client`).

A client sends four headers::

    X-Credit-Key:        its access key
    X-Credit-Timestamp:  unix seconds (at most 300 s off the server's clock)
    X-Credit-Nonce:      a random string, never reused within the window
    X-Credit-Signature:  base64(HMAC-SHA256(secret, canonical))

where ``canonical`` is, joined by ``"\\n"``: the method in upper case; the path as sent
(percent-encoded); the query parameters sorted by name, then value, re-encoded as
``application/x-www-form-urlencoded`` (empty when there are none); the timestamp; the nonce;
the hex SHA-256 of the body (of the empty string when there is none).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, urlencode

WINDOW_SECONDS = 300
NONCE_PATTERN = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")
HEADERS = ("X-Credit-Key", "X-Credit-Timestamp", "X-Credit-Nonce", "X-Credit-Signature")


def canonical_query(query: str) -> str:
    """The query string with its parameters sorted by name, then value, form-encoded."""
    return urlencode(sorted(parse_qsl(query, keep_blank_values=True)))


def canonical_string(
    method: str, path: str, query: str, timestamp: str, nonce: str, body: bytes
) -> str:
    return "\n".join(
        [
            method.upper(),
            path,
            canonical_query(query),
            timestamp,
            nonce,
            hashlib.sha256(body).hexdigest(),
        ]
    )


def signature(secret: str, canonical: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), canonical.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def sign(
    secret: str,
    method: str,
    path: str,
    query: str = "",
    body: bytes = b"",
    *,
    timestamp: str,
    nonce: str,
) -> str:
    """The ``X-Credit-Signature`` of a request."""
    return signature(secret, canonical_string(method, path, query, timestamp, nonce, body))


def matches(expected: str, given: str) -> bool:
    """Constant-time comparison of two signatures."""
    return hmac.compare_digest(expected.encode("ascii"), given.encode("ascii", "replace"))
