"""The push pages: for the credit office only; subscribe, read the log, export and re-send."""

from __future__ import annotations

import io

import pytest

from credit.core.models import AuditEntry
from credit.events import delivery
from credit.events.models import Subscription
from credit.records import changes
from credit.records.models import ListChange
from tests.events.helpers import run_fan_out

pytestmark = pytest.mark.django_db


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
        {
            "client": api.pk,
            "name": "=名单推送",
            "url": hook.url(),
            "event_types": ["list.changed"],
            "is_active": "on",
        },
    )
    assert made.status_code == 302
    sub = Subscription.objects.get(client=api)
    assert "=名单推送" in client.get("/sanctions/push/subscriptions/").content.decode()

    changes.emit(ListChange.Kind.LISTED, [entry.pk])
    [delivery_id] = run_fan_out()
    with pytest.raises(delivery.DeliveryFailed):
        delivery.deliver(delivery_id)
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
        {
            "name": "名单推送",
            "url": hook.url(),
            "event_types": ["list.changed"],
            "list_kinds": ["red_list"],
            "is_active": "on",
        },
    )
    assert edit.status_code == 302
    sub.refresh_from_db()
    assert sub.list_kinds == ["red_list"]
    client.post(f"/sanctions/push/subscriptions/{sub.pk}/disable/")
    sub.refresh_from_db()
    assert sub.is_active is False
