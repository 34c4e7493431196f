"""Writes to the catalog: importing a catalog document and versioning items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F

from credit.catalog.constants import PublicityMode
from credit.catalog.models import CatalogItem, CodeTable, CodeValue, FieldSpec
from credit.catalog.selectors import export_item, export_table
from credit.catalog.spec import parse_catalog
from credit.core import audit
from credit.core.access import Perm, require
from credit.core.models import Department

DEFAULT_CATALOG = Path(__file__).resolve().parent / "data" / "catalog.json"


def _canonical_field(fld: dict) -> dict:
    return {
        "code": fld["code"],
        "name": fld["name"],
        "aliases": list(fld.get("aliases", [])),
        "type": fld["type"],
        "max_length": fld.get("max_length"),
        "decimal_places": fld.get("decimal_places"),
        "unit": fld.get("unit", ""),
        "required": bool(fld.get("required", False)),
        "conditions": list(fld.get("conditions", [])),
        "code_table": fld.get("code_table") or None,
        "multi_value": bool(fld.get("multi_value", False)),
        "validator": fld.get("validator", ""),
        "validator_args": dict(fld.get("validator_args", {})),
        "sensitivity": fld.get("sensitivity", "public"),
        "usage_scope": fld.get("usage_scope", ""),
        "role": fld.get("role", ""),
        "description": fld.get("description", ""),
    }


def canonical_item(item: dict) -> dict:
    """An item document with every default filled in, as :func:`export_item` writes it."""
    return {
        "code": item["code"],
        "name": item["name"],
        "parent": item.get("parent") or None,
        "category": item["category"],
        "subject_type": item["subject_type"],
        "update_period": item["update_period"],
        "usage_scope": item["usage_scope"],
        "publicity_mode": item.get("publicity_mode", PublicityMode.VALIDITY),
        "source_departments": sorted(item.get("source_departments", [])),
        "natural_key": list(item.get("natural_key", [])),
        "description": item.get("description", ""),
        "basis": item.get("basis", ""),
        "sort_order": item.get("sort_order", 0),
        "is_active": item.get("is_active", True),
        "checks": list(item.get("checks", [])),
        "fields": [_canonical_field(f) for f in item["fields"]],
    }


def canonical_table(table: dict) -> dict:
    return {
        "code": table["code"],
        "name": table["name"],
        "source": table.get("source", ""),
        "values": [
            {
                "value": v["value"],
                "synonyms": list(v.get("synonyms", [])),
                "note": v.get("note", ""),
            }
            for v in table.get("values", [])
        ],
    }


@transaction.atomic
def import_catalog(doc: dict, *, actor: Any = None) -> dict[str, int]:
    """Create or update code tables and items from a catalog document.

    All or nothing: a document with any problem raises
    :class:`~credit.catalog.spec.CatalogSpecError` and writes nothing. An item whose definition
    changed gets ``version + 1`` and an audit entry with before and after; an unchanged item is
    left alone, so importing the same document twice changes nothing.
    """
    if actor is not None:
        require(actor, Perm.CATALOG_MANAGE)
    known = set(Department.objects.values_list("code", flat=True))
    parse_catalog(doc, known_departments=known)
    counts = dict.fromkeys(
        [
            "tables_created",
            "tables_updated",
            "items_created",
            "items_updated",
            "items_unchanged",
            "items_reversioned",
        ],
        0,
    )
    tables = {}
    changed_tables: set[str] = set()
    for raw in doc.get("code_tables", []):
        table_doc = canonical_table(raw)
        table = CodeTable.objects.filter(code=table_doc["code"]).first()
        before = export_table(table) if table else None
        if before == table_doc:
            tables[table.code] = table
            continue
        if table is None:
            table = CodeTable(code=table_doc["code"])
        table.name, table.source = table_doc["name"], table_doc["source"]
        table.save()
        table.values.all().delete()
        CodeValue.objects.bulk_create(
            CodeValue(
                table=table, value=v["value"], synonyms=v["synonyms"], note=v["note"], sort_order=n
            )
            for n, v in enumerate(table_doc["values"])
        )
        counts["tables_updated" if before else "tables_created"] += 1
        audit.record("codetable.imported", actor=actor, obj=table, before=before, after=table_doc)
        tables[table.code] = table
        if before:
            changed_tables.add(table.code)

    pending_parents: list[tuple[CatalogItem, str]] = []
    for raw in doc.get("items", []):
        item_doc = canonical_item(raw)
        item = CatalogItem.objects.filter(code=item_doc["code"]).first()
        before = export_item(item) if item else None
        if before is not None:
            before.pop("version")
        if before == item_doc:
            counts["items_unchanged"] += 1
            continue
        if item is None:
            item = CatalogItem(code=item_doc["code"], version=1)
        else:
            item.version += 1
        for attr in (
            "name",
            "category",
            "subject_type",
            "update_period",
            "usage_scope",
            "publicity_mode",
            "natural_key",
            "description",
            "basis",
            "sort_order",
            "is_active",
            "checks",
        ):
            setattr(item, attr, item_doc[attr])
        item.save()
        item.source_departments.set(
            Department.objects.filter(code__in=item_doc["source_departments"])
        )
        item.fields.all().delete()
        FieldSpec.objects.bulk_create(
            _field_model(item, n, f, tables) for n, f in enumerate(item_doc["fields"], start=1)
        )
        if item_doc["parent"]:
            pending_parents.append((item, item_doc["parent"]))
        elif item.parent_id:
            item.parent = None
            item.save(update_fields=["parent"])
        counts["items_updated" if before else "items_created"] += 1
        audit.record(
            "catalogitem.imported",
            actor=actor,
            obj=item,
            before=before,
            after={**item_doc, "version": item.version},
        )
    for item, parent_code in pending_parents:
        item.parent = CatalogItem.objects.get(code=parent_code)
        item.save(update_fields=["parent"])
    for code in sorted(changed_tables):
        counts["items_reversioned"] += len(code_table_changed(tables[code], actor=actor))
    return counts


def code_table_changed(table: CodeTable, *, actor: Any) -> list[CatalogItem]:
    """A code table's values changed: every item using it gets a new version, so validation
    (cached per item version, :func:`credit.catalog.rules.spec_for`) sees the new values.
    Items already re-versioned in the same transaction are bumped once more, harmlessly."""
    items = list(CatalogItem.objects.filter(fields__code_table=table).distinct())
    for item in items:
        CatalogItem.objects.filter(pk=item.pk).update(version=F("version") + 1)
        item.refresh_from_db(fields=["version"])
        audit.record(
            "catalogitem.code_table_changed",
            actor=actor,
            obj=item,
            after={"code_table": table.code, "version": item.version},
        )
    return items


def _field_model(item: CatalogItem, position: int, f: dict, tables: dict) -> FieldSpec:
    table = None
    if f["code_table"]:
        table = tables.get(f["code_table"]) or CodeTable.objects.get(code=f["code_table"])
    return FieldSpec(
        item=item,
        position=position,
        code=f["code"],
        name=f["name"],
        aliases=f["aliases"],
        data_type=f["type"],
        max_length=f["max_length"],
        decimal_places=f["decimal_places"],
        unit=f["unit"],
        required=f["required"],
        conditions=f["conditions"],
        code_table=table,
        multi_value=f["multi_value"],
        validator=f["validator"],
        validator_args=f["validator_args"],
        sensitivity=f["sensitivity"],
        usage_scope=f["usage_scope"],
        role=f["role"],
        description=f["description"],
    )


def import_catalog_file(path: str | Path | None = None, *, actor: Any = None) -> dict[str, int]:
    """Import a catalog JSON file (default: the bundled national/provincial items)."""
    doc = json.loads(Path(path or DEFAULT_CATALOG).read_text(encoding="utf-8"))
    return import_catalog(doc, actor=actor)


@transaction.atomic
def bump_version(item: CatalogItem, *, actor: Any, before: dict | None) -> CatalogItem:
    """Record an edit made elsewhere (the admin): version + 1 and an audit entry."""
    require(actor, Perm.CATALOG_MANAGE)
    CatalogItem.objects.filter(pk=item.pk).update(version=item.version + 1)
    item.refresh_from_db()
    audit.record(
        "catalogitem.edited", actor=actor, obj=item, before=before, after=export_item(item)
    )
    return item
