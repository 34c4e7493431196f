"""HTTP helpers shared by pages and API handlers: "not found" for a missing or forbidden
object (:func:`found`), file downloads and Excel exports (:func:`xlsx_download`, at most
:data:`EXPORT_LIMIT` rows a sheet).

Every spreadsheet the platform writes takes its text through :func:`xlsx_text`: formulas are
escaped (:func:`escape_formula`) and the characters a workbook cannot hold (C0 controls other
than tab, line feed and carriage return; lone surrogates; U+FFFE and U+FFFF) are written
visibly as ``\\x07`` or ``\\ud800`` (:func:`credit.core.inputs.visible`), so one stored
control character never makes an export fail. Sheet titles go through :func:`xlsx_title`.
"""

from __future__ import annotations

import datetime
import io
import re
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from credit.core.inputs import visible

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: The most rows a staff page exports in one workbook sheet (filters narrow larger results).
EXPORT_LIMIT = 100_000

T = TypeVar("T")


def found(obj: T | None) -> T:
    """``obj``, or the 404 page when a scoped selector found nothing: a page answers "not
    found" alike for what does not exist and for what the principal may not see."""
    if obj is None:
        raise Http404
    return obj


def download_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    """A file download whose Chinese file name survives every browser (RFC 6266/5987)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def query_without_page(request: HttpRequest) -> str:
    """The request's filters without its page number, for a list's pager and export links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download (:func:`download_response`)."""
    return download_response(content, filename, XLSX)


#: What a spreadsheet takes for the start of a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(value: str) -> str:
    """``'=1+1`` for ``=1+1``: shown as text by Excel, WPS and LibreOffice, never run."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


#: What an xlsx file cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, plus what XML 1.0 refuses).
_XLSX_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: What a sheet title cannot hold besides those.
_TITLE_ILLEGAL = re.compile(r"[\\*?:/\[\]]")
TITLE_MAX = 31


def xlsx_text(value: str) -> str:
    """Text as a workbook cell holds it: characters an xlsx cannot hold written visibly
    (``\\x07``), then formula-like text escaped (:func:`escape_formula`)."""
    return escape_formula(_XLSX_ILLEGAL.sub(lambda m: visible(m.group(0)), value))


def xlsx_title(title: str) -> str:
    """A sheet title Excel takes: characters it refuses replaced by ``_``, at most 31."""
    title = _TITLE_ILLEGAL.sub("_", _XLSX_ILLEGAL.sub("_", title))[:TITLE_MAX]
    return title or "Sheet"


def xlsx_value(value: Any) -> Any:
    """A cell value as a workbook holds it: text through :func:`xlsx_text`, an aware
    date-time in local time without its zone (a workbook has none)."""
    if isinstance(value, str):
        return xlsx_text(value)
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def xlsx_workbook(sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]) -> bytes:
    """A workbook of ``(title, headers, rows)`` sheets written in streaming mode, headers in
    bold; every value, header and title goes through :func:`xlsx_value` /
    :func:`xlsx_title`, so any text can be written and none is taken for a formula."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(xlsx_title(title))
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=xlsx_value(h))
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([xlsx_value(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def stamp() -> str:
    """The local time as it ends the name of an exported file (20260105-0930)."""
    from django.utils import timezone

    return timezone.localtime().strftime("%Y%m%d-%H%M")


def xlsx_download(
    filename: str, sheets: Iterable[tuple[str, list[str], Iterable[Iterable[Any]]]]
) -> HttpResponse:
    """An Excel download of ``(title, headers, rows)`` sheets (:func:`xlsx_workbook`)."""
    return xlsx_response(xlsx_workbook(sheets), filename)
