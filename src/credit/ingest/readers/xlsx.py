"""xlsx worksheets, read with calamine: the header row candidate (the first non-empty row that
does not look like data), and every cell rendered as the text a person sees, noting what kind
of value it was (:func:`render_cell`).
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import python_calamine

from credit.ingest.errors import FileRejected
from credit.ingest.readers.base import (
    CellKind,
    RawRow,
    Table,
    _data_not_header,
    _find_header,
    _raw_row,
    _trim,
)

#: Sheets of the platform's own template that hold code lists and instructions, not data.
TEMPLATE_SHEETS = frozenset({"代码表", "填报说明"})


def _workbook_tables(path: Path | None, name: str) -> Iterator[Table]:
    assert path is not None
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise FileRejected("file_encrypted", source=name) from exc
    except BaseException as exc:
        if not is_breakage(exc):
            raise
        raise FileRejected("file_unreadable", source=name) from exc
    with book:
        for meta in book.sheets_metadata:
            if meta.name in TEMPLATE_SHEETS or meta.typ != python_calamine.SheetTypeEnum.WorkSheet:
                continue
            source = f"{name}#{meta.name}"
            try:
                sheet = book.get_sheet_by_name(meta.name)
            except BaseException as exc:
                if not is_breakage(exc):
                    raise
                message = f"工作表“{meta.name}”已损坏，无法读取"
                raise FileRejected("file_unreadable", message, source=source) from exc
            if sheet.start is None:
                continue  # an empty sheet
            table = _sheet_table(
                sheet, source, meta.visible != python_calamine.SheetVisibleEnum.Visible
            )
            if table is not None:
                yield table


def is_breakage(exc: BaseException) -> bool:
    """Whether calamine failed on a broken file: it raises several exception types, or
    panics (pyo3's ``PanicException`` derives from BaseException). Interrupts are not."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _sheet_table(sheet, source: str, hidden: bool) -> Table | None:
    # calamine yields rows from sheet row 1 (leading empty rows included), but columns only
    # from the first used one: ``start[1]``.
    rows = enumerate(sheet.iter_rows(), start=1)
    rendered = ((n, *_render_cells(c)) for n, c in rows if any(_text_of(v) for v in c))
    found, skipped = _find_header((n, texts, bool(notes)) for n, texts, notes in rendered)
    if found is None:
        if not skipped:
            return None
        raise _data_not_header(skipped[0], source, where=f"工作表“{sheet.name}”")
    number, texts = found
    headers = _trim(texts)
    return Table(
        source=source,
        format="xlsx",
        headers=headers,
        header_row=number,
        rows=_sheet_rows(rows, source, headers),
        first_column=sheet.start[1],
        hidden=hidden,
        skipped=tuple(skipped),
    )


def _sheet_rows(rows, source: str, headers: tuple[str, ...]) -> Iterator[RawRow]:
    for number, cells in rows:
        texts, notes = _render_cells(cells)
        row = _raw_row(source, number, headers, texts, tuple(notes))
        if row is not None:
            yield row


def _text_of(value: object) -> bool:
    if isinstance(value, str):
        return bool(value.strip())
    return value is not None


def _render_cells(cells: list) -> tuple[list[str], list[tuple[int, CellKind]]]:
    texts: list[str] = []
    notes: list[tuple[int, CellKind]] = []
    for index, value in enumerate(cells):
        text, kind = render_cell(value)
        texts.append(text)
        if kind is not None:
            notes.append((index, kind))
    return texts, notes


def render_cell(value: object) -> tuple[str, CellKind | None]:
    """A spreadsheet value as the text a person sees, and what kind of value it was.

    Formulas are never evaluated: calamine returns the value Excel cached, or nothing.
    """
    if value is None:
        return "", None
    if isinstance(value, str):
        return value, None
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), CellKind.BOOLEAN
    if isinstance(value, int):
        return str(value), CellKind.NUMBER
    if isinstance(value, float):
        return _render_float(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat(), CellKind.DATE
        return value.isoformat(sep=" ", timespec="seconds"), CellKind.DATETIME
    if isinstance(value, datetime.date):
        return value.isoformat(), CellKind.DATE
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds"), CellKind.TIME
    if isinstance(value, datetime.timedelta):
        return str(value), CellKind.TIME
    return str(value), None


def _render_float(value: float) -> tuple[str, CellKind]:
    if not math.isfinite(value):
        return str(value), CellKind.NUMBER
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value)), CellKind.NUMBER
    # Excel keeps 15 significant digits; anything beyond them in the float is binary noise.
    text = format(Decimal(format(value, ".15g")), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    kind = CellKind.NUMBER_PRECISION if abs(value) >= 1e15 else CellKind.NUMBER
    return text, kind
