"""Reads of the shared kernel: regions, departments and the audit log (审计日志)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from credit.core.access import NOTHING, Perm, principal_of
from credit.core.models import AuditEntry, Department, Region


def city() -> Region | None:
    """The city this deployment serves (the one region without a parent)."""
    return Region.objects.filter(level=Region.Level.CITY).first()


def regions() -> QuerySet[Region]:
    return Region.objects.filter(is_active=True).select_related("parent")


def departments(*, region: str | None = None, active_only: bool = True) -> QuerySet[Department]:
    """Departments in display order, optionally of one region (its code)."""
    qs = Department.objects.select_related("region")
    if active_only:
        qs = qs.filter(is_active=True)
    if region:
        qs = qs.filter(region_id=region)
    return qs


def region_for_division_code(code: str) -> Region | None:
    """The current region for a division code, including codes no longer in force."""
    if not code:
        return None
    return (
        Region.objects.filter(code=code).first()
        or Region.objects.filter(historic_codes__contains=[code]).first()
    )


# --- the audit log -----------------------------------------------------------------------------

#: Object types whose audit entries concern a natural person or an applicant: the list shows
#: them by type and number only, and opening one (its before/after) is an audited read.
PERSONAL_OBJECT_TYPES = frozenset(
    {"subjects.naturalperson", "objections.objection", "objections.repairapplication"}
)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def audit_entries_for(
    principal: Any,
    *,
    actor: str = "",
    event_type: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    source_ip: str = "",
    request_id: str = "",
) -> QuerySet[AuditEntry]:
    """The audit entries ``principal`` may read, newest first, narrowed by the filters: the
    whole log for a city-wide principal with 查看审计日志, nothing for anyone else (the log
    has no region or department to scope by). ``actor`` matches part of the actor's name,
    the dates are local days, both ends included."""
    p = principal_of(principal)
    if not p.has_perm(Perm.AUDIT_VIEW):
        return AuditEntry.objects.filter(NOTHING)
    qs = AuditEntry.objects.filter(p.tenant_q(region=None, department=None))
    if actor:
        qs = qs.filter(actor_repr__icontains=actor)
    if event_type:
        qs = qs.filter(event_type=event_type)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if date_from:
        qs = qs.filter(occurred_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(occurred_at__lt=_day_start(date_to + datetime.timedelta(days=1)))
    if source_ip:
        qs = qs.filter(source_ip=source_ip)
    if request_id:
        qs = qs.filter(request_id=request_id)
    return qs.order_by("-occurred_at", "-id")


def audit_entry_for(principal: Any, pk: int) -> AuditEntry | None:
    """One audit entry ``principal`` may read, or None (missing and forbidden alike)."""
    return audit_entries_for(principal).filter(Q(pk=pk)).first()
