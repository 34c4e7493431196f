"""Feedback files (反馈文件): the department's own rows with their status and errors.

JSON for systems (:func:`credit.ingest.pipeline.feedback_rows`) and xlsx for people
(:func:`feedback_xlsx`). The xlsx is written in streaming mode and every cell that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) is
prefixed with ``'`` so opening the feedback never runs anything a file smuggled in.
"""

from __future__ import annotations

import io
import json

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from credit.core import crypto
from credit.core.http import FORMULA_PREFIXES, escape_formula  # noqa: F401 — re-exported
from credit.ingest.models import Batch, BatchRow

STATUS_LABELS = dict(BatchRow.Status.choices)
REJECTED_FILL = PatternFill("solid", fgColor="FDE2E2")
CORRECTED_FILL = PatternFill("solid", fgColor="FFF1D6")


def feedback_xlsx(batch: Batch) -> bytes:
    """The feedback workbook of ``batch``: original columns, then 状态 / 错误 / 纠正."""
    from credit.ingest.pipeline import RAW_PURPOSE

    rows = batch.rows.order_by("id").only(
        "source", "row_no", "raw_cipher", "status", "errors", "corrections", "warnings"
    )

    def decoded():
        for row in rows.iterator(chunk_size=2000):
            yield row, json.loads(crypto.decrypt(row.raw_cipher, purpose=RAW_PURPOSE))

    headers: list[str] = []  # first pass: the union of headers, in order (memory stays flat)
    for _, raw in decoded():
        headers.extend(h for h in raw if h not in headers)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("反馈")
    bold = Font(bold=True)
    titles = ["来源", "行号", *headers, "状态", "错误代码", "错误说明", "纠正说明", "提示"]
    ws.append([_cell(ws, t, font=bold) for t in titles])
    for row, raw in decoded():
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
    summary.append(["文件", escape_formula(batch.file_name)])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(ws, value, *, font=None, fill=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=escape_formula(value) if isinstance(value, str) else value)
    if font:
        cell.font = font
    if fill:
        cell.fill = fill
    return cell
