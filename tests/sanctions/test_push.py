"""Push of list changes (S4): the fan-out job is enqueued in the changing transaction, fan-out
matches each subscription's filters within its client's items, deliveries are signed,
retried, sent once, re-sent by hand with an audit entry; subscriptions over the API."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection, transaction
from procrastinate.contrib.django.models import ProcrastinateJob

from credit.catalog.models import CatalogItem
from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.gateway import services as gateway
from credit.gateway import signing
from credit.gateway.client import signed_headers
from credit.records import changes
from credit.records.models import ListChange
from credit.sanctions import push
from credit.sanctions.push_models import Delivery, Subscription

pytestmark = pytest.mark.django_db


class Receiver:
    """A webhook on 127.0.0.1 answering the scripted statuses in turn (then 200)."""

    def __init__(self, statuses=(), location: str = ""):
        self.statuses = list(statuses)
        self.requests: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "body": body}
                )
                status = outer.statuses.pop(0) if outer.statuses else 200
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook?team=credit") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(*statuses, location: str = "") -> Receiver:
        made.append(Receiver(statuses, location))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def api_client():
    """A department client with the changes scope, granted the 失信被执行人 list."""

    def make(name="推送接收系统", items=("dishonest-judgment-debtor",)):
        client, secret = gateway.create_client(
            actor=None,
            name=name,
            kind="department",
            department=Department.objects.get(code="SCJG"),
            ips=["127.0.0.1/32"],
            scopes=["sanctions:changes"],
            items=[CatalogItem.objects.get(code=c) for c in items],
        )
        return client, secret

    return make


def _jobs(task: str):
    return ProcrastinateJob.objects.filter(task_name=task)


def _run_fan_out() -> list[int]:
    made = []
    for job in _jobs("sanctions.fan_out").filter(status="todo").order_by("id"):
        made += push.fan_out(**job.args)
    return made


def _subscribe(client, url, **extra) -> Subscription:
    return push.create_subscription(actor=None, client=client, name="订阅", url=url, **extra)


# --------------------------------------------------------------------------------------------
# Enqueueing in the changing transaction
# --------------------------------------------------------------------------------------------


def test_no_job_is_enqueued_without_an_active_subscription(listed, api_client):
    _, entry, _ = listed
    sub = _subscribe(api_client()[0], "https://hooks.example.cn/credit")
    push.delete_subscription(actor=None, subscription=sub)
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    assert not _jobs("sanctions.fan_out").exists()


def test_one_fan_out_job_is_enqueued_in_the_changing_transaction(listed, api_client):
    _, entry, _ = listed
    _subscribe(api_client()[0], "https://hooks.example.cn/credit")
    with transaction.atomic():
        changes.emit(ListChange.Kind.LISTED, [entry.pk, entry.pk])
        changes_made = ListChange.objects.filter(record=entry).order_by("id")
        [job] = _jobs("sanctions.fan_out")
        assert job.args == {"first_id": changes_made[0].pk, "last_id": changes_made.last().pk}
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
    _subscribe(api_client()[0], "https://hooks.example.cn/credit")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        changes.emit(ListChange.Kind.LISTED, [entry.pk])
        assert _jobs("sanctions.fan_out").count() == 1
        raise Boom
    assert not _jobs("sanctions.fan_out").exists()
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
    everything = _subscribe(client, url)
    black = _subscribe(client, url, list_kinds=["black_list"], regions=["320400"])
    red_only = _subscribe(client, url, list_kinds=["red_list"])
    other_region = _subscribe(client, url, regions=["320402"])
    this_subject = _subscribe(client, url, subject=subject.uscc)
    other_subject_sub = _subscribe(client, url, subject=other_subject.uscc)
    not_granted = _subscribe(other_client, url)

    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    made = _run_fan_out()
    receiving = set(Delivery.objects.filter(pk__in=made).values_list("subscription", flat=True))
    assert receiving == {everything.pk, black.pk, this_subject.pk}
    assert not receiving & {red_only.pk, other_region.pk, other_subject_sub.pk, not_granted.pk}
    # One delivery job each, and a second fan-out creates nothing twice.
    assert _jobs("sanctions.deliver").count() == 3
    assert _run_fan_out() == []
    assert Delivery.objects.count() == 3 and _jobs("sanctions.deliver").count() == 3


def test_subscription_filters_are_validated(api_client):
    client, _ = api_client()
    with pytest.raises(ValidationFailed) as kind:
        _subscribe(client, "https://a.example.cn/", list_kinds=["grey_list"])
    with pytest.raises(ValidationFailed) as region:
        _subscribe(client, "https://a.example.cn/", regions=["999999"])
    with pytest.raises(ValidationFailed) as subject:
        _subscribe(client, "https://a.example.cn/", subject="91320400MA1XXXXXX0")
    assert (kind.value.code, region.value.code) == ("list_kind_unknown", "region_unknown")
    assert subject.value.code == "subject_not_found"


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


def test_a_failed_delivery_is_retried_signed_with_the_same_event_id(listed, api_client, receiver):
    subject, entry, _ = listed
    client, secret = api_client()
    hook = receiver(500)
    sub = _subscribe(client, hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()

    with pytest.raises(push.DeliveryFailed) as failed:
        push.deliver(delivery_id)
    assert failed.value.retry_in == push.RETRY_DELAYS[0] == 60
    first = Delivery.objects.get(pk=delivery_id)
    assert (first.status, first.attempts, first.last_status) == ("retrying", 1, 500)
    assert first.next_attempt_at is not None

    done = push.deliver(delivery_id)  # the retry
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
    _subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()
    push.deliver(delivery_id)
    again = push.deliver(delivery_id)
    assert again.status == "delivered" and again.attempts == 1
    assert len(hook.requests) == 1


def test_after_the_last_attempt_the_delivery_fails(listed, api_client, receiver):
    _, entry, _ = listed
    hook = receiver(*([503] * push.MAX_ATTEMPTS))
    _subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()
    delays = []
    for _ in range(push.MAX_ATTEMPTS - 1):
        with pytest.raises(push.DeliveryFailed) as failed:
            push.deliver(delivery_id)
        delays.append(failed.value.retry_in)
    assert delays == list(push.RETRY_DELAYS)
    last = push.deliver(delivery_id)
    assert (last.status, last.attempts) == ("failed", push.MAX_ATTEMPTS)
    assert push.deliver(delivery_id).attempts == push.MAX_ATTEMPTS  # not sent again
    assert len(hook.requests) == push.MAX_ATTEMPTS


def test_the_retry_strategy_waits_the_delay_the_attempt_asked_for():
    from credit.sanctions.push_tasks import DeliveryRetry, deliver

    decision = DeliveryRetry().get_retry_decision(
        exception=push.DeliveryFailed("500", retry_in=300), job=None
    )
    assert decision is not None and decision.retry_at is not None
    assert DeliveryRetry().get_retry_decision(exception=RuntimeError(), job=None) is None
    assert isinstance(deliver.retry_strategy, DeliveryRetry)


def test_a_redirect_is_not_followed(listed, api_client, receiver):
    _, entry, _ = listed
    target = receiver()
    hook = receiver(302, location=target.url("/elsewhere"))
    _subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()
    with pytest.raises(push.DeliveryFailed):
        push.deliver(delivery_id)
    found = Delivery.objects.get(pk=delivery_id)
    assert (found.status, found.last_status) == ("retrying", 302)
    assert "重定向" in found.last_error
    assert target.requests == []


def test_a_manual_resend_sends_again_with_the_same_event_id_and_is_audited(
    listed, api_client, receiver, admin_user
):
    _, entry, _ = listed
    hook = receiver()
    _subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()
    push.deliver(delivery_id)
    delivery = Delivery.objects.get(pk=delivery_id)

    push.resend(actor=admin_user, delivery=delivery)
    assert _jobs("sanctions.deliver").filter(args__delivery_id=delivery_id).count() == 2
    done = push.deliver(delivery_id)
    assert (done.status, done.attempts, done.resends) == ("delivered", 2, 1)
    ids = {r["headers"]["X-Credit-Event-Id"] for r in hook.requests}
    assert len(hook.requests) == 2 and len(ids) == 1
    entry_log = AuditEntry.objects.get(event_type="sanctions.delivery.resend")
    assert entry_log.actor == admin_user and entry_log.object_id == str(delivery_id)


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
    _subscribe(api_client()[0], hook.url())
    changes.emit(ListChange.Kind.LISTED, [record.pk])
    [delivery_id] = _run_fan_out()
    push.deliver(delivery_id)
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
        push.validate_url(url)


def test_allowed_webhook_urls(settings):
    assert push.validate_url(" https://hooks.example.cn/a?b=1 ") == "https://hooks.example.cn/a?b=1"
    assert push.validate_url("http://127.0.0.1:8080/hook")
    settings.CREDIT_PUSH_ALLOW_HTTP_HOSTS = ["receiver.internal"]
    assert push.validate_url("http://receiver.internal/hook")
    with pytest.raises(ValidationFailed):
        push.validate_url("http://127.0.0.1:8080/hook")


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------


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
    _subscribe(api, hook.url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()
    path = f"/api/v1/sanctions/deliveries/{delivery_id}/resend"
    assert _signed(client, api, secret, "POST", path).status_code == 403
    listing = _signed(client, api, secret, "GET", "/api/v1/sanctions/deliveries").json()
    assert [d["id"] for d in listing["deliveries"]] == [delivery_id]
    client.force_login(make_user("dept_officer"))
    assert client.post(path).status_code == 403
    client.force_login(make_user("city_admin"))
    done = client.post(path)
    assert done.status_code == 200 and done.json()["resends"] == 1


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------


def test_pages_are_for_the_credit_office(client, make_user):
    for path in ("/sanctions/push/subscriptions/", "/sanctions/push/deliveries/"):
        assert client.get(path).status_code == 302  # to the login page
        client.force_login(make_user("dept_officer"))
        assert client.get(path).status_code == 403
        client.force_login(make_user("city_admin"))
        assert client.get(path).status_code == 200
        client.logout()


def test_the_credit_office_subscribes_reads_the_log_exports_and_resends(
    client, listed, api_client, admin_user, receiver
):
    from openpyxl import load_workbook

    _, entry, _ = listed
    api, _ = api_client()
    hook = receiver(500)
    client.force_login(admin_user)
    bad = client.post(
        "/sanctions/push/subscriptions/new/",
        {"client": api.pk, "name": "坏", "url": "ftp://x.example.cn/", "is_active": "on"},
    )
    assert bad.status_code == 200 and "https" in bad.content.decode()
    made = client.post(
        "/sanctions/push/subscriptions/new/",
        {"client": api.pk, "name": "=名单推送", "url": hook.url(), "is_active": "on"},
    )
    assert made.status_code == 302
    sub = Subscription.objects.get(client=api)
    assert "=名单推送" in client.get("/sanctions/push/subscriptions/").content.decode()

    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = _run_fan_out()
    with pytest.raises(push.DeliveryFailed):
        push.deliver(delivery_id)
    page = client.get("/sanctions/push/deliveries/", {"status": "retrying", "client": api.pk})
    assert str(ListChange.objects.get(record=entry).event_id) in page.content.decode()
    assert (
        "没有符合条件"
        in client.get("/sanctions/push/deliveries/", {"status": "delivered"}).content.decode()
    )

    export = client.get("/sanctions/push/deliveries/export.xlsx", {"subscription": sub.pk})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert len(rows) == 2 and rows[1][1] == "'=名单推送"  # formula escaped

    assert client.post(f"/sanctions/push/deliveries/{delivery_id}/resend/").status_code == 302
    assert AuditEntry.objects.filter(
        event_type="sanctions.delivery.resend", object_id=str(delivery_id)
    ).exists()
    edit = client.post(
        f"/sanctions/push/subscriptions/{sub.pk}/edit/",
        {"name": "名单推送", "url": hook.url(), "list_kinds": ["red_list"], "is_active": "on"},
    )
    assert edit.status_code == 302
    sub.refresh_from_db()
    assert sub.list_kinds == ["red_list"]
    client.post(f"/sanctions/push/subscriptions/{sub.pk}/disable/")
    sub.refresh_from_db()
    assert sub.is_active is False


# --- where a webhook may point ------------------------------------------------------------


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
    from credit.sanctions import push

    with pytest.raises(ValidationFailed) as refused:
        push.validate_url(url)
    assert refused.value.code == "url_network_denied"


def test_government_networks_are_allowed():
    from credit.sanctions import push

    assert push.validate_url("https://10.12.0.8/credit/hook") == "https://10.12.0.8/credit/hook"


def test_a_name_that_resolves_to_a_denied_address_is_not_called(monkeypatch):
    import socket

    from credit.sanctions import push

    calls = []
    monkeypatch.setattr(
        push.socket,
        "getaddrinfo",
        lambda host, port, **kw: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("169.254.169.254", port))
        ],
    )
    monkeypatch.setattr(push.socket, "create_connection", lambda *a, **k: calls.append(a))
    status, error = push.post("https://hooks.example.gov.cn/x", b"{}", {})
    assert status is None and "169.254.169.254" in error
    assert calls == []  # no connection was even attempted
