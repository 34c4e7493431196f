"""Pulling list changes: GET /api/v1/sanctions/changes with a cursor, within the caller's items.

Inside a test transaction the events never pass the reader's horizon (the test's own
transaction is running), so the horizon is moved past it here; the horizon itself is tested
with real concurrent transactions in tests/records/test_changes.py."""

from __future__ import annotations

import pytest

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.events import feed
from credit.gateway import services as gateway
from credit.gateway.client import signed_headers
from credit.records import changes
from credit.records.models import ListChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def past_the_horizon(monkeypatch):
    """Treat this test's own (running) transaction as ended."""
    from django.db import connection

    def beyond() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_xact_id()::text::bigint + 1")
            return cur.fetchone()[0]

    monkeypatch.setattr(feed, "horizon", beyond)


def test_staff_pull_pages_with_the_cursor(client, make_user, listed):
    subject, entry, _ = listed
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    changes.emit(ListChange.Kind.UPDATED, [entry.pk])
    client.force_login(make_user("dept_officer"))
    first = client.get("/api/v1/sanctions/changes", {"limit": 1}).json()
    assert [e["kind"] for e in first["events"]] == ["listed"] and first["more"] is True
    assert first["events"][0]["subject_code"] == subject.uscc
    second = client.get("/api/v1/sanctions/changes", {"cursor": first["cursor"]}).json()
    assert [e["kind"] for e in second["events"]] == ["updated"] and second["more"] is False
    third = client.get("/api/v1/sanctions/changes", {"cursor": second["cursor"]}).json()
    assert third == {"events": [], "cursor": second["cursor"], "more": False}
    bad = client.get("/api/v1/sanctions/changes", {"cursor": "x.y"})
    assert (bad.status_code, bad.json()["code"]) == (422, "cursor_invalid")


def test_a_client_pulls_only_its_items(client, listed):
    _, entry, _ = listed
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    api, secret = gateway.create_client(
        actor=None,
        name="订阅系统",
        kind="department",
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["sanctions:changes"],
        items=[CatalogItem.objects.get(code="quality-dishonest")],
    )
    path = "/api/v1/sanctions/changes"

    def pull():
        return client.get(
            path, headers=signed_headers(api.key, secret, "GET", path), REMOTE_ADDR="127.0.0.1"
        ).json()

    assert pull()["events"] == []
    gateway.update_client(actor=None, client=api, items=[entry.item])
    assert [e["record"] for e in pull()["events"]] == [entry.pk]
