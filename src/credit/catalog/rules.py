"""Validation of a record's payload against its catalog item's field specifications.

The spec is read once per item version into plain dataclasses (:func:`spec_for`), so
validating millions of rows does not touch the database. :func:`validate_payload` checks a
payload whose values are already normalised (ISO dates, standard code values, upper-case
codes); the ingest pipeline normalises first and reports what it corrected.

Error codes are stable English identifiers; messages are Chinese and name the field.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from credit.catalog.constants import DataType, FieldRole, Validator
from credit.core.identifiers import (
    IdentifierError,
    is_placeholder_uscc,
    parse_org_code,
    parse_resident_id,
    parse_uscc,
)

MULTI_VALUE_SEPARATORS = (";", "；", "、")
RESIDENT_ID_TYPE = "居民身份证"
#: Date roles that describe the future by nature (an expiry), so a future date is allowed.
FUTURE_DATE_ROLES = frozenset({FieldRole.VALID_TO, FieldRole.PUBLICITY_END})


@dataclass(frozen=True)
class FieldRule:
    code: str
    name: str
    data_type: str
    required: bool = False
    max_length: int | None = None
    decimal_places: int | None = None
    conditions: tuple[dict, ...] = ()
    code_values: frozenset[str] | None = None
    multi_value: bool = False
    validator: str = ""
    validator_args: dict = field(default_factory=dict)
    role: str = ""
    sensitivity: str = "public"
    #: The field's usage scope (信息使用范围): its own, else its item's.
    usage_scope: str = "public"
    #: Code-table synonym → standard value (CodeValue.synonyms), for the ingest normaliser.
    #: A dict, like ``validator_args``: FieldRule is frozen but never hashed.
    synonyms: dict[str, str] = field(default_factory=dict)
    #: Standard value → CodeValue.note, for the values that declare synonyms and a note,
    #: so a mapping (e.g. 较重 → 一般) can cite why it is made.
    synonym_notes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    version: int
    fields: tuple[FieldRule, ...]

    def __post_init__(self) -> None:
        # Built once: validation asks for them on every row.
        object.__setattr__(self, "_by_code", {f.code: f for f in self.fields})
        object.__setattr__(self, "_by_role", {f.role: f for f in self.fields if f.role})

    def by_code(self) -> dict[str, FieldRule]:
        return self._by_code

    def by_role(self) -> dict[str, FieldRule]:
        return self._by_role

    def value(self, payload: dict[str, Any], role: str) -> str:
        """The payload's value of the field with ``role`` ("" when absent or empty)."""
        rule = self._by_role.get(role)
        value = payload.get(rule.code) if rule else None
        return "" if value is None else str(value)


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message}


_spec_cache: dict[tuple[int, int], ItemSpec] = {}


def spec_for(item: Any) -> ItemSpec:
    """The validation spec of a :class:`CatalogItem`, cached per item id and version."""
    key = (item.pk, item.version)
    cached = _spec_cache.get(key)
    if cached is not None:
        return cached
    rules = []
    for f in item.fields.select_related("code_table").prefetch_related("code_table__values"):
        values = None
        synonyms: dict[str, str] = {}
        synonym_notes: dict[str, str] = {}
        if f.code_table_id:
            table_values = list(f.code_table.values.all())
            values = frozenset(v.value for v in table_values)
            for v in table_values:
                # A standard value always stands for itself, even if listed as a synonym.
                synonyms.update((s, v.value) for s in v.synonyms or () if s not in values)
                if v.synonyms and v.note:
                    synonym_notes[v.value] = v.note
        rules.append(
            FieldRule(
                code=f.code,
                name=f.name,
                data_type=f.data_type,
                required=f.required,
                max_length=f.max_length,
                decimal_places=f.decimal_places,
                conditions=tuple(f.conditions or ()),
                code_values=values,
                multi_value=f.multi_value,
                validator=f.validator,
                validator_args=dict(f.validator_args or {}),
                role=f.role,
                sensitivity=f.sensitivity,
                usage_scope=f.usage_scope or item.usage_scope,
                synonyms=synonyms,
                synonym_notes=synonym_notes,
            )
        )
    spec = ItemSpec(code=item.code, name=item.name, version=item.version, fields=tuple(rules))
    _spec_cache[key] = spec
    return spec


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def split_multi(value: str) -> list[str]:
    parts = [value]
    for sep in MULTI_VALUE_SEPARATORS:
        parts = [p for chunk in parts for p in chunk.split(sep)]
    return [p.strip() for p in parts if p.strip()]


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: Any) -> datetime.date | None:
    """A date written exactly as YYYY-MM-DD (the stored form; ingest converts other forms)."""
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip()
    if not ISO_DATE.match(text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def _condition_holds(cond: dict, payload: dict, rules: dict[str, FieldRule]) -> bool:
    when = cond.get("when", {})
    other = payload.get(when.get("field"))
    if is_empty(other):
        return False
    wanted = set(when.get("in", []))
    other_rule = rules.get(when.get("field"))
    if other_rule is not None and other_rule.multi_value:
        # A multi-value field (处罚类别 "警告;罚款") meets the condition when any value matches.
        return bool(set(split_multi(str(other))) & wanted)
    return str(other).strip() in wanted


def validate_payload(
    spec: ItemSpec, payload: dict[str, Any], *, today: datetime.date | None = None
) -> list[FieldError]:
    """Every reason why ``payload`` does not satisfy ``spec`` (empty list when it does).

    Checks that depend on a value alone (dates, numbers, code tables, identifiers) are
    memoised per field and value for the day: files repeat the same dates, amounts, codes and
    authorities on most rows. Results are the same as checking every value afresh.
    """
    today = today or datetime.date.today()
    rules = spec.by_code()
    plan = _plan_for(spec, today)
    errors: list[FieldError] = [
        FieldError(key, "field_unknown", f"目录项“{spec.name}”没有字段“{key}”")
        for key in payload
        if key not in rules
    ]
    memo = plan.memo
    for rule, code, kind, max_length, when_required, when_empty in plan.fields:
        value = payload.get(code)
        text = value.strip() if type(value) is str else "" if value is None else str(value).strip()
        if text and rule.multi_value and not text.translate(_SEPARATORS_GONE).strip():
            text = ""  # only separators (";"): as empty as an empty cell
        if not text:
            if rule.required:
                errors.append(FieldError(code, "required", f"“{rule.name}”为必填项"))
            else:
                for cond, other, wanted, multi in when_required:
                    if _holds(payload.get(other), wanted, multi):
                        errors.append(_conditional(rule, cond, payload, "required", rules))
                        break
            continue
        for cond, other, wanted, multi in when_empty:
            if _holds(payload.get(other), wanted, multi):
                errors.append(_conditional(rule, cond, payload, "empty", rules))
                break
        if kind is _PLAIN:
            if max_length and len(text) > max_length:
                message = f"“{rule.name}”最长{max_length}个字符，实际{len(text)}个"
                errors.append(FieldError(code, "too_long", message))
        elif kind is _BY_VALUE:
            found = memo.get((code, text))
            if found is None:
                if len(memo) > _MEMO_LIMIT:
                    memo.clear()
                found = memo[(code, text)] = tuple(_check_value(rule, text, payload, today))
            errors.extend(found)
        else:
            errors.extend(_check_value(rule, text, payload, today))
    errors.extend(_check_date_order(spec, payload))
    return errors


def _holds(other: Any, wanted: frozenset[str], multi: bool) -> bool:
    """:func:`_condition_holds` with the condition prepared by :func:`_plan_for`."""
    if other is None:
        return False
    text = other.strip() if type(other) is str else str(other).strip()
    if not text:
        return False
    if multi:
        return not wanted.isdisjoint(split_multi(text))
    return text in wanted


_SEPARATORS_GONE = str.maketrans("", "", "".join(MULTI_VALUE_SEPARATORS))
_PLAIN, _BY_VALUE, _BY_PAYLOAD = object(), object(), object()
_MEMO_LIMIT = 200_000


@dataclass
class _Plan:
    """How to check each field of one spec, and the memo of value-only checks for one day."""

    today: datetime.date
    fields: list[tuple]
    memo: dict[tuple[str, str], tuple[FieldError, ...]]


def _prepared(spec: ItemSpec, rule: FieldRule, then: str) -> tuple:
    """The rule's conditions with ``then``, as ``(cond, other field, wanted values, other is
    multi-value)``."""
    rules = spec.by_code()
    out = []
    for cond in rule.conditions:
        if cond.get("then") != then:
            continue
        when = cond.get("when", {})
        other = rules.get(when.get("field"))
        out.append(
            (
                cond,
                when.get("field"),
                frozenset(when.get("in", [])),
                other is not None and other.multi_value,
            )
        )
    return tuple(out)


def _plan_for(spec: ItemSpec, today: datetime.date) -> _Plan:
    plan = spec.__dict__.get("_plan")  # kept on the (frozen, cached) spec itself
    if plan is not None and plan.today == today:
        return plan
    fields = []
    for rule in spec.fields:
        if rule.validator == Validator.ID_BY_TYPE:
            kind = _BY_PAYLOAD  # the document type decides which checksum applies
        elif (
            rule.data_type in (DataType.DATE, DataType.DECIMAL, DataType.INTEGER)
            or rule.code_values is not None
            or rule.validator
        ):
            kind = _BY_VALUE
        else:
            kind = _PLAIN
        max_length = (
            rule.max_length
            if rule.data_type in (DataType.STRING, DataType.TEXT, DataType.CODE)
            else None
        )
        fields.append(
            (
                rule,
                rule.code,
                kind,
                max_length,
                _prepared(spec, rule, "required"),
                _prepared(spec, rule, "empty"),
            )
        )
    plan = _Plan(today=today, fields=fields, memo={})
    object.__setattr__(spec, "_plan", plan)
    return plan


def _conditional(
    rule: FieldRule, cond: dict, payload: dict, kind: str, rules: dict[str, FieldRule]
) -> FieldError:
    other_code = cond["when"]["field"]
    shown = payload.get(other_code)
    other = rules[other_code].name if other_code in rules else other_code
    if kind == "required":
        return FieldError(
            rule.code,
            "conditionally_required",
            f"“{other}”为“{shown}”时，“{rule.name}”为必填项",
        )
    return FieldError(rule.code, "must_be_empty", f"“{other}”为“{shown}”时，“{rule.name}”应为空")


def _check_value(rule: FieldRule, value: Any, payload: dict, today) -> list[FieldError]:
    text = str(value).strip()
    name = rule.name
    if (
        rule.data_type in {DataType.STRING, DataType.TEXT, DataType.CODE}
        and rule.max_length
        and len(text) > rule.max_length
    ):
        message = f"“{name}”最长{rule.max_length}个字符，实际{len(text)}个"
        return [FieldError(rule.code, "too_long", message)]
    if rule.data_type == DataType.DATE:
        parsed = parse_date(text)
        if parsed is None:
            return [
                FieldError(
                    rule.code, "date_invalid", f"“{name}”不是有效日期（应为 YYYY-MM-DD）：{text}"
                )
            ]
        if parsed > today and rule.role not in FUTURE_DATE_ROLES:
            return [FieldError(rule.code, "date_in_future", f"“{name}”不能晚于今天：{text}")]
        if parsed.year < 1949:
            return [FieldError(rule.code, "date_too_early", f"“{name}”早于1949年：{text}")]
    if rule.data_type in {DataType.DECIMAL, DataType.INTEGER}:
        try:
            number = Decimal(text)
        except InvalidOperation:
            return [FieldError(rule.code, "number_invalid", f"“{name}”不是有效数值：{text}")]
        if not number.is_finite() or number < 0:
            return [FieldError(rule.code, "number_invalid", f"“{name}”应为非负数：{text}")]
        places = -number.as_tuple().exponent if number.as_tuple().exponent < 0 else 0
        if rule.data_type == DataType.INTEGER and places:
            return [FieldError(rule.code, "number_invalid", f"“{name}”应为整数：{text}")]
        if rule.decimal_places is not None and places > rule.decimal_places:
            return [
                FieldError(
                    rule.code,
                    "number_precision",
                    f"“{name}”最多{rule.decimal_places}位小数：{text}",
                )
            ]
    if rule.code_values is not None:
        values = split_multi(text) if rule.multi_value else [text]
        bad = [v for v in values if v not in rule.code_values]
        if bad:
            return [
                FieldError(rule.code, "code_invalid", f"“{name}”的值“{'、'.join(bad)}”不在代码表中")
            ]
    return _check_identifier(rule, text, payload, today) if rule.validator else []


def _check_identifier(
    rule: FieldRule, text: str, payload: dict, today: datetime.date
) -> list[FieldError]:
    validator = rule.validator
    if validator == Validator.ID_BY_TYPE:
        id_type = payload.get(rule.validator_args.get("type_field", ""))
        if is_empty(id_type) or str(id_type).strip() != RESIDENT_ID_TYPE:
            return []  # other document types have no national checksum
        validator = Validator.RESIDENT_ID
    if rule.role == FieldRole.USCC and validator == Validator.USCC and is_placeholder_uscc(text):
        return []  # sole traders without a USCC (RULES.md); only for the subject's code
    problem = _identifier_problem(validator, text, today)
    if problem is None:
        return []
    return [FieldError(rule.code, problem[0], f"“{rule.name}”{problem[1]}")]


@functools.lru_cache(maxsize=65_536)
def _identifier_problem(validator: str, text: str, today: datetime.date) -> tuple[str, str] | None:
    """``(code, message)`` of what is wrong with an identifier, memoised: files repeat the same
    authority and data-source codes on every row. ``today`` is part of the key because an ID
    number's birth date must not lie in the future."""
    try:
        if validator == Validator.USCC:
            parse_uscc(text)
        elif validator == Validator.RESIDENT_ID:
            parse_resident_id(text, today=today)
        elif validator == Validator.ORG_CODE:
            parse_org_code(text)
    except IdentifierError as exc:
        return exc.code, exc.message
    return None


_ORDERED_ROLES = (
    (FieldRole.VALID_FROM, FieldRole.VALID_TO, "date_order", "不能晚于"),
    (FieldRole.DECISION_DATE, FieldRole.PUBLICITY_END, "date_order", "不能晚于"),
)


def _check_date_order(spec: ItemSpec, payload: dict) -> list[FieldError]:
    roles = spec.by_role()
    errors = []
    for first, second, code, words in _ORDERED_ROLES:
        a, b = roles.get(first), roles.get(second)
        if a is None or b is None:
            continue
        da, db = parse_date(payload.get(a.code) or ""), parse_date(payload.get(b.code) or "")
        if da and db and da > db:
            errors.append(FieldError(b.code, code, f"“{a.name}”{words}“{b.name}”"))
    return errors
