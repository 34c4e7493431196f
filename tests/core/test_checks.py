"""The deployment rules of credit.core.checks, each a function of plain values, and the
database-role query against the real PostgreSQL."""

from __future__ import annotations

import base64
import os
import uuid

import pytest
from django.db import connection

from credit.core import checks


def _ids(messages) -> list[str]:
    return [m.id for m in messages]


def _key() -> bytes:
    return os.urandom(32)


def test_a_non_production_environment_and_debug_mode_are_errors():
    assert _ids(checks.environment_findings(env="production", debug=False)) == []
    assert _ids(checks.environment_findings(env="development", debug=True)) == [
        "credit.E001",
        "credit.E002",
    ]


def test_distinct_32_byte_keys_pass():
    assert checks.key_findings(secret_key="s" * 50, field_key=_key(), blind_index_key=_key()) == []


def test_missing_short_and_shared_keys_are_errors():
    short = checks.key_findings(secret_key="", field_key=b"x" * 16, blind_index_key=_key())
    assert _ids(short) == ["credit.E003", "credit.E004"]
    key = _key()
    shared = checks.key_findings(secret_key="s" * 50, field_key=key, blind_index_key=key)
    assert _ids(shared) == ["credit.E006"]


def test_keys_copied_from_the_development_secrets_file_are_errors():
    field, blind = _key(), _key()
    development = {
        "CREDIT_SECRET_KEY": "dev-secret",
        "CREDIT_FIELD_KEY": base64.b64encode(field).decode(),
        "CREDIT_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    found = checks.key_findings(
        secret_key="dev-secret", field_key=field, blind_index_key=blind, development=[development]
    )
    assert _ids(found) == ["credit.E005", "credit.E005"]
    assert "CREDIT_SECRET_KEY" in found[0].msg and "CREDIT_FIELD_KEY" in found[1].msg


def test_allowed_hosts_must_not_be_a_wildcard_or_local_names():
    assert checks.host_findings(["credit.changzhou.gov.cn"]) == []
    assert _ids(checks.host_findings(["*"])) == ["credit.E007"]
    local = checks.host_findings(["credit.changzhou.gov.cn", "localhost", "127.0.0.1"])
    assert _ids(local) == ["credit.W001"]
    assert "127.0.0.1, localhost" in local[0].msg


def test_behind_a_proxy_the_proxy_must_be_trusted_but_not_everyone():
    assert checks.proxy_findings(behind_proxy=True, trusted=["10.0.0.5", "fd00::/8"]) == []
    assert checks.proxy_findings(behind_proxy=False, trusted=[]) == []
    assert _ids(checks.proxy_findings(behind_proxy=True, trusted=[])) == ["credit.W002"]
    for everyone in ("0.0.0.0/0", "::/0"):
        found = checks.proxy_findings(behind_proxy=True, trusted=["10.0.0.5", everyone])
        assert _ids(found) == ["credit.E008"]


def test_the_embedded_database_is_an_error():
    assert checks.database_findings(url_set=True) == []
    assert _ids(checks.database_findings(url_set=False)) == ["credit.E009"]


def test_a_superuser_or_the_audit_tables_owner_is_reported():
    assert checks.role_findings(superuser=False, owns_audit_table=False) == []
    found = checks.role_findings(superuser=True, owns_audit_table=True)
    assert _ids(found) == ["credit.E010", "credit.W003"]
    assert all("credit db-roles" in m.hint for m in found)


def test_cookies_that_may_travel_over_plain_http_are_errors():
    assert checks.cookie_findings(session_secure=True, csrf_secure=True) == []
    assert _ids(checks.cookie_findings(session_secure=False, csrf_secure=False)) == [
        "credit.E011",
        "credit.E012",
    ]


def test_a_missing_security_headers_middleware_is_reported(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != checks.HEADERS_MIDDLEWARE]
    assert "credit.W004" in _ids(checks.check_configuration())


@pytest.fixture
def superuser_db(db):
    """The test database as its usual owner, a superuser (skips when it is not)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if not cursor.fetchone()[0]:
            pytest.skip("the test database role is not a superuser")


def test_the_database_role_query_sees_superuser_and_ownership(superuser_db):
    """The test database's owner is a superuser; a plain role is neither (SET LOCAL ROLE
    inside the test's transaction, rolled back with it)."""
    assert checks.database_role() == (True, True)
    with connection.cursor() as cursor:
        role = f"credit_check_{uuid.uuid4().hex[:12]}"
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"SET LOCAL ROLE {role}")
    assert checks.database_role() == (False, False)


def test_the_database_role_check_runs_only_when_databases_are_asked_for(superuser_db):
    assert checks.check_database_role() == []
    assert "credit.E010" in _ids(checks.check_database_role(databases=["default"]))
