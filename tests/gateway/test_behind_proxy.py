"""Behind the reverse proxy of docs/operations.md: the client's address comes from
X-Forwarded-For only when the proxy is trusted (CREDIT_TRUSTED_PROXIES), for the API client's
allow-list, the call log and the audit log alike; otherwise the header is ignored."""

from __future__ import annotations

import json

import pytest

from credit.core.models import AuditEntry, Department
from credit.gateway import services
from credit.gateway.client import signed_headers
from credit.gateway.models import ApiClient, CallLog

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/subjects/search"
NGINX = "10.20.0.2"
CLIENT_NET = "172.30.5.0/24"
CLIENT = "172.30.5.17"


@pytest.fixture
def api(db):
    return services.create_client(
        actor=None,
        name="代理后的审批系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code="SCJG"),
        ips=[CLIENT_NET],
        scopes=["subjects:read", "subjects:read_natural"],
    )


def _search(django_client, api, q: str, *, forwarded: str):
    client, secret = api
    data = json.dumps({"q": q}).encode()
    headers = signed_headers(client.key, secret, "POST", SEARCH, "", data)
    return django_client.post(
        SEARCH,
        data=data,
        content_type="application/json",
        headers={**headers, "X-Forwarded-For": forwarded},
        REMOTE_ADDR=NGINX,
        HTTP_X_REQUEST_ID=f"proxy-{q[-4:]}",
    )


def test_a_trusted_proxy_forwards_the_clients_address(client, api, settings, resident_id_factory):
    settings.CREDIT_TRUSTED_PROXIES = ["10.20.0.0/16"]
    id_number = resident_id_factory()
    response = _search(client, api, id_number, forwarded=f"8.8.8.8, {CLIENT}")
    assert response.status_code == 200, response.content
    call = CallLog.objects.get(request_id=f"proxy-{id_number[-4:]}")
    assert call.source_ip == CLIENT
    entry = AuditEntry.objects.get(event_type="naturalperson.looked_up", request_id=call.request_id)
    assert entry.source_ip == CLIENT


def test_an_untrusted_proxy_is_the_client_and_its_header_is_ignored(client, api, settings):
    settings.CREDIT_TRUSTED_PROXIES = []
    response = _search(client, api, "常州", forwarded=CLIENT)
    assert (response.status_code, response.json()["code"]) == (403, "ip_not_allowed")
    assert NGINX in response.json()["message"]
    call = CallLog.objects.filter(client_id=api[0].pk).latest("id")
    assert call.source_ip == NGINX


def test_a_forged_header_from_the_client_itself_does_not_help(client, api, settings):
    """A client outside the allow-list puts an allowed address first in the header: the
    trusted nginx appends the real one, which is the right-most untrusted address."""
    settings.CREDIT_TRUSTED_PROXIES = ["10.20.0.0/16"]
    response = _search(client, api, "常州", forwarded=f"{CLIENT}, 203.0.113.50")
    assert (response.status_code, response.json()["code"]) == (403, "ip_not_allowed")
