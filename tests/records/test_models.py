"""Tests of the database guarantees of credit.records.models."""

from __future__ import annotations

import datetime

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError

from credit.records.models import CreditRecord, CreditRecordVersion
from credit.subjects.services import register_natural_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_record(penalty_item, department, legal_person):
    scjg = department("SCJG")

    def make(**fields):
        values = {
            "item": penalty_item,
            "department": scjg,
            "region_id": scjg.region_id,
            "natural_key": "k" * 64,
            "payload": {},
            "usage_scope": "public",
            "legal_person": legal_person,
            **fields,
        }
        return CreditRecord.objects.create(**values)

    return make


@pytest.fixture
def person(db, resident_id_factory):
    return register_natural_person(actor=None, name="郑某", id_number=resident_id_factory())[0]


def test_record_with_both_subjects_violates_exactly_one_subject(make_record, person):
    with pytest.raises(IntegrityError, match="record_exactly_one_subject"), transaction.atomic():
        make_record(natural_person=person)


def test_record_without_a_subject_violates_exactly_one_subject(make_record):
    with pytest.raises(IntegrityError, match="record_exactly_one_subject"), transaction.atomic():
        make_record(legal_person=None)


def test_record_of_a_natural_person_alone_is_allowed(make_record, person):
    record = make_record(legal_person=None, natural_person=person)

    assert record.subject == person


def test_validity_ending_before_it_starts_violates_record_validity_ordered(make_record):
    with pytest.raises(IntegrityError, match="record_validity_ordered"), transaction.atomic():
        make_record(valid_from=datetime.date(2025, 5, 2), valid_to=datetime.date(2025, 5, 1))


def test_validity_of_one_day_or_open_ended_is_allowed(make_record):
    day = datetime.date(2025, 5, 1)
    make_record(natural_key="a" * 64, valid_from=day, valid_to=day)
    make_record(natural_key="b" * 64, valid_from=day)
    make_record(natural_key="c" * 64, valid_to=day)

    assert CreditRecord.objects.filter(natural_key__in=["a" * 64, "b" * 64, "c" * 64]).count() == 3


def test_duplicate_item_and_natural_key_violates_uniqueness(make_record):
    make_record()

    with pytest.raises(IntegrityError, match="record_unique_key"), transaction.atomic():
        make_record()

    assert CreditRecord.objects.filter(natural_key="k" * 64).count() == 1


def _version_of(record) -> CreditRecordVersion:
    return CreditRecordVersion.objects.create(
        record=record, version=record.version, payload={"a": 1}, status=record.status
    )


def test_a_record_version_cannot_be_updated_deleted_or_truncated_even_by_the_tables_owner(
    make_record,
):
    version = _version_of(make_record())
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK check: TRUNCATE may run
    for sql in (
        "UPDATE records_creditrecordversion SET payload = '{}' WHERE id = %s",
        "DELETE FROM records_creditrecordversion WHERE id = %s",
        "TRUNCATE records_creditrecordversion",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cur,
        ):
            cur.execute(sql, [version.pk] if "%s" in sql else None)
    assert CreditRecordVersion.objects.get(pk=version.pk).payload == {"a": 1}


def test_a_record_with_versions_cannot_be_deleted(make_record):
    record = make_record()
    _version_of(record)
    with pytest.raises(ProtectedError), transaction.atomic():
        record.delete()
    assert CreditRecord.objects.filter(pk=record.pk).exists()
