"""Builders shared by the commitment tests (the items file is loaded once per test database by
``tests/conftest.py``).

- :func:`item_of` ``(kind, department=None)``: an active item of the kind (of the department
  by code, made with one template version when the file has none).
- :func:`make_subject` / :func:`make_person`: a fresh legal person (of a district) / natural
  person in the library.
- :func:`make_commitment` ``(kind="voluntary", subject=None, department=None, …)``: a
  commitment made the way the services make them (a structured number, the item's current
  version), published unless ``status`` says otherwise.
- :func:`add_penalty` ``(subject, department="SCJG", decided=None)``: an 行政处罚 record of the
  subject written through the records service (so the change listener runs).
- :func:`queued` / :func:`run_jobs`: the queued ``commitments.*`` jobs, run as the worker
  would.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.commitments.constants import Channel, Kind, Status
from credit.commitments.models import Commitment, CommitmentItem, CommitmentItemVersion
from credit.commitments.services import imports
from credit.commitments.services.commitments import _create
from credit.core import crypto
from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department
from credit.records.models import CreditRecord
from credit.records.services import upsert_record
from credit.subjects.models import LegalPerson, NaturalPerson
from credit.subjects.services import ID_PURPOSE, register_legal_person, register_natural_person
from tests.catalog.factories import legal_person_payload, natural_person_payload

_serial = itertools.count(1)


def today() -> datetime.date:
    return timezone.localdate()


def item_of(kind: str = Kind.VOLUNTARY, department: str | None = None) -> CommitmentItem:
    """An active item of ``kind`` (of ``department``, by code, when given)."""
    qs = CommitmentItem.objects.filter(kind=kind, is_active=True).select_related("department")
    if department:
        qs = qs.filter(department__code=department)
    found = qs.order_by("sort_order", "code").first()
    if found is not None:
        return found
    dept = Department.objects.get(code=department or "SCJG")
    item = CommitmentItem.objects.create(
        code=f"test-{kind}-{dept.code.lower()}-{next(_serial)}",
        name=f"测试承诺事项{next(_serial)}",
        kind=kind,
        department=dept,
    )
    CommitmentItemVersion.objects.create(
        item=item, version=1, template_text="本人承诺遵守相关规定。", validity_months=12
    )
    return item


def make_subject(division: str = "320402", name: str = "") -> LegalPerson:
    n = next(_serial)
    subject, _ = register_legal_person(
        actor=None,
        uscc=make_uscc("91", division, f"{n + 60_000_000:08d}"),
        name=name or f"常州市承诺测试{n}有限公司",
        legal_representative="王五",
    )
    return subject


def new_id_number(division: str = "320402") -> str:
    n = next(_serial)
    return make_resident_id(
        division, datetime.date(1975 + n % 20, 1 + n % 12, 1 + n % 28), n % 999 + 1
    )


def make_person(name: str = "", division: str = "320402") -> NaturalPerson:
    person, _ = register_natural_person(
        actor=None, name=name or f"承诺人{next(_serial)}", id_number=new_id_number(division)
    )
    return person


def id_number_of(person: NaturalPerson) -> str:
    return crypto.decrypt(person.id_cipher, purpose=ID_PURPOSE)


def make_commitment(
    kind: str = Kind.VOLUNTARY,
    *,
    subject: LegalPerson | NaturalPerson | None = None,
    department: str | None = None,
    item: CommitmentItem | None = None,
    status: str = Status.PUBLISHED,
    committed_on: datetime.date | None = None,
    channel: str = Channel.DEPARTMENT,
    **extra: Any,
) -> Commitment:
    """A commitment of ``subject`` (a fresh legal person) for an item of ``kind`` (made to
    ``department`` by code), through the service's constructor, ``status`` PUBLISHED."""
    item = item or item_of(kind, department)
    return _create(
        item=item,
        subject=subject or make_subject(),
        committed_on=committed_on or today() - datetime.timedelta(days=30),
        signer_name="王五",
        status=status,
        channel=channel,
        **extra,
    )


def add_penalty(
    subject: LegalPerson | NaturalPerson,
    *,
    department: str = "SCJG",
    decided: datetime.date | None = None,
) -> CreditRecord:
    """An 行政处罚 record of ``subject`` by ``department``, through the records service."""
    n = next(_serial)
    decided = decided or today() - datetime.timedelta(days=5)
    common = {
        "document_no": f"常承诺测处〔{decided.year}〕{n}号",
        "decision_date": decided.isoformat(),
        "valid_to": (today() + datetime.timedelta(days=365)).isoformat(),
        "publicity_end": (today() + datetime.timedelta(days=300)).isoformat(),
    }
    if isinstance(subject, LegalPerson):
        payload = legal_person_payload(subject_name=subject.name, uscc=subject.uscc, **common)
    else:
        payload = natural_person_payload(
            subject_name=subject.name, id_number=id_number_of(subject), **common
        )
    return upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code="admin-penalty"),
        department=Department.objects.get(code=department),
        subject=subject,
        payload=payload,
    ).record


def queued(task: str):
    from procrastinate.contrib.django.models import ProcrastinateJob

    return ProcrastinateJob.objects.filter(task_name=task, status="todo").order_by("id")


_ran: set[int] = set()


def run_jobs() -> int:
    """Run the queued ``commitments.import_records`` and ``commitments.detect`` jobs not run
    yet, as the worker would; how many."""
    done = 0
    for task, run in (
        ("commitments.import_records", imports.import_records),
        ("commitments.detect", imports.detect),
    ):
        for job in queued(task):
            if job.pk in _ran:
                continue
            _ran.add(job.pk)
            run(job.args["record_ids"])
            done += 1
    return done
