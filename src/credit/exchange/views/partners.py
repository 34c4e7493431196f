"""Exchange partners (交换伙伴): the partners of the reader's tenant with filters and export,
a new partner; one partner with its connection (redacted), 检查连接, its channels, its settings
and the new-channel form (posted to :mod:`credit.exchange.views.channels`).

The exchange's partner-side routes live in three modules — this one, :mod:`.channels` (one
channel, its deliveries and 重发) and :mod:`.reconcile` (对账) — and :data:`urls` lists them
all.

A district's administrator sees and manages its district's partners only; anything else is
"not found" (:mod:`credit.exchange.selectors`). Writes go through
:mod:`credit.exchange.services.partners`, whose refusals show on the form.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.core.http import EXPORT_LIMIT, query_without_page, stamp, xlsx_download
from credit.core.models import Region
from credit.exchange import selectors
from credit.exchange.adapters import ExchangeError, adapter_for, redact
from credit.exchange.constants import PartnerKind, Period
from credit.exchange.forms import ChannelForm, PartnerForm
from credit.exchange.services.partners import is_secret
from credit.exchange.views import channels, reconcile
from credit.exchange.views.channels import channel_ddl, find_partner, make_channel_form
from credit.exchange.views.jobs import DIRECTIONS, PERIODS, may_manage

COUNT_CAP = 5_000
KINDS = dict(PartnerKind.choices)
#: Service error code → form field (partners).
PARTNER_ERRORS = {"partner_exists": "code", "region_out_of_tenant": "region"}


# --- helpers ---------------------------------------------------------------------------------


def _files_initial(partner: Any) -> str:
    """The JSON settings of a partner other than a database for its edit form, without its
    secrets (passwords, signing secrets, tokens: kept unless new ones are typed)."""
    if partner.kind == PartnerKind.DATABASE:
        return ""
    shown = {k: v for k, v in (partner.config or {}).items() if not is_secret(k)}
    return json.dumps(shown, ensure_ascii=False)


def redacted_config(config: dict[str, Any]) -> list[tuple[str, str]]:
    """The partner's settings as (label, value) lines, every password replaced by ``***``
    (:func:`credit.exchange.services.partners.redacted_config`)."""
    from credit.exchange.services.partners import redacted_config as redacted

    labels = {"url": "连接地址", "schema": "模式（schema）"}
    return [
        (labels.get(key, key), value if isinstance(value, str) else json.dumps(value))
        for key, value in redacted(config).items()
    ]


def _regions(actor: Any) -> list[tuple[str, str]]:
    """The regions whose partners ``actor`` may create: the whole city's for the city's
    credit office, else its own district."""
    p = principal_of(actor)
    qs = Region.objects.filter(Q(level="city") | Q(parent__level="city"))
    if not p.city_wide:
        qs = Region.objects.filter(code=p.region_id or "")
    return list(qs.order_by("sort_order", "code").values_list("code", "name"))


# --- partners --------------------------------------------------------------------------------


def _partners(request: HttpRequest) -> tuple[dict[str, str], Any]:
    q = request.GET.get("q", "").strip()[:50]
    region = request.GET.get("region", "").strip()[:6]
    qs = selectors.partners_for(request.user).select_related("region")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if region:
        qs = qs.filter(region_id=region)
    return {"q": q, "region": region}, qs.order_by("region__sort_order", "code")


def _render_partners(
    request: HttpRequest, *, form: PartnerForm | None = None, status: int = 200
) -> HttpResponse:
    filters, qs = _partners(request)
    partners = list(qs[: COUNT_CAP + 1])
    counts = _channel_counts([p.pk for p in partners], request.user)
    for p in partners:
        p.kind_label = KINDS.get(p.kind, p.kind)
        p.channel_count = counts.get(p.pk, 0)
    manager = may_manage(request.user)
    if manager and form is None:
        regions = _regions(request.user)
        form = PartnerForm(
            regions=regions, initial={"region": regions[0][0] if len(regions) == 1 else ""}
        )
    return render(
        request,
        "exchange/partners.html",
        {
            "partners": partners,
            "filters": filters,
            "filtered": any(filters.values()),
            "regions": _regions(request.user) if principal_of(request.user).city_wide else [],
            "form": form if manager else None,
            "tenant": principal_of(request.user).tenant_label,
            "export_url": f"{reverse('exchange:partners_export')}?{query_without_page(request)}",
        },
        status=status,
    )


def _channel_counts(partner_ids: list[int], actor: Any) -> dict[int, int]:
    """partner id → its channels the reader sees."""
    rows = (
        selectors.channels_for(actor)
        .filter(partner_id__in=partner_ids)
        .order_by()
        .values("partner_id")
        .annotate(n=Count("id"))
    )
    return {row["partner_id"]: row["n"] for row in rows}


@perm_required(Perm.EXCHANGE_VIEW)
def partners(request: HttpRequest) -> HttpResponse:
    """The partners of the tenant; for those who manage exchanges, the new-partner form."""
    return _render_partners(request)


@perm_required(Perm.EXCHANGE_VIEW)
def partners_export(request: HttpRequest) -> HttpResponse:
    """The filtered partners as a workbook (connections redacted)."""
    _, qs = _partners(request)
    headers = ["伙伴标识", "名称", "交换方式", "所属区划", "连接地址", "启用", "说明"]
    data = (
        [
            p.code,
            p.name,
            KINDS.get(p.kind, p.kind),
            p.region.name,
            redact((p.config or {}).get("url", "")),
            "是" if p.is_active else "否",
            p.note,
        ]
        for p in qs[:EXPORT_LIMIT]
    )
    return xlsx_download(f"交换伙伴-{stamp()}.xlsx", [("交换伙伴", headers, data)])


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def partner_new(request: HttpRequest) -> HttpResponse:
    """Create a partner; a refusal (code taken, another district) shows on the form (400)."""
    from credit.exchange.services import partners as services

    form = PartnerForm(request.POST, regions=_regions(request.user))
    done = submit(
        request,
        form,
        lambda d: services.create_partner(
            actor=request.user,
            code=d["code"],
            name=d["name"],
            kind=d["kind"],
            region=Region.objects.get(code=d["region"]),
            config=form.config(),
            note=d["note"],
        ),
        done=lambda partner: reverse("exchange:partner", args=[partner.code]),
        message=lambda partner: f"已新建交换伙伴“{partner.name}”，请检查连接并配置交换通道。",
        errors=PARTNER_ERRORS,
    )
    return done or _render_partners(request, form=form, status=400)


def render_partner(
    request: HttpRequest,
    partner: Any,
    *,
    edit_form: PartnerForm | None = None,
    channel_form: ChannelForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The partner page, with the forms as posted when a write was refused (``status`` 400)."""
    channel_list = list(
        selectors.channels_for(request.user)
        .filter(partner=partner)
        .select_related("item", "department")
        .order_by("item__code", "direction", "content")
    )
    for c in channel_list:
        c.direction_label = DIRECTIONS.get(c.direction, c.direction)
        c.period_label = PERIODS.get(c.period, c.period)
        c.ddl = channel_ddl(partner, c.direction, c.mapping, c.item, c.content)
    manager = may_manage(request.user)
    if manager and edit_form is None:
        edit_form = PartnerForm(
            regions=_regions(request.user),
            editing=True,
            initial={
                "code": partner.code,
                "name": partner.name,
                "kind": partner.kind,
                "region": partner.region_id,
                "schema": (partner.config or {}).get("schema", ""),
                "files_config": _files_initial(partner),
                "note": partner.note,
                "is_active": partner.is_active,
            },
        )
    if manager and channel_form is None:
        channel_form = make_channel_form(request, partner, initial={"period": Period.DAILY})
    preview = ""
    if channel_form is not None and channel_form.is_bound:
        channel_form.is_valid()  # done by submit() already; cleaned_data holds what validated
        mapping = channel_form.cleaned_data.get("mapping")
        if isinstance(mapping, dict):
            item = CatalogItem.objects.filter(pk=channel_form.data.get("item") or None).first()
            preview = channel_ddl(
                partner,
                channel_form.data.get("direction", ""),
                mapping,
                item,
                channel_form.data.get("content") or "records",
            )
    today = timezone.localdate()
    return render(
        request,
        "exchange/partner.html",
        {
            "partner": partner,
            "kind_label": KINDS.get(partner.kind, partner.kind),
            "config": redacted_config(partner.config),
            "channels": channel_list,
            "may_manage": manager,
            "edit_form": edit_form if manager else None,
            "channel_form": channel_form if manager else None,
            "ddl_preview": preview,
            "reconcile_url": reverse("exchange:reconcile", args=[partner.code])
            + "?"
            + urlencode({"start": today.replace(day=1).isoformat(), "end": today.isoformat()}),
        },
        status=status,
    )


@perm_required(Perm.EXCHANGE_VIEW)
def partner(request: HttpRequest, code: str) -> HttpResponse:
    """One partner: its connection (redacted), its channels, and for managers the forms."""
    return render_partner(request, find_partner(request, code))


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def partner_edit(request: HttpRequest, code: str) -> HttpResponse:
    """Change a partner's name, connection (kept when the URL is left blank), tenant, note or
    state; a refusal shows on the form (400)."""
    from credit.exchange.services import partners as services

    obj = find_partner(request, code)
    form = PartnerForm(request.POST, regions=_regions(request.user), editing=True)
    done = submit(
        request,
        form,
        lambda d: services.update_partner(
            actor=request.user,
            partner=obj,
            name=d["name"],
            region=Region.objects.get(code=d["region"]),
            config=form.config(obj.config),
            note=d["note"],
            is_active=d["is_active"],
        ),
        done=lambda p: reverse("exchange:partner", args=[p.code]),
        message=lambda p: f"已保存交换伙伴“{p.name}”的设置。",
        errors=PARTNER_ERRORS,
        on_error=lambda exc: obj.refresh_from_db(),
    )
    return done or render_partner(request, obj, edit_form=form, status=400)


@perm_required(Perm.EXCHANGE_MANAGE)
@require_POST
def check(request: HttpRequest, code: str) -> HttpResponse:
    """检查连接: reach the partner and say what was found, or why it failed (redacted)."""
    obj = find_partner(request, code)
    back = reverse("exchange:partner", args=[obj.code])
    adapter = None
    try:
        adapter = adapter_for(obj)
        messages.success(request, f"连接正常：{adapter.check()}")
    except ExchangeError as exc:
        messages.error(request, f"连接失败：{redact(str(exc))}。请核对连接地址、网络和对方数据库。")
    finally:
        if adapter is not None:
            adapter.close()
    return redirect(back)


urls = [
    path("partners/", partners, name="partners"),
    path("partners/export.xlsx", partners_export, name="partners_export"),
    path("partners/new/", partner_new, name="partner_new"),
    path("partners/<slug:code>/", partner, name="partner"),
    path("partners/<slug:code>/edit/", partner_edit, name="partner_edit"),
    path("partners/<slug:code>/check/", check, name="check"),
    *channels.urls,  # 交换通道: new channel, one channel, its deliveries, 重发
    *reconcile.urls,  # 对账 and its export
]
