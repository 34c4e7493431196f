"""Scoped reads of the government dishonesty records (政务失信记录) for the staff who manage
them, and of their revocations (统一撤销).

Staff read these records by the managing rule (:meth:`~credit.core.access.Principal.tenant_q`
on the record's source department and region): the city's credit office every record, a
district's the records of its district, a department's principal those its department
reported — in every state, revoked ones included, so the list shows what was taken offline and
when. Reading needs ``integrity.view`` or ``integrity.manage``. What the public and the API
read is :mod:`credit.integrity.selectors.government`'s question, not this module's.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet

from credit.core.access import Perm, principal_of
from credit.integrity.constants import CS_DISHONESTY, GOV_DISHONESTY, ExchangeStatus
from credit.integrity.models import Revocation
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

#: The items of 政务失信记录: of government bodies, and of civil servants.
GOVERNMENT_ITEMS = (GOV_DISHONESTY, CS_DISHONESTY)
#: Either opens the staff list.
READS = (Perm.INTEGRITY_VIEW, Perm.INTEGRITY_MANAGE)
#: The payload field holding a government body's 失信类型 (code table gov_dishonesty_type).
TYPE_FIELD = "dishonesty_type"
#: 失信类型 (code table gov_dishonesty_type), for the filter.
DISHONESTY_TYPES = (
    "被列为失信被执行人",
    "违约毁约",
    "拖欠企业账款",
    "不履行行政诉讼生效裁判",
    "其他",
)


def _require(actor: Any):
    p = principal_of(actor)
    if not p.has_any(READS):
        p.require(Perm.INTEGRITY_VIEW)
    return p


def government_records_for(
    actor: Any, filters: dict[str, Any] | None = None
) -> QuerySet[CreditRecord]:
    """The 政务失信记录 (both items) of ``actor``'s tenant, in any status, newest decision
    first, each with its item, source department, region, subject and revocation (if any).

    ``filters`` (each optional): ``item`` (an item code of :data:`GOVERNMENT_ITEMS`),
    ``status`` (a record status), ``type`` (失信类型), ``region`` (a region code),
    ``date_from`` / ``date_to`` (decision date, both ends included), ``q`` (part of the
    subject's name, or the document number)."""
    p = _require(actor)
    f = filters or {}
    qs = CreditRecord.objects.select_related(
        "item", "department", "region", "legal_person", "natural_person", "revocation"
    ).filter(
        p.tenant_q(region="region_id", department="department_id"),
        item__code__in=GOVERNMENT_ITEMS,
    )
    if f.get("item") in GOVERNMENT_ITEMS:
        qs = qs.filter(item__code=f["item"])
    if f.get("status") in RecordStatus.values:
        qs = qs.filter(status=f["status"])
    if f.get("type"):
        qs = qs.filter(**{f"payload__{TYPE_FIELD}": f["type"]})
    if f.get("region"):
        qs = qs.filter(region_id=f["region"])
    if isinstance(f.get("date_from"), datetime.date):
        qs = qs.filter(decision_date__gte=f["date_from"])
    if isinstance(f.get("date_to"), datetime.date):
        qs = qs.filter(decision_date__lte=f["date_to"])
    if q := str(f.get("q") or "").strip():
        qs = qs.filter(
            Q(document_no__icontains=q)
            | Q(legal_person__name__icontains=q)
            | Q(natural_person__name__icontains=q)
        )
    return qs.order_by("-decision_date", "-id")


def government_record_for(actor: Any, pk: int) -> CreditRecord | None:
    """One 政务失信记录 of ``actor``'s tenant, else None (missing and forbidden alike)."""
    return government_records_for(actor).filter(pk=pk).first()


def revocations_for(actor: Any, *, exchange_status: str = "", q: str = "") -> QuerySet[Revocation]:
    """The revocations of the 政务失信记录 of ``actor``'s tenant, newest first, narrowed by
    their exchange status (待上报 / 已上报) and a part of the subject's name or a document
    number (the record's or the revocation's)."""
    p = _require(actor)
    qs = Revocation.objects.select_related(
        "record__item",
        "record__department",
        "record__region",
        "record__legal_person",
        "record__natural_person",
        "created_by",
    ).filter(p.tenant_q(region="record__region_id", department="record__department_id"))
    if exchange_status in ExchangeStatus.values:
        qs = qs.filter(exchange_status=exchange_status)
    if q := (q or "").strip():
        qs = qs.filter(
            Q(document_no__icontains=q)
            | Q(record__document_no__icontains=q)
            | Q(record__legal_person__name__icontains=q)
            | Q(record__natural_person__name__icontains=q)
        )
    return qs.order_by("-created_at", "-id")
