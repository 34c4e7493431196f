"""The staff pages of government dishonesty records (政务失信记录): the list of the records of
government bodies and of civil servants in the reader's tenant, in every state, with filters
and the Excel export; the unified revocation of one record (统一撤销: the record's summary,
the form, a refusal on the form); and the list of revocations with their exchange status
(待随下次交换上报 / 已上报).

Reads go through :mod:`credit.integrity.selectors.revocations` (a record outside the reader's
tenant is "not found"), the revocation through
:func:`credit.integrity.services.revocation.revoke`. A civil servant's name is shown masked
on every page and in every export; opening a civil servant's record and exporting a list are
audited reads.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse

from credit.catalog.masking import masked_value
from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for
from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, stamp, xlsx_download
from credit.core.masking import mask_name
from credit.core.models import Region
from credit.core.paging import capped_page
from credit.integrity.constants import CS_DISHONESTY, ExchangeStatus
from credit.integrity.forms import GovernmentFilterForm, RevocationFilterForm, RevokeForm
from credit.integrity.models import Revocation
from credit.integrity.selectors import revocations as selectors
from credit.integrity.services import revocation as services
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

PAGE_SIZE = 30
COUNT_CAP = 10_000
STATUS_LABELS = dict(RecordStatus.choices)
EXCHANGE_LABELS = dict(ExchangeStatus.choices)
#: The payload fields the list and the export show beside the record's columns.
DETAIL_FIELDS = (
    ("dishonesty_type", "失信类型"),
    ("behaviour", "失信行为"),
    ("reason", "具体原因"),
    ("authority", "认定单位"),
    ("handling", "处理结果"),
    ("accountability", "追责结果"),
)


def subject_shown(record: CreditRecord) -> str:
    """The record's subject as staff pages show it: a civil servant's name masked, a
    government body's name as it is."""
    if record.natural_person_id:
        return mask_name(record.natural_person.name)
    return record.legal_person.name if record.legal_person_id else ""


def _fact(record: CreditRecord, code: str) -> str:
    value = (record.payload or {}).get(code)
    if value in (None, ""):
        return ""
    return str(masked_value(None, value))


def record_rows(record: CreditRecord) -> list[tuple[str, str]]:
    """The record's fields as ``(label, value)`` in the catalog's order, a civil servant's
    personal fields masked (staff never need them in clear to revoke)."""
    rows = []
    payload = record.payload or {}
    for rule in spec_for(record.item).fields:
        value = payload.get(rule.code)
        if value in (None, ""):
            continue
        if record.natural_person_id or rule.sensitivity != "public":
            value = masked_value(rule, value)
        rows.append((rule.name, str(value)))
    return rows


# --------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------


def _items() -> list[tuple[str, str]]:
    names = dict(
        CatalogItem.objects.filter(code__in=selectors.GOVERNMENT_ITEMS).values_list("code", "name")
    )
    return [(code, names.get(code, code)) for code in selectors.GOVERNMENT_ITEMS]


def _regions(actor: Any) -> list[tuple[str, str]]:
    p = principal_of(actor)
    if p.departments is not None:
        return []
    regions = Region.objects.filter(is_active=True)
    if not p.city_wide:
        regions = regions.filter(code=p.region_id)
    return list(regions.order_by("sort_order", "code").values_list("code", "name"))


def _records(request: HttpRequest) -> tuple[GovernmentFilterForm, dict[str, Any], Any]:
    form = GovernmentFilterForm(
        request.GET or None,
        items=_items(),
        statuses=RecordStatus.choices,
        types=selectors.DISHONESTY_TYPES,
        regions=_regions(request.user),
    )
    f = form.filters()
    return form, f, selectors.government_records_for(request.user, f)


def _may_revoke(actor: Any, record: CreditRecord) -> bool:
    return (
        principal_of(actor).has_perm(Perm.INTEGRITY_MANAGE)
        and record.status in (RecordStatus.ACTIVE, RecordStatus.SUSPENDED, RecordStatus.EXPIRED)
        and not revoked_here(record)
    )


def revoked_here(record: CreditRecord) -> bool:
    """Whether the record was revoked here (its :class:`Revocation`, when selected with it)."""
    try:
        return record.revocation is not None
    except Revocation.DoesNotExist:
        return False


@any_perm_required(*selectors.READS)
def government(request: HttpRequest) -> HttpResponse:
    """The 政务失信记录 of the reader's tenant, newest decision first."""
    form, f, qs = _records(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    for record in page:
        record.subject_shown = subject_shown(record)
        record.type_shown = _fact(record, "dishonesty_type")
        record.revocable = _may_revoke(request.user, record)
        record.revoked_here = revoked_here(record)
    counts = (
        selectors.government_records_for(request.user)
        .order_by()
        .aggregate(
            total=Count("id"),
            active=Count("id", filter=Q(status=RecordStatus.ACTIVE)),
            revoked=Count("id", filter=Q(status=RecordStatus.REVOKED)),
            suspended=Count("id", filter=Q(status=RecordStatus.SUSPENDED)),
        )
    )
    return render(
        request,
        "integrity/government_list.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "filtered": bool(f),
            "counts": counts,
            "tenant": principal_of(request.user).tenant_label,
            "may_manage": principal_of(request.user).has_perm(Perm.INTEGRITY_MANAGE),
        },
    )


@any_perm_required(*selectors.READS)
def government_export(request: HttpRequest) -> HttpResponse:
    """The filtered records as a workbook (civil servants' names masked; an audited read)."""
    _, _, qs = _records(request)
    records = list(qs[:EXPORT_LIMIT])
    audit.record(
        "integrity.government_exported",
        actor=request.user,
        object_type=CreditRecord._meta.label_lower,
        after={"rows": len(records), "query": query_without_page(request)[:500]},
    )
    headers = ["类别", "失信主体", "统一社会信用代码", *[label for _, label in DETAIL_FIELDS],
               "认定文书号", "认定日期", "来源部门", "区划", "状态", "撤销时间",
               "撤销原因"]  # fmt: skip
    rows = (
        [
            r.item.name,
            subject_shown(r),
            r.legal_person.uscc if r.legal_person_id else "",
            *[_fact(r, code) for code, _ in DETAIL_FIELDS],
            r.document_no,
            r.decision_date,
            r.department.name,
            r.region.name,
            STATUS_LABELS.get(r.status, r.status),
            r.revocation.created_at if revoked_here(r) else "",
            r.revocation.reason if revoked_here(r) else "",
        ]
        for r in records
    )
    return xlsx_download(f"政务失信记录-{stamp()}.xlsx", [("政务失信记录", headers, rows)])


# --------------------------------------------------------------------------------------------
# The unified revocation of one record
# --------------------------------------------------------------------------------------------


def _render_revoke(
    request: HttpRequest, record: CreditRecord, form: RevokeForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "integrity/government_revoke.html",
        {
            "record": record,
            "subject": subject_shown(record),
            "rows": record_rows(record),
            "status_label": STATUS_LABELS.get(record.status, record.status),
            "refusal": services.revocation_refusal(request.user, record),
            "form": form,
        },
        status=status,
    )


@perm_required(Perm.INTEGRITY_MANAGE)
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the record's summary and the form (or why it cannot be revoked); POST: the
    revocation, then the list of revocations with a message; a refusal on the form (400)."""
    record = found(selectors.government_record_for(request.user, pk))
    if request.method == "GET" and record.item.code == CS_DISHONESTY:
        audit.record(
            "integrity.government_record_viewed",
            actor=request.user,
            obj=record,
            after={"item": record.item.code, "purpose": "revoke"},
        )
    form = RevokeForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda d: services.revoke(
            actor=request.user, record=record, reason=d["reason"], document_no=d["document_no"]
        ),
        done=lambda _: reverse("integrity:revocations"),
        message=lambda revocation: (
            f"已撤销“{record.item.name} {record.document_no}”：该记录即时在各级平台、门户和接口"
            "停止使用，撤销记录将随下次数据交换上报"
        ),
        with_code=False,
    )
    if done is not None:
        return done
    if request.method == "POST":
        record = found(selectors.government_record_for(request.user, pk))
        return _render_revoke(request, record, form, status=400)
    return _render_revoke(request, record, form)


# --------------------------------------------------------------------------------------------
# Revocations
# --------------------------------------------------------------------------------------------


def _revocations(request: HttpRequest) -> tuple[RevocationFilterForm, dict[str, Any], Any]:
    form = RevocationFilterForm(request.GET or None, statuses=ExchangeStatus.choices)
    f = form.filters()
    qs = selectors.revocations_for(
        request.user, exchange_status=f.get("exchange_status", ""), q=f.get("q", "")
    )
    return form, f, qs


@any_perm_required(*selectors.READS)
def revocations(request: HttpRequest) -> HttpResponse:
    """The revocations of the reader's tenant, newest first, with their exchange status."""
    form, f, qs = _revocations(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    for revocation in page:
        revocation.subject_shown = subject_shown(revocation.record)
    counts = (
        selectors.revocations_for(request.user)
        .order_by()
        .aggregate(
            total=Count("id"),
            queued=Count("id", filter=Q(exchange_status=ExchangeStatus.QUEUED)),
            sent=Count("id", filter=Q(exchange_status=ExchangeStatus.SENT)),
        )
    )
    return render(
        request,
        "integrity/government_revocations.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "filtered": bool(f),
            "counts": counts,
            "tenant": principal_of(request.user).tenant_label,
        },
    )


@any_perm_required(*selectors.READS)
def revocations_export(request: HttpRequest) -> HttpResponse:
    """The filtered revocations as a workbook (an audited read)."""
    _, _, qs = _revocations(request)
    found_rows = list(qs[:EXPORT_LIMIT])
    audit.record(
        "integrity.revocations_exported",
        actor=request.user,
        object_type=Revocation._meta.label_lower,
        after={"rows": len(found_rows), "query": query_without_page(request)[:500]},
    )
    headers = ["撤销时间", "类别", "失信主体", "认定文书号", "认定日期", "来源部门", "区划",
               "撤销原因", "撤销依据文号", "操作人", "上报状态", "上报时间"]  # fmt: skip
    rows = (
        [
            v.created_at,
            v.record.item.name,
            subject_shown(v.record),
            v.record.document_no,
            v.record.decision_date,
            v.record.department.name,
            v.record.region.name,
            v.reason,
            v.document_no,
            str(v.created_by or ""),
            EXCHANGE_LABELS.get(v.exchange_status, v.exchange_status),
            v.sent_at or "",
        ]
        for v in found_rows
    )
    return xlsx_download(f"政务失信记录撤销-{stamp()}.xlsx", [("撤销记录", headers, rows)])


urls = [
    path("government/", government, name="government"),
    path("government/export.xlsx", government_export, name="government_export"),
    path("government/<id:pk>/revoke/", revoke, name="revoke"),
    path("revocations/", revocations, name="revocations"),
    path("revocations/export.xlsx", revocations_export, name="revocations_export"),
]
