"""Government dishonesty records (政务失信记录, seed L429–L433): a government body listed as a
dishonest judgment debtor, breaking or defaulting on contracts, owing companies money, failing
to perform an administrative court's judgment … — with the reasons, the handling and the
accountability results (L431).

- :func:`public_records`: what the public reads in the portal's 政务诚信 column — the records
  of the item 政务失信记录 the publicity rules let the public see today
  (:func:`credit.records.publicity.public_q`: active, published, within the publicity
  window). A revoked record (统一撤销) is no longer active, so it is gone from the column at
  once, as it is from every other reader.
- :func:`records_for`: what a system or a member of staff reads through the API — the records
  of the item in force that the principal may use by their usage scope (信息使用范围,
  :func:`credit.records.selectors.usable_q`), the same rule as the embedded query.

Rows leave as :class:`GovRecord` with the fields the reader may have: the public's through
:mod:`credit.records.disclosure`, a principal's through
:func:`credit.records.selectors.usable_payload`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KT

from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for
from credit.integrity.constants import GOV_DISHONESTY
from credit.records.disclosure import payload_text
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from credit.records.selectors import usable_payload, usable_q

#: The seed's kinds of government dishonesty (代码表 gov_dishonesty_type), in its order.
DISHONESTY_TYPES = (
    "被列为失信被执行人",
    "违约毁约",
    "拖欠企业账款",
    "不履行行政诉讼生效裁判",
    "其他",
)
#: The payload fields a row shows, by code.
FIELDS = (
    "subject_name",
    "uscc",
    "dishonesty_type",
    "behaviour",
    "reason",
    "authority",
    "handling",
    "accountability",
)


@dataclass(frozen=True)
class GovFilters:
    """Filters of the list (all optional): the kind of dishonesty (失信类型), the region (code:
    the body's own or the reporting department's), the year of the decision and a fragment of
    the body's name."""

    type: str = ""
    region: str = ""
    year: int | None = None
    name: str = ""


@dataclass(frozen=True)
class GovRecord:
    """One government dishonesty record as its reader may read it."""

    id: int
    subject_name: str
    uscc: str
    subject_id: int | None
    dishonesty_type: str
    behaviour: str
    reason: str
    handling: str
    accountability: str
    document_no: str
    decision_date: datetime.date | None
    authority: str
    department: str
    region: str
    publicity_end: datetime.date | None


def gov_item() -> CatalogItem | None:
    """The catalog item 政务失信记录 (None before the catalog has it)."""
    return CatalogItem.objects.filter(code=GOV_DISHONESTY).first()


def dishonesty_types() -> list[str]:
    """The kinds a filter offers: the seed's, then any the code table has besides."""
    item = gov_item()
    rule = spec_for(item).by_code().get("dishonesty_type") if item is not None else None
    extra = sorted(set(rule.code_values or ()) - set(DISHONESTY_TYPES)) if rule else []
    return [*DISHONESTY_TYPES, *extra]


def _filtered(qs: QuerySet[CreditRecord], filters: GovFilters | None) -> QuerySet[CreditRecord]:
    filters = filters or GovFilters()
    if filters.type:
        qs = qs.alias(type_text=KT("payload__dishonesty_type")).filter(type_text=filters.type)
    if filters.region:
        qs = qs.filter(Q(region_id=filters.region) | Q(legal_person__region_id=filters.region))
    if filters.year:
        qs = qs.filter(decision_date__year=filters.year)
    if filters.name:
        qs = qs.filter(legal_person__name__contains=filters.name.strip())
    return qs.select_related("item", "legal_person", "department", "region").order_by(
        "-decision_date", "-id"
    )


def public_records(
    filters: GovFilters | None = None, *, today: datetime.date | None = None
) -> QuerySet[CreditRecord]:
    """The government dishonesty records the public may see today, newest first."""
    return _filtered(
        CreditRecord.objects.filter(public_q(today), item__code=GOV_DISHONESTY), filters
    )


def records_for(
    principal: Any, filters: GovFilters | None = None, *, today: datetime.date | None = None
) -> QuerySet[CreditRecord]:
    """The government dishonesty records in force ``principal`` may use, newest first."""
    return _filtered(
        CreditRecord.objects.filter(usable_q(principal, today=today), item__code=GOV_DISHONESTY),
        filters,
    )


def _row(record: CreditRecord, text: Callable[[str], str]) -> GovRecord:
    lp = record.legal_person
    return GovRecord(
        id=record.pk,
        subject_name=(lp.name if lp else "") or text("subject_name"),
        uscc=(lp.uscc if lp else "") or text("uscc"),
        subject_id=lp.pk if lp else None,
        dishonesty_type=text("dishonesty_type"),
        behaviour=text("behaviour"),
        reason=text("reason"),
        handling=text("handling"),
        accountability=text("accountability"),
        document_no=record.document_no,
        decision_date=record.decision_date,
        authority=text("authority") or record.department.name,
        department=record.department.name,
        region=record.region.name,
        publicity_end=record.publicity_end,
    )


def public_row(record: CreditRecord) -> GovRecord:
    """A record as the public reads it (the fields the catalog lets the public have)."""
    payload = record.payload or {}
    return _row(
        record, lambda code: payload_text(record.item, payload, code, natural=False, names=())
    )


def row_for(record: CreditRecord, principal: Any) -> GovRecord:
    """A record as ``principal`` reads it (the fields its usage scopes allow)."""
    payload = usable_payload(record, principal)
    return _row(record, lambda code: str(payload.get(code) or "").strip())
