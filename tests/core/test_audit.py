"""The audit log is append-only, carries the request context, and never stores passwords."""

import pytest
from django.db import DatabaseError, transaction

from credit.core import audit
from credit.core.models import AuditEntry, Department

pytestmark = pytest.mark.django_db


def test_an_audit_entry_cannot_be_updated_or_deleted_even_with_raw_sql():
    entry = audit.record("test.event", object_type="x", object_id="1", after={"a": 1})
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(event_type="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).event_type == "test.event"


def test_entries_made_during_a_request_carry_its_id_and_source_ip(client, admin_user):
    client.force_login(admin_user)
    dept = Department.objects.get(code="SCJG")
    response = client.post(
        f"/admin/core/department/{dept.pk}/change/",
        {
            "code": dept.code,
            "name": dept.name,
            "short_name": "市场监管",
            "uscc": dept.uscc,
            "region": dept.region_id,
            "kind": dept.kind,
            "is_data_provider": "on",
            "is_active": "on",
            "sort_order": dept.sort_order,
        },
        HTTP_X_REQUEST_ID="req-123",
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    entry = AuditEntry.objects.filter(event_type="department.updated").latest("id")
    assert entry.request_id == "req-123"
    assert entry.source_ip == "10.1.2.3"
    assert entry.actor == admin_user and entry.actor_repr == admin_user.username
    assert entry.before["short_name"] == "市场监管局" and entry.after["short_name"] == "市场监管"
    assert response["X-Request-ID"] == "req-123"


def test_a_user_created_in_the_admin_is_audited_without_the_password_hash(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/accounts/user/add/",
        {
            "username": "newbie",
            "password1": "Xy7!long-pass",
            "password2": "Xy7!long-pass",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302, response.content.decode()[:800]
    entry = AuditEntry.objects.filter(event_type="user.created", object_repr="newbie").get()
    assert "password" not in entry.after


def test_the_actor_name_survives_deleting_the_user(make_user):
    user = make_user()
    entry = audit.record("test.deleted_actor", actor=user, object_type="x", object_id="1")
    name = user.username
    user.delete()
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.actor_repr == name
