"""Schemathesis over the ``/api/v1`` OpenAPI schema, with every check on.

Every operation is called in-process through the WSGI application twice over: as a city
administrator (session cookie, plus a known CSRF cookie and the matching ``X-CSRFToken``
header for writes) and as a signed API client holding every scope (each request is signed at
the WSGI level, over exactly the method, path, query and body that reach the platform). Each
response is validated with all of Schemathesis's checks — no server error, status codes,
content types, response schemas and headers as documented, schema-invalid input refused,
schema-valid input accepted, authentication not ignored, unsupported methods refused with
``Allow`` — and then again statefully, following the OpenAPI links the document declares
(a push's batch to its receipt, a check to its feedback, a subscription to its removal).

One deliberate setting: schema-valid input may also be refused with 422, because business
rules (a reason for "not applicable", a measure the check did not give, control characters
refused by ``credit.core.inputs``) cannot all be written into a JSON schema; every 422 is an
``ErrorOut`` with a stable code. The run is bounded and deterministic.
"""

from __future__ import annotations

import copy
import io

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIRequest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.utils.encoding import escape_uri_path
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig

from credit.api import api
from credit.core.models import Department
from credit.gateway import services
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient
from credit.gateway.scopes import SCOPES
from credit.wsgi import application

MAX_EXAMPLES = 25
STATEFUL_EXAMPLES = 15
CSRF_TOKEN = "fuzzcsrf" * 4  # 32 alphanumerics: a valid Django CSRF secret

GARBAGE_KEY_EXAMPLES = 3
GARBAGE_SIGNATURE = {
    "X-Credit-Key": "ck_nope",
    "X-Credit-Timestamp": "1700000000",
    "X-Credit-Nonce": "fuzz-nonce-0001",
    "X-Credit-Signature": "0" * 64,
}
#: Statuses that schema-valid input may get (Schemathesis's default set, plus 422 for
#: business rules; see the module's description).
POSITIVE_STATUSES = ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]


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
            "checks": {"positive_data_acceptance": {"expected-statuses": POSITIVE_STATUSES}},
            "phases": phases,
        }
    )


#: A copy: schemathesis adds the links it infers to the document it is given, and the API
#: serves its cached document — the committed-document check (tests/test_project.py) would see
#: them when it runs after this module in the same process.
OPENAPI = copy.deepcopy(api.get_openapi_schema())
# Examples, coverage (boundaries, wrong types, unexpected methods) and random fuzzing.
schema = schemathesis.openapi.from_dict(OPENAPI, config=_config(MAX_EXAMPLES))
stateful_schema = schemathesis.openapi.from_dict(OPENAPI, config=_config(STATEFUL_EXAMPLES))
# A few random requests per operation with a bad key: nothing but the gateway's 401.
garbage_key_schema = schemathesis.openapi.from_dict(
    OPENAPI,
    config=_config(GARBAGE_KEY_EXAMPLES, examples={"enabled": False}, coverage={"enabled": False}),
)
#: The credentials of the test running now (set by its fixture): the session and CSRF cookies
#: of a member of staff, or the key of a signed client (the WSGI wrapper signs).
CREDENTIALS: dict[str, dict[str, str]] = {}


class _Credentials:
    """Schemathesis auth provider: the running test's credentials, marked as the caller's own
    so that the ``ignored_auth`` check removes and falsifies them and expects 401/403."""

    def get(self, case, context):
        return dict(CREDENTIALS) or None

    def set(self, case, data, context):
        case.cookies = {**(case.cookies or {}), **data.get("cookies", {})}
        case.headers = {**(case.headers or {}), **data.get("headers", {})}


for _schema in (schema, stateful_schema):
    _schema.auth(refresh_interval=None)(_Credentials)

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
def staff(client, admin_user, in_test_transaction, legal_person):
    """A city administrator's session cookie and a known CSRF cookie (and a subject to find)."""
    client.force_login(admin_user)
    CREDENTIALS.clear()
    CREDENTIALS.update(
        cookies={"sessionid": client.cookies["sessionid"].value, "csrftoken": CSRF_TOKEN},
        headers={"X-CSRFToken": CSRF_TOKEN},
    )
    yield
    CREDENTIALS.clear()


#: The signed client of the test running now: its key and secret (set by its fixture).
SIGNER: dict[str, str] = {}


def fuzz_app(environ, start_response):
    """The platform's WSGI application behind a client that signs every request carrying the
    running test's key over what the platform will read: the method, the path as Django
    decodes it, the query and the body. A request without that key goes through as it is."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["REMOTE_ADDR"] = "127.0.0.1"
    if not SIGNER or environ.get("HTTP_X_CREDIT_KEY") != SIGNER["key"]:
        return application(environ, start_response)
    request = WSGIRequest({**environ, "wsgi.input": io.BytesIO(body)})
    headers = signed_headers(
        SIGNER["key"],
        SIGNER["secret"],
        environ["REQUEST_METHOD"],
        escape_uri_path(request.path),
        environ.get("QUERY_STRING", ""),
        body,
    )
    for name, value in headers.items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return application(environ, start_response)


for _schema in (schema, stateful_schema, garbage_key_schema):
    _schema.app = fuzz_app


@pytest.fixture
def signed(in_test_transaction, legal_person):
    """A department's system holding every scope, far from its limits."""
    client, secret = services.create_client(
        actor=None,
        name="全接口测试系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=list(SCOPES),
        rate_limit=1_000_000,
        daily_quota=100_000_000,
    )
    CREDENTIALS.clear()
    CREDENTIALS.update(headers={"X-Credit-Key": client.key})
    SIGNER.update(key=client.key, secret=secret)
    yield
    CREDENTIALS.clear()
    SIGNER.clear()


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_every_check_as_staff(case, staff):
    """Logged in as a city administrator, CSRF token on writes: every check."""
    case.call_and_validate()


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_every_check_as_a_signed_client(case, signed):
    """Signed by a department's system with every scope: every check."""
    case.call_and_validate()


STATEFUL_SETTINGS = hypothesis_settings(
    FUZZ_SETTINGS, max_examples=STATEFUL_EXAMPLES, stateful_step_count=6
)


@pytest.mark.django_db
def test_linked_calls_as_staff(staff):
    """Following the document's links (a push to its receipt, a check to its feedback, a
    subscription to its removal) as a city administrator: every check at every step."""
    stateful_schema.as_state_machine().run(settings=STATEFUL_SETTINGS)


@pytest.mark.django_db
def test_linked_calls_as_a_signed_client(signed):
    """The same as a signed client."""
    stateful_schema.as_state_machine().run(settings=STATEFUL_SETTINGS)


@pytest.mark.django_db
@garbage_key_schema.parametrize()
@FUZZ_SETTINGS
def test_garbage_key_is_401(case, in_test_transaction):
    """A signed request whose key is unknown: the gateway's 401 ``key_invalid``, never a 5xx.
    Control characters in the request are refused before authentication (422
    ``invalid_characters``, ``credit.core.inputs``)."""
    response = case.call(headers=GARBAGE_SIGNATURE)
    case.validate_response(response, checks=[not_a_server_error])
    if response.status_code == 422 and response.json()["code"] == "invalid_characters":
        return
    assert response.status_code == 401, (case.method, case.formatted_path, response.text)
    assert response.json()["code"] == "key_invalid"
