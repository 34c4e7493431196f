"""Scoped reads behind the dashboard's numbers: the records and the legal persons a number
counts (the drill-down lists), with the same definitions as the facts (tests keep them equal)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from credit.catalog.constants import Category
from credit.core.access import Principal, principal_of
from credit.core.errors import ValidationFailed
from credit.dashboard import facts
from credit.dashboard.datasets import Filters, effective_filters, parse_month
from credit.dashboard.panels import scope_q
from credit.records.constants import RecordStatus, Severity
from credit.records.models import CreditRecord
from credit.records.publicity import add_months, dishonest_q, public_q, valid_q
from credit.subjects.constants import Industry, LegalPersonKind, LegalPersonStatus
from credit.subjects.models import LegalPerson

CATEGORY_LABELS = dict(Category.choices)
SEVERITY_LABELS = {**{k: v for k, v in Severity.choices if k}, "none": "未分级"}
STATUS_LABELS = dict(RecordStatus.choices)


@dataclass(frozen=True)
class RecordQuery:
    """What a drill-down link asks of the records, on top of the dashboard's filters."""

    filters: Filters
    #: Arrived (入库) in the months arrived_from … arrived_to (either open); ``arrived`` in a
    #: query is one month (both bounds).
    arrived_from: datetime.date | None = None
    arrived_to: datetime.date | None = None
    category: str = ""
    severity: str = ""
    status: str = ""
    subject_type: str = ""
    public: bool = False
    in_force: bool = False
    dishonest: bool = False

    @classmethod
    def from_query(cls, query: Any) -> RecordQuery:
        category = (query.get("category") or "").strip()
        if category and category not in CATEGORY_LABELS:
            raise ValidationFailed(f"分类“{category}”不存在", details={"field": "category"})
        severity = (query.get("severity") or "").strip()
        if severity and severity not in SEVERITY_LABELS:
            raise ValidationFailed(f"严重程度“{severity}”不存在", details={"field": "severity"})
        status = (query.get("status") or "").strip()
        if status and status not in STATUS_LABELS:
            raise ValidationFailed(f"状态“{status}”不存在", details={"field": "status"})
        subject_type = (query.get("subject_type") or "").strip()
        if subject_type not in ("", "legal", "natural"):
            raise ValidationFailed(
                "主体类型应为 legal 或 natural", details={"field": "subject_type"}
            )
        single = parse_month(query.get("arrived"), "arrived", "入库月份")
        arrived_from = parse_month(query.get("arrived_from"), "arrived_from", "入库起始月份")
        arrived_to = parse_month(query.get("arrived_to"), "arrived_to", "入库截止月份")
        return cls(
            filters=Filters.from_query(query),
            arrived_from=arrived_from or single,
            arrived_to=arrived_to or single,
            category=category,
            severity=severity,
            status=status,
            subject_type=subject_type,
            public=query.get("public") == "1",
            in_force=query.get("in_force") == "1",
            dishonest=query.get("dishonest") == "1",
        )


def records(actor: Any, ask: RecordQuery, *, today: datetime.date | None = None) -> QuerySet:
    """The records a number counts, within the actor's tenant (the facts' definitions)."""
    principal: Principal = principal_of(actor)
    today = today or facts_day()
    filters = effective_filters(principal, ask.filters)
    # The subject's district as "either subject's region" (not COALESCE of the two): the
    # planner then walks the newest records and checks each, fast for the first page.
    qs = CreditRecord.objects.filter(
        scope_q(
            principal,
            filters,
            district=("legal_person__region_id", "natural_person__region_id"),
        )
    )
    if filters.start:
        qs = qs.filter(_month_from(filters.start))
    if filters.end:
        qs = qs.filter(_month_before(add_months(filters.end, 1)))
    if ask.arrived_from:
        qs = qs.filter(created_at__date__gte=ask.arrived_from)
    if ask.arrived_to:
        qs = qs.filter(created_at__date__lt=add_months(ask.arrived_to, 1))
    if ask.category:
        qs = qs.filter(item__category=ask.category)
    if ask.severity:
        qs = qs.filter(severity="" if ask.severity == "none" else ask.severity)
    if ask.status:
        qs = qs.filter(status=ask.status)
    if ask.subject_type == "legal":
        qs = qs.filter(legal_person__isnull=False)
    elif ask.subject_type == "natural":
        qs = qs.filter(natural_person__isnull=False)
    if ask.public:
        qs = qs.filter(public_q(today))
    if ask.in_force:
        qs = qs.filter(valid_q(today))
    if ask.dishonest:
        qs = qs.filter(dishonest_q())
    return qs.select_related(
        "item",
        "department",
        "legal_person__region",
        "natural_person__region",
    ).order_by("-id")


def _month_from(start: datetime.date) -> Q:
    """Decision month ≥ start (the arrival day when there is no decision date, as the facts)."""
    return Q(decision_date__gte=start) | Q(decision_date__isnull=True, created_at__date__gte=start)


def _month_before(end: datetime.date) -> Q:
    return Q(decision_date__lt=end) | Q(decision_date__isnull=True, created_at__date__lt=end)


def facts_day() -> datetime.date:
    """The day the facts were computed for (so a list shows what its number counted)."""
    from django.utils import timezone

    snap = facts.snapshot()
    return snap.as_of if snap else timezone.localdate()


SUBJECT_PARAMS = ("kind", "industry", "capital", "age", "status")


def legal_persons(actor: Any, query: Any, *, today: datetime.date | None = None) -> QuerySet:
    """The legal persons a subjects number counts (same bands as the facts)."""
    principal = principal_of(actor)
    today = today or facts_day()
    filters = effective_filters(principal, Filters.from_query(query))
    qs = LegalPerson.objects.filter(scope_q(principal, filters, department=None, item=None))
    kind = (query.get("kind") or "").strip()
    if kind:
        if kind not in dict(LegalPersonKind.choices):
            raise ValidationFailed(f"主体类别“{kind}”不存在", details={"field": "kind"})
        qs = qs.filter(kind=kind)
    industry = (query.get("industry") or "").strip()
    if industry:
        if industry not in dict(Industry.choices):
            raise ValidationFailed(f"行业门类“{industry}”不存在", details={"field": "industry"})
        qs = qs.filter(industry=industry)
    status = (query.get("status") or "").strip()
    if status:
        if status not in dict(LegalPersonStatus.choices):
            raise ValidationFailed(f"登记状态“{status}”不存在", details={"field": "status"})
        qs = qs.filter(status=status)
    capital = _band(query.get("capital"), facts.CAPITAL_BANDS, "capital", "注册资本区间")
    if capital is not None:
        qs = qs.filter(_capital_q(capital))
    age = _band(query.get("age"), facts.AGE_BANDS, "age", "成立年限区间")
    if age is not None:
        qs = qs.filter(_age_q(age, today))
    return qs.select_related("region").order_by("-established_on", "id")


def _band(value: Any, bands: list, field: str, label: str) -> int | None:
    value = (value or "").strip() if isinstance(value, str) else value
    if value in (None, ""):
        return None
    codes = {str(code): code for code, *_ in bands}
    if str(value) not in codes:
        raise ValidationFailed(f"{label}“{value}”不存在", details={"field": field})
    return codes[str(value)]


def _capital_q(code: int) -> Q:
    _, _, lo, hi = facts.CAPITAL_BANDS[code]
    if lo is None:  # the facts' ELSE: none, or below every band (a negative amount)
        return Q(registered_capital__isnull=True) | Q(registered_capital__lt=0)
    q = Q(registered_capital__gte=lo)
    return q & Q(registered_capital__lt=hi) if hi is not None else q


def _years_before(today: datetime.date, years: int) -> datetime.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _age_q(code: int, today: datetime.date) -> Q:
    _, _, lo, hi = facts.AGE_BANDS[code]
    if lo is None:  # the facts' ELSE: none, or a date after the snapshot's day
        return Q(established_on__isnull=True) | Q(established_on__gt=today)
    q = Q(established_on__lte=_years_before(today, lo))
    return q & Q(established_on__gt=_years_before(today, hi)) if hi is not None else q
