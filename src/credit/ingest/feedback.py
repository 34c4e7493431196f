"""Feedback files (反馈文件): the department's own rows with their status and errors.

JSON for systems (:func:`feedback_rows`: the JSON download, the API and the command line),
xlsx for people (:func:`feedback_xlsx`), and the rejected rows alone in the item's reporting
template, to be corrected and uploaded again (:func:`rejected_template`). The feedback xlsx
is written in streaming mode and every cell that a spreadsheet would take for a formula
(``=``, ``+``, ``-``, ``@``, tab, carriage return) is prefixed with ``'`` so opening the
feedback never runs anything a file smuggled in; characters a workbook cannot hold are
written visibly as ``\\x07`` (:func:`credit.core.http.xlsx_text`). The template of the
rejected rows keeps values as sent instead (:mod:`credit.catalog.excel`).

The rows are personal data (ID numbers, names, phone numbers as sent). :func:`shown_rows` is
the one rule of what a principal sees: the rows as sent for the holders of
查看未脱敏的身份证件号码 (``subjects.view_identity``) and for the system (the command line);
for everyone else every raw cell masked by its field (:mod:`credit.catalog.masking`; an
unknown column masked by what its header names, else scanned for ID and phone numbers) and
the values that messages quote masked the same way (also on the batch page,
:func:`mask_shown_rows`). All four outputs read them through it, and every download is
audited (``batch.feedback_downloaded``, :func:`record_download`, with its format: ``xlsx``,
``json``, ``api``, ``rejected_xlsx``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from credit.catalog.constants import FieldRole
from credit.catalog.excel import build_template
from credit.catalog.masking import SCAN, header_treatment, mask_as, treatment
from credit.catalog.rules import FieldRule, spec_for
from credit.core import audit, crypto
from credit.core.access import Perm, has_perm
from credit.core.http import xlsx_text, xlsx_value
from credit.core.masking import MASKERS, mask_name, mask_numbers_in_text
from credit.ingest.headers import match_headers
from credit.ingest.models import Batch, BatchRow

STATUS_LABELS = dict(BatchRow.Status.choices)
REJECTED_FILL = PatternFill("solid", fgColor="FDE2E2")
CORRECTED_FILL = PatternFill("solid", fgColor="FFF1D6")
#: A value quoted in a message: “…”.
_QUOTED = re.compile(r"“([^“”]*)”")


def sees_raw(principal: Any) -> bool:
    """Whether ``principal`` reads feedback as sent: a holder of ``subjects.view_identity``,
    or ``None``, the system (the command line, run by an operator on the server)."""
    return principal is None or has_perm(principal, Perm.SUBJECT_VIEW_IDENTITY)


@dataclass(frozen=True)
class FeedbackRow:
    """One row of a feedback as a principal may read it (:func:`shown_rows`): the cells by
    header, and the errors, corrections and warnings with their messages."""

    source: str
    row_no: int
    status: str
    raw: dict[str, Any]
    errors: list[dict[str, str]]
    corrections: list[dict[str, str]]
    warnings: list[dict[str, str]]


class _Masking:
    """How one batch's feedback is masked: the field of each header (matched as the pipeline
    matches a file's header row, cached), and the masking of cells and messages."""

    def __init__(self, batch: Batch) -> None:
        self.spec = spec_for(batch.item)
        self.fields = list(batch.item.fields.all())
        self.field_names = {f.name for f in self.fields} | {f.code for f in self.fields}
        self._rules: dict[str, FieldRule | None] = {}
        self._how: dict[str, str] = {}

    def rule(self, header: str) -> FieldRule | None:
        """The field a header holds (``None``: an unknown column). A header matching several
        fields takes the first of them that is masked whole."""
        if header not in self._rules:
            by_code = self.spec.by_code()
            match = match_headers([header], self.fields)
            found: FieldRule | None = None
            if match.columns:
                found = by_code.get(match.columns[0])
            elif match.ambiguous:
                candidates = [by_code[c] for c in match.ambiguous[0][2] if c in by_code]
                found = next((r for r in candidates if treatment(r) != SCAN), None)
            self._rules[header] = found
        return self._rules[header]

    def how(self, header: str) -> str:
        """The treatment of a column: its field's, or for an unknown column its header's."""
        if header not in self._how:
            rule = self.rule(header)
            self._how[header] = treatment(rule) if rule else header_treatment(header)
        return self._how[header]

    def cells(self, raw: dict[str, Any]) -> dict[str, Any]:
        return {h: mask_as(self.how(h), v) for h, v in raw.items()}

    def entries(self, entries: list[dict[str, str]]) -> list[dict[str, str]]:
        """Errors, corrections or warnings with the values they quote masked: a quoted value
        of a field masked whole is masked like the field (field names stay), and personal
        numbers anywhere in a message are masked."""
        out = []
        for entry in entries:
            entry = dict(entry)
            how = treatment(self.spec.by_code().get(entry.get("field", "")))
            message = entry.get("message")
            if isinstance(message, str):
                if how != SCAN:
                    message = _QUOTED.sub(lambda m, how=how: self._quoted(m, how), message)
                entry["message"] = mask_numbers_in_text(message)
            if isinstance(entry.get("field"), str):
                entry["field"] = mask_numbers_in_text(entry["field"])
            out.append(entry)
        return out

    def _quoted(self, match: re.Match[str], how: str) -> str:
        value = match.group(1)
        return match.group(0) if value in self.field_names else f"“{MASKERS[how](value)}”"


def shown_rows(
    batch: Batch, *, principal: Any, with_raw: bool = True, status: str | None = None
) -> Iterator[FeedbackRow]:
    """The rows of ``batch``'s feedback in file order, as ``principal`` may read them: as sent
    when :func:`sees_raw`, else masked (see the module's docstring). ``with_raw=False`` leaves
    the cells out (and does not decrypt them); ``status`` keeps the rows of that status only.
    The one rule of every feedback output."""
    from credit.ingest.pipeline import RAW_PURPOSE

    masking = None if sees_raw(principal) else _Masking(batch)
    fields = ["source", "row_no", "status", "errors", "corrections", "warnings"]
    rows = batch.rows.order_by("id").only(*fields, *(["raw_cipher"] if with_raw else []))
    if status is not None:
        rows = rows.filter(status=status)
    for row in rows.iterator(chunk_size=2000):
        raw = json.loads(crypto.decrypt(row.raw_cipher, purpose=RAW_PURPOSE)) if with_raw else {}
        if masking is None:
            yield FeedbackRow(
                row.source, row.row_no, row.status, raw, row.errors, row.corrections, row.warnings
            )
        else:
            yield FeedbackRow(
                mask_numbers_in_text(row.source),
                row.row_no,
                row.status,
                masking.cells(raw),
                masking.entries(row.errors),
                masking.entries(row.corrections),
                masking.entries(row.warnings),
            )


def mask_shown_rows(batch: Batch, rows: Iterable[BatchRow], *, principal: Any) -> None:
    """Mask, in place, the source and messages of ``rows`` (stored rows of ``batch`` loaded
    for a page, the batch page's problem rows) as :func:`shown_rows` masks them."""
    if sees_raw(principal):
        return
    masking = _Masking(batch)
    for row in rows:
        row.source = mask_numbers_in_text(row.source)
        row.errors = masking.entries(row.errors)
        row.corrections = masking.entries(row.corrections)


def feedback_rows(batch: Batch, *, principal: Any) -> list[dict[str, Any]]:
    """The JSON feedback: ``{"row", "source", "status", "errors", "warnings"}`` per row, in
    file order, as ``principal`` may read it (:func:`shown_rows`)."""
    return [
        {
            "row": r.row_no,
            "source": r.source,
            "status": r.status,
            "errors": r.errors,
            "warnings": r.warnings,
        }
        for r in shown_rows(batch, principal=principal, with_raw=False)
    ]


def record_download(batch: Batch, *, principal: Any, fmt: str, rows: int | None = None) -> None:
    """Audit a download of ``batch``'s feedback (``xlsx``, ``json``, ``api`` or
    ``rejected_xlsx``): who, which batch, how many rows (default: all) and whether they were
    masked."""
    audit.record(
        "batch.feedback_downloaded",
        actor=principal,
        obj=batch,
        after={
            "format": fmt,
            "masked": not sees_raw(principal),
            "rows": batch.total if rows is None else rows,
        },
    )


def feedback_xlsx(batch: Batch, *, principal: Any) -> bytes:
    """The feedback workbook of ``batch``: original columns, then 状态 / 错误 / 纠正, as
    ``principal`` may read it (:func:`shown_rows`)."""
    from credit.ingest.pipeline import RAW_PURPOSE

    masked = not sees_raw(principal)
    headers: list[str] = []  # first pass: the union of headers, in order (memory stays flat)
    for cipher in batch.rows.order_by("id").values_list("raw_cipher", flat=True).iterator(2000):
        raw = json.loads(crypto.decrypt(cipher, purpose=RAW_PURPOSE))
        headers.extend(h for h in raw if h not in headers)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("反馈")
    bold = Font(bold=True)
    # A file without a header row makes its first row the headers: they are scanned too.
    shown_headers = [mask_numbers_in_text(h) if masked else h for h in headers]
    titles = ["来源", "行号", *shown_headers, "状态", "错误代码", "错误说明", "纠正说明", "提示"]
    ws.append([_cell(ws, t, font=bold) for t in titles])
    for row in shown_rows(batch, principal=principal):
        raw = row.raw
        fill = {"rejected": REJECTED_FILL, "corrected": CORRECTED_FILL}.get(row.status)
        values = [
            row.source,
            row.row_no,
            *(raw.get(h, "") for h in headers),
            STATUS_LABELS.get(row.status, row.status),
            "；".join(e["code"] for e in row.errors),
            "；".join(e["message"] for e in row.errors),
            "；".join(c["message"] for c in row.corrections),
            "；".join(w["message"] for w in row.warnings),
        ]
        ws.append(
            [
                _cell(ws, v, fill=fill if i >= len(values) - 5 else None)
                for i, v in enumerate(values)
            ]
        )
    summary = wb.create_sheet("回执")
    for key, label in (
        ("total", "总行数"),
        ("inserted", "新增"),
        ("updated", "更新"),
        ("unchanged", "未变化"),
        ("corrected", "已纠正"),
        ("rejected", "退回"),
    ):
        summary.append([label, getattr(batch, key)])
    summary.append(["批次", batch.pk])
    file_name = mask_numbers_in_text(batch.file_name) if masked else batch.file_name
    summary.append(["文件", xlsx_text(file_name)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


#: The most rejected rows one pre-filled template holds (a workbook with styles and
#: drop-downs is built in memory); a batch with more is sent the full feedback instead.
REJECTED_TEMPLATE_LIMIT = 10_000
#: The last column of the rejected rows' template: not a field, not loaded when sent again.
REASON_HEADER = "退回原因（仅供修改时对照，重新上传时不入库）"


def rejected_template(batch: Batch, *, principal: Any) -> bytes:
    """The catalog item's reporting template (:func:`credit.catalog.excel.build_template`)
    holding only ``batch``'s rejected rows, each as sent under the field its column matched
    (as the pipeline matched the file's header row), with the row's place and reasons in a
    last column — as ``principal`` may read them (:func:`shown_rows`: masked unless it sees
    ID numbers). Corrected and uploaded again, it makes a new batch of the same item
    (重新报送). Columns that matched no field of the item were not loaded and are not
    carried: 填报说明 names them."""
    fields = list(batch.item.fields.all())
    by_keys: dict[tuple[str, ...], dict[str, str]] = {}  # rows mostly share their headers
    left_out: list[str] = []
    rows = []
    for row in shown_rows(batch, principal=principal, status=BatchRow.Status.REJECTED):
        keys = tuple(row.raw)
        columns = by_keys.get(keys)
        if columns is None:
            match = match_headers(list(keys), fields)
            columns = by_keys[keys] = {keys[i]: code for i, code in match.columns.items()}
            left_out.extend(h for h in keys if h not in columns and h not in left_out)
        values = {code: row.raw.get(header, "") for header, code in columns.items()}
        where = f"{row.source} 第{row.row_no}行" if row.source else f"第{row.row_no}行"
        reasons = "；".join(e.get("message", "") for e in row.errors)
        rows.append(([values.get(f.code, "") for f in fields], f"原{where}：{reasons}"))
    notes = [
        f"本表为批次 {batch.pk} 退回的 {len(rows)} 行，保留了报送时的原值，"
        f"请按“{REASON_HEADER[:4]}”列修改后，在数据报送页面作为批次 {batch.pk} 的"
        "重新报送上传；已入库的行无需再报。"
    ]
    if not sees_raw(principal):
        notes.append("您的角色看不到完整的证件号码，表中的证件号码等已脱敏，请补全后再上传。")
    if left_out:
        shown = "、".join(mask_numbers_in_text(h) for h in left_out if h)
        if shown:
            notes.append(f"原文件中以下列不属于该目录项，未入库，也未带入本表：{shown}")
    return build_template(batch.item, rows=rows, note_header=REASON_HEADER, notes=notes)


def _cell(ws, value, *, font=None, fill=None) -> WriteOnlyCell:
    """A styled cell of ``value`` as :func:`credit.core.http.xlsx_value` writes it (formulas
    and characters a workbook cannot hold escaped)."""
    cell = WriteOnlyCell(ws, value=xlsx_value(value))
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    return cell


#: The most cells an example row shows (:func:`shared_example`).
SHARED_EXAMPLE_CELLS = 12


def shared_example(row: BatchRow, code: str) -> dict[str, Any]:
    """A rejected row shown as an example beyond its department (a data-quality report):
    masked as the feedback masks it for a reader who may not see ID numbers — each cell by its
    field, then any ID or phone number left in a text — and a natural person's name (主体名称
    of a row whose category is 自然人 or that holds an ID number) masked too; with the
    messages of the error ``code``, masked alike. ``row`` comes with ``batch__item``."""
    from credit.ingest.pipeline import RAW_PURPOSE

    masking = _Masking(row.batch)
    raw = json.loads(crypto.decrypt(row.raw_cipher, purpose=RAW_PURPOSE))
    roles = {h: getattr(masking.rule(h), "role", "") for h in raw}
    natural = any(
        (roles[h] == FieldRole.SUBJECT_CATEGORY and "自然人" in str(v or ""))
        or (roles[h] == FieldRole.ID_NUMBER and str(v or "").strip())
        for h, v in raw.items()
    )
    shown = masking.cells(raw)
    if natural:  # a natural person's name, which the feedback shows to its own department
        for h, v in raw.items():
            if roles[h] == FieldRole.SUBJECT_NAME:
                shown[h] = mask_name(str(v or ""))
    cells = [
        [mask_numbers_in_text(str(h)), mask_numbers_in_text(str(v or ""))] for h, v in shown.items()
    ][:SHARED_EXAMPLE_CELLS]
    messages = [e.get("message", "") for e in masking.entries(row.errors) if e.get("code") == code]
    return {
        "batch_id": row.batch_id,
        "row_no": row.row_no,
        "source": mask_numbers_in_text(row.source),
        "cells": cells,
        "message": "；".join(m for m in messages if m),
    }
