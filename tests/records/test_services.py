"""Tests of credit.records.services.upsert_record: the single write path of a record."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection

from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.records.models import CreditRecord, CreditRecordVersion
from credit.records.publicity import add_months
from credit.records.services import upsert_record
from credit.subjects.services import register_natural_person
from tests.records.factories import DECIDED, legal_payload, natural_payload

pytestmark = pytest.mark.django_db

DOC = "常市监罚〔2025〕101号"


def _upsert(item, department, subject, payload):
    return upsert_record(
        actor=None, item=item, department=department, subject=subject, payload=payload
    )


def _counts() -> tuple[int, int, int]:
    return (
        CreditRecord.objects.count(),
        CreditRecordVersion.objects.count(),
        AuditEntry.objects.count(),
    )


def test_valid_legal_person_payload_is_inserted_with_extracted_columns(
    penalty_item, department, legal_person
):
    scjg = department("SCJG")

    result = _upsert(penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, DOC))

    assert result.outcome == "inserted"
    record = CreditRecord.objects.get(pk=result.record.pk)
    assert record.legal_person_id == legal_person.pk
    assert record.natural_person_id is None
    assert record.department_id == scjg.pk
    assert record.document_no == DOC
    assert record.decision_date == DECIDED
    assert record.valid_to == add_months(DECIDED, 6)
    assert record.publicity_end == add_months(DECIDED, 12)
    assert record.severity == "general"
    assert record.usage_scope == "public"
    assert record.version == 1
    assert record.payload == legal_payload(legal_person, scjg, DOC)
    entry = AuditEntry.objects.get(event_type="record.created", object_id=str(record.pk))
    assert entry.after == {"item": "admin-penalty", "document_no": DOC}


@pytest.mark.parametrize(
    ("severity", "scope", "expected"),
    [
        ("严重", "政务共享", ("serious", "shared")),
        ("轻微", "授权查询", ("minor", "restricted")),
        # blank: the severity its penalty type implies (警告: 轻微 under the 2026 rule), and
        # the item's own usage scope
        ("", "", ("minor", "public")),
    ],
)
def test_severity_and_usage_scope_labels_map_to_codes(
    penalty_item, department, legal_person, severity, scope, expected
):
    scjg = department("SCJG")
    payload = legal_payload(legal_person, scjg, DOC, severity=severity, info_usage_scope=scope)

    record = _upsert(penalty_item, scjg, legal_person, payload).record

    assert (record.severity, record.usage_scope) == expected


def test_resending_the_same_payload_changes_nothing(penalty_item, department, legal_person):
    scjg = department("SCJG")
    first = _upsert(penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, DOC))
    before = _counts()

    again = _upsert(penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, DOC))

    assert again.outcome == "unchanged"
    assert again.record.pk == first.record.pk
    assert again.record.version == 1
    assert _counts() == before


def test_changed_payload_updates_the_record_and_keeps_the_previous_version(
    penalty_item, department, legal_person
):
    scjg = department("SCJG")
    v1 = legal_payload(legal_person, scjg, DOC)
    inserted = _upsert(penalty_item, scjg, legal_person, v1)
    v2 = legal_payload(
        legal_person,
        scjg,
        DOC,
        penalty_category="罚款",
        penalty_content="罚款人民币五千元",
        fine_amount="0.5",
        severity="严重",
    )

    updated = _upsert(penalty_item, scjg, legal_person, v2)

    assert updated.outcome == "updated"
    assert updated.record.pk == inserted.record.pk
    record = CreditRecord.objects.get(pk=inserted.record.pk)
    assert record.version == 2
    assert record.payload == v2
    assert record.severity == "serious"
    assert CreditRecord.objects.filter(legal_person=legal_person).count() == 1
    old = CreditRecordVersion.objects.get(record=record)
    assert (old.version, old.payload, old.status) == (1, v1, "active")
    entry = AuditEntry.objects.get(event_type="record.updated", object_id=str(record.pk))
    assert (entry.before, entry.after) == ({"version": 1}, {"version": 2})


def test_invalid_payload_raises_payload_invalid_and_writes_nothing(
    penalty_item, department, legal_person
):
    scjg = department("SCJG")
    payload = legal_payload(legal_person, scjg, DOC, decision_date="2025-02-30", unknown="x")
    del payload["violation_facts"]
    before = _counts()

    with pytest.raises(ValidationFailed) as exc:
        _upsert(penalty_item, scjg, legal_person, payload)

    assert exc.value.code == "payload_invalid"
    errors = {(e["field"], e["code"]) for e in exc.value.details["errors"]}
    assert errors == {
        ("unknown", "field_unknown"),
        ("violation_facts", "required"),
        ("decision_date", "date_invalid"),
    }
    assert all(e["message"] for e in exc.value.details["errors"])
    assert _counts() == before


def test_record_belongs_to_the_region_of_its_department(penalty_item, department, legal_person):
    tianning = department("TNQ-SCJG")

    record = _upsert(
        penalty_item, tianning, legal_person, legal_payload(legal_person, tianning, DOC)
    ).record

    assert record.region_id == "320402"
    assert record.department.code == "TNQ-SCJG"


def test_natural_person_penalty_stores_the_id_number_masked(
    penalty_item, department, resident_id_factory
):
    from credit.core import crypto
    from credit.subjects.services import ID_PURPOSE

    scjg = department("SCJG")
    number = resident_id_factory("320404", datetime.date(1988, 1, 2))
    person, _ = register_natural_person(actor=None, name="陈某", id_number=number)
    payload = natural_payload("陈某", number, scjg, DOC)

    record = _upsert(penalty_item, scjg, person, payload).record

    assert record.natural_person_id == person.pk
    assert record.legal_person_id is None
    assert record.payload["id_number"] == person.id_masked == number[:3] + "*" * 11 + number[-4:]
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload::text FROM records_creditrecord WHERE id = %s", [record.pk])
        assert number not in cursor.fetchone()[0]
    person.refresh_from_db()
    assert crypto.decrypt(person.id_cipher, purpose=ID_PURPOSE) == number
    assert number not in json.dumps(
        list(AuditEntry.objects.values_list("after", flat=True)), ensure_ascii=False
    )


def test_resending_a_natural_person_penalty_is_unchanged(
    penalty_item, department, resident_id_factory
):
    scjg = department("SCJG")
    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="陈某", id_number=number)
    _upsert(penalty_item, scjg, person, natural_payload("陈某", number, scjg, DOC))

    again = _upsert(penalty_item, scjg, person, natural_payload("陈某", number, scjg, DOC))

    assert again.outcome == "unchanged"


def test_document_no_variants_resolve_to_the_same_record(penalty_item, department, legal_person):
    scjg = department("SCJG")
    first = _upsert(
        penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, "常市监罚〔2025〕12号")
    )

    variant = _upsert(
        penalty_item,
        scjg,
        legal_person,
        legal_payload(legal_person, scjg, "常市监罚\u3000〔２０２５〕 １２号"),
    )

    assert variant.outcome == "updated"
    assert variant.record.pk == first.record.pk
    assert CreditRecord.objects.filter(legal_person=legal_person).count() == 1


@pytest.mark.parametrize("bracketed", ["(2025)", "（2025）", "[2025]", "【2025】", "﹝2025﹞"])
def test_year_bracket_variants_resolve_to_the_same_record(
    penalty_item, department, legal_person, bracketed
):
    """The service path (no normaliser before it) compares the year in any bracket as one."""
    scjg = department("SCJG")
    first = _upsert(
        penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, "常市监罚〔2025〕12号")
    )
    doc = f"常市监罚{bracketed}12号"
    variant = _upsert(penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, doc))

    assert (variant.outcome, variant.record.pk) == ("updated", first.record.pk)
    assert variant.record.version == 2 and variant.record.document_no == doc  # as sent
    assert CreditRecord.objects.filter(legal_person=legal_person).count() == 1


def test_same_document_no_from_two_departments_gives_two_records(
    penalty_item, department, legal_person
):
    scjg, tianning = department("SCJG"), department("TNQ-SCJG")

    a = _upsert(penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, DOC))
    b = _upsert(penalty_item, tianning, legal_person, legal_payload(legal_person, tianning, DOC))

    assert (a.outcome, b.outcome) == ("inserted", "inserted")
    assert a.record.pk != b.record.pk
    assert a.record.natural_key != b.record.natural_key


def test_same_document_no_about_two_subjects_gives_two_records(
    penalty_item, department, legal_person, uscc_factory
):
    from credit.subjects.services import register_legal_person

    other, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="常州市另一家有限公司")
    scjg = department("SCJG")

    a = _upsert(penalty_item, scjg, legal_person, legal_payload(legal_person, scjg, DOC))
    b = _upsert(penalty_item, scjg, other, legal_payload(other, scjg, DOC))

    assert a.record.pk != b.record.pk


def test_a_payload_about_another_subject_is_refused(
    penalty_item, department, legal_person, uscc_factory, resident_id_factory
):
    scjg = department("SCJG")
    before = _counts()
    cases = [
        legal_payload(legal_person, scjg, DOC, uscc=uscc_factory()),  # another company's code
    ]
    for payload in cases:
        with pytest.raises(ValidationFailed) as err:
            _upsert(penalty_item, scjg, legal_person, payload)
        assert err.value.code == "subject_mismatch"
    person, _ = register_natural_person(actor=None, name="赵六", id_number=resident_id_factory())
    with pytest.raises(ValidationFailed) as err:
        _upsert(
            penalty_item, scjg, person, natural_payload("赵六", resident_id_factory(), scjg, DOC)
        )
    assert err.value.code == "subject_mismatch"
    with pytest.raises(ValidationFailed) as err:
        _upsert(penalty_item, scjg, person, legal_payload(legal_person, scjg, DOC))
    assert err.value.code == "subject_mismatch"
    assert _counts()[:2] == before[:2]
