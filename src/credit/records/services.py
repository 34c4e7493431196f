"""Writes of credit records: the single path by which a record enters or changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from credit.catalog.constants import FieldRole
from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for, validate_payload
from credit.core import audit
from credit.core.errors import ValidationFailed
from credit.core.identifiers import is_placeholder_uscc, normalize_code, upgrade_id15
from credit.core.models import Department
from credit.records import changes, rules
from credit.records.models import CreditRecord, CreditRecordVersion, ListChange
from credit.records.rules import extract_columns, key_values, natural_key, storage_payload
from credit.subjects.models import LegalPerson, NaturalPerson
from credit.subjects.services import id_index

NATURAL_CATEGORY = "自然人"


@dataclass(frozen=True)
class UpsertResult:
    record: CreditRecord
    outcome: str  # "inserted" | "updated" | "unchanged"


def subject_key(subject: LegalPerson | NaturalPerson) -> str:
    return rules.subject_key("L" if isinstance(subject, LegalPerson) else "N", subject.pk)


def subject_mismatch(spec, payload: dict[str, Any], subject) -> str | None:
    """Why ``payload`` does not describe ``subject`` (category, USCC, ID number), or None."""

    def value(role: str) -> str:
        return normalize_code(spec.value(payload, role))

    category = value(FieldRole.SUBJECT_CATEGORY)
    if isinstance(subject, LegalPerson):
        if category == NATURAL_CATEGORY:
            return "数据项的主体类别为自然人，但关联的主体是法人"
        uscc = value(FieldRole.USCC)
        if uscc and subject.uscc and uscc != subject.uscc and not is_placeholder_uscc(uscc):
            return f"数据项的统一社会信用代码 {uscc} 与关联主体的 {subject.uscc} 不一致"
        return None
    if category and category != NATURAL_CATEGORY:
        return "数据项的主体类别不是自然人，但关联的主体是自然人"
    number = value(FieldRole.ID_NUMBER)
    if len(number) == 15 and number.isdigit():
        number = upgrade_id15(number)  # registered upgraded, so compared upgraded
    if number and id_index(subject.id_type, number) != subject.id_index:
        return "数据项的证件号码与关联的自然人不一致"
    return None


@transaction.atomic
def upsert_record(
    *,
    actor: Any,
    item: CatalogItem,
    department: Department,
    subject: LegalPerson | NaturalPerson,
    payload: dict[str, Any],
) -> UpsertResult:
    """Insert a record, or update the one with the same natural key.

    The payload is validated against the item's spec first (``ValidationFailed`` with every
    field error in ``details["errors"]``). Re-sending an identical payload changes nothing
    (``unchanged``); a changed payload bumps ``version`` and keeps the previous one in
    :class:`CreditRecordVersion`. The record belongs to the department's region. Sensitive
    fields are stored masked (:func:`~credit.records.rules.storage_payload`).
    """
    spec = spec_for(item)
    errors = validate_payload(spec, payload)
    if errors:
        raise ValidationFailed(
            f"数据项不符合目录项“{item.name}”的规格：{errors[0].message}等{len(errors)}处",
            code="payload_invalid",
            details={"errors": [e.as_dict() for e in errors]},
        )
    mismatch = subject_mismatch(spec, payload, subject)
    if mismatch:
        raise ValidationFailed(mismatch, code="subject_mismatch")
    key = natural_key(
        department_code=department.code,
        item_code=item.code,
        key_values=key_values(item.natural_key, payload),
        subject_key=subject_key(subject),
    )
    columns = extract_columns(spec, payload, item.usage_scope)
    payload = storage_payload(spec, payload)
    subject_fields = (
        {"legal_person": subject}
        if isinstance(subject, LegalPerson)
        else {"natural_person": subject}
    )
    record = CreditRecord.objects.select_for_update().filter(item=item, natural_key=key).first()
    if record is None:
        record = CreditRecord.objects.create(
            item=item,
            department=department,
            region_id=department.region_id,
            natural_key=key,
            payload=payload,
            **subject_fields,
            **columns,
        )
        audit.record(
            "record.created",
            actor=actor,
            obj=record,
            after={"item": item.code, "document_no": record.document_no},
        )
        if item.category in changes.LIST_CATEGORIES:
            changes.emit(ListChange.Kind.LISTED, [record.pk])
        return UpsertResult(record, "inserted")
    if record.payload == payload:
        return UpsertResult(record, "unchanged")
    CreditRecordVersion.objects.create(
        record=record, version=record.version, payload=record.payload, status=record.status
    )
    before = {"version": record.version}
    record.payload = payload
    record.version += 1
    for name, value in columns.items():
        setattr(record, name, value)
    record.save()
    audit.record(
        "record.updated", actor=actor, obj=record, before=before, after={"version": record.version}
    )
    if item.category in changes.LIST_CATEGORIES:
        changes.emit(ListChange.Kind.UPDATED, [record.pk])
    return UpsertResult(record, "updated")
