"""Schemathesis over the ``/api/v1`` OpenAPI schema: no generated request gets a 5xx.

Every operation in the schema is called in-process through the WSGI application, logged in as
a city administrator (session cookie, plus a known CSRF cookie and the matching ``X-CSRFToken``
header for writes). Only ``not_a_server_error`` is checked: a 4xx is a fine answer to random
input. The run is bounded (``max-examples``) and deterministic, so CI sees the same cases.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from credit.api import api
from credit.wsgi import application

MAX_EXAMPLES = 25
CSRF_TOKEN = "fuzzcsrf" * 4  # 32 alphanumerics: a valid Django CSRF secret

GARBAGE_KEY_EXAMPLES = 3
GARBAGE_SIGNATURE = {
    "X-Credit-Key": "ck_nope",
    "X-Credit-Timestamp": "1700000000",
    "X-Credit-Nonce": "fuzz-nonce-0001",
    "X-Credit-Signature": "0" * 64,
}


def _config(max_examples: int, **phases) -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": 20_240_601,
            "generation": {
                "max-examples": max_examples,
                "deterministic": True,
                "database": "none",
                # Authentication is set by the tests; random X-Credit-Key / sessionid values
                # would only ever be answered 401.
                "with-security-parameters": False,
            },
            "phases": phases,
        }
    )


OPENAPI = api.get_openapi_schema()
# Examples, coverage (boundaries, wrong types, unexpected methods) and random fuzzing.
schema = schemathesis.openapi.from_dict(OPENAPI, config=_config(MAX_EXAMPLES))
# A few random requests per operation with a bad key: nothing but the gateway's 401.
garbage_key_schema = schemathesis.openapi.from_dict(
    OPENAPI,
    config=_config(GARBAGE_KEY_EXAMPLES, examples={"enabled": False}, coverage={"enabled": False}),
)
FUZZ_SETTINGS = hypothesis_settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def in_test_transaction():
    """Keep the test's database connection across requests, as Django's test client does:
    the WSGI handler would otherwise close it around every request (``CONN_MAX_AGE = 0``) and
    the requests would not see the test's data."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def staff_cookies(client, admin_user, in_test_transaction):
    """A city administrator's session cookie and a known CSRF cookie."""
    client.force_login(admin_user)
    return {"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN}


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error(case, staff_cookies):
    """Logged in as a city administrator, CSRF token on writes: any status but 5xx."""
    response = case.call(
        app=application,
        cookies=staff_cookies,
        headers={"X-CSRFToken": CSRF_TOKEN},
    )
    case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.django_db
@garbage_key_schema.parametrize()
@FUZZ_SETTINGS
def test_garbage_key_is_401(case, in_test_transaction):
    """A signed request whose key is unknown: the gateway's 401 ``key_invalid``, never a 5xx.
    Control characters in the request are refused before authentication (422
    ``invalid_characters``, ``credit.core.inputs``)."""
    response = case.call(app=application, headers=GARBAGE_SIGNATURE)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code == 422 and response.json()["code"] == "invalid_characters":
        return
    assert response.status_code == 401, (case.method, case.formatted_path, response.text)
    assert response.json()["code"] == "key_invalid"
