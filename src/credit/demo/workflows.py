"""Demo objections and a repair application, made through the real services so that the staff
workbench of a fresh demo has cases in every stage: one waiting for acceptance (service hall),
one accepted and with the source department for verification (its record suspended), one
decided (upheld, publication restored), and one credit repair application waiting for review.
Idempotent: nothing is made when any objection exists."""

from __future__ import annotations

import datetime
import re

from django.db.models import Q
from django.test import override_settings

from credit.accounts.models import User
from credit.catalog.models import CatalogItem
from credit.objections import repairs, services, sms, verification
from credit.objections.constants import AttachmentKind, CodePurpose, Finding
from credit.objections.models import Objection
from credit.objections.uploads import Upload
from credit.records.constants import Severity
from credit.records.models import CreditRecord
from credit.records.publicity import public_q

#: A minimal PDF: what the attachment check accepts (by its content).
_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_PHONES = ("13912340001", "13912340002", "13912340003", "13912340004")


def _candidates(today: datetime.date) -> list[CreditRecord]:
    """Public penalties of legal persons, from the demo department 市场监管局 first (its demo
    officer then sees the verification task)."""
    penalty = CatalogItem.objects.get(code="admin-penalty")
    qs = (
        CreditRecord.objects.filter(public_q(today), item=penalty, legal_person__isnull=False)
        .filter(~Q(legal_person__uscc=None))
        .select_related("legal_person", "department")
        .order_by("-department__code", "id")
    )
    scjg = list(qs.filter(department__code="SCJG")[:3])
    return scjg + list(qs.exclude(pk__in=[r.pk for r in scjg])[: 3 - len(scjg)])


def _applicant(record: CreditRecord, phone: str) -> dict[str, str]:
    subject = record.legal_person
    return {"name": subject.name, "id_number": subject.uscc, "phone": phone}


def seed_workflows(today: datetime.date | None = None) -> dict[str, int]:
    """Make the demo cases; returns what was made."""
    if Objection.objects.exists():
        return {"objections": 0, "repairs": 0}
    today = today or datetime.date.today()
    office = User.objects.get(username="admin")
    officer = User.objects.get(username="scjg")
    made = {"objections": 0, "repairs": 0}
    records = _candidates(today)
    reasons = (
        "该处罚已于复议中被撤销，请核实后更正。",
        "处罚决定书载明的罚款金额与公示信息不一致。",
        "我单位已按期缴纳罚款，公示的违法事实表述有误。",
    )
    for n, (record, reason) in enumerate(zip(records, reasons, strict=False)):
        objection = services.record_offline_objection(
            actor=office, record=record, reason=reason, files=[], **_applicant(record, _PHONES[n])
        )
        made["objections"] += 1
        if n == 0:
            continue  # waits for acceptance
        objection = services.accept_objection(actor=office, objection=objection, note="材料齐全")
        objection = services.assign_objection(actor=office, objection=objection)
        if n == 1:
            continue  # with the department for verification, its record suspended
        verifier = officer if objection.department.code == "SCJG" else office
        objection = services.record_verification(
            actor=verifier,
            objection=objection,
            finding=Finding.UPHOLD,
            opinion="经核实，公示信息与处罚决定书一致。",
        )
        services.decide_objection(
            actor=office,
            objection=objection,
            action="uphold",
            result="经来源部门核实，公示信息准确，维持公示。",
        )
    made["repairs"] = _repair_application(today)
    return made


def _repair_application(today: datetime.date) -> int:
    """One application for a general penalty past its minimum publicity period."""
    penalty = CatalogItem.objects.get(code="admin-penalty")
    busy = Objection.objects.values("record_id")
    record = (
        CreditRecord.objects.filter(
            public_q(today),
            item=penalty,
            legal_person__isnull=False,
            severity=Severity.GENERAL,
            repair_from__lte=today,
        )
        .exclude(pk__in=busy)
        .select_related("legal_person")
        .order_by("id")
        .first()
    )
    if record is None or not repairs.eligibility(record, today).eligible:
        return 0
    applicant = _applicant(record, _PHONES[3])
    with override_settings(CREDIT_SMS_BACKEND="credit.objections.sms.MemoryBackend"):
        sms.outbox.clear()
        verification.send_code(
            phone=applicant["phone"], purpose=CodePurpose.REPAIR, source_ip="127.0.0.1"
        )
        code = re.search(r"\d{6}", sms.outbox[-1].message).group()
    repairs.submit_repair(
        record_id=record.pk,
        code=code,
        statement="已全额缴纳罚款并完成整改，法定代表人参加了信用修复培训。",
        files=[
            Upload("信用承诺书.pdf", _PDF, AttachmentKind.COMMITMENT),
            Upload("培训证明.pdf", _PDF, AttachmentKind.PROOF),
        ],
        **applicant,
    )
    return 1
