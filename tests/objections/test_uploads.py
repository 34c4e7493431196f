"""Attachment checks: the type by magic bytes (extension alone never decides), size, count,
empty files and file names."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credit.core.errors import ValidationFailed
from credit.objections import uploads
from credit.objections.uploads import Upload
from tests.objections.conftest import JPG, PDF, PNG


def _code(*files, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as raised:
        uploads.check_files(list(files), **kwargs)
    return raised.value.code


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("决定书.pdf", PDF, "application/pdf"),
        ("照片.PNG", PNG, "image/png"),
        ("扫描件.jpg", JPG, "image/jpeg"),
        ("扫描件.jpeg", JPG, "image/jpeg"),
    ],
)
def test_pdf_png_and_jpg_are_accepted(name, data, content_type):
    (checked,) = uploads.check_files([Upload(name, data)])
    assert checked.content_type == content_type and checked.size == len(data)
    assert len(checked.sha256) == 64


def test_a_file_is_judged_by_its_content_not_its_extension():
    assert _code(Upload("证明.pdf", b"MZ\x90\x00 an executable")) == "attachment_type"
    assert _code(Upload("证明.pdf", b"<html><script>")) == "attachment_type"
    assert _code(Upload("证明.docx", b"PK\x03\x04")) == "attachment_type"


def test_the_extension_must_agree_with_the_content():
    assert _code(Upload("照片.pdf", PNG)) == "attachment_type_mismatch"
    assert _code(Upload("证明.exe", PDF)) == "attachment_type_mismatch"
    assert _code(Upload("证明", PDF)) == "attachment_type_mismatch"


def test_an_empty_file_is_refused():
    assert _code(Upload("空.pdf", b"")) == "attachment_empty"


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.CREDIT_OBJECTION_MAX_FILE_BYTES = 1024
    uploads.check_files([Upload("a.pdf", PDF + b"0" * (1024 - len(PDF)))])  # exactly the limit
    with pytest.raises(ValidationFailed) as raised:
        uploads.check_files([Upload("a.pdf", PDF + b"0" * 1024)])
    assert raised.value.code == "attachment_too_large" and "1 KB" in raised.value.message


def test_the_default_limit_is_ten_megabytes():
    from credit.objections import conf

    assert conf.max_file_bytes() == 10 * 1024 * 1024


def test_too_many_files_are_refused(settings):
    settings.CREDIT_OBJECTION_MAX_FILES = 2
    uploads.check_files([Upload("a.pdf", PDF), Upload("b.pdf", PDF)])
    assert _code(*(Upload(f"{i}.pdf", PDF) for i in range(3))) == "attachment_too_many"


def test_required_kinds_must_be_present():
    commitment = Upload("承诺书.pdf", PDF, "commitment")
    assert _code(commitment, required_kinds=["commitment", "proof"]) == "attachment_required"
    uploads.check_files(
        [commitment, Upload("证明.jpg", JPG, "proof")], required_kinds=["commitment", "proof"]
    )


def test_reading_an_upload_stops_past_the_limit(settings):
    settings.CREDIT_OBJECTION_MAX_FILE_BYTES = 100
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 10_000)
    read = uploads.read_upload(big, "evidence")
    assert len(read.data) == 101 and read.kind == "evidence"
    with pytest.raises(ValidationFailed):
        uploads.check_file(read)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\证明.pdf", "证明.pdf"),
        ('a<b>:"c".pdf', "a_b___c_.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("", "附件"),
    ],
)
def test_file_names_are_made_safe(name, expected):
    assert uploads.safe_name(name) == expected


def test_long_names_keep_their_extension():
    name = uploads.safe_name("很" * 300 + ".pdf")
    assert len(name) == 100 and name.endswith(".pdf")
