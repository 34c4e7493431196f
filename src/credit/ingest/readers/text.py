"""csv/txt files: encoding detection (UTF-8, UTF-16, GB18030), delimiter sniffing over the
first lines, the header row candidate, and rows read line by line with their physical line
numbers.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import itertools
from collections.abc import Iterator

from credit.ingest.errors import FileRejected
from credit.ingest.readers.base import (
    _CHUNK,
    HEADER_SCAN,
    Limits,
    RawRow,
    Table,
    _Blob,
    _data_not_header,
    _find_header,
    _raw_row,
    _trim,
)

#: Delimiters recognised in csv/txt, in tie-breaking order.
DELIMITERS = (",", "\t", "|")


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
    return _most_frequent_delimiter(line) or ","


def _most_frequent_delimiter(line: str) -> str | None:
    """The most frequent of :data:`DELIMITERS` outside double quotes (the first on a tie),
    ``None`` when the line holds none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts.values())
    return next(d for d in DELIMITERS if counts[d] == best) if best else None


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


def sniff_delimiter_of_lines(lines: list[str]) -> str:
    """The delimiter of a table's first lines: that of the first line holding any of them
    outside quotes (:func:`sniff_delimiter`) — the header, or a title line above it as Excel
    exports one (“……公示表,,,,”); a title line without any is passed over. Comma when no line
    has one."""
    return next(filter(None, map(_most_frequent_delimiter, lines)), ",")


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
            # The delimiter is sniffed over the first lines: a title line above the header
            # (“……信息公示表（2024年第一季度）”) has none.
            head = [line, *itertools.islice(lines, HEADER_SCAN - 1)]
            delimiter = sniff_delimiter_of_lines(head)
        except UnicodeDecodeError as exc:
            raise FileRejected("encoding_unknown", source=blob.name) from exc
        reader = csv.reader(itertools.chain(head, lines), delimiter=delimiter)
        records = _records(reader, skipped, blob.name)
        found, above = _find_header((n, cells, False) for n, cells in records)
        if found is None:
            if not above:
                raise FileRejected("no_header", "文件中没有表头行", source=blob.name)
            raise _data_not_header(above[0], blob.name)
        header_row, first = found
        headers = _trim(first)
        if len(headers) > limits.max_columns:
            raise FileRejected("file_unreadable", "表头的列数过多", source=blob.name)
        owned = stack.pop_all()  # the rows own the open stream from here on
    yield Table(
        source=blob.name,
        format="csv",
        headers=headers,
        header_row=header_row,
        rows=_text_rows(owned, reader, skipped, blob.name, headers),
        encoding=encoding,
        delimiter=delimiter,
        skipped=tuple(above),
    )


def _text_rows(
    owned: contextlib.ExitStack, reader, offset: int, source: str, headers: tuple[str, ...]
) -> Iterator[RawRow]:
    with owned:
        yield from _records(reader, offset, source, headers)


def _records(reader, offset: int, source: str, headers: tuple[str, ...] | None = None):
    """Per record of the csv reader from where it stands: a :class:`RawRow` shaped to
    ``headers`` (blank records skipped), or without headers ``(line where the record starts,
    cells)`` — to look for the header."""
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
        if headers is None:
            yield offset + start, cells
            continue
        row = _raw_row(source, offset + start, headers, cells)
        if row is not None:
            yield row
