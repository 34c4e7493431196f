"""The layout of a government workbook around its table (表格版式), without knowing the item.

Real files do not start with their header: a merged title row
(“常州市市场监督管理局行政处罚信息公示表（2024年第一季度）”), a “填报单位：…  填报日期：…” row and
blank rows come first; after the data come 合计 rows, 填表说明 and the 填表人/审核人 signature
line. The readers take the first non-empty row that does not look like data as the header
(:attr:`Table.header_row`); this module lets the caller, who knows the item's field names,
choose a later row instead (:class:`Lookahead`), and recognises note rows (:func:`note_text`).
Both stay cheap: the look-ahead reads at most :data:`HEADER_SCAN` rows, and a data row is
told from a note row by the first character of its first non-empty cell.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from credit.ingest.readers.base import HEADER_SCAN, RawRow, Table, _trim, reshaped


class Lookahead:
    """A table's first rows, read ahead so that one of them can be chosen as the header.

    :meth:`candidates` are the reader's header row and the rows under it, as header cells;
    :meth:`framed` is the table re-framed with one of them as its header: the rows above it
    join :attr:`Table.skipped` and the rows under it are shaped to it, keeping their row
    numbers. Only the rows read ahead are held in memory.
    """

    def __init__(self, table: Table, limit: int = HEADER_SCAN) -> None:
        self.table = table
        self._rest = iter(table.rows)
        self.ahead: list[RawRow] = list(itertools.islice(self._rest, limit))

    def candidates(self) -> list[tuple[int, tuple[str, ...]]]:
        """``(row number, cells)`` of the header row, then of each row read ahead."""
        first = (self.table.header_row, self.table.headers)
        return [first, *((r.row, _trim([*r.values, *r.extra])) for r in self.ahead)]

    def framed(self, header_row: int) -> Table:
        """The table with the header at ``header_row`` (one of :meth:`candidates`)."""
        table = self.table
        if header_row == table.header_row:
            return dataclasses.replace(table, rows=itertools.chain(self.ahead, self._rest))
        index = next(n for n, r in enumerate(self.ahead) if r.row == header_row)
        header = self.ahead[index]
        headers = _trim([*header.values, *header.extra])
        after = self.ahead[index + 1 :]
        return dataclasses.replace(
            table,
            headers=headers,
            header_row=header_row,
            skipped=(*table.skipped, table.header_row, *(r.row for r in self.ahead[:index])),
            rows=(reshaped(r, headers) for r in itertools.chain(after, self._rest)),
        )


# --------------------------------------------------------------------------------------------
# Note rows

#: The first character of every note marker below: a data row whose first cell starts with
#: anything else (a name, a 序号) is data without further ado.
_NOTE_STARTS = frozenset("合总小共填说备注附审复负单部主联电制报")
#: … and a cell starting with a space is looked at closer too.
_SLOW_STARTS = _NOTE_STARTS | frozenset(" \t\r\n\u3000\xa0")
_NOTE = re.compile(
    r"""
    (?:合\s*计|总\s*计|小\s*计|共\s*计)(?:$|[\s:(\d])           # 合计 rows
    | (?:填表说明|填报说明|填写说明)(?:$|[\s:(])                  # instructions
    | (?:说明|备注|注释|附注|注)\s*\d*\s*[:.、]                    # 说明：… 注1、…
    | (?:填表人|填报人|制表人|审核人|审批人|复核人|负责人|单位负责人|部门负责人|主管领导
       |联系人|联系电话|联系方式|电话|填表日期|填报日期|制表日期|报送日期
       |填报单位|制表单位|报送单位)(?:$|[\s:(])                     # signature lines
    """,
    re.VERBOSE,
)
#: A row with a subject name in its key column and at least this many filled cells is data,
#: whatever its first cell says.
DATA_MIN_FILLED = 3
#: The text of a note row kept for the report is cut at this many characters.
NOTE_TEXT_CHARS = 100


def is_note_marker(text: str) -> bool:
    """Whether a cell's text starts like a note row: 合计, 填表说明, 注：, 填表人：…"""
    stripped = text.lstrip()
    if not stripped or stripped[0] not in _NOTE_STARTS:
        return False
    return _NOTE.match(unicodedata.normalize("NFKC", stripped).rstrip()) is not None


def note_text(cells: Sequence[str], key_columns: Collection[int] = ()) -> str | None:
    """The first cell's text when the row is a note row, else ``None``.

    A note row's first non-empty cell starts with a note marker (:func:`is_note_marker`);
    it is data all the same when one of ``key_columns`` (the subject name's) holds another
    text and at least :data:`DATA_MIN_FILLED` cells are filled: a real row is never taken for
    a note.
    """
    first = next((n for n, text in enumerate(cells) if text and not text.isspace()), None)
    if first is None:
        return None
    text = cells[first]
    if not is_note_marker(text):
        return None
    for col in key_columns:
        named = col != first and col < len(cells) and cells[col].strip()
        if named and not is_note_marker(cells[col]) and _filled(cells) >= DATA_MIN_FILLED:
            return None
    return text.strip()[:NOTE_TEXT_CHARS]


def is_continuation(cells: Sequence[str]) -> bool:
    """Whether a row after a note row continues it: one filled cell (“1、本表……”)."""
    return _filled(cells) == 1


def _filled(cells: Sequence[str]) -> int:
    return sum(1 for c in cells if c and not c.isspace())


@dataclass
class NoteRows:
    """The note rows passed over in one table: how many, and the first :attr:`kept` of them
    as ``(row number, text)`` — bounded, so that memory stays flat whatever the file."""

    kept: int = 200
    count: int = 0
    rows: list[tuple[int, str]] = field(default_factory=list)

    def add(self, row: int, text: str) -> None:
        self.count += 1
        if len(self.rows) < self.kept:
            self.rows.append((row, text))


def without_notes(
    rows: Iterator[RawRow], key_columns: Collection[int], notes: NoteRows | None = None
) -> Iterator[RawRow]:
    """``rows`` less the note rows (合计, 填表说明 and the lines that continue it, signature
    lines), which are recorded in ``notes`` when given."""
    after_note = False
    for row in rows:
        values = row.values
        first = values[0] if values else ""
        if not after_note and first and first[0] not in _SLOW_STARTS:
            yield row  # the common case: a data row starting with a name or a 序号
            continue
        cells = [*values, *row.extra] if row.extra else values
        text = note_text(cells, key_columns)
        if text is None and after_note and is_continuation(cells):
            text = next(c for c in cells if c and not c.isspace()).strip()[:NOTE_TEXT_CHARS]
        if text is None:
            after_note = False
            yield row
            continue
        after_note = True
        if notes is not None:
            notes.add(row.row, text)
