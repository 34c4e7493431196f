"""Subscription writes and the manual re-send: filters are validated, a re-send goes out again
with the same event id and is audited."""

from __future__ import annotations

import pytest

from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.events import delivery, services
from credit.events.models import Delivery
from credit.records import changes
from credit.records.models import ListChange
from tests.events.helpers import jobs, run_fan_out, subscribe

pytestmark = pytest.mark.django_db


def test_subscription_filters_are_validated(api_client):
    client, _ = api_client()
    with pytest.raises(ValidationFailed) as kind:
        subscribe(client, "https://a.example.cn/", list_kinds=["grey_list"])
    with pytest.raises(ValidationFailed) as region:
        subscribe(client, "https://a.example.cn/", regions=["999999"])
    with pytest.raises(ValidationFailed) as subject:
        subscribe(client, "https://a.example.cn/", subject="91320400MA1XXXXXX0")
    assert (kind.value.code, region.value.code) == ("list_kind_unknown", "region_unknown")
    assert subject.value.code == "subject_not_found"


def test_a_manual_resend_sends_again_with_the_same_event_id_and_is_audited(
    listed, api_client, receiver, admin_user
):
    _, entry, _ = listed
    hook = receiver()
    subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()
    delivery.deliver(delivery_id)
    queued = Delivery.objects.get(pk=delivery_id)

    services.resend(actor=admin_user, delivery=queued)
    assert jobs("sanctions.deliver").filter(args__delivery_id=delivery_id).count() == 2
    done = delivery.deliver(delivery_id)
    assert (done.status, done.attempts, done.resends) == ("delivered", 2, 1)
    ids = {r["headers"]["X-Credit-Event-Id"] for r in hook.requests}
    assert len(hook.requests) == 2 and len(ids) == 1
    entry_log = AuditEntry.objects.get(event_type="sanctions.delivery.resend")
    assert entry_log.actor == admin_user and entry_log.object_id == str(delivery_id)


def test_the_audit_keeps_the_object_types_of_before_the_move(api_client, admin_user):
    sub = services.create_subscription(
        actor=admin_user, client=api_client()[0], name="订阅", url="https://a.example.cn/"
    )
    services.delete_subscription(actor=admin_user, subscription=sub)
    logged = AuditEntry.objects.filter(object_id=str(sub.pk), event_type__startswith="sanctions.")
    assert sorted(logged.values_list("event_type", "object_type")) == [
        ("sanctions.subscription.create", "sanctions.subscription"),
        ("sanctions.subscription.update", "sanctions.subscription"),
    ]
