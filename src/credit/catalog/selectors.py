"""Reads of the catalog, scoped to the reader.

The city's catalog (items without a region) is everyone's; a district's extension items
(辖市区扩展目录项, ``CatalogItem.region`` set) exist only for the city and for principals of that
district (:func:`visible_q`): for another district they are "not found", like any object of
another tenant. Who may change an item is :func:`check_manages`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from credit.catalog.models import CatalogItem, CodeTable, FieldSpec
from credit.core.access import EVERYTHING, Perm, principal_of
from credit.core.errors import NotFound, PermissionDenied

#: The value of the list's region filter for the city's own items (所属区划：全市).
CITY_FILTER = "city"


def visible_q(actor: Any) -> Q:
    """The catalog items ``actor``'s principal sees: the city's items and the extension items
    of its own region; every item for a city-wide principal."""
    p = principal_of(actor)
    if p.city_wide:
        return EVERYTHING
    mine = Q(region__isnull=True)
    if p.region_id:
        mine |= Q(region_id=p.region_id)
    return mine


def check_manages(actor: Any, item: CatalogItem) -> None:
    """Refuse unless ``actor`` may change ``item``: it holds 维护信用信息资源目录, and the item
    is in its tenant (:meth:`~credit.core.access.Principal.manages`) — a city item the city's
    credit office only (``PermissionDenied``), a district's extension item that district or the
    city (another district's: ``NotFound``, as it does not see it)."""
    p = principal_of(actor)
    p.require(Perm.CATALOG_MANAGE)
    if item.region_id is None:
        if not p.city_wide:
            raise PermissionDenied(
                f"“{item.name}”是全市目录项，由市信用办维护；辖市区只能维护本辖区的扩展目录项",
                code="catalog_item_of_city",
            )
    elif not p.manages(region_id=item.region_id):
        raise NotFound(f"目录项“{item.code}”不存在", code="item_not_found")


def may_manage(actor: Any, item: CatalogItem) -> bool:
    """Whether :func:`check_manages` lets ``actor`` change ``item`` (for pages' buttons)."""
    try:
        check_manages(actor, item)
    except (NotFound, PermissionDenied):
        return False
    return True


def items(
    *,
    actor: Any,
    category: str | None = None,
    q: str | None = None,
    active_only: bool = True,
    region: str | None = None,
) -> QuerySet[CatalogItem]:
    """The items ``actor`` sees (:func:`visible_q`), narrowed by category, a fragment of the
    name or code, and ``region`` (:data:`CITY_FILTER` for the city's items, or a district's
    code for its extension items)."""
    qs = (
        CatalogItem.objects.filter(visible_q(actor))
        .annotate(field_count=Count("fields"))
        .select_related("region")
        .prefetch_related("source_departments")
    )
    if region == CITY_FILTER:
        qs = qs.filter(region__isnull=True)
    elif region:
        qs = qs.filter(region_id=region)
    if active_only:
        qs = qs.filter(is_active=True)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    return qs.order_by("sort_order", "code")


def item_with_fields(code: str) -> CatalogItem | None:
    """An item with its fields and their code tables and values, in three queries, whoever's
    it is (the platform's own reads; a reader's go through :func:`item_for`)."""
    return _with_fields(CatalogItem.objects.filter(code=code))


def item_for(actor: Any, code: str) -> CatalogItem | None:
    """:func:`item_with_fields` of an item ``actor`` sees (:func:`visible_q`), else None —
    alike for a missing item and another district's extension item."""
    return _with_fields(CatalogItem.objects.filter(visible_q(actor), code=code))


def _with_fields(qs: QuerySet[CatalogItem]) -> CatalogItem | None:
    fields = FieldSpec.objects.select_related("code_table").prefetch_related("code_table__values")
    return (
        qs.prefetch_related(Prefetch("fields", queryset=fields), "source_departments")
        .select_related("parent", "region")
        .first()
    )


def export_table(table: CodeTable) -> dict:
    return {
        "code": table.code,
        "name": table.name,
        "source": table.source,
        "values": [
            {"value": v.value, "synonyms": list(v.synonyms), "note": v.note}
            for v in table.values.all()
        ],
    }


def export_item(item: CatalogItem) -> dict:
    """An item in the exchange format (docs/catalog-format.md), defaults filled in."""
    return {
        "code": item.code,
        "name": item.name,
        "region": item.region_id,
        "parent": item.parent.code if item.parent_id else None,
        "category": item.category,
        "subject_type": item.subject_type,
        "update_period": item.update_period,
        "usage_scope": item.usage_scope,
        "publicity_mode": item.publicity_mode,
        "source_departments": sorted(d.code for d in item.source_departments.all()),
        "natural_key": list(item.natural_key),
        "description": item.description,
        "basis": item.basis,
        "sort_order": item.sort_order,
        "is_active": item.is_active,
        "version": item.version,
        "checks": list(item.checks or []),
        "fields": [
            {
                "code": f.code,
                "name": f.name,
                "aliases": list(f.aliases),
                "type": f.data_type,
                "max_length": f.max_length,
                "decimal_places": f.decimal_places,
                "unit": f.unit,
                "required": f.required,
                "conditions": list(f.conditions),
                "code_table": f.code_table.code if f.code_table_id else None,
                "multi_value": f.multi_value,
                "validator": f.validator,
                "validator_args": dict(f.validator_args),
                "sensitivity": f.sensitivity,
                "usage_scope": f.usage_scope,
                "role": f.role,
                "description": f.description,
            }
            for f in item.fields.all()
        ],
    }


def export_catalog(*, visible_to: Any = None) -> dict:
    """The catalog as one document that :func:`import_catalog` accepts: the items
    ``visible_to``'s principal sees (:func:`visible_q`), or every item when it is None (the
    platform itself: the command line, the editor's validation)."""
    tables = CodeTable.objects.prefetch_related("values")
    scope = EVERYTHING if visible_to is None else visible_q(visible_to)
    all_items = (
        CatalogItem.objects.filter(scope)
        .select_related("parent")
        .prefetch_related(
            "source_departments",
            Prefetch("fields", queryset=FieldSpec.objects.select_related("code_table")),
        )
    )
    return {
        "format": 1,
        "code_tables": [export_table(t) for t in tables],
        "items": [export_item(i) for i in all_items],
    }


def item_to_edit(actor: Any, code: str) -> CatalogItem | None:
    """An item ``actor`` may change (:func:`item_for`): what the editor's forms start from.
    None when it does not see the item; ``PermissionDenied`` for an item it sees but may not
    change (:func:`check_manages`: a city item for a district)."""
    item = item_for(actor, code)
    if item is None:
        return None
    check_manages(actor, item)
    return item
