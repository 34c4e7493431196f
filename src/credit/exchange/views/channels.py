"""Exchange channels (交换通道) of a partner: a new channel whose mapping is JSON checked by
the adapter (:func:`credit.exchange.adapters.database.validate_mapping`) with the CREATE TABLE it
implies (:func:`~credit.exchange.adapters.database.partner_ddl`); one channel with its settings
(edited in place), its recent runs, its deliveries (status filter, export) and 重发.

Also the helpers the partner and reconciliation pages share: the partner or channel of the
reader's tenant (anything else is "not found", :mod:`credit.exchange.selectors`), the channel
form with its choices, and the CREATE TABLE of a mapping. Writes go through
:mod:`credit.exchange.services.partners` and :mod:`~credit.exchange.services.runner`, whose
refusals show on the form or as a message.
"""

from __future__ import annotations

import functools
import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import act, submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, stamp, xlsx_download
from credit.core.models import Department
from credit.core.paging import capped_page
from credit.exchange import adapters, rules, selectors
from credit.exchange.constants import Content, DeliveryStatus, Direction, PartnerKind, RunStatus
from credit.exchange.forms import ChannelForm, DeliveryFilterForm
from credit.exchange.services import partners as partner_services
from credit.exchange.views.jobs import (
    CONTENTS,
    DIRECTIONS,
    PERIODS,
    RESULTS,
    content_suffix,
    may_manage,
)

PAGE_SIZE = 50
#: How many of a channel's latest data files its page lists (已发送文件).
FILES_SHOWN = 20
COUNT_CAP = 5_000
DELIVERY_LABELS = dict(DeliveryStatus.choices)
#: Service error code → form field (channels).
CHANNEL_ERRORS = {
    "channel_invalid": "mapping",
    "channel_exists": "item",
    "department_out_of_tenant": "department",
    "channel_content_fixed": "content",
}


# --- helpers ---------------------------------------------------------------------------------


def _dialect(partner: Any) -> str:
    """``mysql`` / ``postgresql`` / … from the partner's SQLAlchemy URL."""
    url = (partner.config or {}).get("url", "")
    return url.split("://", 1)[0].split("+", 1)[0] if "://" in url else ""


def channel_ddl(
    partner: Any,
    direction: str,
    mapping: dict[str, Any],
    item: Any = None,
    content: str = Content.RECORDS,
) -> str:
    """The CREATE TABLE a database partner runs for ``mapping`` of a channel exchanging
    ``content`` (column types from the content's vocabulary: the item's fields for records),
    empty when not a database partner, or while the mapping is not valid (its errors are
    shown instead)."""
    if partner.kind != PartnerKind.DATABASE or not mapping or item is None:
        return ""
    if content not in Content.values:
        return ""
    if partner_services.mapping_errors(partner, direction, mapping, item, content):
        return ""
    from credit.exchange.adapters import database
    from credit.exchange.services import contents

    return database.partner_ddl(
        _dialect(partner) or "mysql",
        mapping,
        direction=direction,
        item=contents.vocabulary(content, item),
    )


def _items(partner: Any) -> list[tuple[int, str]]:
    return list(partner_services.items_for(partner).order_by("code").values_list("pk", "name"))


def _departments(actor: Any) -> list[tuple[int, str]]:
    p = principal_of(actor)
    return list(
        Department.objects.filter(p.tenant_q(region="region_id", department="id"))
        .filter(is_active=True)
        .order_by("region__sort_order", "sort_order", "code")
        .values_list("pk", "name")
    )


def make_channel_form(
    request: HttpRequest, partner: Any, data: Any = None, **kwargs: Any
) -> ChannelForm:
    """The channel form of ``partner`` with the items, the reader's departments and the
    service's mapping check (one rule for form and service)."""
    return ChannelForm(
        data,
        kind=partner.kind,
        items=_items(partner),
        departments=_departments(request.user),
        item_of=lambda pk: CatalogItem.objects.filter(pk=pk).first(),
        validator=functools.partial(partner_services.mapping_errors, partner),
        **kwargs,
    )


def find_partner(request: HttpRequest, code: str) -> Any:
    """The partner ``code`` of the reader's tenant, else 404."""
    try:
        return found(selectors.partner_for(request.user, code))
    except CreditError:  # NotFound from the selector: not found alike
        return found(None)


def find_channel(request: HttpRequest, pk: int) -> Any:
    """The channel ``pk`` of the reader's tenant, else 404."""
    return found(selectors.channels_for(request.user).filter(pk=pk).first())


# --- new channel -----------------------------------------------------------------------------


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def channel_new(request: HttpRequest, code: str) -> HttpResponse:
    """Add a channel to a partner; the mapping is checked against the item by the adapter;
    a refusal shows on the form (400) with the CREATE TABLE of the posted mapping."""
    from credit.exchange.views.partners import render_partner

    obj = find_partner(request, code)
    form = make_channel_form(request, obj, request.POST)
    done = submit(
        request,
        form,
        lambda d: partner_services.create_channel(
            actor=request.user,
            partner=obj,
            item=CatalogItem.objects.get(pk=d["item"]),
            direction=d["direction"],
            content=d.get("content") or Content.RECORDS,
            period=d["period"],
            department=Department.objects.filter(pk=d["department"] or None).first(),
            mapping=d["mapping"],
        ),
        done=lambda channel: reverse("exchange:channel", args=[channel.pk]),
        message=lambda c: (
            f"已新建交换通道：{c.item.name}{content_suffix(c.content)} "
            f"{DIRECTIONS[c.direction]}（{PERIODS[c.period]}）。"
        ),
        errors=CHANNEL_ERRORS,
    )
    return done or render_partner(request, obj, channel_form=form, status=400)


# --- one channel -----------------------------------------------------------------------------


def _deliveries(
    request: HttpRequest, channel: Any
) -> tuple[DeliveryFilterForm, QuerySet, QuerySet]:
    """The filter form, every delivery of ``channel``, and those the filters keep (newest
    first)."""
    form = DeliveryFilterForm(request.GET or None)
    f = form.filters()
    every = selectors.deliveries_for(request.user, channel)
    qs = every
    if f.get("status"):
        qs = qs.filter(status=f["status"])
    if f.get("key"):
        qs = qs.filter(key__startswith=f["key"])
    return form, every, qs.order_by("-created_at", "-id")


def _render_channel(
    request: HttpRequest, channel: Any, *, form: ChannelForm | None = None, status: int = 200
) -> HttpResponse:
    filter_form, every, qs = _deliveries(request, channel)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    for d in page:
        d.status_label = DELIVERY_LABELS.get(d.status, d.status)
    counts = dict.fromkeys(DeliveryStatus.values, 0) | dict(
        every.order_by().values_list("status").annotate(n=Count("id"))
    )
    manager = may_manage(request.user)
    if manager and form is None:
        form = make_channel_form(
            request,
            channel.partner,
            editing=True,
            initial={
                "item": str(channel.item_id),
                "direction": channel.direction,
                "content": channel.content,
                "period": channel.period,
                "department": str(channel.department_id or ""),
                "mapping": json.dumps(
                    adapters.as_written(channel.mapping), ensure_ascii=False, indent=2
                ),
                "is_active": channel.is_active,
            },
        )
    last_runs = list(channel.runs.order_by("-started_at", "-id")[:5])
    files = list(selectors.files_for(request.user, channel)[:FILES_SHOWN])
    for r in last_runs:
        r.status_label = RESULTS.get(r.status, r.status)
    return render(
        request,
        "exchange/channel.html",
        {
            "channel": channel,
            "partner": channel.partner,
            "direction_label": DIRECTIONS.get(channel.direction, channel.direction),
            "period_label": PERIODS.get(channel.period, channel.period),
            "deadline_warning": rules.deadline_warning(
                channel.direction, channel.content, channel.period, channel.item.category
            ),
            "content_label": CONTENTS.get(channel.content, channel.content),
            "records": channel.content == Content.RECORDS,
            "upward": channel.direction == Direction.UP,
            "ddl": channel_ddl(
                channel.partner, channel.direction, channel.mapping, channel.item, channel.content
            ),
            "page": page,
            "filter_form": filter_form,
            "filtered": bool(filter_form.filters()),
            "query": query_without_page(request),
            "counts": counts,
            "status_rows": [
                {
                    "status": s,
                    "label": DELIVERY_LABELS[s],
                    "n": counts[s],
                    "url": f"?{urlencode({'status': s})}",
                }
                for s in DeliveryStatus.values
            ],
            "runs": last_runs,
            "files": files,
            "may_manage": manager,
            "form": form if manager else None,
            "export_url": reverse("exchange:deliveries_export", args=[channel.pk])
            + f"?{query_without_page(request)}",
            "failed": RunStatus.FAILED,
        },
        status=status,
    )


@perm_required(Perm.EXCHANGE_VIEW)
def channel(request: HttpRequest, pk: int) -> HttpResponse:
    """One channel: settings, recent runs, deliveries with a status filter; for managers the
    edit form (POST) and the re-send buttons."""
    obj = find_channel(request, pk)
    if request.method != "POST":
        return _render_channel(request, obj)
    return _save_channel(request, obj)


@perm_required(Perm.EXCHANGE_MANAGE)
def _save_channel(request: HttpRequest, obj: Any) -> HttpResponse:
    """The channel's settings posted on its page (item, direction and content are fixed); a
    refusal shows on the form (400)."""
    form = make_channel_form(request, obj.partner, request.POST, editing=True)
    form.data = form.data.copy()
    form.data["item"], form.data["direction"] = str(obj.item_id), obj.direction
    form.data["content"] = obj.content
    done = submit(
        request,
        form,
        lambda d: partner_services.update_channel(
            actor=request.user,
            channel=obj,
            period=d["period"],
            department=Department.objects.filter(pk=d["department"] or None).first(),
            mapping=d["mapping"],
            is_active=d["is_active"],
        ),
        done=lambda c: reverse("exchange:channel", args=[c.pk]),
        message="已保存交换通道的设置。",
        errors=CHANNEL_ERRORS,
        on_error=lambda exc: obj.refresh_from_db(),
    )
    return done or _render_channel(request, obj, form=form, status=400)


@perm_required(Perm.EXCHANGE_VIEW)
def deliveries_export(request: HttpRequest, pk: int) -> HttpResponse:
    """The channel's filtered deliveries as a workbook."""
    obj = find_channel(request, pk)
    _, _, qs = _deliveries(request, obj)
    headers = ["幂等键", "信用记录编号", "记录版本", "变更类型", "状态", "拒收原因或错误",
               "发送次数", "进入待发送", "最近发送", "确认时间", "下次发送"]  # fmt: skip
    data = (
        [
            d.key,
            d.record_id,
            d.version,
            d.change_kind,
            DELIVERY_LABELS.get(d.status, d.status),
            d.reason,
            d.attempts,
            d.created_at,
            d.sent_at or "",
            d.acked_at or "",
            d.next_attempt_at or "",
        ]
        for d in qs[:EXPORT_LIMIT]
    )
    name = f"交换记录-{obj.partner.code}-{obj.item.code}-{stamp()}.xlsx"
    return xlsx_download(name, [("交换记录", headers, data)])


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def resend(request: HttpRequest, pk: int) -> HttpResponse:
    """重发: the selected deliveries (``delivery`` ids), or with ``all_rejected`` every
    rejected one of the channel, back to pending now; sent at the next run."""
    from credit.exchange.services import runner

    obj = find_channel(request, pk)
    qs = selectors.deliveries_for(request.user, obj)
    if request.POST.get("all_rejected"):
        chosen = qs.filter(status=DeliveryStatus.REJECTED)
    else:
        ids = [int(v) for v in request.POST.getlist("delivery")[:1000] if v.isdigit()]
        chosen = qs.filter(pk__in=ids)
    back = reverse("exchange:channel", args=[obj.pk])
    if not chosen.exists():
        messages.error(request, "没有选中可重发的交换记录：请勾选被拒收或待发送的记录后再重发。")
        return redirect(back)
    return act(
        request,
        lambda: runner.resend(actor=request.user, deliveries=chosen),
        done=back,
        message=lambda n: (
            f"已将 {n} 条交换记录重新列入待发送，将在下次运行时发送（可点“立即运行”）。"
        ),
    )


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def load(request: HttpRequest, pk: int) -> HttpResponse:
    """初始全量 of an upward channel: every existing record of its item (its district's, for a
    district's partner) in its current version put in the outbox unless already there."""
    from credit.exchange.services import runner

    obj = find_channel(request, pk)
    return act(
        request,
        lambda: runner.load_all(actor=request.user, channel=obj),
        done=reverse("exchange:channel", args=[obj.pk]),
        message=lambda n: (
            f"初始全量：新放入待发送 {n} 条，将在下次运行时发送（可点“立即运行”）。"
            if n
            else "初始全量：没有新的记录需要放入待发送（已在待发送或已发送过）。"
        ),
    )


urls = [
    path("partners/<slug:code>/channels/new/", channel_new, name="channel_new"),
    path("channels/<id:pk>/load/", load, name="load"),
    path("channels/<id:pk>/", channel, name="channel"),
    path("channels/<id:pk>/deliveries/export.xlsx", deliveries_export, name="deliveries_export"),
    path("channels/<id:pk>/resend/", resend, name="resend"),
]
