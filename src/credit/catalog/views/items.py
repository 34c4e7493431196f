"""Catalog pages: the list of items, an item's field specifications, template download and
the JSON export. The credit office also sees inactive items, and the editor's buttons.

Each reader sees the city's items and its own district's extension items
(:func:`credit.catalog.selectors.visible_q`); the city sees every item, with its region
(所属区划, 全市 for the city's own) and a filter by it."""

from __future__ import annotations

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.catalog import selectors
from credit.catalog.constants import Category
from credit.catalog.excel import build_template, template_filename
from credit.core.access import Perm, has_perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.http import found, xlsx_response
from credit.core.models import Region


@perm_required(Perm.CATALOG_VIEW)
def item_list(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category") or None
    q = (request.GET.get("q") or "").strip()[:50] or None
    can_manage = has_perm(request.user, Perm.CATALOG_MANAGE)
    city_wide = principal_of(request.user).city_wide
    # the region filter (所属区划) is the city's: a district sees its own extensions only
    regions = (
        list(Region.objects.filter(level=Region.Level.DISTRICT).values_list("code", "name"))
        if city_wide
        else []
    )
    region = (request.GET.get("region") or "")[:10]
    if not city_wide or region not in {selectors.CITY_FILTER, *dict(regions)}:
        region = ""
    found_items = selectors.items(
        actor=request.user,
        category=category,
        q=q,
        active_only=not can_manage,
        region=region or None,
    )
    page = Paginator(found_items, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "catalog/item_list.html",
        {
            "page": page,
            "categories": Category.choices,
            "category": category,
            "q": q or "",
            "can_manage": can_manage,
            "city_wide": city_wide,
            "regions": regions,
            "region": region,
            "city_filter": selectors.CITY_FILTER,
            "can_template": has_perm(request.user, Perm.CATALOG_TEMPLATE),
        },
    )


@perm_required(Perm.CATALOG_VIEW)
def item_detail(request: HttpRequest, code: str) -> HttpResponse:
    item = found(selectors.item_for(request.user, code))
    return render(
        request,
        "catalog/item_detail.html",
        {
            "item": item,
            "fields": list(item.fields.all()),
            "can_template": has_perm(request.user, Perm.CATALOG_TEMPLATE),
            "can_manage": selectors.may_manage(request.user, item),
        },
    )


@perm_required(Perm.CATALOG_TEMPLATE)
def template_download(request: HttpRequest, code: str) -> HttpResponse:
    item = found(selectors.item_for(request.user, code))
    return xlsx_response(build_template(item), template_filename(item))


@perm_required(Perm.CATALOG_MANAGE)
def export_json(request: HttpRequest) -> HttpResponse:
    body = json.dumps(
        selectors.export_catalog(visible_to=request.user), ensure_ascii=False, indent=1
    )
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = "attachment; filename=catalog.json"
    return response
