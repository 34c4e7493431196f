"""Fan-out and delivery of pushed events: the fan-out job is enqueued in the changing
transaction, fan-out matches each subscription's filters within its client's items, deliveries
are signed, retried and sent once; where a webhook may point."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from credit.catalog.models import CatalogItem
from credit.core.errors import ValidationFailed
from credit.core.models import Department
from credit.events import delivery, services
from credit.events.models import Delivery
from credit.gateway import signing
from credit.records import changes
from credit.records.models import ListChange
from tests.events.helpers import jobs, run_fan_out, subscribe

pytestmark = pytest.mark.django_db


# --------------------------------------------------------------------------------------------
# Enqueueing in the changing transaction
# --------------------------------------------------------------------------------------------


def test_no_job_is_enqueued_without_an_active_subscription(listed, api_client):
    _, entry, _ = listed
    sub = subscribe(api_client()[0], "https://hooks.example.cn/credit")
    services.delete_subscription(actor=None, subscription=sub)
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    assert not jobs("sanctions.fan_out").exists()


def test_one_fan_out_job_is_enqueued_in_the_changing_transaction(listed, api_client):
    _, entry, _ = listed
    subscribe(api_client()[0], "https://hooks.example.cn/credit")
    with transaction.atomic():
        changes.emit(ListChange.Kind.LISTED, [entry.pk, entry.pk])
        changes_made = ListChange.objects.filter(record=entry).order_by("id")
        [job] = jobs("sanctions.fan_out")
        assert job.args == {
            "event_type": "list.changed",
            "first_id": changes_made[0].pk,
            "last_id": changes_made.last().pk,
        }
        # The job row and the event rows were written by the same (sub)transaction.
        with connection.cursor() as cur:
            cur.execute(
                "SELECT (SELECT xmin::text FROM procrastinate_jobs WHERE id = %s),"
                " (SELECT xmin::text FROM records_listchange WHERE id = %s)",
                [job.pk, changes_made[0].pk],
            )
            job_xmin, event_xmin = cur.fetchone()
        assert job_xmin == event_xmin


def test_a_rolled_back_change_enqueues_nothing(listed, api_client):
    _, entry, _ = listed
    subscribe(api_client()[0], "https://hooks.example.cn/credit")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        changes.emit(ListChange.Kind.LISTED, [entry.pk])
        assert jobs("sanctions.fan_out").count() == 1
        raise Boom
    assert not jobs("sanctions.fan_out").exists()
    assert not ListChange.objects.filter(record=entry).exists()


# --------------------------------------------------------------------------------------------
# Fan-out
# --------------------------------------------------------------------------------------------


def test_fan_out_matches_kind_region_subject_and_item_grants(
    listed, api_client, legal_person, uscc_factory
):
    from credit.subjects.services import register_legal_person

    subject, entry, _ = listed
    client, _ = api_client()
    other_client, _ = api_client("另一系统", items=("quality-dishonest",))
    other_subject, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="别的公司")
    url = "https://hooks.example.cn/credit"
    everything = subscribe(client, url)
    black = subscribe(client, url, list_kinds=["black_list"], regions=["320400"])
    red_only = subscribe(client, url, list_kinds=["red_list"])
    other_region = subscribe(client, url, regions=["320402"])
    this_subject = subscribe(client, url, subject=subject.uscc)
    other_subject_sub = subscribe(client, url, subject=other_subject.uscc)
    not_granted = subscribe(other_client, url)

    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    made = run_fan_out()
    receiving = set(Delivery.objects.filter(pk__in=made).values_list("subscription", flat=True))
    assert receiving == {everything.pk, black.pk, this_subject.pk}
    assert not receiving & {red_only.pk, other_region.pk, other_subject_sub.pk, not_granted.pk}
    # One delivery job each, and a second fan-out creates nothing twice.
    assert jobs("sanctions.deliver").count() == 3
    assert run_fan_out() == []
    assert Delivery.objects.count() == 3 and jobs("sanctions.deliver").count() == 3


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_signed_with_the_same_event_id(listed, api_client, receiver):
    subject, entry, _ = listed
    client, secret = api_client()
    hook = receiver(500)
    sub = subscribe(client, hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()

    with pytest.raises(delivery.DeliveryFailed) as failed:
        delivery.deliver(delivery_id)
    assert failed.value.retry_in == delivery.RETRY_DELAYS[0] == 60
    first = Delivery.objects.get(pk=delivery_id)
    assert (first.status, first.attempts, first.last_status) == ("retrying", 1, 500)
    assert first.next_attempt_at is not None

    done = delivery.deliver(delivery_id)  # the retry
    assert (done.status, done.attempts, done.last_status) == ("delivered", 2, 200)
    assert done.delivered_at is not None

    event = ListChange.objects.get(record=entry)
    assert len(hook.requests) == 2
    for sent in hook.requests:
        h = sent["headers"]
        assert sent["path"] == "/hook?team=credit"
        assert h["X-Credit-Key"] == client.key
        assert h["X-Credit-Event-Id"] == str(event.event_id)
        expected = signing.sign(
            secret,
            "POST",
            "/hook",
            "team=credit",
            sent["body"],
            timestamp=h["X-Credit-Timestamp"],
            nonce=h["X-Credit-Nonce"],
        )
        assert signing.matches(expected, h["X-Credit-Signature"])
        body = json.loads(sent["body"])
        assert body["event_id"] == str(event.event_id)
        assert (body["record"], body["list_kind"], body["subject_code"]) == (
            entry.pk,
            "black_list",
            subject.uscc,
        )
        assert set(body) == {
            "event_id", "kind", "occurred_at", "record", "item", "list_kind", "region",
            "department", "subject_type", "subject_code", "subject_name", "version",
        }  # fmt: skip
    assert (
        hook.requests[0]["headers"]["X-Credit-Nonce"]
        != hook.requests[1]["headers"]["X-Credit-Nonce"]
    )
    assert sub.deliveries.count() == 1


def test_a_delivered_delivery_is_not_sent_again_by_a_job(listed, api_client, receiver):
    _, entry, _ = listed
    hook = receiver()
    subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()
    delivery.deliver(delivery_id)
    again = delivery.deliver(delivery_id)
    assert again.status == "delivered" and again.attempts == 1
    assert len(hook.requests) == 1


def test_after_the_last_attempt_the_delivery_fails(listed, api_client, receiver):
    _, entry, _ = listed
    hook = receiver(*([503] * delivery.MAX_ATTEMPTS))
    subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()
    delays = []
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        with pytest.raises(delivery.DeliveryFailed) as failed:
            delivery.deliver(delivery_id)
        delays.append(failed.value.retry_in)
    assert delays == list(delivery.RETRY_DELAYS)
    last = delivery.deliver(delivery_id)
    assert (last.status, last.attempts) == ("failed", delivery.MAX_ATTEMPTS)
    assert delivery.deliver(delivery_id).attempts == delivery.MAX_ATTEMPTS  # not sent again
    assert len(hook.requests) == delivery.MAX_ATTEMPTS


def test_a_redirect_is_not_followed(listed, api_client, receiver):
    _, entry, _ = listed
    target = receiver()
    hook = receiver(302, location=target.url("/elsewhere"))
    subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()
    with pytest.raises(delivery.DeliveryFailed):
        delivery.deliver(delivery_id)
    found = Delivery.objects.get(pk=delivery_id)
    assert (found.status, found.last_status) == ("retrying", 302)
    assert "重定向" in found.last_error
    assert target.requests == []


def test_a_natural_person_is_masked_in_the_delivery(api_client, receiver, resident_id_factory):
    from credit.records.models import CreditRecord
    from credit.subjects.services import register_natural_person

    person = register_natural_person(actor=None, id_number=resident_id_factory(), name="王小明")
    person = person[0] if isinstance(person, tuple) else person
    item = CatalogItem.objects.get(code="dishonest-judgment-debtor")
    record = CreditRecord.objects.create(
        item=item,
        natural_person=person,
        department=Department.objects.filter(region_id="320400").first(),
        region_id="320400",
        natural_key=f"push-natural-{person.pk}",
        payload={},
        usage_scope="public",
    )
    hook = receiver()
    subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [record.pk])
    [delivery_id] = run_fan_out()
    delivery.deliver(delivery_id)
    body = json.loads(hook.requests[0]["body"])
    assert body["subject_type"] == "natural"
    assert body["subject_name"] != "王小明" and body["subject_code"] == person.id_masked


# --------------------------------------------------------------------------------------------
# URL validation
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.cn/credit",
        "http://hooks.example.cn/credit",
        "http://10.0.0.5/credit",
        "https://user:pw@hooks.example.cn/",
        "https:///nohost",
        "hooks.example.cn/credit",
    ],
)
def test_webhook_urls_must_be_https_or_local_http(url):
    with pytest.raises(ValidationFailed):
        delivery.validate_url(url)


def test_allowed_webhook_urls(settings):
    assert (
        delivery.validate_url(" https://hooks.example.cn/a?b=1 ")
        == "https://hooks.example.cn/a?b=1"
    )
    assert delivery.validate_url("http://127.0.0.1:8080/hook")
    settings.CREDIT_PUSH_ALLOW_HTTP_HOSTS = ["receiver.internal"]
    assert delivery.validate_url("http://receiver.internal/hook")
    with pytest.raises(ValidationFailed):
        delivery.validate_url("http://127.0.0.1:8080/hook")


# --------------------------------------------------------------------------------------------
# Where a webhook may point
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://169.254.169.254/latest/meta-data",
        "https://127.0.0.2/hook",
        "https://[::1]/hook",
        "https://[::ffff:169.254.169.254]/hook",
        "https://0.0.0.0/hook",
    ],
)
def test_webhooks_may_not_point_at_metadata_loopback_or_reserved_addresses(url):
    from credit.core.errors import ValidationFailed
    from credit.events import delivery

    with pytest.raises(ValidationFailed) as refused:
        delivery.validate_url(url)
    assert refused.value.code == "url_network_denied"


def test_government_networks_are_allowed():
    from credit.events import delivery

    assert delivery.validate_url("https://10.12.0.8/credit/hook") == "https://10.12.0.8/credit/hook"


def test_a_name_that_resolves_to_a_denied_address_is_not_called(monkeypatch):
    import socket

    from credit.events import delivery

    calls = []
    monkeypatch.setattr(
        delivery.socket,
        "getaddrinfo",
        lambda host, port, **kw: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))
        ],
    )
    monkeypatch.setattr(delivery.socket, "create_connection", lambda *a, **k: calls.append(a))
    status, error = delivery.post("https://hooks.example.gov.cn/x", b"{}", {})
    assert status is None and "169.254.169.254" in error
    assert calls == []  # no connection was even attempted
