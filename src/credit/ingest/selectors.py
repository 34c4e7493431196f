"""Reads of batches — managing data, so limited by the principal's tenant
(``credit.core.access``): the credit office all, a district its region's, a department
officer or a department's system its department's (and those it may report for)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, principal_of
from credit.core.models import Department
from credit.ingest.models import Batch


def batches_for(principal: Any) -> QuerySet[Batch]:
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    return Batch.objects.select_related("item", "department", "created_by").filter(
        p.tenant_q(region="region_id", department="department_id")
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


def submittable_items() -> QuerySet[CatalogItem]:
    return CatalogItem.objects.filter(is_active=True).order_by("sort_order", "code")


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
