"""Parsing the catalog exchange format (``catalog.json``, docs/catalog-format.md).

:func:`parse_catalog` checks a whole document and returns every problem with its path
(``items[1].fields[3].code_table``), so an operator fixes a file in one pass. Nothing is
written here; :func:`credit.catalog.services.import_catalog` writes a parsed document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from credit.catalog.constants import (
    Category,
    CheckKind,
    CheckSeverity,
    DataType,
    FieldRole,
    PublicityMode,
    Sensitivity,
    SubjectType,
    Unit,
    UpdatePeriod,
    UsageScope,
    Validator,
)

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ITEM_CODE_RE = re.compile(r"^[a-z][a-z0-9-]{0,63}$")
FIELD_KEYS = {
    "code",
    "name",
    "aliases",
    "type",
    "max_length",
    "decimal_places",
    "unit",
    "required",
    "conditions",
    "code_table",
    "multi_value",
    "validator",
    "validator_args",
    "sensitivity",
    "usage_scope",
    "role",
    "description",
}
#: A district's administrative division code (an extension item's ``region``).
REGION_RE = re.compile(r"^[0-9]{6}$")

ITEM_KEYS = {
    "code",
    "name",
    "region",
    "parent",
    "category",
    "subject_type",
    "update_period",
    "usage_scope",
    "publicity_mode",
    "source_departments",
    "natural_key",
    "description",
    "basis",
    "sort_order",
    "fields",
    "is_active",
    "version",
    "checks",
}
#: Keys of one row check (``items[].checks[]``), by kind: always ``code``, ``kind``,
#: ``fields``, ``severity``, ``message``; ``amount_bound`` adds ``max``, ``uscc_category``
#: ``expect``.
CHECK_KEYS = {"code", "kind", "fields", "severity", "message"}
CHECK_EXTRA_KEYS = {
    CheckKind.DATE_ORDER: set(),
    CheckKind.AMOUNT_BOUND: {"max"},
    CheckKind.USCC_CATEGORY: {"expect"},
}
#: ``{name}`` in a check's message: a field code of the check, or one of these.
CHECK_MESSAGE_NAMES = {
    CheckKind.DATE_ORDER: set(),
    CheckKind.AMOUNT_BOUND: {"max", "unit"},
    CheckKind.USCC_CATEGORY: {"expected", "org_type"},
}
CHECK_PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
#: How many fields each kind compares: date_order (earlier, later), amount_bound (amount),
#: uscc_category (USCC, 主体类别).
CHECK_ARITY = {CheckKind.DATE_ORDER: 2, CheckKind.AMOUNT_BOUND: 1, CheckKind.USCC_CATEGORY: 2}
#: The longest text a key may hold (the database columns in models.py), so a document that
#: would not fit is reported here instead of failing half-way through the import.
NAME_MAX, NOTE_MAX, VALUE_MAX = 100, 300, 100


@dataclass(frozen=True)
class SpecProblem:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CatalogSpecError(ValueError):
    """A catalog document with problems; ``problems`` lists them all."""

    def __init__(self, problems: list[SpecProblem]):
        super().__init__("; ".join(str(p) for p in problems[:10]))
        self.problems = problems


def _choice(value: Any, choices: type, path: str, problems: list, *, allow_blank=False) -> None:
    if allow_blank and value in ("", None):
        return
    if value not in choices.values:
        allowed = "、".join(v for v in choices.values if v)
        problems.append(SpecProblem(path, f"取值“{value}”无效，可选：{allowed}"))


def _length(value: Any, limit: int, path: str, problems: list) -> None:
    if isinstance(value, str) and len(value) > limit:
        problems.append(SpecProblem(path, f"最长{limit}个字符，实际{len(value)}个"))


def parse_catalog(doc: Any, *, known_departments: set[str] | None = None) -> dict:
    """Validate a catalog document; return it with defaults filled, or raise
    :class:`CatalogSpecError` listing every problem."""
    problems: list[SpecProblem] = []
    if not isinstance(doc, dict):
        raise CatalogSpecError([SpecProblem("$", "文档应为 JSON 对象")])
    tables = doc.get("code_tables", [])
    table_codes: set[str] = set()
    for i, table in enumerate(tables):
        path = f"code_tables[{i}]"
        code = table.get("code", "")
        if not isinstance(code, str) or not CODE_RE.match(code):
            problems.append(
                SpecProblem(f"{path}.code", f"代码表标识“{code}”应为小写字母、数字和下划线")
            )
        if code in table_codes:
            problems.append(SpecProblem(f"{path}.code", f"代码表“{code}”重复"))
        table_codes.add(code)
        if not table.get("name"):
            problems.append(SpecProblem(f"{path}.name", "缺少名称"))
        _length(table.get("name"), NAME_MAX, f"{path}.name", problems)
        _length(table.get("source"), NOTE_MAX, f"{path}.source", problems)
        seen: dict[str, str] = {}
        for j, val in enumerate(table.get("values", [])):
            _length(val.get("note"), NOTE_MAX, f"{path}.values[{j}].note", problems)
            for word in [val.get("value", ""), *val.get("synonyms", [])]:
                _length(word, VALUE_MAX, f"{path}.values[{j}]", problems)
                if not word:
                    problems.append(SpecProblem(f"{path}.values[{j}]", "代码值为空"))
                elif word in seen:
                    problems.append(
                        SpecProblem(
                            f"{path}.values[{j}]",
                            f"“{word}”同时对应“{seen[word]}”和“{val.get('value')}”",
                        )
                    )
                else:
                    seen[word] = val.get("value", "")
    item_codes = {it.get("code") for it in doc.get("items", [])}
    # code table → its standard values (also serves as the set of table codes)
    table_values = {
        t.get("code"): {v.get("value") for v in t.get("values", []) if isinstance(v, dict)}
        for t in tables
        if isinstance(t, dict)
    }
    seen_items: set[str] = set()
    for i, item in enumerate(doc.get("items", [])):
        _parse_item(item, f"items[{i}]", table_values, item_codes, known_departments, problems)
        if item.get("code") in seen_items:
            problems.append(SpecProblem(f"items[{i}].code", f"目录项“{item.get('code')}”重复"))
        seen_items.add(item.get("code"))
    parents = {it.get("code"): it.get("parent") for it in doc.get("items", [])}
    for i, item in enumerate(doc.get("items", [])):
        seen_chain, node = {item.get("code")}, item.get("parent")
        while node:
            if node in seen_chain:
                problems.append(SpecProblem(f"items[{i}].parent", f"上级目录形成循环（{node}）"))
                break
            seen_chain.add(node)
            node = parents.get(node)
    if problems:
        raise CatalogSpecError(problems)
    return doc


def _parse_item(item, path, table_codes, item_codes, departments, problems) -> None:
    for key in set(item) - ITEM_KEYS:
        problems.append(SpecProblem(f"{path}.{key}", "未知的键"))
    code = item.get("code", "")
    if not isinstance(code, str) or not ITEM_CODE_RE.match(code):
        problems.append(
            SpecProblem(f"{path}.code", f"目录项标识“{code}”应为小写字母、数字和连字符")
        )
    if not item.get("name"):
        problems.append(SpecProblem(f"{path}.name", "缺少名称"))
    region = item.get("region")
    if region is not None and not (isinstance(region, str) and REGION_RE.match(region)):
        problems.append(
            SpecProblem(
                f"{path}.region",
                f"区划“{region}”应为 6 位数字的辖市区代码（扩展目录项）；全市目录项不写或写 null",
            )
        )
    _length(item.get("name"), NAME_MAX, f"{path}.name", problems)
    _length(item.get("basis"), NOTE_MAX, f"{path}.basis", problems)
    parent = item.get("parent")
    if parent and (parent not in item_codes or parent == code):
        problems.append(SpecProblem(f"{path}.parent", f"上级目录项“{parent}”不存在"))
    _choice(item.get("category"), Category, f"{path}.category", problems)
    _choice(item.get("subject_type"), SubjectType, f"{path}.subject_type", problems)
    _choice(item.get("update_period"), UpdatePeriod, f"{path}.update_period", problems)
    _choice(item.get("usage_scope"), UsageScope, f"{path}.usage_scope", problems)
    _choice(
        item.get("publicity_mode", PublicityMode.VALIDITY),
        PublicityMode,
        f"{path}.publicity_mode",
        problems,
    )
    sort_order = item.get("sort_order", 0)
    if (
        not isinstance(sort_order, int)
        or isinstance(sort_order, bool)
        or not 0 <= sort_order <= 32767
    ):
        problems.append(SpecProblem(f"{path}.sort_order", "应为0至32767之间的整数"))
    if departments is not None:
        for dept in item.get("source_departments", []):
            if dept not in departments:
                problems.append(SpecProblem(f"{path}.source_departments", f"部门“{dept}”不存在"))
    fields = item.get("fields", [])
    if not fields:
        problems.append(SpecProblem(f"{path}.fields", "目录项至少需要一个字段"))
    codes = [f.get("code") for f in fields]
    roles: dict[str, str] = {}
    headers: dict[str, str] = {}  # column header (name or alias) → field code
    for j, fld in enumerate(fields):
        fpath = f"{path}.fields[{j}]"
        _parse_field(fld, fpath, set(codes), table_codes, problems)
        labels = [("name", fld.get("name"))] + [("aliases", a) for a in fld.get("aliases", [])]
        for key, label in labels:
            if label and headers.setdefault(label, fld.get("code")) != fld.get("code"):
                problems.append(
                    SpecProblem(f"{fpath}.{key}", f"表头“{label}”已由字段“{headers[label]}”使用")
                )
        if codes.count(fld.get("code")) > 1 and codes.index(fld.get("code")) != j:
            problems.append(SpecProblem(f"{fpath}.code", f"字段“{fld.get('code')}”重复"))
        role = fld.get("role", "")
        if role:
            if role in roles:
                problems.append(
                    SpecProblem(f"{fpath}.role", f"业务含义“{role}”已由字段“{roles[role]}”使用")
                )
            roles[role] = fld.get("code")
    for key in item.get("natural_key", []):
        if key not in codes:
            problems.append(SpecProblem(f"{path}.natural_key", f"自然键字段“{key}”不存在"))
    checks = item.get("checks", [])
    if not isinstance(checks, list):
        problems.append(SpecProblem(f"{path}.checks", "应为列表"))
        checks = []
    by_code = {f.get("code"): f for f in fields}
    for k, check in enumerate(checks):
        _parse_check(check, f"{path}.checks[{k}]", by_code, table_codes, problems)


def _parse_field(fld, path, codes, table_codes, problems) -> None:
    for key in set(fld) - FIELD_KEYS:
        problems.append(SpecProblem(f"{path}.{key}", "未知的键"))
    code = fld.get("code", "")
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(SpecProblem(f"{path}.code", f"字段标识“{code}”应为小写字母、数字和下划线"))
    if not fld.get("name"):
        problems.append(SpecProblem(f"{path}.name", "缺少字段名称"))
    _length(fld.get("name"), NAME_MAX, f"{path}.name", problems)
    for alias in fld.get("aliases", []):
        _length(alias, NAME_MAX, f"{path}.aliases", problems)
    _length(fld.get("description"), NOTE_MAX, f"{path}.description", problems)
    dtype = fld.get("type")
    _choice(dtype, DataType, f"{path}.type", problems)
    if dtype == DataType.CODE and not fld.get("code_table"):
        problems.append(SpecProblem(f"{path}.code_table", "代码类型的字段必须指定代码表"))
    if fld.get("code_table") and fld["code_table"] not in table_codes:
        problems.append(SpecProblem(f"{path}.code_table", f"代码表“{fld['code_table']}”不存在"))
    _choice(fld.get("validator", ""), Validator, f"{path}.validator", problems, allow_blank=True)
    if fld.get("validator") == Validator.ID_BY_TYPE:
        type_field = (fld.get("validator_args") or {}).get("type_field")
        if type_field not in codes:
            problems.append(
                SpecProblem(f"{path}.validator_args", f"证件类型字段“{type_field}”不存在")
            )
    _choice(fld.get("sensitivity", "public"), Sensitivity, f"{path}.sensitivity", problems)
    _choice(
        fld.get("usage_scope", ""), UsageScope, f"{path}.usage_scope", problems, allow_blank=True
    )
    _choice(fld.get("role", ""), FieldRole, f"{path}.role", problems, allow_blank=True)
    unit = fld.get("unit", "")
    _choice(unit, Unit, f"{path}.unit", problems, allow_blank=True)
    if unit and dtype not in (DataType.DECIMAL, DataType.INTEGER):
        problems.append(SpecProblem(f"{path}.unit", "只有数值或整数字段可以指定单位"))
    for key in ("max_length", "decimal_places"):
        value = fld.get(key)
        if value is not None and (not isinstance(value, int) or value < 0):
            problems.append(SpecProblem(f"{path}.{key}", "应为非负整数"))
    for k, cond in enumerate(fld.get("conditions", [])):
        cpath = f"{path}.conditions[{k}]"
        when = cond.get("when") if isinstance(cond, dict) else None
        if not isinstance(when, dict) or when.get("field") not in codes:
            problems.append(
                SpecProblem(cpath, '条件应引用本目录项的字段：{"when": {"field", "in"}}')
            )
        elif when.get("field") == code:
            problems.append(SpecProblem(cpath, "条件不能引用字段自身"))
        elif not isinstance(when.get("in"), list) or not when["in"]:
            problems.append(SpecProblem(cpath, "条件的 in 应为非空列表"))
        if not isinstance(cond, dict) or cond.get("then") not in {"required", "empty"}:
            problems.append(SpecProblem(cpath, "then 应为 required 或 empty"))


def check_problems(
    check: Any, fields: dict[str, dict], tables: dict[str, set]
) -> list[SpecProblem]:
    """The problems of one row check against its item's fields (``code`` → field document)
    and the code tables (``code`` → standard values); ``[]`` when it can be evaluated. Also
    used when a spec is built from the database, whose checks may have been edited by hand."""
    problems: list[SpecProblem] = []
    _parse_check(check, "checks", fields, tables, problems)
    return problems


def _parse_check(
    check: Any, path: str, fields: dict[str, dict], tables: dict[str, set], problems: list
) -> None:
    """One row check of an item: known kind and severity, fields of the item of the right
    type, a Chinese message whose ``{placeholders}`` the engine can fill."""
    if not isinstance(check, dict):
        problems.append(SpecProblem(path, "应为对象"))
        return
    kind = check.get("kind")
    _choice(kind, CheckKind, f"{path}.kind", problems)
    if kind not in CheckKind.values:
        return
    for key in set(check) - CHECK_KEYS - CHECK_EXTRA_KEYS[kind]:
        problems.append(SpecProblem(f"{path}.{key}", "未知的键"))
    code = check.get("code", "")
    if not isinstance(code, str) or not CODE_RE.match(code):
        problems.append(SpecProblem(f"{path}.code", f"校验标识“{code}”应为小写字母、数字和下划线"))
    _choice(check.get("severity"), CheckSeverity, f"{path}.severity", problems)
    message = check.get("message")
    if not isinstance(message, str) or not message.strip():
        problems.append(SpecProblem(f"{path}.message", "缺少提示信息"))
        message = ""
    _length(message, NOTE_MAX, f"{path}.message", problems)
    names = check.get("fields")
    if (
        not isinstance(names, list)
        or len(names) != CHECK_ARITY[kind]
        or not all(isinstance(n, str) for n in names)
    ):
        problems.append(SpecProblem(f"{path}.fields", f"应列出{CHECK_ARITY[kind]}个字段"))
        return
    for name in names:
        if name not in fields:
            problems.append(SpecProblem(f"{path}.fields", f"字段“{name}”不存在"))
    if any(name not in fields for name in names):
        return
    types = [fields[n].get("type") for n in names]
    if kind == CheckKind.DATE_ORDER and types != [DataType.DATE, DataType.DATE]:
        problems.append(SpecProblem(f"{path}.fields", "日期先后校验的两个字段都应为日期类型"))
    if kind == CheckKind.AMOUNT_BOUND:
        if types[0] not in (DataType.DECIMAL, DataType.INTEGER):
            problems.append(SpecProblem(f"{path}.fields", "金额上限校验的字段应为数值类型"))
        bound = check.get("max")
        if not isinstance(bound, (int, float)) or isinstance(bound, bool) or bound <= 0:
            problems.append(SpecProblem(f"{path}.max", "应为正数"))
    if kind == CheckKind.USCC_CATEGORY:
        if fields[names[0]].get("validator") != Validator.USCC:
            problems.append(SpecProblem(f"{path}.fields", "第一个字段应为统一社会信用代码字段"))
        if types[1] != DataType.CODE:
            problems.append(SpecProblem(f"{path}.fields", "第二个字段应为主体类别（代码）字段"))
        expect = check.get("expect")
        if (
            not isinstance(expect, dict)
            or not expect
            or not all(
                isinstance(k, str) and 1 <= len(k) <= 2 and isinstance(v, str) and v
                for k, v in expect.items()
            )
        ):
            problems.append(
                SpecProblem(f"{path}.expect", '应为 {"代码前1至2位": "主体类别"} 形式的对象')
            )
        elif (values := tables.get(fields[names[1]].get("code_table"))) is not None:
            for category in expect.values():  # (an unknown code table is reported already)
                if category not in values:
                    problems.append(
                        SpecProblem(f"{path}.expect", f"“{category}”不是主体类别代码表中的值")
                    )
    allowed = set(names) | CHECK_MESSAGE_NAMES[kind]
    for name in CHECK_PLACEHOLDER_RE.findall(message):
        if name not in allowed:
            problems.append(SpecProblem(f"{path}.message", f"提示信息中的“{{{name}}}”无法填充"))
