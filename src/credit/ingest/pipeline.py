"""The ingest pipeline: one path for every channel (file upload, JSON push, command line).

A file is first read once through without checking its rows, so that a file damaged anywhere
(or a sheet of another item) is refused before a single row is loaded; that first pass also
records each table's layout on the batch (the header row found below any title rows, the note
rows passed over: :func:`_layout_entry`). It is then read again:
headers matched to the catalog item's fields → cells normalised (corrections recorded) → rows
holding characters no text may hold rejected as sent → payloads validated against the item →
what loading needs without the database prepared (:func:`credit.ingest.loader.prepared.prepare`).
Pushed rows take the same steps from the header match on.

Checked rows go in chunks of :data:`CHUNK` to the bulk loader
(:func:`credit.ingest.loader.chunk.load_rows`), which registers subjects and upserts records
by natural key and rejects duplicates inside the batch. A loader thread with its own
connection loads chunk N while the reading thread checks chunk N+1 (:func:`load_overlapped`).
Each chunk is one transaction: its good rows loaded, and every row kept (raw cells encrypted)
with its status, errors, corrections and warnings for the feedback file, together with the
batch's counts. A process killed mid-file leaves the chunks already committed, and ingesting
the same file again reaches the same end state because subjects and records are keyed
naturally (nothing is duplicated, unchanged rows stay unchanged).

A run owns its batch: it takes it (``processing``, its start time as token), moves the batch's
heartbeat (``progress_at``) with every committed chunk and about once a minute while it only
reads, and checks under the batch's row lock before every chunk that the batch is still its
own. A batch marked 处理中断 meanwhile (``credit.ingest.services.mark_stalled_batches``) or
taken over by a newer run stops the old run (:class:`BatchInterrupted`) before it writes
again. A new run of an interrupted file batch resumes after the rows already committed. A
finished batch gets its quality metrics (:func:`credit.ingest.quality.batch_metrics`).
"""

from __future__ import annotations

import contextvars
import functools
import hashlib
import itertools
import json
import operator
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import connection, connections, transaction
from django.utils import timezone

from credit.catalog.constants import FieldRole, Sensitivity
from credit.catalog.models import CatalogItem
from credit.catalog.rules import ItemSpec, spec_for, validate_payload
from credit.core import audit, crypto
from credit.core.access import Perm, principal_of
from credit.core.bulk import copy_dicts
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.inputs import describe, escape_data, escape_text, find_invalid
from credit.core.models import Department
from credit.ingest.errors import BatchInterrupted, FileRejected
from credit.ingest.headers import HeaderMatch, looks_like_item, match_headers
from credit.ingest.loader.chunk import load_rows
from credit.ingest.loader.prepared import LoadResult, prepare
from credit.ingest.models import Batch, BatchRow
from credit.ingest.normalize import CELL_DATE, CELL_NUMBER, Normaliser
from credit.ingest.quality import batch_metrics
from credit.ingest.readers import CellKind, Table, iter_tables
from credit.ingest.readers.layout import Lookahead, NoteRows, without_notes
from credit.ingest.taxonomy import error_class
from credit.records import publicity

CHUNK = 2000
#: While a run only reads (no chunk committed), its batch's heartbeat moves this often.
HEARTBEAT_SECONDS = 60
_COUNTS = ["total", "inserted", "updated", "unchanged", "corrected", "rejected"]
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


def check_submitter(actor: Any, department: Department) -> None:
    """Whoever writes a department's data must hold ``records.submit`` and have the
    department in its tenant (``credit.core.access``): a department officer or a department's
    system its own department (a system also those the credit office granted it to report
    for), a district its district's departments, the credit office any. ``None`` is the
    system (the command line run by an operator)."""
    if actor is None:
        return
    p = principal_of(actor)
    p.require(Perm.RECORD_SUBMIT)
    if not p.manages(department_id=department.pk, region_id=department.region_id):
        raise PermissionDenied(
            f"您只能报送{p.tenant_label}的数据，不能代“{department.name}”报送；"
            "如需代报，请联系市信用办授权",
            code="department_not_allowed",
            details={"department": department.code},
        )


def _lookup(item_code: str, department_code: str) -> tuple[CatalogItem, Department]:
    """The active item and department; a district's extension item (辖市区扩展目录项) is
    reported by that district's departments only."""
    item = (
        CatalogItem.objects.select_related("region").filter(code=item_code, is_active=True).first()
    )
    if item is None:
        raise NotFound(f"目录项“{item_code}”不存在", code="catalog_item_not_found")
    department = Department.objects.filter(code=department_code, is_active=True).first()
    if department is None:
        raise NotFound(f"部门“{department_code}”不存在", code="department_not_found")
    if item.region_id is not None and department.region_id != item.region_id:
        region = item.region.name
        raise PermissionDenied(
            f"“{item.name}”是{region}的扩展目录项，只能由{region}的部门报送，"
            f"“{department.name}”不能报送",
            code="item_out_of_region",
            details={"item": item.code, "region": item.region_id},
        )
    return item, department


def _new_batch(item, department, channel, actor, **file_info) -> Batch:
    return Batch.objects.create(
        item=item,
        item_version=item.version,
        department=department,
        region_id=department.region_id,
        channel=channel,
        created_by_id=principal_of(actor).user_id,
        status=Batch.Status.PROCESSING,
        **file_info,
    )


def file_rows(
    path: Path, fields: list, item_name: str, shown: str | None, unknown: list[dict]
) -> Iterator[IncomingRow]:
    """The rows of a department file by field code; columns that match no field are
    appended to ``unknown``. ``shown`` is the file's name as the department gave it. Title
    rows above the header and note rows after the data (合计, 填表说明) are not rows: they are
    reported by :func:`_read_through`."""
    for table, match in _framed_tables(path, fields, item_name, shown):
        unknown.extend(  # kept in JSON, which cannot hold NUL: control characters escaped
            {"source": escape_text(table.source), "column": col + 1, "header": escape_text(header)}
            for col, header in match.unknown
        )
        # A row's values are as many as the headers: pick the matched ones at C speed.
        codes = list(match.columns.values())
        pick = _picker(list(match.columns))
        for raw in without_notes(table.rows, _key_columns(match, fields)):
            cells = dict(zip(codes, pick(raw.values), strict=True))
            kinds = {
                match.columns[i]: _KINDS[kind]
                for i, kind in raw.notes
                if i in match.columns and kind in _KINDS
            }
            yield IncomingRow(raw.source, raw.row, raw.as_dict(), cells, kinds)


def _picker(columns: list[int]) -> Callable[[tuple[str, ...]], tuple[str, ...]]:
    """A function returning the values at ``columns`` of a row, as a tuple."""
    if not columns:
        return lambda values: ()
    if len(columns) == 1:
        only = columns[0]
        return lambda values: (values[only],)
    return operator.itemgetter(*columns)


def _read_through(
    path: Path, fields: list, item_name: str, shown: str | None, beat: Callable[[], None]
) -> list[dict[str, Any]]:
    """Read the whole file once without checking its rows, so that damage anywhere in it (a
    truncated archive member, an encoding error on line 900,000, a later sheet of another
    item) refuses the file before a single row is loaded: a refused file changes nothing.
    Reading is cheap beside checking and loading (see bench/bench_ingest_parts.py).

    Returns the layout of each table (:func:`_layout_entry`): where its header was found,
    which note rows were passed over, and how many data rows it holds (the progress page's
    total)."""
    layout = []
    for table, match in _framed_tables(path, fields, item_name, shown):
        notes = NoteRows()
        rows = 0
        for _ in _beating(without_notes(table.rows, _key_columns(match, fields), notes), beat):
            rows += 1
        layout.append({**_layout_entry(table, notes), "rows": rows})
    return layout


def _framed_tables(
    path: Path, fields: list, item_name: str, shown: str | None
) -> Iterator[tuple[Table, HeaderMatch]]:
    for table in iter_tables(path, name=shown):
        yield _matched(table, fields, item_name)


def _matched(table: Table, fields: list, item_name: str) -> tuple[Table, HeaderMatch]:
    """The table framed at its header row, and its header match.

    The header is the reader's candidate (the first non-empty row that does not look like
    data) when it names the item's fields; else the first of the next
    :data:`~credit.ingest.readers.base.HEADER_SCAN` rows that does — a government workbook
    starts with a title and 填报单位 rows. A table where no row does refuses the file
    (``wrong_item``), naming the required columns not found and the columns not recognised
    in the row that came closest."""
    match = match_headers(table.headers, fields)
    if looks_like_item(match):
        return table, match
    closest_row, closest = table.header_row, match
    if table.format != "xml":  # an XML file's header is the field names
        ahead = Lookahead(table)
        for number, cells in ahead.candidates()[1:]:
            candidate = match_headers(cells, fields)
            if looks_like_item(candidate):
                return ahead.framed(number), candidate
            if _closeness(candidate) > _closeness(closest):
                closest_row, closest = number, candidate
    raise _wrong_item(table, closest_row, closest, fields, item_name)


def _closeness(match: HeaderMatch) -> tuple[float, float, float]:
    return (match.required_score, match.score, match.header_score)


def _key_columns(match: HeaderMatch, fields: list) -> list[int]:
    """The columns of the subject's name: a row naming a subject is never a note row."""
    names = {f.code for f in fields if getattr(f, "role", "") == FieldRole.SUBJECT_NAME}
    return [col for col, code in match.columns.items() if code in names]


#: A refusal or layout message names at most this many columns or rows (then “等N列”).
LISTED = 10
#: … and cuts each name at this many characters.
NAME_CHARS = 30
#: The structured details of a refusal keep at most this many unrecognised columns.
DETAILS_KEPT = 100


def _listed(names: list[str], limit: int, unit: str = "列") -> str:
    shown = "".join(f"“{_cut(n)}”" for n in names[:limit])
    return shown + (f"等{len(names)}{unit}" if len(names) > limit else "")


def _cut(name: str) -> str:
    name = escape_text(name).strip()
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _wrong_item(
    table: Table, header_row: int, match: HeaderMatch, fields: list, item_name: str
) -> FileRejected:
    """``wrong_item``, naming the required columns not found and the columns not recognised
    (at most :data:`LISTED` of each in the message, which fits the batch's 500 characters;
    all in ``details``)."""
    names = {f.code: f.name for f in fields}
    missing = [names.get(code, code) for code in match.missing_required]
    unknown = [escape_text(header).strip() for _, header in match.unknown]
    where = "的表头" if table.format == "xml" else f"第 {header_row} 行的表头"
    limit = LISTED
    while True:
        parts = []
        if missing:
            parts.append(f"缺少必填列{_listed(missing, limit)}")
        if unknown:
            parts.append(f"未识别的列{_listed(unknown, limit)}")
        if not parts:
            parts.append("找到的该目录项字段太少")
        message = (
            f"“{table.source}”{where}与目录项“{item_name}”不符：{'；'.join(parts)}。"
            "请对照报送模板修改表头后重新上传，或确认选择了正确的目录项"
        )
        if len(message) <= 500 or limit == 1:
            break
        limit -= 1
    details = {
        "item": item_name,
        "header_row": header_row,
        "missing_required": missing,
        "unknown_columns": unknown[:DETAILS_KEPT],
        "unknown_total": len(unknown),
    }
    return FileRejected("wrong_item", message, source=table.source, details=details)


def _rows_phrase(rows: list[int], total: int) -> str:
    """“第 3、4 行”, or “第 3、4 … 行等 30 行” past :data:`LISTED` rows."""
    shown = "、".join(str(n) for n in rows[:LISTED])
    return f"第 {shown} 行" + (f"等 {total} 行" if total > LISTED else "")


def _layout_entry(table: Table, notes: NoteRows) -> dict[str, Any]:
    """One table's layout, for ``Batch.metrics["layout"]``: the header row (1-based, as the
    sheet or file numbers it), the non-empty rows above it that were skipped (title, 填报单位
    rows), the note rows passed over after the data (the first 200, with their first cell's
    text; ``notes_total`` counts all), and a Chinese ``warning`` saying so ("" when there is
    nothing to say)."""
    source = escape_text(table.source)
    said = []
    if table.skipped:
        above = _rows_phrase(list(table.skipped), len(table.skipped))
        said.append(f"表头在第 {table.header_row} 行，已跳过上方的{above}（标题、填报单位等）")
    if notes.count:
        rows = _rows_phrase([n for n, _ in notes.rows], notes.count)
        said.append(
            f"{rows}是合计、说明或签名行（如“{_cut(notes.rows[0][1])}”），已忽略，未作为数据导入"
        )
    return {
        "source": source,
        "header_row": table.header_row,
        "skipped_above": list(table.skipped),
        "notes_rows": [{"row": n, "text": escape_text(text)} for n, text in notes.rows],
        "notes_total": notes.count,
        "warning": f"“{source}”：{'；'.join(said)}" if said else "",
    }


#: Keys of ``Batch.metrics`` written by the layout step (kept when the quality metrics are).
LAYOUT_KEYS = ("layout", "layout_warning")


def _record_layout(batch: Batch, layout: list[dict[str, Any]]) -> None:
    """Store the tables' layout on the batch (``metrics["layout"]``) with a batch-level
    Chinese warning (``metrics["layout_warning"]``, "" when none) for the receipt."""
    warnings = [entry["warning"] for entry in layout if entry["warning"]]
    warning = "；".join(warnings[:5])
    if len(warnings) > 5:
        warning += f"；另有 {len(warnings) - 5} 个表格也有类似情况"
    stale = {*LAYOUT_KEYS, "rejection"}  # from an earlier run of the batch
    metrics = {k: v for k, v in (batch.metrics or {}).items() if k not in stale}
    batch.metrics = {**metrics, "layout": layout, "layout_warning": warning}
    if not _owned(batch).update(metrics=batch.metrics):
        raise BatchInterrupted(batch.pk)


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


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (a batch records it; re-processing compares it)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
    check_submitter(actor, department)
    batch = _new_batch(
        item,
        department,
        channel,
        actor,
        file_name=(file_name or path.name)[:255],
        file_sha256=file_sha256(path),
        file_size=path.stat().st_size,
    )
    if queued:
        batch.status = Batch.Status.QUEUED
        batch.save(update_fields=["status"])
    return batch


def process_file_batch(batch: Batch, path: str | Path, *, actor: Any) -> Batch:
    """Read, check and load the file of a batch made by :func:`open_file_batch`. Counts are
    saved after every chunk, so another request can show the progress. Raises
    :class:`FileRejected` (after marking the batch failed) when the file cannot be read.

    A batch that an earlier run left part-done (处理中断, then 重新处理) resumes after the
    ``total`` rows that run committed: chunks are committed in file order together with the
    counts, so they are the file's first ``total`` rows (the caller checks that the file is
    the same). Raises :class:`BatchInterrupted` when the batch stops being this run's."""
    item = batch.item
    _start(batch)
    spec = spec_for(item)
    fields = list(item.fields.all())
    path = Path(path)
    done = batch.total
    beat = _Heartbeat(batch)
    try:
        shown = batch.file_name or None
        unknown = batch.unknown_columns = []  # found again in the headers
        _record_layout(batch, _read_through(path, fields, item.name, shown, beat))
        rows = _beating(file_rows(path, fields, item.name, shown, unknown), beat)
        if done:
            rows = itertools.islice(rows, done, None)
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
    department_code: str | None,
    channel: str = Batch.Channel.API,
) -> Batch:
    """Ingest rows pushed as JSON objects keyed by field code or field name, for
    ``department_code`` — by default the actor's own department."""
    if actor is not None:
        principal_of(actor).require(Perm.RECORD_SUBMIT)  # before anything else is looked at
        if not department_code:
            department_code = (
                Department.objects.filter(pk=principal_of(actor).department_id)
                .values_list("code", flat=True)
                .first()
            )
    if not department_code:
        raise ValidationFailed("请指定报送部门编码 department", code="department_required")
    item, department = _lookup(item_code, department_code)
    check_submitter(actor, department)
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


def _start(batch: Batch) -> None:
    """Take a queued (or interrupted-and-requeued) batch for this run: ``processing``, with
    this run's start time, which :func:`_owned` checks later. The counts are read again: a
    resumed batch continues from them."""
    now = timezone.now()
    taken = Batch.objects.filter(
        pk=batch.pk, status__in=[Batch.Status.QUEUED, Batch.Status.PROCESSING]
    ).update(status=Batch.Status.PROCESSING, started_at=now, progress_at=now)
    if not taken:
        raise BatchInterrupted(batch.pk)
    batch.refresh_from_db(fields=_COUNTS)
    batch.status, batch.started_at, batch.progress_at = Batch.Status.PROCESSING, now, now


def _owned(batch: Batch) -> Any:
    """The batch's row while it is still this run's (processing, started by this run)."""
    return Batch.objects.filter(
        pk=batch.pk, status=Batch.Status.PROCESSING, started_at=batch.started_at
    )


def _own(batch: Batch) -> None:
    """Lock the batch's row until the caller's transaction ends; raise
    :class:`BatchInterrupted` if it is no longer this run's."""
    if not list(_owned(batch).select_for_update().values_list("pk", flat=True)):
        raise BatchInterrupted(batch.pk)


class _Heartbeat:
    """Moves the batch's ``progress_at`` on, at most every :data:`HEARTBEAT_SECONDS`, while a
    run reads without committing rows (a large file is read once in full before its first
    chunk is loaded); raises :class:`BatchInterrupted` when the batch is no longer the run's."""

    def __init__(self, batch: Batch) -> None:
        self.batch = batch
        self.last = time.monotonic()

    def __call__(self) -> None:
        if time.monotonic() - self.last < HEARTBEAT_SECONDS:
            return
        self.last = time.monotonic()
        if not _owned(self.batch).update(progress_at=timezone.now()):
            raise BatchInterrupted(self.batch.pk)


def _beating(rows: Iterable[Any], beat: Callable[[], None], every: int = 1000) -> Iterator[Any]:
    """``rows`` unchanged, calling ``beat`` every ``every`` rows."""
    for n, row in enumerate(rows, start=1):
        if n % every == 0:
            beat()
        yield row


def _fail(batch: Batch, exc: FileRejected, actor: Any) -> None:
    metrics = {**(batch.metrics or {}), "rejection": exc.details} if exc.details else {}
    updated = _owned(batch).update(
        status=Batch.Status.FAILED,
        error_code=exc.code,
        error_message=exc.message[:500],
        finished_at=timezone.now(),
        **({"metrics": metrics} if metrics else {}),
    )
    if not updated:
        raise BatchInterrupted(batch.pk) from exc
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
    with transaction.atomic():
        _own(batch)
        batch.status = Batch.Status.DONE
        batch.finished_at = timezone.now()
        batch.save()
        layout = {k: v for k, v in (batch.metrics or {}).items() if k in LAYOUT_KEYS}
        batch.metrics = {**batch_metrics(batch), **layout}
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


def refused_cells(spec: ItemSpec, cells: dict[str, str]) -> list[dict[str, str]]:
    """The row errors (``invalid_characters``) of the cells, names included, that hold a
    character no text may hold (NUL, control characters other than tab and line breaks, lone
    surrogates: :mod:`credit.core.inputs`); empty for a clean row. Such a row is rejected as
    sent and the batch goes on — whatever the channel (file, push, command line)."""
    if find_invalid("\n".join([*cells, *cells.values()]), multiline=True) is None:
        return []
    rules = spec.by_code()
    errors = []
    for code, value in cells.items():
        text = code if find_invalid(code, multiline=True) is not None else value
        position = find_invalid(text, multiline=True)
        if position is None:
            continue
        rule = rules.get(code)
        label = rule.name if rule is not None else escape_text(code)
        errors.append(
            {
                "field": escape_text(code),
                "code": "invalid_characters",
                "message": f"“{label}”含有不允许的字符（{describe(text[position])}），"
                "请删除后重新报送",
                "class": error_class("invalid_characters"),
            }
        )
    return errors


def checked_chunks(item: CatalogItem, spec: ItemSpec, rows: Iterable[IncomingRow]) -> Iterator:
    """Normalise and validate the rows; yields lists of ``(row, payload, corrections,
    errors, prepared, raw cipher, warnings)`` of at most :data:`CHUNK` rows. Warnings are
    validation's (the item's row checks of severity ``warn``, a resident ID's division code
    out of time): stored on the row, they never reject it. Duplicates inside the batch are
    found by the loader, by natural key (:func:`credit.ingest.loader.chunk.load_rows`)."""
    normalise = Normaliser(spec)
    sensitive = {f.code for f in spec.fields if f.sensitivity == Sensitivity.SENSITIVE}
    book = publicity.current_book()
    checked = []
    for row in rows:
        refused = refused_cells(spec, row.cells)
        warnings: list[dict] = []
        if refused:  # rejected as sent: nothing of it may reach the database
            payload, corrections, errors, ready = {}, [], refused, None
            raw_values = escape_data(row.raw)
        else:
            result = normalise(row.cells, cell_kinds=row.kinds)
            payload = result.payload
            corrections = [
                {"field": c.field, "code": c.code, "message": c.message}
                if c.field not in sensitive
                else {"field": c.field, "code": c.code, "message": "证件号码已规范化"}
                for c in result.corrections
            ]
            notes: list = []
            errors = [
                {**e.as_dict(), "class": error_class(e.code)}
                for e in validate_payload(spec, payload, warnings=notes)
            ]
            warnings = [{**w.as_dict(), "class": error_class(w.code)} for w in notes]
            # Everything the loader needs that does not touch the database is done here, on
            # the reading thread, while the loader thread writes the previous chunk.
            ready = None if errors else prepare(item, spec, payload, book)
            raw_values = row.raw
        raw = crypto.encrypt(json.dumps(raw_values, ensure_ascii=False), purpose=RAW_PURPOSE)
        checked.append((row, payload, corrections, errors, ready, raw, warnings))
        if len(checked) >= CHUNK:
            yield checked
            checked = []
    if checked:
        yield checked


@transaction.atomic
def _load_chunk(batch, item, spec, checked, *, actor) -> None:
    """Load the chunk's good rows together and store all of its rows, in one transaction,
    with the batch's counts and heartbeat; the batch's row stays locked until then, and
    nothing is loaded when the batch is no longer this run's (:func:`_own`)."""
    _own(batch)
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
    for n, (row, _, corrections, errors, _, raw, warnings) in enumerate(checked):
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
                "source": escape_text(row.source)[:300],
                "row_no": row.row_no,
                "raw_cipher": raw,
                "status": status,
                "outcome": result.outcome,
                "errors": errors,
                "corrections": corrections,
                "warnings": [*warnings, *result.warnings],
                "record_id": result.record_id,
            }
        )
    copy_dicts(BatchRow, stored)
    batch.progress_at = timezone.now()
    batch.save()
