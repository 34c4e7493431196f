"""What an uploaded file (or archive member) is, from its first bytes: zip container, OLE2
compound file (encrypted workbook or legacy .xls), XML, HTML passed off as Excel, plain text
or binary.
"""

from __future__ import annotations

import codecs

from credit.ingest.errors import FileRejected
from credit.ingest.readers.base import KiB, _Blob

#: Stream names inside an OLE2 compound file.
_OLE_ENCRYPTED = frozenset({"EncryptedPackage", "EncryptionInfo"})
_OLE_WORKBOOK = frozenset({"Workbook", "Book"})

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SNIFF_BYTES = 64 * KiB


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
