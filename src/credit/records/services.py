"""Writes of credit records: the single path by which a record enters or changes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from credit.catalog.constants import FieldRole
from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for, validate_payload
from credit.core import audit
from credit.core.crypto import id_index
from credit.core.errors import ValidationFailed
from credit.core.identifiers import is_placeholder_uscc, normalize_code, upgrade_id15
from credit.core.models import Department
from credit.records import changes, publicity, rules
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord, CreditRecordVersion, RecordChange
from credit.records.rules import extract_columns, key_values, natural_key, storage_payload

NATURAL_CATEGORY = "自然人"


@dataclass(frozen=True)
class UpsertResult:
    record: CreditRecord
    outcome: str  # "inserted" | "updated" | "unchanged"


#: A credit record's subject: a ``subjects.LegalPerson`` or ``subjects.NaturalPerson`` (this app
#: sits below subjects, which reads records for its files, so it names them by ``subject_type``).
Subject = Any


def is_legal(subject: Subject) -> bool:
    """Whether the subject is a legal person (else a natural person)."""
    return subject.subject_type == "legal"


def subject_key(subject: Subject) -> str:
    return rules.subject_key("L" if is_legal(subject) else "N", subject.pk)


def subject_mismatch(spec, payload: dict[str, Any], subject) -> str | None:
    """Why ``payload`` does not describe ``subject`` (category, USCC, ID number), or None."""

    def value(role: str) -> str:
        return normalize_code(spec.value(payload, role))

    category = value(FieldRole.SUBJECT_CATEGORY)
    if is_legal(subject):
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
    subject: Subject,
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
    columns = extract_columns(spec, payload, item)
    payload = storage_payload(spec, payload)
    subject_fields = {"legal_person": subject} if is_legal(subject) else {"natural_person": subject}
    record = CreditRecord.objects.select_for_update().filter(item=item, natural_key=key).first()
    if record is None:
        record = CreditRecord.objects.create(
            item=item,
            department=department,
            region_id=department.region_id,
            natural_key=key,
            payload=payload,
            status=publicity.initial_status(columns["publicity_end"]),
            **subject_fields,
            **columns,
        )
        audit.record(
            "record.created",
            actor=actor,
            obj=record,
            after={"item": item.code, "document_no": record.document_no},
        )
        changes.emit(RecordChange.Kind.CREATED, [record.pk])
        return UpsertResult(record, "inserted")
    if record.payload == payload:
        return UpsertResult(record, "unchanged")
    before = {"version": record.version}
    _keep_version(record)
    record.payload = payload
    for name, value in columns.items():
        setattr(record, name, value)
    record.save()
    audit.record(
        "record.updated", actor=actor, obj=record, before=before, after={"version": record.version}
    )
    changes.emit(RecordChange.Kind.UPDATED, [record.pk])
    return UpsertResult(record, "updated")


# --------------------------------------------------------------------------------------------
# Status transitions (停发, 恢复, 撤销, 修复) and corrections, used by objections and repair
# --------------------------------------------------------------------------------------------

#: Status → (allowed previous statuses, change event kind, audit action).
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, str]] = {
    RecordStatus.SUSPENDED: (
        (RecordStatus.ACTIVE,),
        RecordChange.Kind.SUSPENDED,
        "record.suspended",
    ),
    RecordStatus.ACTIVE: (
        (RecordStatus.SUSPENDED,),
        RecordChange.Kind.RESTORED,
        "record.restored",
    ),
    RecordStatus.REVOKED: (
        (RecordStatus.ACTIVE, RecordStatus.SUSPENDED, RecordStatus.EXPIRED),
        RecordChange.Kind.REVOKED,
        "record.revoked",
    ),
    RecordStatus.REPAIRED: (
        (RecordStatus.ACTIVE, RecordStatus.SUSPENDED),
        RecordChange.Kind.REPAIRED,
        "record.repaired",
    ),
}


def _keep_version(record: CreditRecord) -> None:
    CreditRecordVersion.objects.create(
        record=record, version=record.version, payload=record.payload, status=record.status
    )
    record.version += 1


def _audit_change(
    action: str, actor: Any, record: CreditRecord, before: dict, reason: str, reference: str
) -> None:
    audit.record(
        action,
        actor=actor,
        obj=record,
        before=before,
        after={
            "status": record.status,
            "version": record.version,
            "reason": reason,
            "reference": reference,
        },
    )


@transaction.atomic
def change_status(
    *, actor: Any, record: CreditRecord, status: str, reason: str, reference: str = ""
) -> CreditRecord:
    """Move a record to ``status`` (suspend, restore, revoke, repair): the previous state is
    kept as a version, an audit entry names the reason and the case (``reference``, e.g. an
    objection number), and a change event of its precise kind tells subscribers (the record
    feed; the list feed too for a list entry). Every reader filters on the status, so the
    record disappears from (or returns to) the portal, API, reports and checks with this
    transaction's commit.

    Restoring a record whose publicity ended meanwhile makes it ``expired``, not active.
    """
    allowed, kind, action = TRANSITIONS[status]
    record = CreditRecord.objects.select_for_update().select_related("item").get(pk=record.pk)
    if record.status not in allowed:
        raise ValidationFailed(
            f"记录当前状态为“{record.get_status_display()}”，不能改为"
            f"“{RecordStatus(status).label}”",
            code="record_status_conflict",
        )
    before = {"status": record.status, "version": record.version}
    _keep_version(record)
    if status == RecordStatus.ACTIVE:
        status = publicity.initial_status(record.publicity_end)
    record.status = status
    record.save(update_fields=["status", "version", "updated_at"])
    _audit_change(action, actor, record, before, reason, reference)
    changes.emit(kind, [record.pk])
    return record


@transaction.atomic
def correct_record(
    *, actor: Any, record: CreditRecord, payload: dict[str, Any], reason: str, reference: str = ""
) -> CreditRecord:
    """Replace a record's payload after an objection found it wrong (更正): validated like any
    record, the old version kept, the natural key unchanged, the record active again."""
    record = CreditRecord.objects.select_for_update().select_related("item").get(pk=record.pk)
    spec = spec_for(record.item)
    errors = validate_payload(spec, payload)
    if errors:
        raise ValidationFailed(
            f"更正后的数据项不符合规格：{errors[0].message}等{len(errors)}处",
            code="payload_invalid",
            details={"errors": [e.as_dict() for e in errors]},
        )
    subject = record.legal_person or record.natural_person
    mismatch = subject_mismatch(spec, payload, subject)
    if mismatch:
        raise ValidationFailed(mismatch, code="subject_mismatch")
    before = {"status": record.status, "version": record.version}
    _keep_version(record)
    record.payload = storage_payload(spec, payload)
    for name, value in extract_columns(spec, payload, record.item).items():
        setattr(record, name, value)
    record.status = publicity.initial_status(record.publicity_end)
    record.save()
    _audit_change("record.corrected", actor, record, before, reason, reference)
    changes.emit(RecordChange.Kind.CORRECTED, [record.pk])
    return record


def expire_publicity(*, today: datetime.date | None = None) -> list[int]:
    """Mark active records whose publicity ended before ``today`` as expired (已过公示期), in
    one statement, keeping each one's previous state as a version, with one audit entry naming
    them and an ``expired`` change event per record. Returns the ids. Idempotent; run daily."""
    today = today or datetime.date.today()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"""
            WITH expired AS (
                UPDATE {_RECORD} r
                SET status = %s, version = r.version + 1, updated_at = now()
                WHERE r.status = %s AND r.publicity_end < %s
                RETURNING r.id, r.version - 1 AS old_version, r.payload
            )
            INSERT INTO {_VERSION} (record_id, version, payload, status, replaced_at)
            SELECT id, old_version, payload, %s, now() FROM expired
            RETURNING record_id
            """,  # noqa: S608 — table names are the models' own
            [RecordStatus.EXPIRED, RecordStatus.ACTIVE, today, RecordStatus.ACTIVE],
        )
        ids = sorted(pk for (pk,) in cur.fetchall())
        changes.emit(RecordChange.Kind.EXPIRED, ids)
        if ids:
            audit.record(
                "records.expired",
                object_type=CreditRecord._meta.label_lower,
                after={"date": today.isoformat(), "records": ids},
            )
    return ids


def recompute_publicity(
    *, actor: Any, item: CatalogItem | None = None, today: datetime.date | None = None
) -> dict[str, int]:
    """Decide the publicity of existing records again (after a policy or an item's publicity
    mode changed), in chunks, each in its own transaction. A record whose window now ended is
    expired; an expired one whose window now reaches today becomes active again (with a
    ``restored`` event). Returns counts."""
    today = today or datetime.date.today()
    publicity.forget()
    book = publicity.current_book()
    items = {i.pk: i for i in CatalogItem.objects.all()}
    qs = CreditRecord.objects.order_by("pk")
    if item is not None:
        qs = qs.filter(item=item)
    counts = {"records": 0, "changed": 0, "revived": 0}
    last = 0
    while True:
        chunk = list(
            qs.filter(pk__gt=last).only("id", "item_id", "payload", "status", "severity", *PUB)[
                :RECOMPUTE_CHUNK
            ]
        )
        if not chunk:
            break
        last = chunk[-1].pk
        with transaction.atomic():
            changed, revived = [], []
            for record in chunk:
                cur_item = items[record.item_id]
                cols = extract_columns(spec_for(cur_item), record.payload, cur_item, book)
                new = {name: cols[name] for name in PUB}
                if any(getattr(record, n) != v for n, v in new.items()):
                    for n, v in new.items():
                        setattr(record, n, v)
                    if record.status == RecordStatus.EXPIRED and (
                        record.publicity_end is None or record.publicity_end >= today
                    ):
                        record.status = RecordStatus.ACTIVE
                        revived.append(record.pk)
                    changed.append(record)
            CreditRecord.objects.bulk_update(changed, [*PUB, "status"])
            changes.emit(RecordChange.Kind.RESTORED, revived)
            counts["records"] += len(chunk)
            counts["changed"] += len(changed)
            counts["revived"] += len(revived)
    audit.record(
        "records.publicity_recomputed",
        actor=actor,
        object_type=CreditRecord._meta.label_lower,
        after={"item": item.code if item else None, **counts},
    )
    counts["expired"] = len(expire_publicity(today=today))
    return counts


#: The publicity columns (:class:`credit.records.publicity.Publicity`).
PUB = (
    "publicity_policy_id",
    "publishable",
    "publicity_start",
    "publicity_end",
    "repair_from",
)
RECOMPUTE_CHUNK = 5_000
_RECORD = CreditRecord._meta.db_table
_VERSION = CreditRecordVersion._meta.db_table
