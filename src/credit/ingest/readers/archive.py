"""Zip containers, archives and xlsx workbooks alike: the limits on what they may expand to
(checked against the central directory, then counted while members are decompressed, since
headers can lie), unsafe member paths, member names in GBK, and opening members as streams.

Which reader reads each member is decided by the package's dispatch
(:mod:`credit.ingest.readers`).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from typing import BinaryIO

from credit.ingest.errors import FileRejected
from credit.ingest.readers.base import _CHUNK, Limits, _Blob, _human


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
