"""COPY inserts keep model semantics: ids from the sequence, auto_now_add, defaults, JSON, FKs."""

import pytest

from credit.core.bulk import copy_dicts, reserve_ids
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_copy_dicts_with_reserved_ids_stores_what_save_would(admin_user):
    ids = reserve_ids(AuditEntry, 3)
    assert len(set(ids)) == 3
    written = copy_dicts(
        AuditEntry,
        (
            {
                "id": pk,
                "event_type": "test.copy",
                "actor_id": admin_user.pk,
                "object_id": str(n),
                "after": {"n": n, "名称": "常州"},
            }
            for n, pk in enumerate(ids)
        ),
    )
    assert written == 3
    stored = AuditEntry.objects.get(pk=ids[1])
    assert stored.after == {"n": 1, "名称": "常州"}
    assert stored.occurred_at is not None and stored.actor == admin_user
    assert stored.object_repr == ""  # a blank text field takes its default, not NULL
    later = AuditEntry.objects.create(event_type="test.after")
    assert later.pk > max(ids)  # the sequence moved on


def test_rows_without_ids_take_them_from_the_sequence():
    assert copy_dicts(AuditEntry, [{"event_type": "test.noid"}]) == 1
    assert AuditEntry.objects.filter(event_type="test.noid").get().pk


def test_copy_of_nothing_is_a_no_op():
    assert copy_dicts(AuditEntry, []) == 0
    assert reserve_ids(AuditEntry, 0) == []


def test_generated_columns_are_left_to_the_database(uscc_factory):
    from credit.subjects.models import LegalPerson

    uscc = uscc_factory()
    assert copy_dicts(LegalPerson, [{"uscc": uscc, "name": "常州Ab", "kind": "organisation"}]) == 1
    stored = LegalPerson.objects.values_list("name_bigrams", flat=True).get(uscc=uscc)
    assert sorted(stored) == ["AB", "州A", "常州"]
