"""Which data-quality reports (数据质量报告) a reader may read, and who generates them.

The credit office and every city-wide reader read every report; a district administrator its
district's report and those of its district's departments; a department officer its own
department's (the tenant of :class:`credit.core.access.Principal`). A report outside the
reader's scope is not found, like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from credit.assessment.constants import ReportScope
from credit.assessment.models import QualityReport
from credit.core.access import NOTHING, Perm, principal_of


def scope_q(actor: Any) -> Q:
    """The reports ``actor`` may read, as a filter (nothing without 查看绩效考核结果)."""
    p = principal_of(actor)
    if not p.has_perm(Perm.ASSESSMENT_VIEW):
        return NOTHING
    if p.city_wide:
        return Q()
    if p.departments is not None:
        if not p.departments:
            return NOTHING
        return Q(scope=ReportScope.DEPARTMENT, department_id__in=sorted(p.departments))
    if p.region_id:
        return Q(scope=ReportScope.DISTRICT, region_id=p.region_id) | Q(
            scope=ReportScope.DEPARTMENT, department__region_id=p.region_id
        )
    return NOTHING


def reports_for(actor: Any) -> QuerySet[QualityReport]:
    """The reports ``actor`` may read, newest month first (without their files)."""
    return (
        QualityReport.objects.filter(scope_q(actor))
        .defer("pdf", "xlsx")
        .select_related("department", "region")
        .order_by("-month", "scope", "department__sort_order", "region__sort_order", "id")
    )


def report_for(actor: Any, pk: int) -> QualityReport | None:
    """One report if ``actor`` may read it, else None (missing and forbidden alike)."""
    return QualityReport.objects.filter(scope_q(actor)).filter(pk=pk).first()


def may_generate(actor: Any) -> bool:
    """Whether ``actor`` may generate reports: 组织绩效考核 with the whole city as tenant."""
    p = principal_of(actor)
    return p.has_perm(Perm.ASSESSMENT_MANAGE) and p.city_wide


def latest_summary(actor: Any) -> QualityReport | None:
    """The report shown at the top of the list: the city's of the latest month when the reader
    may read it, else the reader's own newest (its district's, else its department's)."""
    readable = reports_for(actor)
    for scope in (ReportScope.CITY, ReportScope.DISTRICT, ReportScope.DEPARTMENT):
        found = readable.filter(scope=scope).first()
        if found is not None:
            return found
    return None
