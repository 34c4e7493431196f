"""Commitments that come from elsewhere, and breaches suspected from records.

- A row of the 信用承诺 item (``credit-commitment``: an Excel batch through the ingest pipeline,
  or the ingest push) becomes a published commitment (channel 批量导入) of the item its
  ``item_code`` names, linked to the row; a row revoked later withdraws it.
- An administrative penalty (行政处罚) of a subject with a commitment in force made to the
  same department — the commitment's domain — decided after the commitment was made raises a
  suspected breach (疑似违诺) for that department to confirm or dismiss; once per commitment and
  penalty.
- A credit repair application's commitment letter (信用承诺书) becomes a published 信用修复型
  commitment (channel 信用修复申请), linked to the application.

The record listener (:func:`enqueue_for_records`) only finds, in one query, the records that
matter and enqueues the jobs in the changing transaction; the jobs (:mod:`credit.commitments.tasks`)
do the work and are idempotent.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from credit.commitments.constants import IMPORT_ITEM, Channel, Kind, Status
from credit.commitments.models import Commitment, CommitmentFile, CommitmentItem, SuspectedBreach
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

logger = logging.getLogger(__name__)

#: The catalog item whose records may raise a suspected breach.
PENALTY_ITEM = "admin-penalty"
#: Records per job.
JOB_CHUNK = 1000


def _commitment_of_subject(record_field: str) -> Exists:
    return Exists(
        Commitment.objects.filter(
            **{record_field: OuterRef(record_field)},
            department_id=OuterRef("department_id"),
            status__in=(Status.PUBLISHED, Status.FULFILLED),
        )
    )


def enqueue_for_records(record_ids: Sequence[int]) -> int:
    """Enqueue, in the running transaction, the import of the 信用承诺 rows among these
    records and the suspected-breach check of the penalties of subjects with a commitment to
    the penalty's department. One query; nothing enqueued when none. Returns how many."""
    ids = list(record_ids)
    if not ids:
        return 0
    rows = list(
        CreditRecord.objects.filter(pk__in=ids)
        .alias(
            has_lp=_commitment_of_subject("legal_person_id"),
            has_np=_commitment_of_subject("natural_person_id"),
        )
        .filter(
            Q(item__code=IMPORT_ITEM)
            | (
                Q(item__code=PENALTY_ITEM)
                & (
                    Q(legal_person__isnull=False, has_lp=True)
                    | Q(natural_person__isnull=False, has_np=True)
                )
            )
        )
        .values_list("pk", "item__code")
        .order_by("pk")
    )
    imports = [pk for pk, code in rows if code == IMPORT_ITEM]
    penalties = [pk for pk, code in rows if code == PENALTY_ITEM]
    from credit.commitments import tasks

    for chunk in _chunks(imports):
        tasks.import_records.defer(record_ids=chunk)
    for chunk in _chunks(penalties):
        tasks.detect.defer(record_ids=chunk)
    return len(rows)


def _chunks(values: list[int]) -> list[list[int]]:
    return [values[i : i + JOB_CHUNK] for i in range(0, len(values), JOB_CHUNK)]


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None


def _import_one(record: CreditRecord, items: dict[str, CommitmentItem]) -> str:
    from credit.commitments.services.commitments import _create

    existing = Commitment.objects.filter(source_record=record).first()
    if record.status != RecordStatus.ACTIVE:
        if existing is not None and existing.status in (Status.PUBLISHED, Status.SUBMITTED):
            existing.status = Status.WITHDRAWN
            existing.save(update_fields=["status", "updated_at"])
            return "withdrawn"
        return "skipped"
    if existing is not None:
        return "unchanged"
    payload = record.payload or {}
    item = items.get(str(payload.get("item_code", "")).strip())
    committed_on = _date(payload.get("committed_on"))
    if item is None or committed_on is None:
        logger.warning("credit-commitment record %s: unknown item or date", record.pk)
        return "skipped"
    if record.department_id != item.department_id and record.department.kind != "credit_office":
        logger.warning(
            "credit-commitment record %s: item %s is not of department %s",
            record.pk,
            item.code,
            record.department_id,
        )
        return "skipped"
    _create(
        item=item,
        subject=record.legal_person or record.natural_person,
        committed_on=committed_on,
        signer_name=str(payload.get("signer", "")),
        status=Status.PUBLISHED,
        channel=Channel.IMPORT,
        source_record=record,
        valid_until=_date(payload.get("valid_to")),
    )
    return "created"


@transaction.atomic
def import_records(record_ids: Sequence[int]) -> dict[str, int]:
    """The 信用承诺 rows among ``record_ids`` as commitments (see the module); idempotent.
    Returns counts by outcome (created, unchanged, withdrawn, skipped)."""
    counts = {"created": 0, "unchanged": 0, "withdrawn": 0, "skipped": 0}
    records = (
        CreditRecord.objects.filter(pk__in=list(record_ids), item__code=IMPORT_ITEM)
        .select_related("department", "legal_person", "natural_person")
        .order_by("pk")
    )
    items = {
        i.code: i
        for i in CommitmentItem.objects.filter(is_active=True).select_related("department")
    }
    for record in records:
        counts[_import_one(record, items)] += 1
    return counts


@transaction.atomic
def detect(record_ids: Sequence[int]) -> int:
    """Suspected breaches from the penalties among ``record_ids``: each commitment in force of
    the penalised subject, made to the penalty's department before the decision date and not
    expired then, gets one open suspicion per penalty (never twice). Returns how many new."""
    penalties = CreditRecord.objects.filter(
        pk__in=list(record_ids), item__code=PENALTY_ITEM, status=RecordStatus.ACTIVE
    )
    new: list[SuspectedBreach] = []
    for record in penalties:
        decided = record.decision_date or record.created_at.date()
        subject = (
            Q(legal_person_id=record.legal_person_id)
            if record.legal_person_id
            else Q(natural_person_id=record.natural_person_id)
        )
        commitments = Commitment.objects.filter(
            subject,
            Q(valid_until__isnull=True) | Q(valid_until__gte=decided),
            department_id=record.department_id,
            status__in=(Status.PUBLISHED, Status.FULFILLED),
            committed_on__lte=decided,
        ).exclude(suspicions__record=record)
        new += [SuspectedBreach(commitment=c, record=record) for c in commitments]
    made = SuspectedBreach.objects.bulk_create(new, ignore_conflicts=True)
    return len(made)


def from_repair(repair: Any) -> Commitment | None:
    """The commitment letter of a credit repair application as a published 信用修复型
    commitment of the repair item (the first active one), linked to the application; called
    in the application's transaction (``credit.objections.repairs.on_submitted``)."""
    from credit.commitments.services.commitments import FileKind, _create

    if Commitment.objects.filter(repair=repair).exists():
        return None
    item = (
        CommitmentItem.objects.filter(kind=Kind.REPAIR, is_active=True)
        .select_related("department")
        .order_by("sort_order", "code")
        .first()
    )
    record = repair.record
    subject = record.legal_person or record.natural_person
    if item is None or subject is None:
        logger.warning("repair %s: no repair commitment item", repair.pk)
        return None
    letters = [a for a in repair.attachments.all() if a.kind == "commitment"]
    commitment = _create(
        item=item,
        subject=subject,
        committed_on=timezone.localdate(),
        signer_name=repair.submitter_name,
        status=Status.PUBLISHED,
        channel=Channel.REPAIR,
        repair=repair,
    )
    CommitmentFile.objects.bulk_create(
        CommitmentFile(
            commitment=commitment,
            kind=FileKind.LETTER,
            name=a.name,
            content_type=a.content_type,
            size=a.size,
            sha256=a.sha256,
            data=a.data,
        )
        for a in letters
    )
    return commitment
