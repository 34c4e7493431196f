"""The migration that gives events a type (``events.0002_event_types``) keeps every row: a
delivery made before it (a foreign key to the list change) is a ``list.changed`` delivery of
the same event after it, and a subscription made before it receives list changes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from credit.events import delivery
from credit.events.models import Delivery, Subscription
from credit.records import changes
from credit.records.models import ListChange
from tests.events.helpers import subscribe

pytestmark = pytest.mark.django_db

BEFORE = [("events", "0001_initial")]
AFTER = [("events", "0002_event_types")]


def _migrate(target) -> MigrationExecutor:
    with connection.cursor() as cur:  # check the rows written so far: the tables change next
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    return MigrationExecutor(connection)  # a fresh graph for the next step


def test_deliveries_and_subscriptions_made_before_event_types_are_kept(
    client, listed, api_client, admin_user, receiver
):
    _, entry, _ = listed
    hook = receiver()
    sub = subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    event = ListChange.objects.get(record=entry)

    executor = _migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    columns = [c.name for c in connection.introspection.get_table_description(
        connection.cursor(), "sanctions_delivery"
    )]  # fmt: skip
    assert "event_type" not in columns
    made = old.get_model("events", "Delivery").objects.create(
        event_id=event.pk, subscription_id=sub.pk, status="failed", attempts=10, failures=10
    )

    _migrate(AFTER)
    kept = Delivery.objects.get(pk=made.pk)
    assert (kept.event_type, kept.event_id, kept.status, kept.attempts) == (
        "list.changed",
        event.pk,
        "failed",
        10,
    )
    assert kept.event.event_id == event.event_id
    assert Subscription.objects.get(pk=sub.pk).event_types == ["list.changed"]
    # The same pair again is still refused, and the old delivery is shown and sent again.
    assert delivery.fan_out("list.changed", event.pk, event.pk) == []
    client.force_login(admin_user)
    assert str(event.event_id) in client.get("/sanctions/push/deliveries/").content.decode()
    kept.status = "pending"
    kept.save()
    assert delivery.deliver(kept.pk).status == "delivered"
    assert hook.requests[0]["headers"]["X-Credit-Event-Type"] == "list.changed"
