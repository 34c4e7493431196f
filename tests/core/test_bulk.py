"""COPY inserts keep model semantics: ids from the sequence, auto_now_add, JSON, FKs."""

import pytest

from credit.core.bulk import copy_insert
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_copy_insert_assigns_ids_and_stores_what_save_would(admin_user):
    entries = copy_insert(
        [
            AuditEntry(
                event_type="test.copy",
                actor=admin_user,
                object_id=str(n),
                after={"n": n, "名称": "常州"},
            )
            for n in range(3)
        ]
    )
    assert all(e.pk for e in entries) and len({e.pk for e in entries}) == 3
    stored = AuditEntry.objects.get(pk=entries[1].pk)
    assert stored.after == {"n": 1, "名称": "常州"}
    assert stored.occurred_at is not None and stored.actor == admin_user
    later = AuditEntry.objects.create(event_type="test.after")
    assert later.pk > max(e.pk for e in entries)  # the sequence moved on


def test_copy_insert_of_nothing_is_a_no_op():
    assert copy_insert([]) == []
