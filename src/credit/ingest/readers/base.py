"""Shared pieces of the readers: the limits, what a reader yields (:class:`Table`,
:class:`RawRow`, :class:`CellKind`), the byte source a reader reads (``_Blob``), and the row
shaping every tabular format uses.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from credit.ingest.errors import FileRejected

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB
_CHUNK = 64 * KiB

#: The header is looked for within this many non-empty rows of a sheet or text file: a
#: government workbook starts with a title row, 填报单位/填报日期 rows and blank rows.
HEADER_SCAN = 20


@dataclass(frozen=True)
class Limits:
    """Bounds on what one upload may make the server read. Defaults suit production."""

    #: The uploaded file itself, checked before anything is read.
    max_file_bytes: int = 2 * GiB
    #: Sum of the uncompressed sizes of an archive's (or workbook's) members.
    max_total_uncompressed: int = 1 * GiB
    #: Members of an archive (or parts of a workbook), directories not counted.
    max_members: int = 1000
    #: Uncompressed size of one member.
    max_member_bytes: int = 512 * MiB
    #: Uncompressed ÷ compressed size, per member and for the whole archive …
    max_ratio: float = 100.0
    #: … checked once a member (or the archive) expands beyond this many bytes; tiny members
    #: of blank padding legitimately compress extremely well.
    ratio_floor_bytes: int = 64 * KiB
    #: One physical line of a csv/txt file (protects against a file with no line breaks).
    max_line_chars: int = 1 * MiB
    #: Columns of a table, and distinct field names of an XML file.
    max_columns: int = 16_384


class CellKind(enum.StrEnum):
    """What a spreadsheet cell held before it was rendered as text (see ``RawRow.notes``)."""

    NUMBER = "number"  # a number: integral ones without ".0", never in exponent form
    NUMBER_PRECISION = "number_precision"  # ≥ 10^15: Excel kept only 15 digits, e.g. an ID
    DATE = "date"  # an Excel date, rendered YYYY-MM-DD
    DATETIME = "datetime"  # an Excel date with a time of day, rendered YYYY-MM-DD HH:MM:SS
    TIME = "time"  # a time of day or a duration
    BOOLEAN = "boolean"  # rendered TRUE / FALSE


@dataclass(frozen=True)
class RawRow:
    """One data row as read.

    ``row`` is the row number a person sees: in a sheet the spreadsheet row (header = 1 in
    the template, first data row = 2); in csv/txt the physical line where the record starts;
    in XML the record's ordinal + 1 (the header being virtual). ``values`` has exactly one
    text per header; cells beyond the last header are kept in ``extra``. ``notes`` lists
    ``(column index, CellKind)`` for spreadsheet cells that were not plain text; the index
    counts on from ``values`` into ``extra``.
    """

    source: str
    row: int
    headers: tuple[str, ...]
    values: tuple[str, ...]
    extra: tuple[str, ...] = ()
    notes: tuple[tuple[int, CellKind], ...] = ()

    def as_dict(self) -> dict[str, str]:
        """Header → value (later duplicate headers overwrite earlier ones: use ``values``
        with the header match for anything but display)."""
        return dict(zip(self.headers, self.values, strict=True))


@dataclass(frozen=True)
class Table:
    """One header row and the data rows under it.

    ``rows`` is a one-shot iterator that owns the open stream it reads (closed when it is
    exhausted or dropped); tables may be read in any order, but reading them one after the
    other keeps memory flat. ``format`` is ``xlsx``, ``csv`` or ``xml``; ``encoding`` and
    ``delimiter`` are what was detected for csv/txt; ``item`` is the ``item`` attribute of an
    XML file's root; ``first_column`` is the 0-based sheet column of ``headers[0]``; ``hidden``
    is true for a hidden worksheet.

    ``header_row`` is the first non-empty row that does not look like data (within
    :data:`HEADER_SCAN` rows); ``skipped`` lists the non-empty rows above it, which did. The
    reader knows no catalog item: which row really holds the header is decided by whoever
    does, among the first rows (:class:`credit.ingest.readers.layout.Lookahead`).
    """

    source: str
    format: str
    headers: tuple[str, ...]
    header_row: int
    rows: Iterator[RawRow] = field(repr=False, compare=False)
    encoding: str | None = None
    delimiter: str | None = None
    item: str | None = None
    first_column: int = 0
    hidden: bool = False
    skipped: tuple[int, ...] = ()


DEFAULT_LIMITS = Limits()


@dataclass
class _Blob:
    """A readable byte source: the uploaded file or one archive member."""

    name: str  # shown in ``source``
    filename: str  # for the extension
    opener: Callable[[], BinaryIO]
    path: Path | None = None  # a real file, for calamine

    @property
    def extension(self) -> str:
        return PurePosixPath(self.filename.replace("\\", "/")).suffix.lower()


# --------------------------------------------------------------------------------------------
# Shared row shaping

_DATA_LIKE = (
    re.compile(r"^\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?$"),  # a date
    re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"),  # a USCC
    re.compile(r"^\d{17}[\dXx]$"),  # a resident ID number
    re.compile(r"^[+-]?\d+(\.\d+)?$"),  # a number
)


def _looks_like_data(cells: list[str]) -> bool:
    """Whether a would-be header row holds values (a file whose header was left out)."""
    return any(p.match(c.strip()) for c in cells if c.strip() for p in _DATA_LIKE)


def _find_header(
    rows: Iterator[tuple[int, list[str], bool]], limit: int = HEADER_SCAN
) -> tuple[tuple[int, list[str]] | None, list[int]]:
    """The first non-empty row of ``(row number, cells, holds typed values)`` that does not
    look like data, among the first ``limit`` non-empty ones, and the numbers of the non-empty
    rows before it (which did). ``None`` when there is none: the header was left out (or the
    file is empty, when the list is empty too). Consumes ``rows`` up to the header row."""
    skipped: list[int] = []
    for number, cells, typed in rows:
        if not "".join(cells).strip():
            continue
        if not typed and not _looks_like_data(cells):
            return (number, cells), skipped
        skipped.append(number)
        if len(skipped) >= limit:
            break
    return None, skipped


def _data_not_header(row: int, source: str, where: str = "") -> FileRejected:
    """``no_header`` for a table whose first non-empty rows (from ``row``) hold data: the
    header was left out. ``where`` names the worksheet."""
    return FileRejected(
        "no_header",
        f"{where}第 {row} 行是数据而不是表头，请在数据上方加上表头行（字段名称）",
        source=source,
    )


def _trim(cells: Sequence[str]) -> tuple[str, ...]:
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return tuple(cells[:end])


def _raw_row(
    source: str,
    number: int,
    headers: tuple[str, ...],
    cells: list[str],
    notes: tuple[tuple[int, CellKind], ...] = (),
) -> RawRow | None:
    """A RawRow shaped to the headers, or None for a blank row."""
    if not "".join(cells).strip():
        return None
    width = len(headers)
    if len(cells) <= width:
        values = (*cells, *("",) * (width - len(cells)))
        return RawRow(source, number, headers, values, (), notes)
    return RawRow(source, number, headers, tuple(cells[:width]), _trim(cells[width:]), notes)


def reshaped(row: RawRow, headers: tuple[str, ...]) -> RawRow:
    """``row`` shaped to other headers (a header row chosen further down the table): its cells
    are ``values`` then ``extra``, and the notes keep counting over them."""
    cells = row.values + row.extra
    width = len(headers)
    if len(cells) <= width:
        values, extra = cells + ("",) * (width - len(cells)), ()
    else:
        values, extra = cells[:width], _trim(cells[width:])
    return RawRow(row.source, row.row, headers, values, extra, row.notes)


def _human(size: int) -> str:
    for unit, factor in (("GB", GiB), ("MB", MiB), ("KB", KiB)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} 字节"
