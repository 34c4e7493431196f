"""Reads of batches — managing data, so limited by the principal's tenant
(``credit.core.access``): the credit office all, a district its region's, a department
officer or a department's system its department's (and those it may report for)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.catalog.selectors import visible_q
from credit.core.access import Perm, principal_of
from credit.core.models import Department
from credit.ingest.models import INTERNAL_ERROR, STALLED, Batch

_FAILED = Q(status=Batch.Status.FAILED)
#: The states the batch list filters by (状态), as the list shows them (``Batch.status_label``):
#: a failed batch is a refused file, an interrupted run or a run that failed on an error.
BATCH_STATES: dict[str, tuple[str, Q]] = {
    "queued": ("排队中", Q(status=Batch.Status.QUEUED)),
    "processing": ("处理中", Q(status=Batch.Status.PROCESSING)),
    "done": ("已完成", Q(status=Batch.Status.DONE)),
    "rejected": ("有退回行", Q(status=Batch.Status.DONE, rejected__gt=0)),
    "refused": ("已拒收的文件", _FAILED & ~Q(error_code__in=[STALLED, INTERNAL_ERROR])),
    "stalled": ("处理中断", _FAILED & Q(error_code=STALLED)),
    "internal_error": ("处理失败", _FAILED & Q(error_code=INTERNAL_ERROR)),
}


def batches_for(principal: Any) -> QuerySet[Batch]:
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    return Batch.objects.select_related("item", "department", "created_by").filter(
        p.tenant_q(region="region_id", department="department_id")
    )


def filtered_batches(
    principal: Any,
    *,
    item: CatalogItem | None = None,
    department: Department | None = None,
    state: str = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> QuerySet[Batch]:
    """The batch list (报送批次) of the principal's tenant, newest first, narrowed by catalog
    item, department, state (:data:`BATCH_STATES`) and the day received (local time, both
    ends included); with the region for the export."""
    qs = batches_for(principal).select_related("region")
    if item is not None:
        qs = qs.filter(item=item)
    if department is not None:
        qs = qs.filter(department=department)
    if state in BATCH_STATES:
        qs = qs.filter(BATCH_STATES[state][1])
    if date_from is not None:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-created_at", "-id")


def visible_departments(principal: Any) -> QuerySet[Department]:
    """The departments whose batches the principal sees (its tenant), for the list's filter."""
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    return (
        Department.objects.filter(p.tenant_q(region="region_id", department="pk"))
        .select_related("region")
        .order_by("region_id", "code")
    )


def batch_for(principal: Any, pk: int) -> Batch | None:
    """A batch the principal may see, or None for missing and forbidden alike."""
    return batches_for(principal).filter(pk=pk).first()


def submittable_departments(principal: Any) -> QuerySet[Department]:
    """Departments the principal may report for (its tenant: an officer its own)."""
    p = principal_of(principal)
    p.require(Perm.RECORD_SUBMIT)
    return (
        Department.objects.filter(is_active=True)
        .filter(p.tenant_q(region="region_id", department="pk"))
        .select_related("region")
    )


def submittable_items(principal: Any) -> QuerySet[CatalogItem]:
    """The active items ``principal`` may choose to report: the city's items and its own
    district's extension items (:func:`credit.catalog.selectors.visible_q`)."""
    return CatalogItem.objects.filter(visible_q(principal), is_active=True).order_by(
        "sort_order", "code"
    )


def quality_batches(principal: Any, *, days: int = 90) -> QuerySet[Batch]:
    """Finished batches of the last ``days`` days in the principal's scope."""
    since = timezone.localdate() - datetime.timedelta(days=days)
    return (
        batches_for(principal)
        .filter(status=Batch.Status.DONE, created_at__date__gte=since)
        .exclude(metrics={})
    )


def department_visible(principal: Any, code: str) -> Department | None:
    """The department if the principal's tenant includes it, else None."""
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    return (
        Department.objects.filter(code=code)
        .filter(p.tenant_q(region="region_id", department="pk"))
        .first()
    )
