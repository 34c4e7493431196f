"""The signing scheme as a vector (the worked example of docs/api.md) and its parts."""

from __future__ import annotations

import hashlib

from credit.gateway import signing
from credit.gateway.client import signed_headers

# The worked example of docs/api.md: if this changes, every integrator's client breaks.
SECRET = "s3cr3t-For-Docs-Only"
BODY = b'{"q": "91320400MA1XXXXXXX"}'
EXPECTED_CANONICAL = "\n".join(
    [
        "POST",
        "/api/v1/subjects/search",
        "a=1&b=x+y&b=z",
        "1764115200",
        "n0nce-0001",
        hashlib.sha256(BODY).hexdigest(),
    ]
)
# Computed independently of this code:
#   printf "<canonical>" | openssl dgst -sha256 -hmac "<secret>" -binary | base64
EXPECTED_SIGNATURE = "Wj1eY3iwHY0CdhP/MK86EZmdHpLOFgqGaMZqs9jY9f4="


def test_the_canonical_string_sorts_and_re_encodes_the_query():
    canonical = signing.canonical_string(
        "post", "/api/v1/subjects/search", "b=z&b=x%20y&a=1", "1764115200", "n0nce-0001", BODY
    )
    assert canonical == EXPECTED_CANONICAL


def test_the_documented_vector():
    assert (
        signing.sign(
            SECRET,
            "POST",
            "/api/v1/subjects/search",
            "b=z&b=x%20y&a=1",
            BODY,
            timestamp="1764115200",
            nonce="n0nce-0001",
        )
        == EXPECTED_SIGNATURE
    )


def test_an_empty_query_and_body():
    canonical = signing.canonical_string("GET", "/api/v1/regions", "", "1", "abcdefgh", b"")
    assert canonical.split("\n")[2] == ""
    assert canonical.endswith(hashlib.sha256(b"").hexdigest())


def test_any_change_changes_the_signature():
    base = {"timestamp": "1764115200", "nonce": "n0nce-0001"}
    good = signing.sign(SECRET, "POST", "/api/v1/subjects/search", "", BODY, **base)
    assert good != signing.sign(SECRET, "POST", "/api/v1/subjects/search", "", BODY + b" ", **base)
    assert good != signing.sign(SECRET, "POST", "/api/v1/subjects/searcH", "", BODY, **base)
    assert good != signing.sign(SECRET, "GET", "/api/v1/subjects/search", "", BODY, **base)
    assert good != signing.sign(SECRET, "POST", "/api/v1/subjects/search", "a=1", BODY, **base)
    assert good != signing.sign(SECRET + "x", "POST", "/api/v1/subjects/search", "", BODY, **base)
    later = {**base, "timestamp": "1764115201"}
    assert good != signing.sign(SECRET, "POST", "/api/v1/subjects/search", "", BODY, **later)


def test_the_client_helper_fills_the_four_headers():
    headers = signed_headers("ck_x", SECRET, "POST", "/api/v1/subjects/search", "", BODY)
    assert set(headers) == set(signing.HEADERS)
    assert signing.NONCE_PATTERN.match(headers["X-Credit-Nonce"])
    assert headers["X-Credit-Signature"] == signing.sign(
        SECRET,
        "POST",
        "/api/v1/subjects/search",
        "",
        BODY,
        timestamp=headers["X-Credit-Timestamp"],
        nonce=headers["X-Credit-Nonce"],
    )


def test_the_integrators_guide_shows_this_vector():
    from pathlib import Path

    guide = (Path(__file__).resolve().parents[2] / "docs" / "api.md").read_text(encoding="utf-8")
    assert EXPECTED_SIGNATURE in guide
    assert EXPECTED_CANONICAL in guide
