"""The ingest pipeline: one path for every channel (file upload, JSON push, command line).

read → match headers → normalise (corrections recorded) → validate against the catalog item
→ reject duplicates inside the batch → register the subject and upsert the record → keep the
raw row (encrypted) with its status and errors for the feedback file.

Rows are committed in chunks: a failure in one row rejects that row only (its own savepoint);
a process killed mid-file leaves the chunks already committed, and ingesting the same file
again reaches the same end state because subjects and records are keyed naturally (nothing is
duplicated, unchanged rows stay unchanged).

This first version loads each accepted row through the subject and record services, i.e. with
the same rules as every other write; it is correct but not yet fast (see bench/): the bulk
loader for large files replaces :func:`_load_row` behind the same interface.
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from credit.accounts.permissions import is_city_wide, require
from credit.accounts.roles import Perm, Role
from credit.catalog.constants import Sensitivity
from credit.catalog.models import CatalogItem
from credit.catalog.rules import ItemSpec, spec_for, validate_payload
from credit.core import audit, crypto
from credit.core.bulk import copy_dicts
from credit.core.errors import NotFound, PermissionDenied
from credit.core.models import Department
from credit.ingest.errors import FileRejected
from credit.ingest.headers import looks_like_item, match_headers
from credit.ingest.loader import LoadResult, load_rows, prepare
from credit.ingest.models import Batch, BatchRow
from credit.ingest.normalize import CELL_DATE, CELL_NUMBER, Normaliser
from credit.ingest.quality import batch_metrics
from credit.ingest.readers import CellKind, iter_tables
from credit.ingest.taxonomy import error_class
from credit.records import publicity

CHUNK = 2000
RAW_PURPOSE = "ingest.raw"
_KINDS = {
    CellKind.DATE: CELL_DATE,
    CellKind.DATETIME: CELL_DATE,
    CellKind.NUMBER: CELL_NUMBER,
    CellKind.NUMBER_PRECISION: CELL_NUMBER,
}


@dataclass
class IncomingRow:
    """A row to ingest: where it came from, the cells as sent, the cells by field code."""

    source: str
    row_no: int
    raw: dict[str, str]
    cells: dict[str, str]
    kinds: dict[str, str] = field(default_factory=dict)


def _check_submitter(actor: Any, department: Department) -> None:
    if actor is None:
        return  # the system: command line run by an operator
    require(actor, Perm.RECORD_SUBMIT)
    if actor.role == Role.DEPT_OFFICER and actor.department_id != department.pk:
        raise PermissionDenied("部门数据报送员只能报送本部门的数据")
    if not is_city_wide(actor) and actor.region_id != department.region_id:
        raise PermissionDenied("只能报送本辖市区部门的数据")


def _lookup(item_code: str, department_code: str) -> tuple[CatalogItem, Department]:
    item = CatalogItem.objects.filter(code=item_code, is_active=True).first()
    if item is None:
        raise NotFound(f"目录项“{item_code}”不存在", code="catalog_item_not_found")
    department = Department.objects.filter(code=department_code, is_active=True).first()
    if department is None:
        raise NotFound(f"部门“{department_code}”不存在", code="department_not_found")
    return item, department


def _new_batch(item, department, channel, actor, **file_info) -> Batch:
    return Batch.objects.create(
        item=item,
        item_version=item.version,
        department=department,
        region_id=department.region_id,
        channel=channel,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        status=Batch.Status.PROCESSING,
        **file_info,
    )


def file_rows(
    path: Path, fields: list, item_name: str, shown: str | None, unknown: list[dict]
) -> Iterator[IncomingRow]:
    """The rows of a department file by field code; columns that match no field are
    appended to ``unknown``. ``shown`` is the file's name as the department gave it."""
    for table in iter_tables(path, name=shown):
        match = _matched(table, fields, item_name)
        unknown.extend(
            {"source": table.source, "column": col + 1, "header": header}
            for col, header in match.unknown
        )
        for raw in table.rows:
            values = raw.values
            cells = {code: values[i] for i, code in match.columns.items() if i < len(values)}
            kinds = {
                match.columns[i]: _KINDS[kind]
                for i, kind in raw.notes
                if i in match.columns and kind in _KINDS
            }
            yield IncomingRow(raw.source, raw.row, raw.as_dict(), cells, kinds)


def _read_through(path: Path, fields: list, item_name: str, shown: str | None) -> None:
    """Read the whole file once without checking its rows, so that damage anywhere in it (a
    truncated archive member, an encoding error on line 900,000, a later sheet of another
    item) refuses the file before a single row is loaded: a refused file changes nothing.
    Reading is cheap beside checking and loading (see bench/bench_ingest_parts.py)."""
    for table in iter_tables(path, name=shown):
        _matched(table, fields, item_name)
        for _ in table.rows:
            pass


def _matched(table: Any, fields: list, item_name: str) -> Any:
    """The table's header match; a table whose headers are another item's refuses the file."""
    match = match_headers(table.headers, fields)
    if not looks_like_item(match):
        raise FileRejected(
            "wrong_item",
            f"“{table.source}”的表头与目录项“{item_name}”不符，请确认选择了正确的目录项",
            source=table.source,
        )
    return match


def ingest_file(
    *,
    actor: Any,
    path: str | Path,
    item_code: str,
    department_code: str,
    channel: str = Batch.Channel.CLI,
    file_name: str | None = None,
) -> Batch:
    """Ingest a department file. A file that cannot be read at all raises
    :class:`FileRejected` after recording a failed batch; rejected rows do not raise."""
    batch = open_file_batch(
        actor=actor,
        path=path,
        item_code=item_code,
        department_code=department_code,
        channel=channel,
        file_name=file_name,
    )
    process_file_batch(batch, path, actor=actor)
    return batch


def open_file_batch(
    *,
    actor: Any,
    path: str | Path,
    item_code: str,
    department_code: str,
    channel: str = Batch.Channel.CLI,
    file_name: str | None = None,
    queued: bool = False,
) -> Batch:
    """Check the submitter and create the file's batch (``queued`` when it is processed later
    by a background job, see :func:`process_file_batch`)."""
    path = Path(path)
    item, department = _lookup(item_code, department_code)
    _check_submitter(actor, department)
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    batch = _new_batch(
        item,
        department,
        channel,
        actor,
        file_name=(file_name or path.name)[:255],
        file_sha256=digest.hexdigest(),
        file_size=path.stat().st_size,
    )
    if queued:
        batch.status = Batch.Status.QUEUED
        batch.save(update_fields=["status"])
    return batch


def process_file_batch(batch: Batch, path: str | Path, *, actor: Any) -> Batch:
    """Read, check and load the file of a batch made by :func:`open_file_batch`. Counts are
    saved after every chunk, so another request can show the progress. Raises
    :class:`FileRejected` (after marking the batch failed) when the file cannot be read."""
    item = batch.item
    batch.status = Batch.Status.PROCESSING
    batch.started_at = timezone.now()
    batch.save(update_fields=["status", "started_at"])
    spec = spec_for(item)
    fields = list(item.fields.all())
    path = Path(path)
    try:
        shown, unknown = batch.file_name or None, batch.unknown_columns
        _read_through(path, fields, item.name, shown)
        rows = file_rows(path, fields, item.name, shown, unknown)
        _process(batch, item, spec, checked_chunks(item, spec, rows), actor)
    except FileRejected as exc:
        _fail(batch, exc, actor)
        raise
    return batch


def ingest_payloads(
    *,
    actor: Any,
    rows: Iterable[dict[str, Any]],
    item_code: str,
    department_code: str,
    channel: str = Batch.Channel.API,
) -> Batch:
    """Ingest rows pushed as JSON objects keyed by field code or field name."""
    item, department = _lookup(item_code, department_code)
    _check_submitter(actor, department)
    batch = _new_batch(item, department, channel, actor)
    fields = list(item.fields.all())

    matches: dict[tuple[str, ...], Any] = {}  # pushed rows mostly share their keys

    def incoming() -> Iterator[IncomingRow]:
        for n, obj in enumerate(rows, start=2):
            raw = {str(k): "" if v is None else str(v) for k, v in obj.items()}
            keys = list(raw)
            match = matches.get(tuple(keys))
            if match is None:
                match = matches[tuple(keys)] = match_headers(keys, fields)
            cells = {code: raw[keys[i]] for i, code in match.columns.items()}
            for _, header in match.unknown:
                cells.setdefault(header, raw[header])  # reported by validation, not dropped
            yield IncomingRow("", n, raw, cells)

    spec = spec_for(item)
    _process(batch, item, spec, checked_chunks(item, spec, incoming()), actor)
    return batch


def _fail(batch: Batch, exc: FileRejected, actor: Any) -> None:
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.FAILED,
        error_code=exc.code,
        error_message=exc.message[:500],
        finished_at=timezone.now(),
    )
    batch.refresh_from_db()
    audit.record("batch.failed", actor=actor, obj=batch, after={"code": exc.code})


def _process(
    batch: Batch, item: CatalogItem, spec: ItemSpec, chunks: Iterable[list], actor: Any
) -> None:
    if connection.in_atomic_block:
        # Inside a caller's transaction (tests, an atomic request) a second connection would
        # not see the caller's rows: load on this thread.
        for checked in chunks:
            _load_chunk(batch, item, spec, checked, actor=actor)
    else:
        load_overlapped(chunks, functools.partial(_load_chunk, batch, item, spec, actor=actor))
    batch.status = Batch.Status.DONE
    batch.finished_at = timezone.now()
    batch.save()
    batch.metrics = batch_metrics(batch)
    batch.save(update_fields=["metrics"])
    audit.record("batch.done", actor=actor, obj=batch, after=batch.summary())


def load_overlapped(chunks: Iterable[Any], load: Callable[[Any], None]) -> None:
    """Load chunk N on a loader thread (its own connection) while this thread reads and checks
    chunk N+1: the loader mostly waits for PostgreSQL, which runs on another core. Chunks are
    loaded one at a time and in file order, so at most two are in memory."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-loader") as pool:
        pending = None
        try:
            for checked in chunks:
                if pending is not None:
                    pending.result()
                context = contextvars.copy_context()  # the request id and source IP
                pending = pool.submit(context.run, load, checked)
            if pending is not None:
                pending.result()
                pending = None
        finally:
            if pending is not None:  # reading failed: let the chunk in flight finish first
                pending.exception()
            pool.submit(connections.close_all).result()


def checked_chunks(item: CatalogItem, spec: ItemSpec, rows: Iterable[IncomingRow]) -> Iterator:
    """Normalise and validate the rows; yields lists of ``(row, payload, corrections,
    errors)`` of at most :data:`CHUNK` rows. Duplicates inside the batch are found by the
    loader, by natural key (:func:`credit.ingest.loader.load_rows`)."""
    normalise = Normaliser(spec)
    sensitive = {f.code for f in spec.fields if f.sensitivity == Sensitivity.SENSITIVE}
    book = publicity.current_book()
    checked = []
    for row in rows:
        result = normalise(row.cells, cell_kinds=row.kinds)
        corrections = [
            {"field": c.field, "code": c.code, "message": c.message}
            if c.field not in sensitive
            else {"field": c.field, "code": c.code, "message": "证件号码已规范化"}
            for c in result.corrections
        ]
        errors = [
            {**e.as_dict(), "class": error_class(e.code)}
            for e in validate_payload(spec, result.payload)
        ]
        # Everything the loader needs that does not touch the database is done here, on the
        # reading thread, while the loader thread writes the previous chunk.
        ready = None if errors else prepare(item, spec, result.payload, book)
        raw = crypto.encrypt(json.dumps(row.raw, ensure_ascii=False), purpose=RAW_PURPOSE)
        checked.append((row, result.payload, corrections, errors, ready, raw))
        if len(checked) >= CHUNK:
            yield checked
            checked = []
    if checked:
        yield checked


@transaction.atomic
def _load_chunk(batch, item, spec, checked, *, actor) -> None:
    """Load the chunk's good rows together and store all of its rows, in one transaction."""
    loadable = [n for n, entry in enumerate(checked) if not entry[3]]
    loaded = dict(
        zip(
            loadable,
            load_rows(
                batch=batch,
                item=item,
                spec=spec,
                payloads=[checked[n][1] for n in loadable],
                row_nos=[checked[n][0].row_no for n in loadable],
                prepared=[checked[n][4] for n in loadable],
                actor=actor,
            ),
            strict=True,
        )
    )
    stored = []
    for n, (row, _, corrections, errors, _, raw) in enumerate(checked):
        result = loaded.get(n) or LoadResult()
        if result.error:
            errors = [*errors, result.error]
        status = (
            BatchRow.Status.REJECTED
            if errors
            else BatchRow.Status.CORRECTED
            if corrections
            else BatchRow.Status.ACCEPTED
        )
        batch.total += 1
        batch.rejected += status == BatchRow.Status.REJECTED
        batch.corrected += status == BatchRow.Status.CORRECTED
        if result.outcome:
            setattr(batch, result.outcome, getattr(batch, result.outcome) + 1)
        stored.append(
            {
                "batch_id": batch.pk,
                "source": row.source[:300],
                "row_no": row.row_no,
                "raw_cipher": raw,
                "status": status,
                "outcome": result.outcome,
                "errors": errors,
                "corrections": corrections,
                "warnings": result.warnings,
                "record_id": result.record_id,
            }
        )
    copy_dicts(BatchRow, stored)
    batch.save()


def feedback_rows(batch: Batch) -> list[dict[str, Any]]:
    """The JSON feedback: ``{"row", "source", "status", "errors", "warnings"}`` per row, in
    file order."""
    return [
        {
            "row": r.row_no,
            "source": r.source,
            "status": r.status,
            "errors": r.errors,
            "warnings": r.warnings,
        }
        for r in batch.rows.order_by("id").only("row_no", "source", "status", "errors", "warnings")
    ]
