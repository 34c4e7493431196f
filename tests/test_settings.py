"""Production settings harden cookies and TLS; development keeps plain-HTTP cookies.

Settings are read once per process, so each configuration is loaded in a subprocess."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys

NAMES = (
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SILENCED_SYSTEM_CHECKS",
)
_PROGRAM = (
    "import json, sys\n"
    "from django.conf import global_settings as g\n"
    "from credit import settings as s\n"
    "print(json.dumps({n: getattr(s, n, getattr(g, n)) for n in sys.argv[1:]}))\n"
)


def _settings(env: str, **extra: str) -> subprocess.CompletedProcess:
    inherited = ("DJANGO_SETTINGS_MODULE", "CREDIT_SECURE_SSL_REDIRECT", "CREDIT_DEBUG")
    environ = {
        **{k: v for k, v in os.environ.items() if k not in inherited},
        "CREDIT_ENV": env,
        "CREDIT_SECRET_KEY": secrets.token_urlsafe(50),
        "CREDIT_FIELD_KEY": base64.b64encode(os.urandom(32)).decode(),
        "CREDIT_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "CREDIT_ALLOWED_HOSTS": "credit.changzhou.gov.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://credit@db:5432/credit",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-c", _PROGRAM, *NAMES],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _values(env: str, **extra: str) -> dict:
    result = _settings(env, **extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_cookies_are_secure_http_only_and_end_with_the_browser():
    values = _values("production")
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    for env in ("development", "test"):  # plain http://127.0.0.1 keeps working
        values = _values(env)
        assert values["SESSION_COOKIE_SECURE"] is False
        assert values["CSRF_COOKIE_SECURE"] is False
        assert values["CSRF_COOKIE_HTTPONLY"] is False
        assert values["SESSION_EXPIRE_AT_BROWSER_CLOSE"] is False


def test_production_sends_hsts_for_subdomains_without_preloading():
    values = _values("production")
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SILENCED_SYSTEM_CHECKS"] == ["security.W021"]
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"


def test_production_redirects_to_https_except_the_health_check_unless_the_proxy_does_it():
    values = _values("production")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_REDIRECT_EXEMPT"] == ["^healthz$"]
    assert _values("production", CREDIT_SECURE_SSL_REDIRECT="0")["SECURE_SSL_REDIRECT"] is False
    refused = _settings("production", CREDIT_SECURE_SSL_REDIRECT="yes")
    assert refused.returncode != 0
    assert "CREDIT_SECURE_SSL_REDIRECT must be 0 or 1" in refused.stderr
    development = _values("development", CREDIT_SECURE_SSL_REDIRECT="1")
    assert development["SECURE_SSL_REDIRECT"] is False
    assert development["SECURE_HSTS_SECONDS"] == 0
