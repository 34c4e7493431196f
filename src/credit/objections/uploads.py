"""Checking the files attached to an application: PDF, JPG or PNG as their first bytes say
(the extension must agree, but is never trusted alone), not empty, at most
``CREDIT_OBJECTION_MAX_FILE_BYTES`` each (default 10 MB) and ``CREDIT_OBJECTION_MAX_FILES``
in all (default 5). Each refusal is a ``ValidationFailed`` with its own code."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.db import models

from credit.core.errors import ValidationFailed
from credit.objections import conf
from credit.objections.constants import AttachmentKind

#: (magic bytes, content type, label, extensions that may carry it).
SIGNATURES: tuple[tuple[bytes, str, str, frozenset[str]], ...] = (
    (b"%PDF-", "application/pdf", "PDF", frozenset({".pdf"})),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG", frozenset({".png"})),
    (b"\xff\xd8\xff", "image/jpeg", "JPG", frozenset({".jpg", ".jpeg"})),
)
ALLOWED_EXTENSIONS = frozenset().union(*(s[3] for s in SIGNATURES))
ACCEPT = ",".join(sorted(ALLOWED_EXTENSIONS))
NAME_LIMIT = 100
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


@dataclass(frozen=True)
class Upload:
    """A file as received: its name and bytes (at most the limit plus one byte are read)."""

    name: str
    data: bytes
    kind: str = ""


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    data: bytes


def human_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def safe_name(name: str) -> str:
    """The file's base name without path or control characters, at most 100 characters
    (the extension kept)."""
    base = PurePath(unicodedata.normalize("NFC", name or "").replace("\\", "/")).name
    base = _UNSAFE.sub("_", base).strip().lstrip(".") or "附件"
    if len(base) > NAME_LIMIT:
        suffix = PurePath(base).suffix[:10]
        base = base[: NAME_LIMIT - len(suffix)] + suffix
    return base


def read_upload(uploaded: Any, kind: str = "") -> Upload:
    """An :class:`Upload` from a Django ``UploadedFile``, reading no more than the size limit
    plus one byte (so a huge file is refused without being held in memory)."""
    limit = conf.max_file_bytes()
    chunks, total = [], 0
    for chunk in uploaded.chunks():
        chunks.append(chunk[: limit + 1 - total])
        total += len(chunks[-1])
        if total > limit:
            break
    return Upload(uploaded.name or "", b"".join(chunks), kind)


def sniff(data: bytes) -> tuple[str, str, frozenset[str]] | None:
    """``(content type, label, extensions)`` of the allowed type the bytes start with."""
    for magic, content_type, label, extensions in SIGNATURES:
        if data.startswith(magic):
            return content_type, label, extensions
    return None


def check_file(upload: Upload) -> CheckedFile:
    """One file checked (type by content, extension agreeing, size)."""
    name = safe_name(upload.name)
    limit = conf.max_file_bytes()
    size = len(upload.data)
    if size == 0:
        raise ValidationFailed(f"附件“{name}”是空文件", code="attachment_empty")
    if size > limit:
        raise ValidationFailed(
            f"附件“{name}”超过大小上限 {human_size(limit)}",
            code="attachment_too_large",
            details={"limit": limit},
        )
    found = sniff(upload.data)
    if found is None:
        raise ValidationFailed(
            f"附件“{name}”不是 PDF、JPG 或 PNG 文件（按文件内容判断），请转换后上传",
            code="attachment_type",
        )
    content_type, label, extensions = found
    suffix = PurePath(name).suffix.lower()
    if suffix not in extensions:
        raise ValidationFailed(
            f"附件“{name}”的扩展名与文件内容（{label}）不符",
            code="attachment_type_mismatch",
        )
    return CheckedFile(
        name=name,
        kind=upload.kind,
        content_type=content_type,
        size=size,
        sha256=hashlib.sha256(upload.data).hexdigest(),
        data=upload.data,
    )


def check_files(
    uploads: Iterable[Upload],
    *,
    required_kinds: Iterable[str] = (),
    kinds: type[models.TextChoices] = AttachmentKind,
) -> list[CheckedFile]:
    """Every file checked, at most the configured number in all, each of a kind among
    ``kinds`` (an application's attachments; a report application's materials pass theirs),
    and at least one of each of ``required_kinds`` (``attachment_required`` names the missing
    kind's label)."""
    files = list(uploads)
    most = conf.max_files()
    if len(files) > most:
        raise ValidationFailed(f"附件最多 {most} 个", code="attachment_too_many")
    present = {u.kind for u in files}
    for kind in required_kinds:
        if kind not in present:
            raise ValidationFailed(
                f"请上传{kinds(kind).label}",
                code="attachment_required",
                details={"kind": kind},
            )
    for u in files:
        if u.kind and u.kind not in kinds.values:
            raise ValidationFailed(f"附件“{safe_name(u.name)}”的类型不正确", code="attachment_kind")
    return [check_file(u) for u in files]
