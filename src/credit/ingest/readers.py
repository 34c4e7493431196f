"""Streaming readers for uploaded data files (数据文件读取): xlsx, csv/txt, xml and zip of them.

:func:`iter_tables` turns one uploaded file into :class:`Table` objects — one per xlsx sheet,
per csv/txt/xml file, per archive member — each with its header row and a lazy iterator of
:class:`RawRow`. :func:`iter_rows` flattens them. Nothing is validated here: cells are texts
exactly as the department wrote them, so that validation can quote them back. A file that
cannot be read at all raises :class:`~credit.ingest.errors.FileRejected` with a stable code.

Memory stays flat in the file size: csv/txt are decoded and parsed line by line, XML is parsed
incrementally and each record freed once read, archive members are decompressed as streams
(and counted while they are, since sizes in zip headers can lie). The one exception is a
worksheet: calamine holds one sheet's cells in native memory while its rows are read, which
the archive limits bound.

The formats, limits and error codes are documented for integrators in
``docs/ingest-formats.md``; keep the two in step.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import datetime
import enum
import io
import math
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path, PurePosixPath
from typing import BinaryIO

import python_calamine
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from credit.ingest.errors import FileRejected

KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

#: Sheets of the platform's own template that hold code lists and instructions, not data.
TEMPLATE_SHEETS = frozenset({"代码表", "填报说明"})
#: Archive members read, by extension; other members (readme.docx, scans) are ignored.
MEMBER_EXTENSIONS = frozenset({".xlsx", ".csv", ".txt", ".xml"})
#: Delimiters recognised in csv/txt, in tie-breaking order.
DELIMITERS = (",", "\t", "|")
#: Stream names inside an OLE2 compound file.
_OLE_ENCRYPTED = frozenset({"EncryptedPackage", "EncryptionInfo"})
_OLE_WORKBOOK = frozenset({"Workbook", "Book"})

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF_BYTES = 64 * KiB
_CHUNK = 64 * KiB


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


DEFAULT_LIMITS = Limits()


def iter_rows(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[RawRow]:
    """Every data row of every table of the file at ``path``, in file order."""
    for table in iter_tables(path, limits=limits):
        yield from table.rows


def iter_tables(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[Table]:
    """The tables of the file at ``path``, dispatched on its content (and extension).

    Raises :class:`FileRejected` for a file that cannot be read at all — possibly only when
    iteration reaches the offending part (an archive member, a bad XML record).
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileRejected("file_unreadable", source=path.name) from exc
    if size > limits.max_file_bytes:
        raise FileRejected(
            "file_too_large",
            f"文件大小 {_human(size)} 超过上限 {_human(limits.max_file_bytes)}，请拆分后分批上传",
            source=path.name,
        )
    blob = _Blob(name=path.name, filename=path.name, opener=lambda: path.open("rb"), path=path)
    yielded = False
    for table in _tables(blob, limits, _Budget(limits), in_archive=False):
        yielded = True
        yield table
    if not yielded:
        raise FileRejected("no_header", "文件中没有任何数据（所有工作表均为空）", source=path.name)


# --------------------------------------------------------------------------------------------
# Dispatch


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


def _tables(blob: _Blob, limits: Limits, budget: _Budget, *, in_archive: bool) -> Iterator[Table]:
    with blob.opener() as fh:
        head = fh.read(_SNIFF_BYTES)
    if not head.strip(b" \t\r\n\x00"):
        raise FileRejected("no_header", "文件是空的", source=blob.name)
    if head.startswith(OLE_MAGIC):
        raise _ole_rejection(blob)
    if head.startswith(ZIP_MAGIC):
        if in_archive:
            yield from _member_workbook(blob, limits, budget)
        else:
            yield from _zip_family(blob, limits)
        return
    kind = _sniff_text(head)
    if kind == "binary":
        raise FileRejected("format_unknown", source=blob.name)
    if kind == "html":
        raise FileRejected(
            "format_unknown",
            "文件是网页（HTML）格式，不是真正的 Excel 文件，请用 Excel 打开后另存为 .xlsx 再上传",
            source=blob.name,
        )
    if kind == "xml" or blob.extension == ".xml":
        yield from _xml_tables(blob, limits)
    else:
        yield from _text_tables(blob, limits)


def _sniff_text(head: bytes) -> str:
    """``xml``, ``html``, ``text`` or ``binary`` from the first bytes of a file."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        sample = head.decode("utf-16", errors="ignore")
    elif b"\x00" in head:
        return "binary"
    else:
        data = head.removeprefix(codecs.BOM_UTF8)
        # Text with a few bad bytes is still text: reading it reports the bad line later.
        sample = _decode_prefix(data) or data.decode("gb18030", errors="replace")
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n\f\v\x1a")
    if controls > len(sample) // 100:
        return "binary"
    start = sample.lstrip()[:300].lower()
    if start.startswith("<"):
        if "<html" in start or "<!doctype html" in start or start.startswith("<table"):
            return "html"
        return "xml"
    return "text"


def _decode_prefix(data: bytes) -> str | None:
    """The text of a file's first bytes in UTF-8 or GB18030 (a cut-off last character is
    fine), or None if it is neither."""
    for encoding in ("utf-8", "gb18030"):
        try:
            return codecs.getincrementaldecoder(encoding)().decode(data, final=False)
        except UnicodeDecodeError:
            continue
    return None


def _ole_rejection(blob: _Blob) -> FileRejected:
    """An OLE2 compound file is a password-protected workbook (Office encrypts xlsx into
    one) or a legacy .xls; neither can be read."""
    names = _ole_stream_names(blob)
    if names & _OLE_ENCRYPTED:
        return FileRejected("file_encrypted", source=blob.name)
    if names & _OLE_WORKBOOK or (not names and blob.extension == ".xls"):
        return FileRejected("format_xls", source=blob.name)
    if names:
        return FileRejected("format_unknown", source=blob.name)
    return FileRejected("file_encrypted", source=blob.name)


def _ole_stream_names(blob: _Blob) -> set[str]:
    """Names in the first directory sectors of a compound file (best effort)."""
    names: set[str] = set()
    with blob.opener() as fh:
        header = fh.read(512)
        if len(header) < 512:
            return names
        shift = int.from_bytes(header[30:32], "little")
        first_dir = int.from_bytes(header[48:52], "little")
        if shift not in (9, 12) or first_dir >= 0xFFFFFFFA:
            return names
        size = 1 << shift
        fh.seek((first_dir + 1) * size)
        data = fh.read(size * 4)
    for at in range(0, len(data) - 127, 128):
        entry = data[at : at + 128]
        length = int.from_bytes(entry[64:66], "little")
        if 2 <= length <= 64 and length % 2 == 0:
            names.add(entry[: length - 2].decode("utf-16-le", errors="ignore"))
    return names


# --------------------------------------------------------------------------------------------
# Zip containers: archives and xlsx workbooks


class _Budget:
    """Uncompressed bytes read from one archive so far: per member the most read in any
    pass (a member may be read more than once: sniffing, encoding detection, XML headers)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.total = 0
        self._seen: dict[str, int] = {}

    def add(self, member: str, count: int) -> None:
        before = self._seen.get(member, 0)
        if count > before:
            self._seen[member] = count
            self.total += count - before


class _CountingReader(io.RawIOBase):
    """A member's decompressed stream that refuses to go past what its header declared or
    the limits allow, counting bytes as they arrive (headers can lie)."""

    def __init__(self, raw: BinaryIO, info: zipfile.ZipInfo, budget: _Budget, source: str) -> None:
        self.raw = raw
        self.info = info
        self.budget = budget
        self.source = source
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        self.count += n
        self.budget.add(self.info.filename, self.count)
        limits = self.budget.limits
        if (
            self.count > self.info.file_size
            or self.count > limits.max_member_bytes
            or self.budget.total > limits.max_total_uncompressed
            or (
                self.count > limits.ratio_floor_bytes
                and self.count > limits.max_ratio * max(self.info.compress_size, 1)
            )
        ):
            raise FileRejected("zip_bomb", source=self.source)
        return n

    def close(self) -> None:
        self.raw.close()
        super().close()


def _open_member(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, budget: _Budget, source: str
) -> BinaryIO:
    return io.BufferedReader(_CountingReader(zf.open(info), info, budget, source), _CHUNK)


def _zip_entry_count(fh: BinaryIO) -> int | None:
    """Entries declared by the end-of-central-directory record, read before ``zipfile``
    builds its (memory-hungry) member list; None when the record is missing (truncated)."""
    fh.seek(0, io.SEEK_END)
    size = fh.tell()
    tail_start = max(0, size - (22 + 65535))
    fh.seek(tail_start)
    tail = fh.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    count = int.from_bytes(tail[at + 10 : at + 12], "little")
    if count == 0xFFFF and at >= 20 and tail[at - 20 : at - 16] == b"PK\x06\x07":
        fh.seek(int.from_bytes(tail[at - 12 : at - 4], "little"))
        record = fh.read(56)
        if record[:4] == b"PK\x06\x06":
            count = int.from_bytes(record[32:40], "little")
    return count


def _open_zip(blob: _Blob, limits: Limits) -> zipfile.ZipFile:
    assert blob.path is not None
    with blob.path.open("rb") as fh:
        declared = _zip_entry_count(fh)
    if declared is None:
        raise FileRejected("file_truncated", source=blob.name)
    if declared > limits.max_members:
        raise FileRejected(
            "zip_too_many_files",
            f"压缩包中有 {declared} 个文件，超过上限 {limits.max_members} 个，请分批上传",
            source=blob.name,
        )
    try:
        return zipfile.ZipFile(blob.path)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRejected("file_unreadable", source=blob.name) from exc


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's name; names without the UTF-8 flag are usually GBK (Windows in China)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


_DRIVE = re.compile(r"^[A-Za-z]:")


def _is_unsafe(name: str) -> bool:
    parts = re.split(r"[\\/]", name)
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts


def _check_directory(zf: zipfile.ZipFile, limits: Limits, source: str) -> list[zipfile.ZipInfo]:
    """The archive's file members after checking what its central directory declares."""
    entries = zf.infolist()
    infos = [i for i in entries if not i.is_dir()]
    for info in infos:
        if _is_unsafe(info.orig_filename) or _is_unsafe(_member_name(info)):
            raise FileRejected(
                "zip_path_traversal",
                f"压缩包中的文件路径“{_member_name(info)}”不安全，请重新打包后上传",
                source=source,
            )
    if len(entries) > limits.max_members:
        raise FileRejected(
            "zip_too_many_files",
            f"压缩包中有 {len(entries)} 个文件，超过上限 {limits.max_members} 个，请分批上传",
            source=source,
        )
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > limits.max_total_uncompressed:
        raise FileRejected(
            "zip_bomb",
            f"压缩包解压后共 {_human(total)}，超过上限 {_human(limits.max_total_uncompressed)}",
            source=source,
        )
    if total > limits.ratio_floor_bytes and total > limits.max_ratio * max(packed, 1):
        raise FileRejected("zip_bomb", source=source)
    for info in infos:
        too_big = info.file_size > limits.max_member_bytes
        ratio = info.file_size > limits.ratio_floor_bytes and info.file_size > (
            limits.max_ratio * max(info.compress_size, 1)
        )
        if too_big or ratio:
            raise FileRejected(
                "zip_bomb", f"压缩包中的“{_member_name(info)}”解压后过大或压缩比异常", source=source
            )
        if info.flag_bits & 0x1:
            raise FileRejected(
                "file_encrypted", "压缩包已加密，请取消密码后重新上传", source=source
            )
    return infos


def _zip_family(blob: _Blob, limits: Limits) -> Iterator[Table]:
    """A top-level zip file: an xlsx workbook, another Office document, or an archive."""
    with _open_zip(blob, limits) as zf:
        infos = _check_directory(zf, limits, blob.name)
        names = {i.filename for i in infos}
        if not _is_workbook(names):
            if "[Content_Types].xml" in names or "mimetype" in names:
                raise FileRejected(
                    "format_unknown",
                    "这是 Word、PowerPoint 或 WPS/OpenOffice 文档，请另存为 .xlsx 后上传",
                    source=blob.name,
                )
            yield from _archive_tables(zf, infos, blob, limits)
            return
        _verify_parts(zf, infos, limits, blob.name)
    yield from _workbook_tables(blob.path, blob.name)


def _is_workbook(names: set[str]) -> bool:
    return "xl/workbook.xml" in names or (
        "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)
    )


def _verify_parts(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: Limits, source: str
) -> None:
    """Decompress every part of a workbook once, counting, before calamine opens it: this
    enforces the limits against lying headers and tells a truncated file from a bad one."""
    budget = _Budget(limits)
    for info in infos:
        try:
            with _open_member(zf, info, budget, source) as fh:
                while fh.read(_CHUNK):
                    pass
        except EOFError as exc:
            raise FileRejected("file_truncated", source=source) from exc
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError) as exc:
            raise FileRejected("file_unreadable", source=source) from exc


def _archive_tables(
    zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo], blob: _Blob, limits: Limits
) -> Iterator[Table]:
    budget = _Budget(limits)
    members = []
    for info in infos:
        name = _member_name(info)
        suffix = PurePosixPath(name.replace("\\", "/")).suffix.lower()
        base = PurePosixPath(name.replace("\\", "/")).name
        if "__MACOSX" in name.split("/") or base.startswith("._"):
            continue  # macOS resource forks
        if suffix == ".zip":
            raise FileRejected(
                "zip_nested", f"压缩包中的“{name}”也是压缩包，请解压后重新打包", source=blob.name
            )
        if suffix in MEMBER_EXTENSIONS:
            members.append((name, info))
    if not members:
        raise FileRejected("zip_no_data", source=blob.name)
    for name, info in sorted(members, key=lambda pair: pair[0]):
        source = f"{blob.name}!{name}"
        member = _Blob(
            name=source,
            filename=name,
            opener=lambda info=info, source=source: _open_member(zf, info, budget, source),
        )
        with _damaged_member(source):
            for table in _tables(member, limits, budget, in_archive=True):
                yield dataclasses.replace(table, rows=_guarded(table.rows, source))


@contextlib.contextmanager
def _damaged_member(source: str) -> Iterator[None]:
    """Errors of a damaged archive member, as rejections."""
    try:
        yield
    except EOFError as exc:
        raise FileRejected("file_truncated", source=source) from exc
    except (zipfile.BadZipFile, zlib.error, NotImplementedError) as exc:
        message = "压缩包已损坏，请重新打包后上传"
        raise FileRejected("file_unreadable", message, source=source) from exc


def _guarded(rows: Iterator[RawRow], source: str) -> Iterator[RawRow]:
    """A member's rows, whose reading can still hit the damage."""
    with _damaged_member(source):
        yield from rows


def _member_workbook(blob: _Blob, limits: Limits, budget: _Budget) -> Iterator[Table]:
    """An archive member that is itself a zip: read it if it is a workbook, else refuse."""
    with tempfile.TemporaryDirectory(prefix="credit-ingest-") as tmp:
        # A fixed local name: the member's own name never reaches the file system.
        local = Path(tmp) / "member.xlsx"
        with blob.opener() as src, local.open("wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
        inner = _Blob(blob.name, blob.filename, opener=lambda: local.open("rb"), path=local)
        with _open_zip(inner, limits) as zf:
            infos = _check_directory(zf, limits, blob.name)
            if not _is_workbook({i.filename for i in infos}):
                raise FileRejected(
                    "zip_nested", f"“{blob.filename}”是压缩包，请解压后重新打包", source=blob.name
                )
            _verify_parts(zf, infos, limits, blob.name)
        yield from _workbook_tables(local, blob.name)


# --------------------------------------------------------------------------------------------
# xlsx


def _workbook_tables(path: Path | None, name: str) -> Iterator[Table]:
    assert path is not None
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError as exc:
        raise FileRejected("file_encrypted", source=name) from exc
    except BaseException as exc:
        if not _is_breakage(exc):
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
                if not _is_breakage(exc):
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


def _is_breakage(exc: BaseException) -> bool:
    """Whether calamine failed on a broken file: it raises several exception types, or
    panics (pyo3's ``PanicException`` derives from BaseException). Interrupts are not."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _sheet_table(sheet, source: str, hidden: bool) -> Table | None:
    # calamine yields rows from sheet row 1 (leading empty rows included), but columns only
    # from the first used one: ``start[1]``.
    rows = enumerate(sheet.iter_rows(), start=1)
    first = next(((n, *_render_cells(c)) for n, c in rows if any(_text_of(v) for v in c)), None)
    if first is None:
        return None
    number, texts, notes = first
    if notes or _looks_like_data(texts):
        raise FileRejected(
            "no_header",
            f"工作表“{sheet.name}”第 {number} 行是数据而不是表头，"
            "请在数据上方加上表头行（字段名称）",
            source=source,
        )
    headers = _trim(texts)
    return Table(
        source=source,
        format="xlsx",
        headers=headers,
        header_row=number,
        rows=_sheet_rows(rows, source, headers),
        first_column=sheet.start[1],
        hidden=hidden,
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


def _trim(cells: list[str]) -> tuple[str, ...]:
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


# --------------------------------------------------------------------------------------------
# csv / txt


#: UTF-8 lead bytes of multibyte characters.
_UTF8_LEADS = bytes(range(0xC2, 0xF5))
#: This many UTF-8 multibyte characters before the first invalid byte mean a UTF-8 file with
#: damaged or mixed-in GBK bytes, not a GBK file: in GBK text a run of even 8 Chinese
#: characters that happen to be valid UTF-8 has odds below one in ten million.
_UTF8_EVIDENCE = 8


def _detect_encoding(blob: _Blob) -> str:
    """utf-8-sig with a UTF-8 BOM, utf-16 with a UTF-16 BOM, utf-8 if every byte decodes as
    UTF-8 (checked over the whole file, streaming), else gb18030 (⊃ GBK ⊃ GB2312).

    A file that is clearly UTF-8 but has an invalid byte further on is refused
    (``encoding_unknown``) rather than decoded as GB18030 into silent mojibake.
    """
    with blob.opener() as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        multibyte = lines = 0
        chunk = head
        try:
            while chunk:
                decoder.decode(chunk)
                multibyte += len(chunk) - len(chunk.translate(None, _UTF8_LEADS))
                lines += chunk.count(b"\n")
                chunk = fh.read(_CHUNK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            good = exc.object[: exc.start]
            if multibyte + len(good) - len(good.translate(None, _UTF8_LEADS)) >= _UTF8_EVIDENCE:
                line = lines + good.count(b"\n") + 1
                raise FileRejected(
                    "encoding_unknown",
                    f"文件是 UTF-8 编码，但第 {line} 行含有无效或其他编码（如 GBK）的字符，"
                    "请检查该行后重新保存为 UTF-8",
                    source=blob.name,
                ) from exc
        else:
            return "utf-8"
    _check_decodes(blob, "gb18030")
    return "gb18030"


def _check_decodes(blob: _Blob, encoding: str) -> None:
    """Refuse, naming the line, a file that does not decode in ``encoding`` throughout."""
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    with blob.opener() as fh:
        try:
            while chunk := fh.read(_CHUNK):
                decoder.decode(chunk)
                lines += chunk.count(b"\n")
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as exc:
            line = lines + exc.object[: exc.start].count(b"\n") + 1
            raise FileRejected(
                "encoding_unknown",
                f"第 {line} 行的文字编码无法识别（既不是 UTF-8 也不是 GBK），"
                "请检查该行后另存为 UTF-8 编码重新上传",
                source=blob.name,
            ) from exc


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of comma, tab and ``|`` outside
    double quotes; comma on a tie or when there is none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts.values())
    return next(d for d in DELIMITERS if counts[d] == best) if best else ","


def _is_blank_line(line: str) -> bool:
    return not line.strip().strip(',\t|"').strip()


def _bounded_lines(text: io.TextIOBase, limit: int, source: str) -> Iterator[str]:
    number = 0
    while True:
        line = text.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit and not line.endswith(("\n", "\r")):
            raise FileRejected(
                "file_unreadable",
                f"第 {number} 行超过 {limit} 个字符，文件可能已损坏",
                source=source,
            )
        yield line


def _text_tables(blob: _Blob, limits: Limits) -> Iterator[Table]:
    encoding = _detect_encoding(blob)
    with contextlib.ExitStack() as stack:
        raw = stack.enter_context(blob.opener())
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        lines = _bounded_lines(text, limits.max_line_chars, blob.name)
        skipped = 0
        try:
            for line in lines:
                if not _is_blank_line(line):
                    break
                skipped += 1
            else:
                raise FileRejected("no_header", "文件中没有表头行", source=blob.name)
            delimiter = sniff_delimiter(line)
            reader = csv.reader(_chain_first(line, lines), delimiter=delimiter)
            first = next(reader)
        except csv.Error as exc:
            message = f"表头行格式错误：{exc}"
            raise FileRejected("file_unreadable", message, source=blob.name) from exc
        except UnicodeDecodeError as exc:
            raise FileRejected("encoding_unknown", source=blob.name) from exc
        if first:
            first[-1] = first[-1].rstrip("\r")
        if _looks_like_data(first):
            raise FileRejected(
                "no_header",
                f"第 {skipped + 1} 行是数据而不是表头，请在数据上方加上表头行（字段名称）",
                source=blob.name,
            )
        headers = _trim(first)
        if len(headers) > limits.max_columns:
            raise FileRejected("file_unreadable", "表头的列数过多", source=blob.name)
        owned = stack.pop_all()  # the rows own the open stream from here on
    yield Table(
        source=blob.name,
        format="csv",
        headers=headers,
        header_row=skipped + 1,
        rows=_text_rows(owned, reader, skipped, blob.name, headers),
        encoding=encoding,
        delimiter=delimiter,
    )


def _chain_first(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _text_rows(
    owned: contextlib.ExitStack, reader, offset: int, source: str, headers: tuple[str, ...]
) -> Iterator[RawRow]:
    with owned:
        yield from _records(reader, offset, source, headers)


def _records(reader, offset: int, source: str, headers: tuple[str, ...]) -> Iterator[RawRow]:
    line_end = reader.line_num
    while True:
        start = line_end + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise FileRejected(
                "file_unreadable", f"第 {offset + start} 行格式错误：{exc}", source=source
            ) from exc
        except UnicodeDecodeError as exc:
            raise FileRejected(
                "encoding_unknown",
                f"第 {offset + start} 行附近的文字编码无法识别，请另存为 UTF-8 编码后重新上传",
                source=source,
            ) from exc
        line_end = reader.line_num
        if cells:
            cells[-1] = cells[-1].rstrip("\r")
        row = _raw_row(source, offset + start, headers, cells)
        if row is not None:
            yield row


# --------------------------------------------------------------------------------------------
# xml

_XML_DECLARED = re.compile(rb"""^(\s*<\?xml[^>]*?encoding\s*=\s*["'])([A-Za-z0-9._-]+)(["'])""")
_CHINESE_ENCODINGS = frozenset({"gbk", "gb2312", "gb18030", "cp936", "euc-cn", "gb_2312-80"})


class _Utf8Reader(io.RawIOBase):
    """Re-encodes a GBK/GB18030 XML stream as UTF-8 (expat knows no multibyte Chinese
    encodings), rewriting the declaration to match."""

    def __init__(self, raw: BinaryIO, encoding: str) -> None:
        self.text = io.TextIOWrapper(raw, encoding=encoding, errors="strict")
        self.pending = b""
        self.first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self.pending:
            chunk = self.text.read(64 * KiB)
            if not chunk:
                return 0
            data = chunk.encode("utf-8")
            if self.first:
                data = _XML_DECLARED.sub(rb"\1UTF-8\3", data, count=1)
                self.first = False
            self.pending = data
        n = min(len(buffer), len(self.pending))
        buffer[:n] = self.pending[:n]
        self.pending = self.pending[n:]
        return n

    def close(self) -> None:
        self.text.close()
        super().close()


def _open_xml(blob: _Blob) -> BinaryIO:
    """The XML byte stream for expat: as is, or re-encoded when it is GBK/GB18030 (declared
    so, or undeclared and not valid UTF-8)."""
    with blob.opener() as fh:
        head = fh.read(200)
    declared = _XML_DECLARED.match(head)
    if declared:
        chinese = declared.group(2).decode().lower() in _CHINESE_ENCODINGS
    else:
        chinese = _detect_encoding(blob) == "gb18030"
    raw = blob.opener()
    return io.BufferedReader(_Utf8Reader(raw, "gb18030"), _CHUNK) if chinese else raw


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _xml_records(fh: BinaryIO, blob: _Blob) -> Iterator[tuple[str | None, list[tuple[str, str]]]]:
    """``(item, [(field name, text), …])`` per record of an open XML stream (closed when
    done), streaming; validates the shape."""
    with fh:
        events = SafeET.iterparse(fh, events=("start", "end"), forbid_dtd=True)
        root = None
        item = None
        ordinal = 0
        depth = 0
        try:
            for event, elem in events:
                if event == "start":
                    depth += 1
                    if root is None:
                        root = elem
                        if _local(elem.tag) != "records":
                            raise FileRejected(
                                "xml_schema",
                                f"XML 根元素应为 <records>，实际为 <{_local(elem.tag)}>",
                                source=blob.name,
                            )
                        item = elem.get("item")
                    continue
                depth -= 1
                if depth != 1:
                    continue
                if _local(elem.tag) == "record":
                    ordinal += 1
                    yield item, _record_fields(elem, ordinal, blob.name)
                elem.clear()
                root.clear()
        except DefusedXmlException as exc:
            raise FileRejected("xml_forbidden", source=blob.name) from exc
        except SafeET.ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else "?"
            code = "file_truncated" if "no element found" in str(exc) else "file_unreadable"
            raise FileRejected(code, f"XML 格式错误（第 {line} 行）", source=blob.name) from exc
        except (UnicodeDecodeError, LookupError) as exc:
            raise FileRejected("encoding_unknown", source=blob.name) from exc
        except ValueError as exc:  # e.g. an encoding expat cannot handle
            raise FileRejected("encoding_unknown", source=blob.name) from exc


def _record_fields(elem, ordinal: int, source: str) -> list[tuple[str, str]]:
    fields = []
    for child in elem:
        tag = _local(child.tag)
        if tag == "field":
            name = child.get("name")
            if not name:
                raise FileRejected(
                    "xml_schema",
                    f"第 {ordinal} 条 record 中的 <field> 缺少 name 属性",
                    source=source,
                )
        else:
            name = tag
        fields.append((name, "".join(child.itertext())))
    return fields


def _xml_tables(blob: _Blob, limits: Limits) -> Iterator[Table]:
    """Two streaming passes: the union of field names (the virtual header), then the rows.

    A name repeated within one record gets as many header columns as its most repeated
    occurrence, so that header matching reports it as a duplicate.
    """
    headers: list[tuple[str, int]] = []  # (name, occurrence)
    seen: set[tuple[str, int]] = set()
    item = None
    records = 0
    for record_item, fields in _xml_records(_open_xml(blob), blob):
        item = record_item
        records += 1
        counts: dict[str, int] = {}
        for name, _ in fields:
            key = (name, counts.get(name, 0))
            counts[name] = key[1] + 1
            if key not in seen:
                seen.add(key)
                headers.append(key)
                if len(headers) > limits.max_columns:
                    raise FileRejected("xml_schema", "XML 中的字段名过多", source=blob.name)
    if not records:
        raise FileRejected("no_header", "XML 文件中没有任何 <record> 记录", source=blob.name)
    position = {key: i for i, key in enumerate(headers)}
    names = tuple(name for name, _ in headers)
    # Opened now, so that the rows stay readable after the next table (or member) is reached.
    rows = _xml_rows(_xml_records(_open_xml(blob), blob), blob.name, position, names)
    yield Table(source=blob.name, format="xml", headers=names, header_row=1, rows=rows, item=item)


def _xml_rows(
    records: Iterator[tuple[str | None, list[tuple[str, str]]]],
    source: str,
    position: dict[tuple[str, int], int],
    headers: tuple[str, ...],
) -> Iterator[RawRow]:
    for ordinal, (_, fields) in enumerate(records, start=1):
        values = [""] * len(headers)
        counts: dict[str, int] = {}
        for name, text in fields:
            key = (name, counts.get(name, 0))
            counts[name] = key[1] + 1
            values[position[key]] = text
        yield RawRow(source, ordinal + 1, headers, tuple(values))


def _human(size: int) -> str:
    for unit, factor in (("GB", GiB), ("MB", MiB), ("KB", KiB)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} 字节"
