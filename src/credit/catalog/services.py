"""Writes to the catalog: importing a catalog document, versioning items, and the editor's
edits of one item or field (目录维护), each validated like an import.

The city's credit office keeps the city's catalog and may give a district an item of its own;
a district's administrator creates and changes its district's extension items (辖市区扩展目录项:
``CatalogItem.region``) only — :func:`credit.catalog.selectors.check_manages` — whose source
departments are the district's. Importing a catalog document is the city's."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import F

from credit.catalog.constants import PublicityMode
from credit.catalog.models import CatalogItem, CodeTable, CodeValue, FieldSpec
from credit.catalog.selectors import check_manages, export_catalog, export_item, export_table
from credit.catalog.spec import CatalogSpecError, SpecProblem, parse_catalog
from credit.core import audit
from credit.core.access import Perm, Principal, principal_of, require
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import Department, Region

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
        "region": item.get("region") or None,
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
        p = principal_of(actor)
        p.require(Perm.CATALOG_MANAGE)
        if not p.city_wide:
            raise PermissionDenied(
                "导入目录文件会修改全市目录，仅限市信用办；辖市区请逐项维护本辖区的扩展目录项",
                code="catalog_import_city_only",
            )
    known = set(Department.objects.values_list("code", flat=True))
    parse_catalog(doc, known_departments=known)
    _check_file_regions(doc)
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
        _store_item(item, item_doc, tables)
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


#: The item attributes a document sets as they are (the parent, the departments and the
#: fields are set apart).
_ITEM_ATTRS = (
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
)


def _store_item(item: CatalogItem, item_doc: dict, tables: dict) -> None:
    """Write a canonical item document onto ``item`` (saved), its source departments and its
    fields (replaced, in document order). The parent and the version are the caller's."""
    for attr in _ITEM_ATTRS:
        setattr(item, attr, item_doc[attr])
    item.region_id = item_doc["region"]
    item.save()
    item.source_departments.set(Department.objects.filter(code__in=item_doc["source_departments"]))
    item.fields.all().delete()
    FieldSpec.objects.bulk_create(
        _field_model(item, n, f, tables) for n, f in enumerate(item_doc["fields"], start=1)
    )


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
def bump_version(
    item: CatalogItem, *, actor: Any, before: dict | None, event: str = "catalogitem.edited"
) -> CatalogItem:
    """Record an edit of ``item`` made in the same transaction (the editor's services, the
    admin): version + 1 and an audit entry ``event`` with before and after."""
    require(actor, Perm.CATALOG_MANAGE)
    CatalogItem.objects.filter(pk=item.pk).update(version=item.version + 1)
    item.refresh_from_db()
    audit.record(event, actor=actor, obj=item, before=before, after=export_item(item))
    return item


# --- the catalog editor (目录维护): one item at a time, validated like an import ---------------

#: What the editor changes on an item; its code, parent, natural key and row checks are kept.
ITEM_PROPERTIES = (
    "name",
    "category",
    "subject_type",
    "update_period",
    "usage_scope",
    "publicity_mode",
    "source_departments",
    "description",
    "basis",
    "is_active",
    "sort_order",
)
#: What the editor changes on a field; its code is set when it is added, its conditional
#: requirements (条件必填规则) are kept as they are.
FIELD_PROPERTIES = (
    "name",
    "aliases",
    "type",
    "max_length",
    "decimal_places",
    "unit",
    "required",
    "code_table",
    "multi_value",
    "validator",
    "validator_args",
    "sensitivity",
    "usage_scope",
    "role",
    "description",
)
#: Item codes the catalog pages use as words of their own addresses (/catalog/new/).
RESERVED_ITEM_CODES = frozenset({"new"})


class Edit(NamedTuple):
    """The item after an edit, and whether anything changed (nothing is written, versioned or
    audited when the edit leaves the item as it was)."""

    item: CatalogItem
    changed: bool


@dataclass(frozen=True)
class EditProblem:
    """One reason an edit is refused: ``key`` is the key of the edited item or field it
    concerns (``name``, ``max_length``), or ``""`` when it concerns something else, which
    ``message`` (Chinese) then names."""

    key: str
    message: str


class CatalogEditRefused(ValidationFailed):
    """An edit that would leave the catalog invalid (the rules of the JSON import,
    :func:`credit.catalog.spec.parse_catalog`); nothing is written."""

    code = "catalog_invalid"

    def __init__(self, problems: list[EditProblem]):
        super().__init__(
            f"未保存：修改后的目录项有{len(problems)}处问题，请按提示修改后再保存",
            details={"problems": [{"key": p.key, "message": p.message} for p in problems]},
        )
        self.problems = problems


def _key_word(model: type, key: str) -> str:
    """A document key in Chinese: the verbose name of the model field it is stored in."""
    name = {"type": "data_type"}.get(key, key)
    try:
        return str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return {"fields": "字段", "checks": "跨字段校验"}.get(key, key)


_FIELD_PATH = re.compile(r"^\.fields\[(\d+)\](?:\.([a-z_]+))?(.*)$")
_CHECK_PATH = re.compile(r"^\.checks\[(\d+)\](?:\.([a-z_]+))?")
_ITEM_PATH = re.compile(r"^\.([a-z_]+)(.*)$")


def _edit_problem(rest: str, message: str, item_doc: dict, focus: str | None) -> EditProblem:
    """A problem of the edited item (its path after ``items[k]``) as the editor shows it: on
    the key of the item or field being edited (``focus``: that field's code), or in words."""
    if m := _FIELD_PATH.match(rest):
        j, key, more = int(m.group(1)), m.group(2) or "", m.group(3)
        fields = item_doc["fields"]
        fld = fields[j] if j < len(fields) else {}
        if focus is not None and fld.get("code") == focus and key and not more:
            return EditProblem(key, message)
        what = f"{_key_word(FieldSpec, key)}：" if key else ""
        return EditProblem("", f"字段“{fld.get('name') or fld.get('code')}”的{what}{message}")
    if m := _CHECK_PATH.match(rest):
        checks = item_doc["checks"]
        k = int(m.group(1))
        code = checks[k].get("code", "") if k < len(checks) and isinstance(checks[k], dict) else ""
        return EditProblem("", f"跨字段校验“{code}”：{message}")
    if m := _ITEM_PATH.match(rest):
        key, more = m.group(1), m.group(2)
        if focus is None and key in (*ITEM_PROPERTIES, "code") and not more:
            return EditProblem(key, message)
        return EditProblem("", f"{_key_word(CatalogItem, key)}：{message}")
    return EditProblem("", message)


def validate_item(item_doc: dict, *, focus: str | None = None) -> None:
    """Refuse (:class:`CatalogEditRefused`) an item document that the JSON import would refuse
    in the current catalog: the whole catalog is checked with the item in place (so its code
    tables, departments and parent are known), and the problems of this item are reported —
    on ``focus``'s keys when it names the field being edited. Problems of other items (made
    in the admin, outside these rules) do not block an edit of this one."""
    catalog = export_catalog()
    others = [i for i in catalog["items"] if i["code"] != item_doc["code"]]
    prefix = f"items[{len(others)}]"
    known = set(Department.objects.values_list("code", flat=True))
    try:
        parse_catalog(
            {"code_tables": catalog["code_tables"], "items": [*others, item_doc]},
            known_departments=known,
        )
    except CatalogSpecError as exc:
        mine = [
            _edit_problem(p.path[len(prefix) :], p.message, item_doc, focus)
            for p in exc.problems
            if p.path == prefix or p.path.startswith(prefix + ".")
        ]
        if mine:
            raise CatalogEditRefused(mine) from exc


def removal_refusal(item_doc: dict, field_code: str) -> str | None:
    """Why a field cannot be removed from an item (Chinese), or None when it can: it
    identifies records (自然键), another field's rule or a row check uses it, or it is the
    item's only field."""
    fields = item_doc["fields"]
    fld = next((f for f in fields if f["code"] == field_code), None)
    if fld is None:
        return "字段不存在"
    name = fld["name"]
    if field_code in item_doc["natural_key"]:
        return (
            f"字段“{name}”是本目录项自然键的一部分：已报送的记录靠它（与来源部门、主体一起）"
            "识别更正和重报，删除后无法再识别，因此不能删除"
        )
    if len(fields) == 1:
        return "目录项至少需要一个字段，不能删除唯一的字段"
    for other in fields:
        if other["code"] == field_code:
            continue
        if any((c.get("when") or {}).get("field") == field_code for c in other["conditions"]):
            return (
                f"字段“{other['name']}”的条件必填规则引用了字段“{name}”，"
                "请先通过目录导入修改该规则后再删除"
            )
        if other["validator_args"].get("type_field") == field_code:
            return (
                f"字段“{other['name']}”按字段“{name}”的证件类型校验证件号码，"
                "请先修改该字段的校验规则后再删除"
            )
    for check in item_doc["checks"]:
        if field_code in (check.get("fields") or []):
            return (
                f"跨字段校验“{check.get('code')}”使用了字段“{name}”，"
                "请先通过目录导入修改该校验后再删除"
            )
    return None


def _locked_item(code: str) -> CatalogItem:
    item = CatalogItem.objects.select_for_update().filter(code=code).first()
    if item is None:
        raise NotFound(f"目录项“{code}”不存在", code="item_not_found")
    return item


def _field_index(item_doc: dict, field_code: str) -> int:
    for n, fld in enumerate(item_doc["fields"]):
        if fld["code"] == field_code:
            return n
    raise NotFound(f"目录项“{item_doc['name']}”没有字段“{field_code}”", code="field_not_found")


def _edit(
    actor: Any,
    code: str,
    change: Callable[[dict], None],
    *,
    event: str,
    focus: str | None = None,
) -> Edit:
    """The one write path of the editor: the permission, the item locked, ``change`` applied to
    its document, the result validated like an import, stored, versioned and audited with
    before and after — all in the caller's transaction, or nothing."""
    require(actor, Perm.CATALOG_MANAGE)
    item = _locked_item(code)
    check_manages(actor, item)
    before = export_item(item)
    doc = copy.deepcopy(before)
    doc.pop("version")
    change(doc)
    after = canonical_item(doc)
    unchanged = {k: v for k, v in before.items() if k != "version"}
    if after == unchanged:
        return Edit(item, False)
    _check_region_departments(item.region, after)
    validate_item(after, focus=focus)
    _store_item(item, after, {})
    return Edit(bump_version(item, actor=actor, before=before, event=event), True)


def _only(values: dict, allowed: tuple[str, ...]) -> dict:
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    return values


@transaction.atomic
def update_item(*, actor: Any, code: str, properties: dict) -> Edit:
    """Change an item's properties (:data:`ITEM_PROPERTIES`); version + 1, audited
    ``catalogitem.edited``."""
    _only(properties, ITEM_PROPERTIES)
    return _edit(actor, code, lambda doc: doc.update(properties), event="catalogitem.edited")


def _check_file_regions(doc: dict) -> None:
    """The ``region`` of each extension item of an imported catalog file: a district of the
    platform, and the item's source departments that district's (as on the pages);
    :class:`~credit.catalog.spec.CatalogSpecError` listing every problem."""
    districts = {r.pk: r for r in Region.objects.filter(level=Region.Level.DISTRICT)}
    problems = []
    for n, raw in enumerate(doc.get("items", [])):
        code = raw.get("region")
        if not code:
            continue
        if code not in districts:
            problems.append(SpecProblem(f"items[{n}].region", f"“{code}”不是辖市区的区划代码"))
            continue
        try:
            _check_region_departments(districts[code], canonical_item(raw))
        except CatalogEditRefused as exc:
            problems += [SpecProblem(f"items[{n}].{p.key}", p.message) for p in exc.problems]
    if problems:
        raise CatalogSpecError(problems)


def _new_item_region(p: Principal, region: Region | str | None) -> Region | None:
    """The region of a new item: a district principal's own (an extension item of its
    district); the city's choice — none (a city item) or a district."""
    code = region.pk if isinstance(region, Region) else (region or "")
    if not p.city_wide:
        if not p.region_id or (code and code != p.region_id):
            raise PermissionDenied("只能为本辖区新建扩展目录项", code="region_out_of_tenant")
        code = p.region_id
    if not code:
        return None
    found = Region.objects.filter(pk=code).first()
    if found is None or found.level != Region.Level.DISTRICT:
        raise CatalogEditRefused([EditProblem("region", f"“{code}”不是辖市区的区划代码")])
    return found


def _check_region_departments(region: Region | None, item_doc: dict) -> None:
    """An extension item of ``region`` is reported by that district's departments only: its
    source departments (来源部门) must be the district's."""
    if region is None or not item_doc["source_departments"]:
        return
    outside = list(
        Department.objects.filter(code__in=item_doc["source_departments"])
        .exclude(region_id=region.pk)
        .values_list("name", flat=True)
    )
    if outside:
        raise CatalogEditRefused(
            [
                EditProblem(
                    "source_departments",
                    f"{region.name}的扩展目录项只能由{region.name}的部门报送，"
                    f"不能选择{'、'.join(outside)}",
                )
            ]
        )


@transaction.atomic
def create_item(
    *,
    actor: Any,
    code: str,
    properties: dict,
    first_field: dict,
    region: Region | str | None = None,
) -> CatalogItem:
    """A new top-level item (version 1) with its first field, audited
    ``catalogitem.created``; ``properties`` holds every key of :data:`ITEM_PROPERTIES`. Its
    other fields are added one by one (:func:`add_field`). A district's administrator creates
    an extension item of its district (``region`` None or its own; another is
    ``PermissionDenied``); the city a city item (``region`` None) or an item of the district
    ``region``."""
    p = principal_of(actor)
    p.require(Perm.CATALOG_MANAGE)
    owner = _new_item_region(p, region)
    _only(properties, ITEM_PROPERTIES)
    _only({k: v for k, v in first_field.items() if k != "code"}, FIELD_PROPERTIES)
    if code in RESERVED_ITEM_CODES:
        raise CatalogEditRefused([EditProblem("code", f"“{code}”是目录页面保留的词，请换一个标识")])
    if CatalogItem.objects.filter(code=code).exists():
        raise CatalogEditRefused([EditProblem("code", f"目录项标识“{code}”已被使用")])
    doc = canonical_item(
        {"code": code, **properties, "region": owner.pk if owner else None, "fields": [first_field]}
    )
    _check_region_departments(owner, doc)
    validate_item(doc)
    item = CatalogItem(code=code, version=1, region=owner)
    _store_item(item, doc, {})
    audit.record("catalogitem.created", actor=actor, obj=item, after=export_item(item))
    return item


@transaction.atomic
def add_field(*, actor: Any, item_code: str, field: dict) -> Edit:
    """Append a field (its ``code`` and :data:`FIELD_PROPERTIES`) as the item's last column;
    version + 1, audited ``catalogitem.field_added``."""
    _only({k: v for k, v in field.items() if k != "code"}, FIELD_PROPERTIES)
    return _edit(
        actor,
        item_code,
        lambda doc: doc["fields"].append(dict(field)),
        event="catalogitem.field_added",
        focus=field.get("code"),
    )


@transaction.atomic
def update_field(*, actor: Any, item_code: str, field_code: str, properties: dict) -> Edit:
    """Change a field's :data:`FIELD_PROPERTIES` (its code and conditions stay); version + 1,
    audited ``catalogitem.field_edited``."""
    _only(properties, FIELD_PROPERTIES)

    def change(doc: dict) -> None:
        doc["fields"][_field_index(doc, field_code)].update(properties)

    return _edit(actor, item_code, change, event="catalogitem.field_edited", focus=field_code)


@transaction.atomic
def remove_field(*, actor: Any, item_code: str, field_code: str) -> Edit:
    """Remove a field that nothing depends on (:func:`removal_refusal` says why not);
    version + 1, audited ``catalogitem.field_removed``. Values already stored in records
    stay in their payloads."""

    def change(doc: dict) -> None:
        n = _field_index(doc, field_code)
        refusal = removal_refusal(doc, field_code)
        if refusal:
            raise ValidationFailed(refusal, code="field_in_use")
        del doc["fields"][n]

    return _edit(actor, item_code, change, event="catalogitem.field_removed")


@transaction.atomic
def move_field(*, actor: Any, item_code: str, field_code: str, offset: int) -> Edit:
    """Move a field ``offset`` columns (−1: one to the left) within the item, stopping at
    either end; version + 1, audited ``catalogitem.fields_reordered``."""

    def change(doc: dict) -> None:
        fields = doc["fields"]
        n = _field_index(doc, field_code)
        target = max(0, min(len(fields) - 1, n + offset))
        fields.insert(target, fields.pop(n))

    return _edit(actor, item_code, change, event="catalogitem.fields_reordered")
