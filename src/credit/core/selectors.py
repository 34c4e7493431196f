"""Reads of the shared kernel."""

from __future__ import annotations

from django.db.models import QuerySet

from credit.core.models import Department, Region


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
