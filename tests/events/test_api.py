"""Subscriptions and the delivery log over the API: a client manages its own, only the credit
office re-sends."""

from __future__ import annotations

import json

import pytest

from credit.core.models import AuditEntry
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.records import changes
from credit.records.models import ListChange
from tests.events.helpers import run_fan_out, subscribe

pytestmark = pytest.mark.django_db


def _signed(client, api, secret, method, path, payload=None):
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = signed_headers(api.key, secret, method, path, "", body)
    kwargs = {"headers": headers, "REMOTE_ADDR": "127.0.0.1"}
    if method == "GET":
        return client.get(path, **kwargs)
    if method == "DELETE":
        return client.delete(path, **kwargs)
    return client.post(path, body, content_type="application/json", **kwargs)


def test_a_client_manages_only_its_own_subscriptions(client, api_client):
    mine, secret = api_client()
    theirs, their_secret = api_client("另一系统")
    path = "/api/v1/sanctions/subscriptions"
    made = _signed(
        client,
        mine,
        secret,
        "POST",
        path,
        {"name": "名单推送", "url": "https://hooks.example.cn/x", "list_kinds": ["black_list"]},
    )
    assert made.status_code == 201, made.content
    sub_id = made.json()["id"]
    assert made.json()["client"] == mine.key
    bad = _signed(
        client, mine, secret, "POST", path, {"name": "坏地址", "url": "ftp://hooks.example.cn/x"}
    )
    assert (bad.status_code, bad.json()["code"]) == (422, "url_scheme_invalid")

    assert [s["id"] for s in _signed(client, mine, secret, "GET", path).json()] == [sub_id]
    assert _signed(client, theirs, their_secret, "GET", path).json() == []
    denied = _signed(client, theirs, their_secret, "DELETE", f"{path}/{sub_id}")
    assert (denied.status_code, denied.json()["code"]) == (404, "subscription_not_found")
    gone = _signed(client, mine, secret, "DELETE", f"{path}/{sub_id}")
    assert gone.status_code == 200 and gone.json()["is_active"] is False
    assert AuditEntry.objects.filter(event_type="sanctions.subscription.create").count() == 1


def test_a_client_without_the_scope_is_refused(client):
    api, secret = gateway.create_client(
        actor=None,
        name="核查系统",
        kind="third_party",
        ips=["127.0.0.1/32"],
        scopes=["sanctions:check"],
    )
    found = _signed(client, api, secret, "GET", "/api/v1/sanctions/subscriptions")
    assert (found.status_code, found.json()["code"]) == (403, "scope_not_granted")


def test_only_the_credit_office_resends(client, listed, api_client, make_user, receiver):
    _, entry, _ = listed
    api, secret = api_client()
    hook = receiver()
    subscribe(api, hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()
    path = f"/api/v1/sanctions/deliveries/{delivery_id}/resend"
    assert _signed(client, api, secret, "POST", path).status_code == 403
    listing = _signed(client, api, secret, "GET", "/api/v1/sanctions/deliveries").json()
    assert [d["id"] for d in listing["deliveries"]] == [delivery_id]
    client.force_login(make_user("dept_officer"))
    assert client.post(path).status_code == 403
    client.force_login(make_user("city_admin"))
    done = client.post(path)
    assert done.status_code == 200 and done.json()["resends"] == 1
