"""The platform's digital signature on an issued report (电子签章): keys, signer and trust roots.

Guarantees:

- An official report is signed once, by :func:`get_signer`'s signer, in a signature field over
  the seal on the cover (PAdES baseline B: ETSI.CAdES.detached, SHA-256, the signing
  certificate in the signed attributes). Any later change to the file breaks the signature.
- The signer is chosen from settings, first match wins: ``CREDIT_REPORT_SIGNER_CLASS`` (a
  deployment's own :class:`Signer`, e.g. a national-crypto SM2 signer),
  ``CREDIT_REPORT_SIGNER_PKCS11`` (a hardware token), ``CREDIT_REPORT_SIGNER_PKCS12`` (a key
  file), else — outside production only — the development keys that
  ``credit reports keys init`` made in ``CREDIT_REPORT_KEYS_DIR``. A missing or unreadable
  key is a :class:`SetupError` with a Chinese message, raised at first use.
- :func:`trust_roots` are the certificates a report's signature must chain to
  (``CREDIT_REPORT_TRUST_ROOTS``; by default the development CA outside production).

See docs/reports-signing.md.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import io
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.module_loading import import_string

from credit.core.errors import CreditError, ValidationFailed

#: The name of the one signature field of a report.
FIELD_NAME = "CreditReportSeal"
REASON = "信用报告出具机构电子签章"
LOCATION = "江苏省常州市"

CA_NAME = "常州市公共信用信息平台 开发用根证书"
SIGNER_NAME = "常州市公共信用信息中心"
SIGNER_ORG = "常州市发展和改革委员会"
#: Validity of the development certificates.
DEV_VALIDITY = datetime.timedelta(days=3 * 365)

CA_FILE = "ca.pem"
P12_FILE = "signer.p12"
PASSWORD_FILE = "password"  # noqa: S105 - the file name
NO_KEYS = "尚未生成签章密钥，请运行 credit reports keys init"

#: A rectangle on a page in PDF points: (left, bottom, right, top).
Box = tuple[float, float, float, float]


class SetupError(CreditError):
    """The signing key, certificate or seal image is missing or unusable (a setup problem of
    the deployment, not of the request)."""

    code = "report_signing_setup"
    status = 503


@runtime_checkable
class Signer(Protocol):
    """What signs an official report. A deployment implements it to plug in another signer
    (an SM2 signer, a signing server) and names the class in ``CREDIT_REPORT_SIGNER_CLASS``;
    the class is instantiated without arguments."""

    #: Who signs, shown to people (e.g. the certificate's common name).
    name: str
    #: The signing certificate, PEM.
    certificate_pem: str

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        reason: str = REASON,
        location: str = LOCATION,
        field_box: Box | None = None,
    ) -> bytes:
        """Return ``pdf`` with one signature (field :data:`FIELD_NAME`, page 1, rectangle
        ``field_box``, default the cover's seal :data:`credit.reports.pdf.SEAL_BOX`) added as
        an incremental update that covers the whole file."""
        ...


class PadesSigner:
    """The default signer: pyHanko, PAdES baseline B, SHA-256, a signature widget with an
    empty appearance over the printed seal, so a reader clicking the seal sees the
    signature."""

    def __init__(self, signer: Any, *, session: Any = None) -> None:
        self._signer = signer
        self._session = session  # a PKCS#11 session kept open for the process
        cert = signer.signing_cert
        self.name = _common_name(cert.subject.native) or cert.subject.human_friendly
        self.certificate_pem = _pem(cert.dump())
        self._lock = threading.Lock()

    @classmethod
    def from_pkcs12(cls, path: str | Path, password: str | bytes | None) -> PadesSigner:
        if isinstance(password, str):
            password = password.encode()
        try:
            data = Path(path).read_bytes()
        except OSError:
            raise SetupError(f"找不到签章证书文件 {path}", code="report_signer_missing") from None
        try:
            loaded = _kept_key_signer().load_pkcs12_data(
                data, other_certs=set(), passphrase=password or None
            )
            signer = _kept_key_signer()(
                signing_cert=loaded.signing_cert,
                signing_key=loaded.signing_key,
                cert_registry=loaded.cert_registry,
            )
        except Exception as exc:  # cryptography and asn1crypto raise many kinds
            raise SetupError(
                f"无法读取签章证书文件 {path}：文件损坏或密码错误", code="report_signer_unreadable"
            ) from exc
        return cls(signer)

    @classmethod
    def from_pkcs11(cls, config: dict[str, Any]) -> PadesSigner:
        """``config``: lib (module path), token (label), key_label, cert_label (default: the
        key label), pin_env (the environment variable holding the PIN)."""
        try:
            from pyhanko.config.pkcs11 import TokenCriteria
            from pyhanko.sign import pkcs11
        except ImportError:
            raise SetupError(
                "使用硬件密码设备签章需要安装 python-pkcs11（pip install 'pyhanko[pkcs11]'）",
                code="report_signer_pkcs11_missing",
            ) from None
        missing = [k for k in ("lib", "token", "key_label") if not config.get(k)]
        if missing:
            raise SetupError(
                f"CREDIT_REPORT_SIGNER_PKCS11 缺少 {'、'.join(missing)}",
                code="report_signer_pkcs11_config",
            )
        pin = os.environ.get(config.get("pin_env") or "CREDIT_REPORT_SIGNER_PIN")
        try:
            session = pkcs11.open_pkcs11_session(
                config["lib"], token_criteria=TokenCriteria(label=config["token"]), user_pin=pin
            )
            signer = pkcs11.PKCS11Signer(
                session,
                cert_label=config.get("cert_label") or config["key_label"],
                key_label=config["key_label"],
            )
            return cls(signer, session=session)
        except SetupError:
            raise
        except Exception as exc:  # token errors of every kind
            raise SetupError(
                f"无法打开硬件密码设备 {config['token']}：{exc}", code="report_signer_pkcs11"
            ) from exc

    def sign_pdf(
        self,
        pdf: bytes,
        *,
        reason: str = REASON,
        location: str = LOCATION,
        field_box: Box | None = None,
    ) -> bytes:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers
        from pyhanko.stamp import StaticStampStyle

        meta = signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason,
            location=location,
            name=self.name,
        )
        if field_box is None:
            from credit.reports.pdf import SEAL_BOX as field_box
        box = tuple(round(v) for v in field_box)
        spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=0, box=box)
        pdf_signer = signers.PdfSigner(
            meta,
            signer=self._signer,
            # an empty appearance: the seal printed under the field is what a reader sees
            stamp_style=StaticStampStyle(border_width=0),
            new_field_spec=spec,
        )
        out = io.BytesIO()
        with self._lock:  # one token session is not shared by two signatures at once
            pdf_signer.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out)
        return out.getvalue()


@functools.cache
def _kept_key_signer() -> type:
    """pyHanko's ``SimpleSigner``, parsing its private key once rather than at every signature
    (checking an RSA key as it is loaded takes most of a signature's time)."""
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign import signers
    from pyhanko.sign.general import get_pyca_cryptography_hash

    class KeptKeySigner(signers.SimpleSigner):
        _key: Any = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            try:
                mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            except ValueError:
                return super().sign_raw(data, digest_algorithm)
            if self._key is None:
                self._key = serialization.load_der_private_key(
                    self.signing_key.dump(), password=None
                )
            digest = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
                return self._key.sign(data, PKCS1v15(), digest)
            if mechanism == "ecdsa" and isinstance(self._key, EllipticCurvePrivateKey):
                return self._key.sign(data, ECDSA(digest))
            return super().sign_raw(data, digest_algorithm)

    return KeptKeySigner


# --- Choosing the signer ------------------------------------------------------------------

_signers: dict[tuple, Signer] = {}
_signers_lock = threading.Lock()


def _settings_key() -> tuple:
    """What the signer depends on; for the development keys, also their file's mtime, so a
    ``keys init --force`` is picked up without a restart."""
    dev_p12 = Path(settings.CREDIT_REPORT_KEYS_DIR) / P12_FILE
    try:
        dev_mtime = dev_p12.stat().st_mtime_ns
    except OSError:
        dev_mtime = None
    return (
        getattr(settings, "PRODUCTION", False),
        settings.CREDIT_REPORT_SIGNER_CLASS,
        json.dumps(settings.CREDIT_REPORT_SIGNER_PKCS11, sort_keys=True),
        settings.CREDIT_REPORT_SIGNER_PKCS12,
        hashlib.sha256(str(settings.CREDIT_REPORT_SIGNER_PASSWORD).encode()).hexdigest(),
        str(dev_p12),
        dev_mtime,
    )


def get_signer() -> Signer:
    """The configured signer, loaded once per process (and again when the settings or the
    development key file change)."""
    key = _settings_key()
    with _signers_lock:
        signer = _signers.get(key)
        if signer is None:
            signer = _signers[key] = _load_signer()
            if len(_signers) > 8:  # settings changed many times (tests): forget the oldest
                _signers.pop(next(iter(_signers)))
    return signer


def _load_signer() -> Signer:
    if settings.CREDIT_REPORT_SIGNER_CLASS:
        try:
            signer = import_string(settings.CREDIT_REPORT_SIGNER_CLASS)()
        except Exception as exc:  # a deployment class may fail in any way
            raise SetupError(
                f"无法加载签章程序 {settings.CREDIT_REPORT_SIGNER_CLASS}：{exc}",
                code="report_signer_class",
            ) from exc
        if not isinstance(signer, Signer):
            raise SetupError(
                f"{settings.CREDIT_REPORT_SIGNER_CLASS} 未实现 Signer 接口"
                "（name、certificate_pem、sign_pdf）",
                code="report_signer_class",
            )
        return signer
    if settings.CREDIT_REPORT_SIGNER_PKCS11:
        return PadesSigner.from_pkcs11(settings.CREDIT_REPORT_SIGNER_PKCS11)
    if settings.CREDIT_REPORT_SIGNER_PKCS12:
        return PadesSigner.from_pkcs12(
            settings.CREDIT_REPORT_SIGNER_PKCS12, settings.CREDIT_REPORT_SIGNER_PASSWORD
        )
    if getattr(settings, "PRODUCTION", False):
        raise SetupError(
            "生产环境未配置签章证书：请设置 CREDIT_REPORT_SIGNER_PKCS12（及密码）、"
            "CREDIT_REPORT_SIGNER_PKCS11 或 CREDIT_REPORT_SIGNER_CLASS",
            code="report_signer_missing",
        )
    directory = Path(settings.CREDIT_REPORT_KEYS_DIR)
    if not (directory / P12_FILE).is_file() or not (directory / PASSWORD_FILE).is_file():
        raise SetupError(NO_KEYS, code="report_signer_missing")
    password = (directory / PASSWORD_FILE).read_text().strip()
    return PadesSigner.from_pkcs12(directory / P12_FILE, password)


def sign_report(pdf: bytes, *, field_box: Box | None = None, signer: Signer | None = None) -> bytes:
    """Sign a rendered report with ``signer`` (default: :func:`get_signer`) over its seal."""
    signer = signer or get_signer()
    return signer.sign_pdf(pdf, reason=REASON, location=LOCATION, field_box=field_box)


def trust_roots() -> list[Any]:
    """The trusted root certificates (asn1crypto) from ``CREDIT_REPORT_TRUST_ROOTS``."""
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    paths = list(settings.CREDIT_REPORT_TRUST_ROOTS)
    if not paths:
        raise SetupError("未配置信任的根证书（CREDIT_REPORT_TRUST_ROOTS）", code="report_no_roots")
    roots = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError:
            raise SetupError(
                f"找不到信任的根证书 {path}"
                + ("（开发环境请运行 credit reports keys init）" if path.endswith(CA_FILE) else ""),
                code="report_no_roots",
            ) from None
        blocks = [b for _, _, b in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        for der in blocks:
            roots.append(asn1_x509.Certificate.load(der))
    return roots


# --- Development keys -----------------------------------------------------------------------


@dataclass(frozen=True)
class DevKeys:
    """The files ``init_dev_keys`` wrote."""

    directory: Path
    ca: Path
    pkcs12: Path
    password: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "江苏省"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "常州市"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, SIGNER_ORG),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    path.chmod(0o600)


def init_dev_keys(directory: str | Path | None = None, *, force: bool = False) -> DevKeys:
    """Create a development CA and a signing certificate issued by it (RSA 3072, 3 years) in
    ``directory`` (default ``CREDIT_REPORT_KEYS_DIR``): ``ca.pem``, ``signer.p12`` (key,
    certificate and CA, encrypted with AES-256) and ``password`` (its password), each mode
    0600. Refuses to replace existing keys unless ``force``."""
    directory = Path(directory or settings.CREDIT_REPORT_KEYS_DIR)
    files = DevKeys(directory, directory / CA_FILE, directory / P12_FILE, directory / PASSWORD_FILE)
    existing = [p.name for p in (files.ca, files.pkcs12, files.password) if p.exists()]
    if existing and not force:
        raise ValidationFailed(
            f"{directory} 中已有签章密钥（{'、'.join(existing)}），未覆盖；"
            "确需重新生成请加 --force（重新生成后，此前签发的报告将无法再通过核验）",
            code="report_keys_exist",
        )
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    now = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = _name(CA_NAME)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(SIGNER_NAME))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    password = secrets.token_urlsafe(32)
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(100_000)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode())
    )
    p12 = pkcs12.serialize_key_and_certificates(
        b"signer", key, cert, [ca_cert], encryption_algorithm=encryption
    )
    _write_private(files.password, password.encode() + b"\n")
    _write_private(files.pkcs12, p12)
    _write_private(files.ca, ca_cert.public_bytes(serialization.Encoding.PEM))
    return files


def _usage(*, cert_sign: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=not cert_sign,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


# --- Describing certificates ----------------------------------------------------------------


@dataclass(frozen=True)
class CertificateSummary:
    """What ``credit reports keys show`` prints of a certificate."""

    subject: str
    issuer: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    sha256: str


def describe_certificate(pem_data: str | bytes) -> CertificateSummary:
    """Subject, issuer, validity and SHA-256 fingerprint (colon-separated hex) of a PEM."""
    if isinstance(pem_data, str):
        pem_data = pem_data.encode()
    cert = x509.load_pem_x509_certificate(pem_data)
    digest = cert.fingerprint(hashes.SHA256()).hex().upper()
    return CertificateSummary(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        sha256=":".join(digest[i : i + 2] for i in range(0, len(digest), 2)),
    )


def _pem(der: bytes) -> str:
    from asn1crypto import pem

    return pem.armor("CERTIFICATE", der).decode()


def _common_name(subject: dict[str, Any]) -> str:
    return str(subject.get("common_name", ""))
