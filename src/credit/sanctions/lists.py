"""List management (名单管理): the list entries in the caller's scope, filtered, counted and
exported. Entries are records of the catalog's list items (see :mod:`credit.sanctions`)."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from credit.core.access import Perm, principal_of
from credit.records.models import CreditRecord
from credit.records.publicity import valid_q
from credit.sanctions.constants import LIST_CATEGORIES

#: The "in force" filter values.
IN_FORCE, ENDED = "in_force", "ended"


def entries_for(
    principal: Any,
    *,
    list_kind: str = "",
    item: str = "",
    region: str = "",
    state: str = "",
    q: str = "",
    today: datetime.date | None = None,
) -> QuerySet[CreditRecord]:
    """List entries the principal manages (its tenant, see ``credit.core.access``): the
    credit office all; a district administrator its district's; a department officer its
    department's."""
    p = principal_of(principal)
    p.require(Perm.RECORD_VIEW)
    today = today or datetime.date.today()
    qs = (
        CreditRecord.objects.filter(item__category__in=LIST_CATEGORIES)
        .filter(p.tenant_q(region="region_id", department="department_id"))
        .select_related("item", "department", "region", "legal_person", "natural_person")
    )
    if list_kind:
        qs = qs.filter(item__category=list_kind)
    if item:
        qs = qs.filter(item__code=item)
    if region:
        qs = qs.filter(region_id=region)
    if state == IN_FORCE:
        qs = qs.filter(valid_q(today))
    elif state == ENDED:
        qs = qs.exclude(valid_q(today))
    q = q.strip()
    if q:
        qs = qs.filter(
            Q(legal_person__uscc=q.upper())
            | Q(legal_person__name__icontains=q)
            | Q(document_no__icontains=q)
        )
    return qs.order_by("-decision_date", "-id")


def counts(entries: QuerySet[CreditRecord], today: datetime.date | None = None) -> list[dict]:
    """Per list item: entries in force, ended, and in all (one grouped query)."""
    today = today or datetime.date.today()
    rows = (
        entries.order_by()
        .values("item__code", "item__name", "item__category")
        .annotate(
            total=Count("id"),
            in_force=Count("id", filter=valid_q(today)),
        )
        .order_by("item__category", "item__code")
    )
    return [{**r, "ended": r["total"] - r["in_force"]} for r in rows]
