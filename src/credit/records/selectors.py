"""Reads of credit records under the platform's two read rules (``credit.core.access``):

- **managing** (:func:`records_for`): the records of the principal's tenant — the city, its
  district, or its department(s) — in every state, for the pages that manage data;
- **using** (:func:`usable_q`, :func:`records_of_subject`, :func:`usable_payload`): the records
  in force whose usage scope (信息使用范围) the principal may use, of the catalog items it is
  granted, across departments and districts — the same answer on the staff subject page, the
  embedded query, the check and the change feed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import BooleanField, Case, Q, QuerySet, Value, When

from credit.catalog.rules import spec_for
from credit.core.access import Perm, principal_of
from credit.records.models import CreditRecord
from credit.records.publicity import in_force_q

_RELATED = ("item", "department", "region", "legal_person", "natural_person", "publicity_policy")


def records_for(principal: Any) -> QuerySet[CreditRecord]:
    """Every record the principal manages (its tenant), in every state: city-wide roles all,
    a district administrator its region's, a department officer or a department's system its
    department's (and those it is granted to report for)."""
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    return CreditRecord.objects.select_related(*_RELATED).filter(
        p.tenant_q(region="region_id", department="department_id")
    )


def usable_q(principal: Any, *, today: datetime.date | None = None, prefix: str = "") -> Q:
    """The use rule as a filter: in force today (:func:`in_force_q`: active, not past its
    publicity), of a usage scope the principal may use (社会公开 everyone; 政务共享 government
    principals; 授权查询 only with the subject's authorisation, which no channel carries yet),
    and of an active catalog item it is granted."""
    p = principal_of(principal)
    if not p.usage_scopes:
        return Q(pk__in=[])
    q = in_force_q(today, prefix) & Q(**{f"{prefix}usage_scope__in": sorted(p.usage_scopes)})
    q &= Q(**{f"{prefix}item__is_active": True})
    if p.item_ids is not None:
        q &= Q(**{f"{prefix}item_id__in": sorted(p.item_ids)})
    return q


def records_of_subject(
    principal: Any, *, legal_person=None, natural_person=None, today: datetime.date | None = None
) -> QuerySet[CreditRecord]:
    """A subject's records on its staff page: those the principal may use, and beside them
    the ones it manages in any other state (expired, suspended, 授权查询 …). Each row carries
    ``usable`` (True: shared for use, the same rows the embedded query returns)."""
    p = principal_of(principal)
    p.require(Perm.SUBJECT_VIEW)
    use = usable_q(p, today=today)
    visible = use | p.tenant_q(department="department_id") if p.has_perm(Perm.RECORD_VIEW) else use
    qs = CreditRecord.objects.select_related(*_RELATED).filter(visible)
    if legal_person is not None:
        qs = qs.filter(legal_person=legal_person)
    else:
        qs = qs.filter(natural_person=natural_person)
    return qs.annotate(
        usable=Case(When(use, then=Value(True)), default=Value(False), output_field=BooleanField())
    ).order_by("item__sort_order", "-decision_date", "-id")


def usable_payload(record: CreditRecord, principal: Any) -> dict[str, Any]:
    """The record's fields the principal may use: a field whose own usage scope (e.g. an ID
    number, 政务共享 inside a public item) is beyond the principal's is left out; a field the
    item no longer specifies counts with the item's usage scope."""
    scopes = principal_of(principal).usage_scopes
    rules = spec_for(record.item).by_code()
    default = record.item.usage_scope
    return {
        code: value
        for code, value in record.payload.items()
        if (rules[code].usage_scope if code in rules else default) in scopes
    }
