"""HTTP helpers shared by pages and API handlers: Excel downloads."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def download_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download whose Chinese file name survives every browser (RFC 6266/5987)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download (:func:`download_response`)."""
    return download_response(content, filename, XLSX)


#: What a spreadsheet takes for the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """``'=1+1`` for ``=1+1``: shown as text by Excel, WPS and LibreOffice, never run."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def xlsx_workbook(sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]) -> bytes:
    """A workbook of ``(title, headers, rows)`` sheets written in streaming mode, headers in
    bold; every text cell a spreadsheet would take for a formula is escaped."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title)
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([escape_formula(v) if isinstance(v, str) else v for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
