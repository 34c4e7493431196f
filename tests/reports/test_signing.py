"""The report's digital signature: made with the platform's key (development keys, a PKCS#12
file, or a deployment's own signer), validated by pyHanko, broken by any change to the file,
refused when the key is not trusted, and never an error — only a Chinese reason — whatever
bytes are checked. The development keys are never replaced without --force."""

from __future__ import annotations

import datetime
import io
import stat

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.management import CommandError, call_command
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen import canvas

from credit.core.errors import ValidationFailed
from credit.reports import signing
from credit.reports.pdf import SEAL_BOX, official_pdf
from credit.reports.pdf.render import render_pdf
from credit.reports.signing import PadesSigner, SetupError, get_signer, init_dev_keys
from credit.reports.verification import SignatureCheck, check_signature
from tests.reports.conftest import sample_content
from tests.reports.test_pdf import red_pixels_in_seal_box


@pytest.fixture(scope="module")
def _module_keys(tmp_path_factory):
    return init_dev_keys(tmp_path_factory.mktemp("module-keys") / "keys").directory


@pytest.fixture
def signed(settings, _module_keys) -> bytes:
    """A signed report (a few records) made with the module's development keys."""
    settings.CREDIT_REPORT_KEYS_DIR = _module_keys
    settings.CREDIT_REPORT_TRUST_ROOTS = [str(_module_keys / "ca.pem")]
    return official_pdf(sample_content(rows=8))


def self_signed_signer(tmp_path) -> PadesSigner:
    """A key with a self-signed certificate in the issuer's very name: not trusted."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, signing.SIGNER_NAME)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .sign(key, hashes.SHA256())
    )
    path = tmp_path / "other.p12"
    path.write_bytes(
        pkcs12.serialize_key_and_certificates(
            b"other", key, cert, None, serialization.BestAvailableEncryption(b"pw")
        )
    )
    return PadesSigner.from_pkcs12(path, "pw")


def test_a_signed_report_passes_with_its_signer_time_and_whole_file_coverage(signed):
    check = check_signature(signed)
    assert check.ok, check.reason
    assert check.reason == "签名有效：文件由出具机构签章，签章后未被修改"
    assert check.signer == "常州市公共信用信息中心"
    assert check.intact and check.trusted and check.covers_whole_file
    age = datetime.datetime.now(datetime.UTC) - check.signed_at
    assert abs(age) < datetime.timedelta(minutes=5)


def test_pyhanko_validates_the_signature_as_pades_over_the_seal(signed, settings):
    reader = PdfFileReader(io.BytesIO(signed))
    (signature,) = reader.embedded_signatures
    assert signature.field_name == signing.FIELD_NAME
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    roots = signing.trust_roots()
    status = validate_pdf_signature(signature, ValidationContext(trust_roots=roots))
    assert status.bottom_line
    assert status.md_algorithm == "sha256"
    widget = signature.sig_field
    rect = [float(v) for v in widget["/Rect"]]
    assert rect == pytest.approx(list(SEAL_BOX), abs=1)
    first_page = reader.root["/Pages"]["/Kids"][0].get_object()
    annotations = [a.get_object() for a in first_page["/Annots"]]
    assert [a.get("/T") for a in annotations] == [signing.FIELD_NAME]  # on the cover
    appearance = widget["/AP"]["/N"].get_object()
    assert appearance.data.strip() in {b"", b"q Q"}  # draws nothing over the printed seal


def test_the_seal_stays_visible_under_the_signature_field(signed):
    assert red_pixels_in_seal_box(signed) > 500


def test_changing_one_byte_in_the_middle_breaks_the_signature(signed):
    data = bytearray(signed)
    data[len(data) // 2] ^= 0x01
    check = check_signature(bytes(data))
    assert not check.ok
    assert not check.intact
    assert "修改" in check.reason or "无法读取" in check.reason


def test_changing_the_signature_value_breaks_it(signed):
    start = signed.index(b"/Contents <") + len(b"/Contents <")
    data = bytearray(signed)
    spot = start + 3000  # inside the CMS signature value
    data[spot] = ord("0") if data[spot] != ord("0") else ord("1")
    check = check_signature(bytes(data))
    assert not check.ok


def test_an_incremental_update_appended_after_signing_fails(signed):
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    writer.root["/Lang"] = generic.TextStringObject("en")
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    check = check_signature(out.getvalue())
    assert not check.ok
    assert check.intact  # the signed revision itself is untouched…
    assert not check.covers_whole_file  # …but no longer the whole file
    assert check.reason == "签章后文件又被追加修改，签章不覆盖整个文件"


def test_bytes_appended_after_the_end_fail(signed):
    check = check_signature(signed + b"\n% appended\n1 0 obj\n<<>>\nendobj\n")
    assert not check.ok


def test_a_report_signed_with_another_key_is_not_trusted(signed, tmp_path):
    other = official_pdf(sample_content(rows=2), signer=self_signed_signer(tmp_path))
    check = check_signature(other)
    assert not check.ok
    assert check.intact and not check.trusted
    assert check.reason == "签章证书不受信任：不是本平台出具机构的签章证书"


def test_a_report_signed_by_another_development_ca_is_not_trusted(signed, tmp_path):
    other_keys = init_dev_keys(tmp_path / "other")
    other = official_pdf(
        sample_content(rows=2),
        signer=PadesSigner.from_pkcs12(other_keys.pkcs12, other_keys.password.read_text().strip()),
    )
    assert not check_signature(other).trusted


def encrypted_pdf() -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, encrypt="secret")
    page.drawString(100, 700, "encrypted")
    page.save()
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "文件为空"),
        (b"garbage that is not a pdf at all", "不是 PDF"),
        (b"PK\x03\x04 a zip file", "不是 PDF"),
        (b"%PDF-1.7\n" + b"\x00\xff" * 500, "无法读取"),
        (b"%PDF-1.7\n1 0 obj\n" + b"[" * 200_000 + b"\nendobj\n%%EOF", "无法读取"),
        (encrypted_pdf(), "已加密"),
    ],
    ids=["empty", "text", "zip", "binary", "deep-nesting", "encrypted"],
)
def test_hostile_or_foreign_input_answers_a_reason_and_never_raises(signing_keys, data, reason):
    check = check_signature(data)
    assert isinstance(check, SignatureCheck)
    assert not check.ok
    assert reason in check.reason


def test_a_truncated_report_fails(signed):
    assert not check_signature(signed[: len(signed) // 2]).ok
    assert not check_signature(signed[:-40]).ok


def test_an_unsigned_pdf_fails():
    check = check_signature(render_pdf(sample_content(rows=1)))
    assert not check.ok
    assert "没有电子签章" in check.reason


def test_a_file_over_the_size_limit_is_refused_before_reading(signed, settings):
    settings.CREDIT_REPORT_VERIFY_MAX_BYTES = len(signed) - 1
    check = check_signature(signed)
    assert not check.ok
    assert "超过" in check.reason


def test_missing_trust_roots_make_the_check_fail_not_raise(signed, settings, tmp_path):
    settings.CREDIT_REPORT_TRUST_ROOTS = [str(tmp_path / "nowhere.pem")]
    check = check_signature(signed)
    assert not check.ok
    assert "暂时无法核验" in check.reason
    settings.CREDIT_REPORT_TRUST_ROOTS = []
    assert "未配置信任的根证书" in check_signature(signed).reason


# --- Choosing the signer ------------------------------------------------------------------


def test_without_keys_signing_says_how_to_create_them():
    with pytest.raises(SetupError, match="尚未生成签章密钥，请运行 credit reports keys init"):
        get_signer()


def test_production_refuses_the_development_keys(signing_keys, settings):
    settings.PRODUCTION = True
    with pytest.raises(SetupError, match="生产环境未配置签章证书"):
        get_signer()


def test_a_pkcs12_named_in_settings_signs(signing_keys, settings):
    settings.CREDIT_REPORT_KEYS_DIR = signing_keys.parent / "unused"
    settings.CREDIT_REPORT_SIGNER_PKCS12 = str(signing_keys / "signer.p12")
    settings.CREDIT_REPORT_SIGNER_PASSWORD = (signing_keys / "password").read_text().strip()
    assert check_signature(official_pdf(sample_content(rows=1))).ok


def test_a_pkcs12_with_a_wrong_password_is_a_clear_setup_error(signing_keys, settings):
    settings.CREDIT_REPORT_SIGNER_PKCS12 = str(signing_keys / "signer.p12")
    settings.CREDIT_REPORT_SIGNER_PASSWORD = "wrong"
    with pytest.raises(SetupError, match="文件损坏或密码错误"):
        get_signer()


def test_a_missing_pkcs12_file_is_a_clear_setup_error(settings, tmp_path):
    settings.CREDIT_REPORT_SIGNER_PKCS12 = str(tmp_path / "none.p12")
    with pytest.raises(SetupError, match="找不到签章证书文件"):
        get_signer()


def test_a_pkcs11_token_that_cannot_be_opened_is_a_setup_error(settings, tmp_path):
    settings.CREDIT_REPORT_SIGNER_PKCS11 = {
        "lib": str(tmp_path / "no-such-module.so"),
        "token": "credit",
        "key_label": "report-signer",
    }
    with pytest.raises(SetupError) as caught:
        get_signer()
    assert caught.value.code in {"report_signer_pkcs11_missing", "report_signer_pkcs11"}


class DeploymentSigner:
    """A deployment's own signer (as an SM2 signer would be plugged in); here it delegates to
    the development key and records that it was used."""

    used: list[str] = []

    def __init__(self) -> None:
        from django.conf import settings

        keys = settings.CREDIT_REPORT_KEYS_DIR
        self._inner = PadesSigner.from_pkcs12(
            keys / "signer.p12", (keys / "password").read_text().strip()
        )
        self.name = "部署方签章程序"
        self.certificate_pem = self._inner.certificate_pem

    def sign_pdf(self, pdf, *, reason=signing.REASON, location=signing.LOCATION, field_box=None):
        DeploymentSigner.used.append(reason)
        return self._inner.sign_pdf(pdf, reason=reason, location=location, field_box=field_box)


class NotASigner:
    name = "缺少 sign_pdf"


def test_a_signer_class_named_in_settings_is_used(signing_keys, settings):
    settings.CREDIT_REPORT_SIGNER_CLASS = f"{__name__}.DeploymentSigner"
    DeploymentSigner.used.clear()
    assert get_signer().name == "部署方签章程序"
    assert check_signature(official_pdf(sample_content(rows=1))).ok
    assert DeploymentSigner.used == [signing.REASON]


def test_a_signer_class_without_the_interface_is_refused(settings):
    settings.CREDIT_REPORT_SIGNER_CLASS = f"{__name__}.NotASigner"
    with pytest.raises(SetupError, match="未实现 Signer 接口"):
        get_signer()


class DeploymentVerifier(DeploymentSigner):
    @staticmethod
    def check_signature(data: bytes) -> SignatureCheck:
        return SignatureCheck(ok=False, reason="由部署方验签程序核验")


def test_a_signer_class_with_its_own_check_is_used_for_verification(signed, settings):
    settings.CREDIT_REPORT_SIGNER_CLASS = f"{__name__}.DeploymentVerifier"
    assert check_signature(signed).reason == "由部署方验签程序核验"


# --- Development keys -----------------------------------------------------------------------


def test_init_dev_keys_writes_a_ca_and_a_signing_certificate_readable_only_by_the_owner(
    tmp_path,
):
    files = init_dev_keys(tmp_path / "keys")
    assert stat.S_IMODE(files.directory.stat().st_mode) == 0o700
    for path in (files.ca, files.pkcs12, files.password):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    ca = x509.load_pem_x509_certificate(files.ca.read_bytes())
    assert ca.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == signing.CA_NAME
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    _, cert, chain = pkcs12.load_key_and_certificates(
        files.pkcs12.read_bytes(), files.password.read_text().strip().encode()
    )
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == (
        "常州市公共信用信息中心"
    )
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == (
        "常州市发展和改革委员会"
    )
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment  # nonRepudiation
    assert cert.issuer == ca.subject
    years = (cert.not_valid_after_utc - cert.not_valid_before_utc).days / 365
    assert 2.9 < years <= 3.01
    assert [c.subject for c in chain] == [ca.subject]


def test_init_dev_keys_refuses_to_replace_keys_without_force(tmp_path, settings):
    folder = tmp_path / "keys"
    first = init_dev_keys(folder)
    before = first.ca.read_bytes()
    with pytest.raises(ValidationFailed, match="已有签章密钥") as caught:
        init_dev_keys(folder)
    assert caught.value.code == "report_keys_exist"
    assert first.ca.read_bytes() == before

    settings.CREDIT_REPORT_KEYS_DIR = folder
    settings.CREDIT_REPORT_TRUST_ROOTS = [str(folder / "ca.pem")]
    old_name = get_signer().certificate_pem
    init_dev_keys(folder, force=True)
    assert first.ca.read_bytes() != before
    assert get_signer().certificate_pem != old_name  # picked up without a restart
    assert check_signature(official_pdf(sample_content(rows=1))).ok


def test_the_keys_init_command_creates_keys_and_then_refuses(tmp_path, settings):
    folder = tmp_path / "keys"
    settings.CREDIT_REPORT_KEYS_DIR = folder
    out = io.StringIO()
    call_command("reports", "keys", "init", stdout=out)
    text = out.getvalue()
    assert "已生成开发用签章密钥" in text and str(folder / "signer.p12") in text
    assert (folder.parent / "seal.png").is_file()
    with pytest.raises(CommandError, match="已有签章密钥"):
        call_command("reports", "keys", "init", stdout=io.StringIO())
    call_command("reports", "keys", "init", "--force", stdout=io.StringIO())


def test_keys_init_if_missing_keeps_existing_keys_and_succeeds(tmp_path, settings):
    folder = tmp_path / "keys"
    settings.CREDIT_REPORT_KEYS_DIR = folder
    call_command("reports", "keys", "init", "--if-missing", stdout=io.StringIO())
    before = (folder / "ca.pem").read_bytes()
    out = io.StringIO()
    call_command("reports", "keys", "init", "--if-missing", stdout=out)
    assert "已有签章密钥，保留不变" in out.getvalue()
    assert (folder / "ca.pem").read_bytes() == before


def test_the_keys_init_command_writes_to_another_folder_when_asked(tmp_path):
    out = io.StringIO()
    call_command("reports", "keys", "init", "--dir", str(tmp_path / "elsewhere"), stdout=out)
    assert (tmp_path / "elsewhere" / "ca.pem").is_file()
    assert "CREDIT_REPORT_KEYS_DIR" in out.getvalue()


def test_the_keys_show_command_prints_subject_validity_and_fingerprint(signing_keys):
    out = io.StringIO()
    call_command("reports", "keys", "show", stdout=out)
    text = out.getvalue()
    assert "签章证书" in text and "CN=常州市公共信用信息中心" in text
    assert "信任的根证书" in text and signing.CA_NAME in text
    assert "有效期" in text
    fingerprint = signing.describe_certificate(get_signer().certificate_pem).sha256
    assert f"SHA-256 指纹：{fingerprint}" in text


def test_the_keys_show_command_without_keys_says_how_to_create_them():
    with pytest.raises(CommandError, match="credit reports keys init"):
        call_command("reports", "keys", "show", stdout=io.StringIO())
