"""Checking the digital signature of a report file (报告验签), for the verify page and the API.

Guarantees of :func:`check_signature`: ``ok`` only when the file holds exactly one signature,
the report's own (field :data:`credit.reports.signing.FIELD_NAME`), that is intact (the signed
bytes are unchanged), cryptographically valid, made with a certificate that chains to a trusted
root (:func:`credit.reports.signing.trust_roots`) and covers the entire file (an update appended
after signing fails). It never raises, whatever the bytes (empty, not a PDF, truncated,
encrypted, hostile, over ``CREDIT_REPORT_VERIFY_MAX_BYTES``): it answers ``ok=False`` with a
Chinese reason. Whether the file is a particular issued report is for the caller to compare
(its SHA-256 with the stored one).

A deployment whose signer is not pyHanko's (an SM2 signer named in
``CREDIT_REPORT_SIGNER_CLASS``) may give that class a ``check_signature(data) ->
SignatureCheck`` class or static method: it is then used instead of pyHanko's validation.
"""

from __future__ import annotations

import datetime
import io
import logging
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

from credit.reports.signing import FIELD_NAME, SetupError, trust_roots

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SignatureCheck:
    """The outcome of checking a file's signature; ``reason`` says why in Chinese."""

    ok: bool
    reason: str
    signer: str = ""
    signed_at: datetime.datetime | None = None
    intact: bool = False
    trusted: bool = False
    covers_whole_file: bool = False


OK_REASON = "签名有效：文件由出具机构签章，签章后未被修改"


def _fail(reason: str, **kw: object) -> SignatureCheck:
    return SignatureCheck(ok=False, reason=reason, **kw)  # type: ignore[arg-type]


def check_signature(data: bytes) -> SignatureCheck:
    """Check that ``data`` is a PDF carrying the platform's valid, trusted signature over the
    whole file (see the module's guarantees)."""
    limit = settings.CREDIT_REPORT_VERIFY_MAX_BYTES
    if not data:
        return _fail("文件为空，请选择报告的 PDF 文件")
    if len(data) > limit:
        return _fail(f"文件超过 {limit // (1024 * 1024) or 1} MB，不是本平台出具的报告")
    if b"%PDF-" not in data[:1024]:
        return _fail("文件不是 PDF 格式，请上传报告的 PDF 文件")
    custom = _custom_checker()
    if custom is not None:
        try:
            return custom(data)
        except Exception:
            logger.exception("custom signature check failed")
            return _fail("签名无法验证：验签程序出错，请联系平台")
    try:
        return _check_pdf(data)
    except Exception as exc:  # hostile input must never become a server error
        logger.info("report signature check: unreadable file (%s: %.200s)", type(exc).__name__, exc)
        return _fail("无法读取该 PDF 文件：文件已损坏或格式不正确")


def _custom_checker():
    path = settings.CREDIT_REPORT_SIGNER_CLASS
    if not path:
        return None
    try:
        return getattr(import_string(path), "check_signature", None)
    except Exception:  # an unloadable class: signing says so; checking falls back to pyHanko
        return None


def _check_pdf(data: bytes) -> SignatureCheck:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if reader.encrypted:
        return _fail("文件已加密，无法核验；本平台出具的报告不加密")
    signatures = reader.embedded_signatures
    if not signatures:
        return _fail("文件中没有电子签章，不是本平台签发的报告，或签章已被去除")
    if len(signatures) != 1:
        return _fail(f"文件中有 {len(signatures)} 个签名，本平台的报告只有出具机构的一个签章")
    signature = signatures[0]
    if signature.field_name != FIELD_NAME:
        return _fail("文件中的签名不是本平台报告的出具机构签章")
    try:
        roots = trust_roots()
    except SetupError as exc:
        return _fail(f"暂时无法核验：{exc.message}")
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    status = validate_pdf_signature(signature, context, skip_diff=True)
    cert = status.signing_cert
    signer = str(cert.subject.native.get("common_name", "")) if cert is not None else ""
    facts = {
        "signer": signer,
        "signed_at": status.signer_reported_dt,
        "intact": bool(status.intact),
        "trusted": bool(status.trusted),
        "covers_whole_file": status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
    }
    if not status.intact:
        return _fail("文件内容在签章后被修改，签章已失效", **facts)
    if not status.valid:
        return _fail("签名值无效，文件或签名已被篡改", **facts)
    if not status.trusted:
        return _fail("签章证书不受信任：不是本平台出具机构的签章证书", **facts)
    if not facts["covers_whole_file"]:
        return _fail("签章后文件又被追加修改，签章不覆盖整个文件", **facts)
    return SignatureCheck(ok=True, reason=OK_REASON, **facts)  # type: ignore[arg-type]
