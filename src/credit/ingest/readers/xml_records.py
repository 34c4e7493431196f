"""XML files of ``<records>`` / ``<record>`` elements, parsed incrementally with defusedxml
(GBK/GB18030 re-encoded for expat); the header is the union of the field names.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import BinaryIO

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from credit.ingest.errors import FileRejected
from credit.ingest.readers.base import _CHUNK, KiB, Limits, RawRow, Table, _Blob
from credit.ingest.readers.text import _detect_encoding

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
