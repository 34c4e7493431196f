"""Reads of credit records, scoped to what the acting principal may see."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from credit.accounts.permissions import data_scope, require
from credit.accounts.roles import Perm
from credit.records.models import CreditRecord


def records_for(principal: Any) -> QuerySet[CreditRecord]:
    """Every record the principal may read: city-wide roles all, a district administrator its
    region's, a department data officer its department's."""
    require(principal, Perm.RECORD_VIEW)
    scope = data_scope(principal)
    qs = CreditRecord.objects.select_related(
        "item", "department", "region", "legal_person", "natural_person", "publicity_policy"
    )
    if scope["region"]:
        qs = qs.filter(region_id=scope["region"])
    if scope["department"]:
        qs = qs.filter(department__code=scope["department"])
    return qs


def records_of_subject(principal: Any, *, legal_person=None, natural_person=None):
    qs = records_for(principal)
    if legal_person is not None:
        qs = qs.filter(legal_person=legal_person)
    else:
        qs = qs.filter(natural_person=natural_person)
    return qs.order_by("item__sort_order", "-decision_date", "-id")
