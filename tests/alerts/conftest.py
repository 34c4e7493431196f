"""Fixtures of the warning tests: records, batches and rules built directly with the dates a
metric counts by, and the staff of each role and tenant."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone

from credit.accounts.roles import Role

_serial = itertools.count(1)
TZ = timezone.get_fixed_timezone(8 * 60)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    """A moment of ``day`` in Beijing time."""
    return datetime.datetime.combine(day, datetime.time(hour), TZ)


@pytest.fixture
def make_record(db):
    """``make_record(item, department, subject, decided=…, arrived=…, status=…, valid_to=…)``
    → a credit record saved as is (no payload rules), its arrival time set; a 行政处罚 is
    一般 (a dishonesty record) unless ``severity`` says otherwise."""
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
        valid_from: datetime.date | None = None,
        valid_to: datetime.date | None = None,
        document_no: str = "",
        severity: str | None = None,
    ) -> CreditRecord:
        dept = Department.objects.get(code=department)
        natural = getattr(subject, "subject_type", "") == "natural"
        record = CreditRecord.objects.create(
            item=CatalogItem.objects.get(code=item),
            legal_person=None if natural else subject,
            natural_person=subject if natural else None,
            department=dept,
            region_id=dept.region_id,
            natural_key=f"alerts-{next(_serial)}",
            document_no=document_no,
            payload={},
            usage_scope="public",
            decision_date=decided,
            valid_from=valid_from,
            valid_to=valid_to,
            status=status,
            severity=("general" if item == "admin-penalty" else "")
            if severity is None
            else severity,
        )
        if arrived is not None:
            CreditRecord.objects.filter(pk=record.pk).update(created_at=arrived)
            record.refresh_from_db()
        return record

    return make


@pytest.fixture
def make_batch(db):
    """``make_batch(item, department, arrived, inserted=1, status="done")`` → a batch."""
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.ingest.models import Batch

    def make(item: str, department: str, arrived: datetime.datetime, *, inserted: int = 1,
             rejected: int = 0, status: str = "done") -> Batch:  # fmt: skip
        dept = Department.objects.get(code=department)
        batch = Batch.objects.create(
            item=CatalogItem.objects.get(code=item),
            item_version=1,
            department=dept,
            region_id=dept.region_id,
            channel=Batch.Channel.API,
            status=status,
            total=inserted + rejected,
            inserted=inserted,
            rejected=rejected,
        )
        Batch.objects.filter(pk=batch.pk).update(created_at=arrived)
        return batch

    return make


@pytest.fixture
def make_rule(db):
    """``make_rule(metric, subject, comparison, threshold=… | ratio=…, period="month")``."""
    from credit.alerts import services

    def make(metric: str, subject: str, comparison: str, *, threshold: Any = None,
             ratio: Any = None, period: str = "month", level: str = "warning",
             code: str | None = None):  # fmt: skip
        return services.save_rule(
            actor=None,
            code=code or f"rule-{next(_serial)}",
            name=f"测试规则 {metric}",
            metric=metric,
            subject=subject,
            comparison=comparison,
            threshold=threshold,
            ratio_to_average=ratio,
            period=period,
            level=level,
        )

    return make


@pytest.fixture
def another_person(uscc_factory):
    from credit.subjects.services import register_legal_person

    def make(name: str = "常州市另一测试有限公司", division: str = "320402"):
        subject, _ = register_legal_person(
            actor=None, uscc=uscc_factory(division=division), name=name, legal_representative="李四"
        )
        return subject

    return make


@pytest.fixture
def staff(make_user):
    """Users by name: the credit office, a leader, 天宁区's and 钟楼区's administrators, 天宁区
    market-supervision's officer and the city market-supervision officer."""
    return {
        "office": make_user(Role.CITY_REVIEWER),
        "admin": make_user(Role.CITY_ADMIN),
        "leader": make_user(Role.LEADER),
        "tianning": make_user(Role.DISTRICT_ADMIN, "320402"),
        "zhonglou": make_user(Role.DISTRICT_ADMIN, "320404"),
        "tnq_officer": make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG"),
        "city_officer": make_user(Role.DEPT_OFFICER, "320400", "SCJG"),
    }


@pytest.fixture
def warnings(make_rule):
    """Warnings of each kind of tenant, by name: 天宁区 market supervision's (department), 天宁区's
    (district), 钟楼区's, the city market supervision's, and a closed one of 天宁区."""
    from credit.alerts.models import Warning
    from credit.core.models import Department

    rule = make_rule("dishonesty_records", "district", "gt", threshold="0", code="fixture-rule")

    def make(key: str, region: str | None, department: str | None, **extra: Any) -> Warning:
        return Warning.objects.create(
            rule=rule,
            level=extra.pop("level", "warning"),
            region_id=region,
            department=Department.objects.get(code=department) if department else None,
            key=key,
            period_label="2026-11",
            text=f"{key} 的预警内容",
            evidence_url="/sanctions/lists/?region=320402",
            value=5,
            threshold=3,
            **extra,
        )

    return {
        "tnq": make("department:TNQ-SCJG@2026-11", "320402", "TNQ-SCJG", level="severe"),
        "tianning": make("district:320402@2026-11", "320402", None),
        "zhonglou": make("district:320404@2026-11", "320404", None, level="notice"),
        "city": make("department:SCJG@2026-11", "320400", "SCJG"),
        "closed": make(
            "district:320402@2026-10",
            "320402",
            None,
            status="closed",
            closed_at=timezone.now(),
            close_reason="已处理",
        ),
    }
