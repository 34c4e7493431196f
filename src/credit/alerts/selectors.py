"""Reads of warnings (预警), scoped to the principal: ``alerts.view`` (查看预警) and the tenant —
the credit office and leaders see every warning, a district administrator its district's (the
warning's region), a department officer or a department's system its departments' (the
warning's department). The workbench and the big screen call :func:`open_count` and
:func:`open_for`; the pages and ``GET /api/v1/warnings`` call :func:`visible` and
:func:`filtered`."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, IntegerField, QuerySet, Value, When

from credit.alerts.constants import LEVEL_RANK, LIVE, Status
from credit.alerts.models import Warning, WarningRule
from credit.alerts.periods import day_start
from credit.core.access import Perm, principal_of
from credit.core.models import AuditEntry

#: The filters :func:`filtered` takes.
FILTERS = ("status", "level", "rule", "region", "department", "date_from", "date_to")


def _urgency() -> tuple[Case, Case]:
    status = Case(
        When(status=Status.OPEN, then=Value(0)),
        When(status=Status.ACKNOWLEDGED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    level = Case(
        *(When(level=code, then=Value(rank)) for code, rank in LEVEL_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return status, level


def visible(principal: Any) -> QuerySet[Warning]:
    """The warnings the principal may see, most urgent first: open before acknowledged before
    closed, severe before warning before notice, newest first. ``PermissionDenied`` without
    查看预警."""
    p = principal_of(principal)
    p.require(Perm.WARNING_VIEW)
    status, level = _urgency()
    return (
        Warning.objects.filter(p.tenant_q(region="region_id", department="department_id"))
        .select_related("rule", "region", "department")
        .annotate(status_rank=status, level_rank=level)
        .order_by("status_rank", "level_rank", "-created_at", "-id")
    )


def filtered(principal: Any, **filters: Any) -> QuerySet[Warning]:
    """:func:`visible` narrowed by ``status`` (``live`` for open or acknowledged), ``level``,
    ``rule`` (code), ``region`` (code), ``department`` (code) and the days raised
    ``date_from``/``date_to`` (inclusive); empty filters are ignored."""
    qs = visible(principal)
    status = filters.get("status")
    if status == "live":
        qs = qs.filter(status__in=LIVE)
    elif status:
        qs = qs.filter(status=status)
    if level := filters.get("level"):
        qs = qs.filter(level=level)
    if rule := filters.get("rule"):
        qs = qs.filter(rule__code=rule)
    if region := filters.get("region"):
        qs = qs.filter(region_id=region)
    if department := filters.get("department"):
        qs = qs.filter(department__code=department)
    if date_from := filters.get("date_from"):
        qs = qs.filter(created_at__gte=day_start(date_from))
    if date_to := filters.get("date_to"):
        qs = qs.filter(created_at__lt=day_start(date_to + datetime.timedelta(days=1)))
    return qs


def warning_for(principal: Any, pk: Any) -> Warning | None:
    """One warning if the principal may see it; None when it is missing or not visible alike."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return (
        visible(principal)
        .select_related("legal_person", "natural_person", "acknowledged_by", "closed_by")
        .filter(pk=pk)
        .first()
    )


def open_count(principal: Any) -> int:
    """How many warnings wait for the principal (待处理); 0 without 查看预警."""
    p = principal_of(principal)
    if not p.has_perm(Perm.WARNING_VIEW):
        return 0
    return visible(p).filter(status=Status.OPEN).count()


def open_for(principal: Any, limit: int = 10) -> list[Warning]:
    """The principal's open warnings, most urgent first, at most ``limit``; none without
    查看预警."""
    p = principal_of(principal)
    if not p.has_perm(Perm.WARNING_VIEW):
        return []
    return list(visible(p).filter(status=Status.OPEN)[: max(0, min(limit, 500))])


def history(warning: Warning) -> list[AuditEntry]:
    """The warning's audited steps (raised, acknowledged, closed), oldest first."""
    return list(
        AuditEntry.objects.filter(object_type="alerts.warning", object_id=str(warning.pk)).order_by(
            "occurred_at", "id"
        )
    )


def rules() -> QuerySet[WarningRule]:
    """Every rule, active first, by code."""
    return WarningRule.objects.order_by("-is_active", "code")


def rule_by_code(code: str) -> WarningRule | None:
    return WarningRule.objects.filter(code=code[:64]).first()
