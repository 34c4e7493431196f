"""Fixtures of the objection and repair tests: records to object to, staff of each kind,
an SMS outbox, valid attachment bytes, cases at given steps, and how the page tests read a
page, a workbook sheet or post a file."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.objections import sms
from credit.objections.constants import Finding
from credit.objections.uploads import Upload
from credit.records.publicity import add_months

TODAY = datetime.date.today()
PHONE = "13812345678"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.fixture
def outbox(settings):
    """Messages "sent" by the test SMS backend (codes are read there)."""
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def last_code(outbox, phone: str = PHONE) -> str:
    for sent in reversed(outbox):
        if sent.phone == phone:
            found = re.search(r"验证码为(\d{6})", sent.message)
            if found:
                return found.group(1)
    raise AssertionError("no code sent")


@pytest.fixture
def penalty_record(legal_person):
    """A current public 行政处罚 (一般) of SCJG about the shared legal person."""
    from tests.records.factories import penalty

    return penalty(legal_person, "SCJG", "常市监罚〔2026〕1号").record


@pytest.fixture
def make_penalty(legal_person):
    """``make_penalty(doc, decided=date, severity="一般", department="SCJG", subject=...)``."""
    from tests.records.factories import penalty

    def make(doc, *, decided=None, severity="一般", department="SCJG", subject=None, **extra):
        changes = {"severity": severity, **extra}
        if decided is not None:
            changes.update(
                decision_date=decided.isoformat(),
                valid_to=add_months(decided, 12).isoformat(),
                publicity_end=add_months(decided, 12).isoformat(),
            )
        return penalty(subject or legal_person, department, doc, **changes).record

    return make


@pytest.fixture
def repairable(make_penalty):
    """A public penalty (一般) decided 200 days ago: past its 3-month minimum, repairable."""
    return make_penalty("常市监罚〔2026〕88号", decided=TODAY - datetime.timedelta(days=200))


@pytest.fixture
def office(make_user):
    """A credit office reviewer: handles objections and reviews repairs."""
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def scjg_officer(make_user):
    return make_user(Role.DEPT_OFFICER, department="SCJG")


@pytest.fixture
def sw_officer(make_user):
    return make_user(Role.DEPT_OFFICER, department="SW")


@pytest.fixture
def applicant(resident_id_factory):
    """An applicant's fields (a natural person other than the record's subject)."""
    return {"name": "李四", "id_number": resident_id_factory(), "phone": PHONE}


def pdf(name: str = "证明.pdf", kind: str = "") -> Upload:
    return Upload(name, PDF, kind)


def repair_files() -> list[Upload]:
    return [Upload("信用承诺书.pdf", PDF, "commitment"), Upload("培训证明.jpg", JPG, "proof")]


@pytest.fixture
def submit(outbox, applicant, settings):
    """``submit(record, **overrides)`` → an online objection, through a real code (sending
    limits relaxed: several submissions from one phone in a test)."""
    from credit.objections import services, verification

    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100

    def make(record, **overrides):
        fields = {**applicant, **overrides}
        verification.send_code(phone=fields["phone"], purpose="objection", source_ip=None)
        return services.submit_objection(
            record_id=record.pk,
            name=fields["name"],
            id_number=fields["id_number"],
            phone=fields["phone"],
            code=last_code(outbox, fields["phone"]),
            reason=fields.get("reason", "处罚已被行政复议撤销，信息不应继续公示。"),
            files=fields.get("files", [pdf()]),
        )

    return make


def page_text(response) -> str:
    return response.content.decode()


def sheet(response, title):
    """The rows of the sheet ``title`` of an xlsx download."""
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


def uploaded(name, data):
    """A file as a page's form posts it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def to_verified(office, objection, finding=Finding.UPHOLD):
    """``objection`` accepted, assigned and verified (by the credit office), reloaded."""
    from credit.objections import services
    from credit.objections.models import Objection

    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection)
    services.record_verification(
        actor=office, objection=objection, finding=finding, opinion="经核实"
    )
    return Objection.objects.get(pk=objection.pk)


@pytest.fixture
def relaxed(settings):
    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100


@pytest.fixture
def assigned(submit, penalty_record, office):
    """An objection assigned to SCJG for verification."""
    from credit.objections import services
    from credit.objections.models import Objection

    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection, department="SCJG")
    return Objection.objects.get(pk=objection.pk)


@pytest.fixture
def application(outbox, repairable, legal_person, relaxed):
    """A repair application of ``repairable`` by its subject, waiting for review."""
    from credit.objections import repairs, verification

    verification.send_code(phone=PHONE, purpose="repair", source_ip=None)
    return repairs.submit_repair(
        record_id=repairable.pk,
        name=legal_person.name,
        id_number=legal_person.uscc,
        phone=PHONE,
        code=last_code(outbox),
        statement="已整改",
        files=repair_files(),
    )
