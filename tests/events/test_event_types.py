"""More than one event type: a subscription chooses the types it receives (list changes unless
told), its client needs each type's permission, warnings (预警) raised by the rules are pushed
signed to the subscriptions of the warning type within the client's tenant, and the delivery
log shows events of every type through the registry."""

from __future__ import annotations

import io
import json

import pytest

from credit.alerts import services as alerts
from credit.alerts.models import Warning, WarningRule
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department
from credit.events import delivery, registry, tasks
from credit.events.models import Delivery
from credit.gateway import signing
from credit.gateway.client import signed_headers
from credit.records import changes
from credit.records.models import ListChange
from tests.events.helpers import jobs, run_fan_out, subscribe

pytestmark = pytest.mark.django_db

WARNINGS = ["warning.raised"]
BOTH_SCOPES = ("sanctions:changes", "warnings:read")


def raise_warnings() -> list[Warning]:
    """Evaluate a rule that every department breaches (overdue objections ≥ 0): one warning
    per department, raised by the alerts app's evaluation."""
    WarningRule.objects.create(
        code="test-every-department",
        name="测试：每个部门的超期异议",
        metric="overdue_objections",
        subject="department",
        comparison="gte",
        threshold=0,
        period="month",
        level="notice",
    )
    before = set(Warning.objects.values_list("pk", flat=True))
    summary = alerts.evaluate()
    assert summary["failed"] == []
    made = list(Warning.objects.exclude(pk__in=before).order_by("id"))
    assert len(made) > 1
    return made


def _signed_api(client, api, secret, method, path, payload=None):
    body = b"" if payload is None else json.dumps(payload).encode()
    headers = signed_headers(api.key, secret, method, path, "", body)
    kwargs = {"headers": headers, "REMOTE_ADDR": "127.0.0.1"}
    if method == "GET":
        return client.get(path, **kwargs)
    return client.post(path, body, content_type="application/json", **kwargs)


# --------------------------------------------------------------------------------------------
# Warnings pushed to subscribers
# --------------------------------------------------------------------------------------------


def test_a_raised_warning_is_pushed_signed_to_the_warning_subscriptions_only(api_client, receiver):
    client, secret = api_client(scopes=BOTH_SCOPES)
    warnings_hook, lists_hook = receiver(), receiver()
    warned = subscribe(client, warnings_hook.url(), event_types=WARNINGS)
    lists = subscribe(client, lists_hook.url())  # list changes: the default
    assert lists.event_types == ["list.changed"]

    made = raise_warnings()
    [job] = jobs("sanctions.fan_out")
    assert job.args == {
        "event_type": "warning.raised",
        "first_id": made[0].pk,
        "last_id": made[-1].pk,
    }
    created = run_fan_out()

    # Only the client's own department's warning (its tenant), only to the warning subscription.
    mine = Warning.objects.get(pk__in=[w.pk for w in made], department__code="SCJG")
    [sent] = Delivery.objects.filter(pk__in=created)
    assert (sent.subscription_id, sent.event_type, sent.event_id) == (
        warned.pk,
        "warning.raised",
        mine.pk,
    )
    done = delivery.deliver(sent.pk)
    assert done.status == "delivered"
    assert lists_hook.requests == []
    [request] = warnings_hook.requests
    h = request["headers"]
    assert (h["X-Credit-Key"], h["X-Credit-Event-Type"]) == (client.key, "warning.raised")
    assert h["X-Credit-Event-Id"] == str(mine.event_id)
    expected = signing.sign(
        secret,
        "POST",
        "/hook",
        "team=credit",
        request["body"],
        timestamp=h["X-Credit-Timestamp"],
        nonce=h["X-Credit-Nonce"],
    )
    assert signing.matches(expected, h["X-Credit-Signature"])
    body = json.loads(request["body"])
    assert set(body) == {
        "event_id", "type", "id", "rule", "level", "region", "department", "text",
        "evidence_url", "created", "status",
    }  # fmt: skip
    assert (body["type"], body["id"], body["event_id"]) == (
        "warning.raised",
        mine.pk,
        str(mine.event_id),
    )
    assert (body["rule"], body["level"], body["status"]) == (
        "test-every-department",
        "notice",
        "open",
    )
    assert body["region"] == "320400" and body["department"] == "SCJG"
    assert body["text"] == mine.text and "超过办理期限" in body["text"]
    assert body["evidence_url"] == mine.evidence_url and body["evidence_url"].startswith("/")


def test_a_district_client_receives_its_districts_warnings_in_the_regions_it_chose(
    api_client, receiver
):
    tnq, _ = api_client("天宁区系统", scopes=BOTH_SCOPES, department="TNQ-SCJG")
    everything = subscribe(tnq, receiver().url(), event_types=WARNINGS)
    elsewhere = subscribe(tnq, receiver().url(), event_types=WARNINGS, regions=["320411"])
    made = raise_warnings()
    created = Delivery.objects.filter(pk__in=run_fan_out())
    theirs = {w.pk for w in made if w.department_id == Department.objects.get(code="TNQ-SCJG").pk}
    assert {d.event_id for d in created} == theirs and len(theirs) == 1
    assert {d.subscription_id for d in created} == {everything.pk}
    assert not elsewhere.deliveries.exists()


def test_no_fan_out_job_without_a_subscription_to_the_warning_type(api_client):
    subscribe(api_client(scopes=BOTH_SCOPES)[0], "https://hooks.example.cn/lists")
    raise_warnings()
    assert not jobs("sanctions.fan_out").exists()


def test_a_warning_raised_in_a_rolled_back_evaluation_is_not_pushed(api_client, monkeypatch):
    subscribe(api_client(scopes=BOTH_SCOPES)[0], "https://hooks.example.cn/w", event_types=WARNINGS)

    def boom(*args, **kwargs):
        raise RuntimeError("审计写入失败")

    monkeypatch.setattr(alerts.AuditEntry.objects, "bulk_create", boom)
    # Only this rule (a browser journey may have committed the demo's rules and warnings).
    WarningRule.objects.update(is_active=False)
    before = set(Warning.objects.values_list("pk", flat=True))
    WarningRule.objects.create(
        code="test-rolled-back",
        name="测试",
        metric="overdue_objections",
        subject="department",
        comparison="gte",
        threshold=0,
        period="month",
        level="notice",
    )
    assert alerts.evaluate()["failed"] == ["test-rolled-back"]
    assert set(Warning.objects.values_list("pk", flat=True)) == before
    assert not jobs("sanctions.fan_out").exists()


def test_a_client_that_lost_the_permission_is_not_sent_the_warning(api_client, receiver):
    from credit.gateway import services as gateway

    client, _ = api_client(scopes=BOTH_SCOPES)
    hook = receiver()
    subscribe(client, hook.url(), event_types=WARNINGS)
    raise_warnings()
    [delivery_id] = run_fan_out()
    gateway.update_client(actor=None, client=client, scopes=["sanctions:changes"])
    done = delivery.deliver(delivery_id)
    assert done.status == "failed" and "没有接收“预警”的权限" in done.last_error
    assert hook.requests == []


# --------------------------------------------------------------------------------------------
# Choosing event types
# --------------------------------------------------------------------------------------------


def test_a_client_without_the_warning_permission_may_not_subscribe_to_warnings(
    client, api_client, admin_user
):
    lists_only, secret = api_client()  # sanctions:changes, no warnings:read
    with pytest.raises(PermissionDenied) as refused:
        subscribe(lists_only, "https://hooks.example.cn/w", event_types=WARNINGS)
    assert refused.value.code == "event_type_not_permitted"
    assert "查看预警" in refused.value.message and "预警" in refused.value.message
    assert "alerts.view" not in refused.value.message  # the rule in words, not its code

    answer = _signed_api(
        client,
        lists_only,
        secret,
        "POST",
        "/api/v1/sanctions/subscriptions",
        {"name": "预警推送", "url": "https://hooks.example.cn/w", "event_types": WARNINGS},
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "event_type_not_permitted")

    # The credit office cannot register it for that client either: the form says why.
    client.force_login(admin_user)
    page = client.post(
        "/sanctions/push/subscriptions/new/",
        {
            "client": lists_only.pk,
            "name": "预警推送",
            "url": "https://hooks.example.cn/w",
            "event_types": WARNINGS,
            "is_active": "on",
        },
    )
    assert page.status_code == 200 and "没有“查看预警”的权限" in page.content.decode()
    assert not lists_only.push_subscriptions.exists()


def test_clients_that_name_no_event_type_subscribe_to_list_changes(client, api_client):
    api, secret = api_client(scopes=BOTH_SCOPES)
    path = "/api/v1/sanctions/subscriptions"
    plain = _signed_api(
        client, api, secret, "POST", path, {"name": "名单", "url": "https://h.example.cn/a"}
    )
    assert plain.status_code == 201 and plain.json()["event_types"] == ["list.changed"]
    both = _signed_api(
        client,
        api,
        secret,
        "POST",
        path,
        {
            "name": "全部",
            "url": "https://h.example.cn/b",
            "event_types": ["warning.raised", "list.changed", "warning.raised"],
            "list_kinds": ["black_list"],
        },
    )
    assert both.status_code == 201
    assert both.json()["event_types"] == ["list.changed", "warning.raised"]
    unknown = _signed_api(
        client,
        api,
        secret,
        "POST",
        path,
        {"name": "坏", "url": "https://h.example.cn/c", "event_types": ["list.vanished"]},
    )
    assert unknown.status_code == 422
    empty = _signed_api(
        client,
        api,
        secret,
        "POST",
        path,
        {"name": "坏", "url": "https://h.example.cn/c", "event_types": []},
    )
    assert empty.status_code == 422


def test_a_filter_must_apply_to_a_chosen_type(api_client):
    api, _ = api_client(scopes=BOTH_SCOPES)
    with pytest.raises(ValidationFailed) as kinds:
        subscribe(api, "https://h.example.cn/", event_types=WARNINGS, list_kinds=["black_list"])
    assert kinds.value.code == "filter_not_applicable" and "名单变更" in kinds.value.message
    with pytest.raises(ValidationFailed) as unknown:
        subscribe(api, "https://h.example.cn/", event_types=["list.vanished"])
    with pytest.raises(ValidationFailed) as empty:
        subscribe(api, "https://h.example.cn/", event_types=[])
    assert (unknown.value.code, empty.value.code) == ("event_type_unknown", "event_types_empty")
    # Regions apply to warnings as to list changes.
    assert subscribe(api, "https://h.example.cn/", event_types=WARNINGS, regions=["320402"])


def test_a_list_change_does_not_reach_a_warning_subscription(listed, api_client, receiver):
    _, entry, _ = listed
    api, _ = api_client(scopes=BOTH_SCOPES)
    warned = subscribe(api, receiver().url(), event_types=WARNINGS)
    lists = subscribe(api, receiver().url())
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    made = Delivery.objects.filter(pk__in=run_fan_out())
    assert [(d.subscription_id, d.event_type) for d in made] == [(lists.pk, "list.changed")]
    assert not warned.deliveries.exists()


def test_a_fan_out_job_queued_before_event_types_fans_out_list_changes(listed, api_client):
    _, entry, _ = listed
    subscribe(api_client()[0], "https://hooks.example.cn/credit")
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    event = ListChange.objects.get(record=entry)
    assert tasks.fan_out(first_id=event.pk, last_id=event.pk) == 1  # the old arguments
    assert Delivery.objects.get().event_type == "list.changed"


def test_the_same_id_of_two_types_makes_two_deliveries(listed, api_client):
    _, entry, _ = listed
    api, _ = api_client(scopes=BOTH_SCOPES)
    sub = subscribe(api, "https://hooks.example.cn/all", event_types=["list.changed", *WARNINGS])
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    made = raise_warnings()
    run_fan_out()
    mine = next(w for w in made if w.department.code == "SCJG")
    assert set(sub.deliveries.values_list("event_type", "event_id")) == {
        ("list.changed", ListChange.objects.get(record=entry).pk),
        ("warning.raised", mine.pk),
    }
    assert run_fan_out() == []  # nothing twice


# --------------------------------------------------------------------------------------------
# The delivery log
# --------------------------------------------------------------------------------------------


def test_the_log_shows_events_of_every_type_through_the_registry(
    client, listed, api_client, admin_user, django_assert_max_num_queries
):
    from openpyxl import load_workbook

    subject, entry, _ = listed
    api, secret = api_client(scopes=BOTH_SCOPES)
    subscribe(api, "https://hooks.example.cn/all", event_types=["list.changed", *WARNINGS])
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    warning = next(w for w in raise_warnings() if w.department.code == "SCJG")
    run_fan_out()

    client.force_login(admin_user)
    page = client.get("/sanctions/push/deliveries/").content.decode()
    assert "名单变更" in page and f"列入名单 · 黑名单 · {subject.name}" in page
    assert "预警" in page and warning.text in page and str(warning.event_id) in page
    only = client.get("/sanctions/push/deliveries/", {"event_type": "warning.raised"})
    assert str(warning.event_id) in only.content.decode()
    assert str(ListChange.objects.get(record=entry).event_id) not in only.content.decode()
    listing = client.get("/sanctions/push/subscriptions/").content.decode()
    assert "名单变更" in listing and "预警" in listing

    export = client.get("/sanctions/push/deliveries/export.xlsx")
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][3:6] == ("事件类型", "事件编号", "事件内容")
    assert {r[3] for r in rows[1:]} == {"名单变更", "预警"}

    client.logout()
    answer = _signed_api(client, api, secret, "GET", "/api/v1/sanctions/deliveries")
    assert {(d["event_type"], d["event_id"]) for d in answer.json()["deliveries"]} == {
        ("list.changed", str(ListChange.objects.get(record=entry).event_id)),
        ("warning.raised", str(warning.event_id)),
    }
    # A page of the log reads each type's events once, however many deliveries it shows.
    client.force_login(admin_user)
    with django_assert_max_num_queries(12):
        client.get("/sanctions/push/deliveries/")


def test_an_event_type_no_longer_registered_does_not_break_the_log(
    client, listed, api_client, admin_user
):
    _, entry, _ = listed
    sub = subscribe(api_client()[0], "https://hooks.example.cn/credit")
    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    run_fan_out()
    Delivery.objects.create(event_type="retired.type", event_id=1, subscription=sub)
    client.force_login(admin_user)
    page = client.get("/sanctions/push/deliveries/")
    assert page.status_code == 200 and "retired.type" in page.content.decode()
    assert "事件已不存在" in page.content.decode()
    assert registry.label("retired.type") == "retired.type"


def test_the_credit_office_chooses_event_types_by_their_chinese_names(
    client, api_client, admin_user
):
    api, _ = api_client(scopes=BOTH_SCOPES)
    client.force_login(admin_user)
    form = client.get("/sanctions/push/subscriptions/new/").content.decode()
    assert 'value="list.changed"' in form and "名单变更" in form and "预警" in form
    made = client.post(
        "/sanctions/push/subscriptions/new/",
        {
            "client": api.pk,
            "name": "预警推送",
            "url": "https://hooks.example.cn/w",
            "event_types": WARNINGS,
            "regions": ["320402"],
            "is_active": "on",
        },
    )
    assert made.status_code == 302
    sub = api.push_subscriptions.get()
    assert (sub.event_types, sub.regions) == (WARNINGS, ["320402"])
    none_chosen = client.post(
        f"/sanctions/push/subscriptions/{sub.pk}/edit/",
        {"name": "预警推送", "url": "https://hooks.example.cn/w", "is_active": "on"},
    )
    assert "请至少选择一种推送的事件" in none_chosen.content.decode()
    not_applicable = client.post(
        f"/sanctions/push/subscriptions/{sub.pk}/edit/",
        {
            "name": "预警推送",
            "url": "https://hooks.example.cn/w",
            "event_types": WARNINGS,
            "list_kinds": ["black_list"],
            "is_active": "on",
        },
    )
    assert "按名单类型订阅只适用于名单变更事件" in not_applicable.content.decode()
    sub.refresh_from_db()
    assert sub.list_kinds == []
