"""Fixtures of the dashboard tests: credit records saved as they are (the dates, validity and
publicity a count reads set directly), companies with the attributes the subject bands read,
natural persons by district, and the staff of each role and tenant."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from credit.accounts.roles import Role

_serial = itertools.count(1)
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: datetime.date, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """A moment of ``day`` in Beijing time."""
    return datetime.datetime.combine(day, datetime.time(hour, minute), TZ)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@pytest.fixture
def make_record(db):
    """``make_record(item, department, subject, decided=…, arrived=…, …)`` → a credit record
    saved as is (no payload rules), with its arrival time (``created_at``) set."""
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.records.models import CreditRecord

    def make(
        item: str,
        department: str,
        subject: Any,
        *,
        decided: datetime.date | None = None,
        arrived: datetime.datetime | None = None,
        status: str = "active",
        severity: str = "",
        valid_from: datetime.date | None = None,
        valid_to: datetime.date | None = None,
        publicity_start: datetime.date | None = None,
        publicity_end: datetime.date | None = None,
        publishable: bool = True,
        usage_scope: str = "public",
    ) -> CreditRecord:
        dept = Department.objects.get(code=department)
        natural = subject.__class__.__name__ == "NaturalPerson"
        record = CreditRecord.objects.create(
            item=CatalogItem.objects.get(code=item),
            legal_person=None if natural else subject,
            natural_person=subject if natural else None,
            department=dept,
            region_id=dept.region_id,
            natural_key=f"dashboard-{next(_serial)}",
            document_no=f"常测〔2026〕{next(_serial)}号",
            payload={},
            usage_scope=usage_scope,
            decision_date=decided,
            valid_from=valid_from,
            valid_to=valid_to,
            publicity_start=publicity_start,
            publicity_end=publicity_end,
            publishable=publishable,
            severity=severity,
            status=status,
        )
        if arrived is not None:
            CreditRecord.objects.filter(pk=record.pk).update(created_at=arrived)
            record.refresh_from_db()
        return record

    return make


@pytest.fixture
def make_company(db, uscc_factory):
    """``make_company(district, capital=…, established=…, kind=…, industry=…, status=…)``."""
    from credit.subjects.services import register_legal_person

    def make(
        district: str = "320402",
        *,
        capital: Decimal | int | None = None,
        established: datetime.date | None = None,
        kind: str = "organisation",
        industry: str = "C",
        status: str = "active",
        name: str = "",
    ):
        subject, _ = register_legal_person(
            actor=None,
            uscc=uscc_factory(division=district),
            name=name or f"常州市测试{next(_serial)}有限公司",
            kind=kind,
            legal_representative="张三",
            registered_capital=None if capital is None else Decimal(capital),
            established_on=established,
            industry=industry,
            status=status,
        )
        return subject

    return make


@pytest.fixture
def make_person(db, resident_id_factory):
    """``make_person(district)`` → a natural person whose ID was issued in ``district``."""
    from credit.subjects.services import register_natural_person

    def make(district: str = "320412"):
        person, _ = register_natural_person(
            actor=None, name="王五", id_number=resident_id_factory(division=district)
        )
        return person

    return make


@pytest.fixture
def staff(make_user):
    """Users by name: the city administrator, the credit office, a leader, an auditor, 天宁区's
    and 钟楼区's administrators, 天宁区 market supervision's officer and the city market
    supervision's officer."""
    return {
        "admin": make_user(Role.CITY_ADMIN),
        "office": make_user(Role.CITY_REVIEWER),
        "leader": make_user(Role.LEADER),
        "auditor": make_user(Role.AUDITOR),
        "tianning": make_user(Role.DISTRICT_ADMIN, "320402"),
        "zhonglou": make_user(Role.DISTRICT_ADMIN, "320404"),
        "tnq_officer": make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG"),
        "city_officer": make_user(Role.DEPT_OFFICER, "320400", "SCJG"),
    }
