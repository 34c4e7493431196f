"""Reads of the catalog."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from credit.catalog.models import CatalogItem, CodeTable, FieldSpec


def items(
    *, category: str | None = None, q: str | None = None, active_only: bool = True
) -> QuerySet[CatalogItem]:
    qs = CatalogItem.objects.annotate(field_count=Count("fields")).prefetch_related(
        "source_departments"
    )
    if active_only:
        qs = qs.filter(is_active=True)
    if category:
        qs = qs.filter(category=category)
    if q:
        qs = qs.filter(name__icontains=q) | qs.filter(code__icontains=q)
    return qs.order_by("sort_order", "code")


def item_with_fields(code: str) -> CatalogItem | None:
    """An item with its fields and their code tables and values, in three queries."""
    fields = FieldSpec.objects.select_related("code_table").prefetch_related("code_table__values")
    return (
        CatalogItem.objects.prefetch_related(
            Prefetch("fields", queryset=fields), "source_departments"
        )
        .select_related("parent")
        .filter(code=code)
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


def export_catalog() -> dict:
    """The whole catalog as one document that :func:`import_catalog` accepts."""
    tables = CodeTable.objects.prefetch_related("values")
    all_items = CatalogItem.objects.select_related("parent").prefetch_related(
        "source_departments",
        Prefetch("fields", queryset=FieldSpec.objects.select_related("code_table")),
    )
    return {
        "format": 1,
        "code_tables": [export_table(t) for t in tables],
        "items": [export_item(i) for i in all_items],
    }


def item_document(code: str) -> dict | None:
    """An item in the exchange format (:func:`export_item`), or None when there is none: what
    the editor's forms start from."""
    item = item_with_fields(code)
    return export_item(item) if item is not None else None
