"""Builders shared by the assessment tests: a department's batches, credit records,
objections, joint-punishment checks and API calls, each saved as is with the dates a metric
counts by (no service runs, so a test states exactly what exists).

- :func:`at` ``(day, hour=10)``: a moment of ``day`` in Beijing time.
- :func:`dept` ``(code)``: a department of the city configuration (SCJG, TNQ-SCJG, …).
- :func:`make_subject` / :func:`make_natural`: a fresh legal / natural person.
- :func:`make_record` ``(item, department, decided=…, arrived=…, status=…)``: a credit record.
- :func:`make_batch` ``(item, department, arrived, inserted=1, …, channel="api")``: a batch.
- :func:`make_objection` ``(department, status=…, verify_due=…, verified_at=…)``.
- :func:`make_check` ``(department, checked=…, result="hit", feedback=False)``.
- :func:`make_call` ``(department, called=…, status=200)``: a row of the API call log.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department
from credit.ingest.models import Batch
from credit.records.models import CreditRecord

_serial = itertools.count(1)
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment of ``day`` in Beijing time."""
    return datetime.datetime.combine(day, datetime.time(hour), TZ)


def dept(code: str) -> Department:
    return Department.objects.get(code=code)


def make_subject(name: str = "常州市考核测试有限公司", division: str = "320402") -> Any:
    """A fresh legal person of ``division``."""
    from credit.subjects.services import register_legal_person

    subject, _ = register_legal_person(
        actor=None,
        uscc=make_uscc("91", division, f"{next(_serial) + 30_000_000:08d}"),
        name=name,
        legal_representative="张三",
    )
    return subject


def make_natural(name: str = "王小明", division: str = "320402") -> Any:
    """A fresh natural person of ``division``."""
    from credit.subjects.services import register_natural_person

    subject, _ = register_natural_person(
        actor=None,
        id_number=make_resident_id(division, datetime.date(1980, 5, 17), next(_serial) % 999 + 1),
        name=name,
    )
    return subject


def make_record(
    item: str,
    department: str,
    *,
    subject: Any = None,
    decided: datetime.date | None = None,
    arrived: datetime.datetime | None = None,
    status: str = "active",
    document_no: str = "",
    usage_scope: str = "public",
    publishable: bool = True,
    valid_to: datetime.date | None = None,
    publicity_start: datetime.date | None = None,
    publicity_end: datetime.date | None = None,
) -> CreditRecord:
    """A credit record of ``item`` (code) by ``department`` (code), saved as is, its arrival
    time (入库时间) set to ``arrived``; a legal person is made when no subject is given."""
    department_obj = dept(department)
    subject = subject if subject is not None else make_subject()
    natural = subject._meta.model_name == "naturalperson"
    n = next(_serial)
    record = CreditRecord.objects.create(
        item=CatalogItem.objects.get(code=item),
        legal_person=None if natural else subject,
        natural_person=subject if natural else None,
        department=department_obj,
        region_id=department_obj.region_id,
        natural_key=f"assessment-{n}",
        document_no=document_no or f"考核测试〔2026〕{n}号",
        payload={},
        usage_scope=usage_scope,
        publishable=publishable,
        decision_date=decided,
        valid_to=valid_to,
        publicity_start=publicity_start,
        publicity_end=publicity_end,
        status=status,
    )
    if arrived is not None:
        CreditRecord.objects.filter(pk=record.pk).update(created_at=arrived)
        record.refresh_from_db()
    return record


def make_batch(
    item: str,
    department: str,
    arrived: datetime.datetime,
    *,
    inserted: int = 1,
    updated: int = 0,
    unchanged: int = 0,
    corrected: int = 0,
    rejected: int = 0,
    channel: str = Batch.Channel.API,
    status: str = Batch.Status.DONE,
) -> Batch:
    """A batch of ``item`` by ``department`` received at ``arrived``; ``total`` is the sum of
    the accepted and rejected rows (``corrected`` are among the accepted ones)."""
    department_obj = dept(department)
    batch = Batch.objects.create(
        item=CatalogItem.objects.get(code=item),
        item_version=1,
        department=department_obj,
        region_id=department_obj.region_id,
        channel=channel,
        status=status,
        total=inserted + updated + unchanged + rejected,
        inserted=inserted,
        updated=updated,
        unchanged=unchanged,
        corrected=corrected,
        rejected=rejected,
        file_name=f"考核测试{next(_serial)}.xlsx",
    )
    Batch.objects.filter(pk=batch.pk).update(created_at=arrived)
    batch.refresh_from_db()
    return batch


def make_objection(
    department: str | None,
    *,
    status: str = "verifying",
    verify_due: datetime.date | None = None,
    verified_at: datetime.datetime | None = None,
    record: CreditRecord | None = None,
) -> Any:
    """An objection to a fresh 行政处罚 record (one per objection: a record has at most one
    suspending objection), assigned to ``department`` (code) for verification."""
    from credit.objections.models import Objection

    record = record or make_record("admin-penalty", department or "SCJG")
    n = next(_serial)
    return Objection.objects.create(
        number=f"YY-TEST-{n:06d}",
        channel="online",
        record=record,
        record_version=record.version,
        reason="信息有误",
        status=status,
        department=dept(department) if department else None,
        accept_due=datetime.date(2026, 1, 1),
        verify_due=verify_due,
        verified_at=verified_at,
        submitter_name="测试申请人",
        submitter_kind="legal",
        id_cipher=b"",
        id_index=f"id-{n}",
        id_masked="9132****",
        phone_cipher=b"",
        phone_index=f"phone-{n}",
        phone_masked="138****0000",
    )


def _measure() -> Any:
    from credit.sanctions.models import Measure

    found = Measure.objects.order_by("id").first()
    if found is not None:
        return found
    return Measure.objects.create(
        code=f"TEST-M-{next(_serial)}",
        kind="punishment",
        list_kind="black_list",
        text="限制参加政府采购",
        legal_basis="测试依据",
        scenarios=[],
    )


def make_check(
    department: str | None,
    *,
    checked: datetime.datetime,
    result: str = "hit",
    feedback: bool = False,
    user: Any = None,
) -> Any:
    """A 联合奖惩核查 by ``department`` at ``checked``; with ``feedback`` one 措施实施反馈."""
    from django.contrib.auth import get_user_model

    from credit.sanctions.models import Check, CheckFeedback

    if user is None:
        user = get_user_model().objects.create(username=f"checker{next(_serial)}")
    subject = make_subject()
    check = Check.objects.create(
        number=f"HC-TEST-{next(_serial):06d}",
        user=user,
        department=dept(department) if department else None,
        query="9132****",
        legal_person=subject,
        subject_name=subject.name,
        reason="招投标",
        result=result,
    )
    Check.objects.filter(pk=check.pk).update(checked_at=checked)
    if feedback:
        CheckFeedback.objects.create(
            check_ref=check,
            measure=_measure(),
            record=make_record("dishonest-judgment-debtor", "FY", subject=subject),
            action="applied",
            user=user,
        )
    return check


def make_call(
    department: str | None,
    *,
    called: datetime.datetime,
    status: int = 200,
    client_id: int | None = 1,
    route: str = "/api/v1/ingest/{item}",
) -> None:
    """One row of the API call log by an API client of ``department``."""
    from credit.gateway import calllog

    assert calllog.record_call(
        called_at=called,
        method="POST",
        route=route,
        path=route,
        status=status,
        latency_ms=12,
        client_id=client_id,
        department_id=dept(department).pk if department else None,
        request_id=f"req-{next(_serial)}",
    )
