"""The bulk path for credit records: a chunk's records found by natural key in one query,
new ones inserted and changed ones updated (the previous state kept as a version) in bulk,
list changes published and one audit entry written per chunk; and the duplicate check of a
batch (a record loaded by an earlier row of the same batch)."""

# SQL here names tables only through the models' own ``db_table`` constants; every value
# is a bound parameter.
# ruff: noqa: S608
from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.utils import timezone

from credit.core import audit
from credit.core.bulk import copy_dicts, reserve_ids
from credit.ingest.models import BatchRow
from credit.ingest.taxonomy import error_class
from credit.records import changes, publicity
from credit.records.models import CreditRecord, CreditRecordVersion, RecordChange
from credit.records.rules import natural_key
from credit.records.rules import subject_key as make_subject_key

_RECORD = CreditRecord._meta.db_table
_VERSION = CreditRecordVersion._meta.db_table
_BATCHROW = BatchRow._meta.db_table


#: The extracted columns a changed payload rewrites, with their SQL types.
_COLUMNS = (
    ("document_no", "text"),
    ("decision_date", "date"),
    ("valid_from", "date"),
    ("valid_to", "date"),
    ("severity", "text"),
    ("usage_scope", "text"),
    ("publicity_policy_id", "bigint"),
    ("publishable", "boolean"),
    ("publicity_start", "date"),
    ("publicity_end", "date"),
    ("repair_from", "date"),
)


def duplicate(first_row: int) -> dict:
    """The error of a row about the same record as the batch's row ``first_row``."""
    return {
        "field": "",
        "code": "duplicate_in_batch",
        "class": error_class("duplicate_in_batch"),
        "message": f"与本批次第{first_row}行重复",
    }


def rows_of_batch(batch: Any, record_ids: list[int]) -> dict[int, int]:
    """Record id → number of the batch's first accepted row that loaded it."""
    if not record_ids:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT w.id, b.row_no FROM unnest(%s::bigint[]) AS w(id) "
            f"CROSS JOIN LATERAL (SELECT row_no FROM {_BATCHROW} WHERE record_id = w.id "
            f"AND batch_id = %s AND status <> %s ORDER BY id LIMIT 1) b",
            [record_ids, batch.pk, BatchRow.Status.REJECTED],
        )
        return dict(cur.fetchall())


def load_records(batch, item, prepared, subjects, results, row_nos, chunk_keys, actor) -> None:
    """Insert new records, update changed ones (keeping the previous version) and leave equal
    ones alone — decided by the natural key and, in the database, jsonb equality."""
    if not subjects:
        return
    department = batch.department
    staged: dict[str, dict[str, Any]] = {}
    index_of_key: dict[str, int] = {}
    for n in sorted(subjects):  # file order: the first row of a key wins
        kind, pk = subjects[n]
        ready = prepared[n]
        key = natural_key(
            department_code=department.code,
            item_code=item.code,
            key_values=ready.key_values,
            subject_key=make_subject_key(kind, pk),
        )
        if key in chunk_keys:
            results[n].error = duplicate(chunk_keys[key])
            results[n].warnings = []
            continue
        chunk_keys[key] = row_nos[n]
        staged[key] = {
            "natural_key": key,
            "legal_person_id": pk if kind == "L" else None,
            "natural_person_id": pk if kind == "N" else None,
            **ready.columns,
            "payload": ready.stored_json,
            "_stored": ready.stored,
        }
        index_of_key[key] = n
    changed: list[tuple[str, int, int]] = []
    found: set[str] = set()
    with connection.cursor() as cur:
        # One index probe per key (LATERAL … LIMIT 1): right after a bulk load the table's
        # statistics are stale and a plain ``= ANY`` can be planned as a scan of the item.
        cur.execute(
            f"SELECT w.k, r.id, r.version, r.payload FROM unnest(%s::text[]) AS w(k) "
            f"CROSS JOIN LATERAL (SELECT id, version, payload FROM {_RECORD} "
            f"WHERE item_id = %s AND natural_key = w.k LIMIT 1 FOR UPDATE) r",
            [list(staged), item.pk],
        )
        rows = cur.fetchall()
        earlier = rows_of_batch(batch, [pk for _, pk, _, _ in rows])
        for key, pk, version, stored in rows:
            found.add(key)
            result = results[index_of_key[key]]
            if pk in earlier:  # loaded by an earlier chunk of this batch
                result.error = duplicate(earlier[pk])
                result.warnings = []
                continue
            result.record_id = pk
            if isinstance(stored, str):  # Django leaves jsonb undecoded
                stored = json.loads(stored)
            if stored == staged[key]["_stored"]:
                result.outcome = "unchanged"
            else:
                result.outcome = "updated"
                changed.append((key, pk, version))
    new = [row for key, row in staged.items() if key not in found]
    for row, pk in zip(new, reserve_ids(CreditRecord, len(new)), strict=True):
        del row["_stored"]
        row.update(id=pk, item_id=item.pk, department_id=department.pk)
        row["region_id"] = department.region_id
        row["status"] = publicity.initial_status(row["publicity_end"])
        result = results[index_of_key[row["natural_key"]]]
        result.outcome, result.record_id = "inserted", pk
    copy_dicts(CreditRecord, new)
    if changed:
        _update_records(staged, changed)
    # Every change is told (changes.emit writes the record feed for every record, list events
    # for list entries only, and its listeners — the civil servants' scores — hear of all).
    changes.emit(RecordChange.Kind.CREATED, [r["id"] for r in new])
    changes.emit(RecordChange.Kind.UPDATED, [pk for _, pk, _ in changed])
    if new or changed:
        # One entry per chunk naming every record it created or changed: the audit trail of a
        # bulk load without an audit row per record (the batch rows map each file row to its
        # record and outcome).
        audit.record(
            "records.loaded",
            actor=actor,
            obj=batch,
            after={
                "item": item.code,
                "inserted": [r["id"] for r in new],
                "updated": [[pk, version + 1] for _, pk, version in changed],
            },
        )


def _update_records(staged: dict[str, dict[str, Any]], changed: list[tuple[str, int, int]]):
    """Keep each changed record's current state as a version, then write the new payload."""
    now = timezone.now()
    ids = [pk for _, pk, _ in changed]
    rows = [staged[key] for key, _, _ in changed]
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {_VERSION} (record_id, version, payload, status, replaced_at) "
            f"SELECT id, version, payload, status, %s FROM {_RECORD} WHERE id = ANY(%s)",
            [now, ids],
        )
        names = [c for c, _ in _COLUMNS]
        cur.execute(
            f"UPDATE {_RECORD} r SET payload = w.payload::jsonb, version = r.version + 1, "
            f"updated_at = %s, "
            + ", ".join(f"{c} = w.{c}" for c in names)
            + " FROM unnest(%s::bigint[], %s::text[], "
            + ", ".join(f"%s::{t}[]" for _, t in _COLUMNS)
            + f") AS w(id, payload, {', '.join(names)}) WHERE r.id = w.id",
            [now, ids, [r["payload"] for r in rows], *([r[c] for r in rows] for c in names)],
        )
