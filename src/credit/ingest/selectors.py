"""Reads of batches, scoped like records: city-wide roles all, a district its region's, a
department officer its department's."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from credit.accounts.permissions import data_scope, require
from credit.accounts.roles import Perm
from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.ingest.models import Batch


def batches_for(principal: Any) -> QuerySet[Batch]:
    require(principal, Perm.RECORD_VIEW)
    scope = data_scope(principal)
    qs = Batch.objects.select_related("item", "department", "created_by")
    if scope["region"]:
        qs = qs.filter(region_id=scope["region"])
    if scope["department"]:
        qs = qs.filter(department__code=scope["department"])
    return qs


def batch_for(principal: Any, pk: int) -> Batch | None:
    """A batch the principal may see, or None for missing and forbidden alike."""
    return batches_for(principal).filter(pk=pk).first()


def submittable_departments(principal: Any) -> QuerySet[Department]:
    """Departments the principal may report for (an officer: its own)."""
    require(principal, Perm.RECORD_SUBMIT)
    qs = Department.objects.filter(is_active=True).select_related("region")
    scope = data_scope(principal)
    if scope["department"]:
        qs = qs.filter(code=scope["department"])
    elif scope["region"]:
        qs = qs.filter(region_id=scope["region"])
    return qs


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
    """The department if the principal's scope includes it, else None."""
    require(principal, Perm.RECORD_VIEW)
    scope = data_scope(principal)
    if scope["department"] and scope["department"] != code:
        return None
    qs = Department.objects.filter(code=code)
    if scope["region"]:
        qs = qs.filter(region_id=scope["region"])
    return qs.first()
