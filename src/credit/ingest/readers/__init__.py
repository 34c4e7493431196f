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

The package: this module holds the entry points and the format dispatch (including the
archive members, which go through the same dispatch); the readers live in submodules —
``base`` (limits, :class:`Table`, :class:`RawRow`, shared row shaping), ``sniff`` (what a
file is from its first bytes), ``archive`` (zip limits and member streams), ``xlsx``,
``text`` (csv/txt) and ``xml_records``; ``layout`` lets a caller who knows the item choose a
header row further down (title rows above it) and pass over note rows (合计, 填表说明).
"""

from __future__ import annotations

import contextlib
import dataclasses
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from credit.ingest.errors import FileRejected
from credit.ingest.readers.archive import (
    _Budget,
    _check_directory,
    _member_name,
    _open_member,
    _open_zip,
    _verify_parts,
)

# Not public; re-exported because the tests exercise it directly.
from credit.ingest.readers.archive import _CountingReader as _CountingReader
from credit.ingest.readers.base import (
    _CHUNK,
    DEFAULT_LIMITS,
    CellKind,
    GiB,
    KiB,
    Limits,
    MiB,
    RawRow,
    Table,
    _Blob,
    _human,
)
from credit.ingest.readers.sniff import (
    _SNIFF_BYTES,
    OLE_MAGIC,
    ZIP_MAGIC,
    _ole_rejection,
    _sniff_text,
)
from credit.ingest.readers.text import DELIMITERS, _text_tables, sniff_delimiter
from credit.ingest.readers.xlsx import TEMPLATE_SHEETS, _workbook_tables, render_cell
from credit.ingest.readers.xml_records import _xml_tables

__all__ = [
    "DEFAULT_LIMITS",
    "DELIMITERS",
    "MEMBER_EXTENSIONS",
    "OLE_MAGIC",
    "TEMPLATE_SHEETS",
    "ZIP_MAGIC",
    "CellKind",
    "GiB",
    "KiB",
    "Limits",
    "MiB",
    "RawRow",
    "Table",
    "iter_rows",
    "iter_tables",
    "render_cell",
    "sniff_delimiter",
]

#: Archive members read, by extension; other members (readme.docx, scans) are ignored.
MEMBER_EXTENSIONS = frozenset({".xlsx", ".csv", ".txt", ".xml"})


def iter_rows(path: Path | str, *, limits: Limits = DEFAULT_LIMITS) -> Iterator[RawRow]:
    """Every data row of every table of the file at ``path``, in file order."""
    for table in iter_tables(path, limits=limits):
        yield from table.rows


def iter_tables(
    path: Path | str, *, limits: Limits = DEFAULT_LIMITS, name: str | None = None
) -> Iterator[Table]:
    """The tables of the file at ``path``, dispatched on its content (and extension).

    Raises :class:`FileRejected` for a file that cannot be read at all — possibly only when
    iteration reaches the offending part (an archive member, a bad XML record).
    """
    path = Path(path)
    shown = name or path.name  # the name the department gave the file, not where it is kept
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise FileRejected("file_unreadable", source=shown) from exc
    if size > limits.max_file_bytes:
        raise FileRejected(
            "file_too_large",
            f"文件大小 {_human(size)} 超过上限 {_human(limits.max_file_bytes)}，请拆分后分批上传",
            source=shown,
        )
    blob = _Blob(name=shown, filename=path.name, opener=lambda: path.open("rb"), path=path)
    yielded = False
    for table in _tables(blob, limits, _Budget(limits), in_archive=False):
        yielded = True
        yield table
    if not yielded:
        raise FileRejected("no_header", "文件中没有任何数据（所有工作表均为空）", source=shown)


# --------------------------------------------------------------------------------------------
# Dispatch


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


# --------------------------------------------------------------------------------------------
# Zip containers: archives and xlsx workbooks


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
