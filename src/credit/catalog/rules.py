"""Validation of a record's payload against its catalog item's field specifications.

The spec is read once per item version into plain dataclasses (:func:`spec_for`), so
validating millions of rows does not touch the database. :func:`validate_payload` checks a
payload whose values are already normalised (ISO dates, standard code values, upper-case
codes); the ingest pipeline normalises first and reports what it corrected.

Error codes are stable English identifiers; messages are Chinese and name the field.

Besides the per-field checks, an item declares cross-field row checks as data (its
``checks``: 处罚决定日期 not after 公示截止期, a USCC of type 92 on a row whose 行政相对人类别
is not 个体工商户, an implausible amount in 万元). One engine evaluates them
(:func:`_compile_check`): a check of severity ``reject`` adds an error, one of severity
``warn`` a warning. Warnings — also that a resident ID's division code was not in force when
the number could first have been assigned (:func:`credit.core.identifiers.division_anachronism`)
— never refuse a row; :func:`validate_payload` hands them to the caller that asks for them.

A cell that only says "nothing" (:data:`PLACEHOLDERS`: ``-``, ``/``, ``无``, ``null`` …) is
emptied by the ingest normaliser in an optional field; in a required field it stays and is
reported here as missing (``required``), naming the placeholder.
"""

from __future__ import annotations

import datetime
import functools
import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from credit.catalog.constants import CheckKind, CheckSeverity, DataType, FieldRole, Validator
from credit.catalog.spec import CHECK_PLACEHOLDER_RE, check_problems
from credit.core.identifiers import (
    ORG_TYPES,
    IdentifierError,
    division_anachronism,
    is_placeholder_uscc,
    parse_org_code,
    parse_resident_id,
    parse_uscc,
)

logger = logging.getLogger(__name__)

MULTI_VALUE_SEPARATORS = (";", "；", "、")
RESIDENT_ID_TYPE = "居民身份证"
#: Date roles that describe the future by nature (an expiry), so a future date is allowed.
FUTURE_DATE_ROLES = frozenset({FieldRole.VALID_TO, FieldRole.PUBLICITY_END})

#: Cell texts that mean "nothing was filled in", as clerks and exporting systems write it.
PLACEHOLDER_TEXTS = (
    "-", "--", "—", "——", "/", "无", "空", "暂无", "null", "NULL", "Null", "N/A", "n/a",
)  # fmt: skip
#: :data:`PLACEHOLDER_TEXTS` also as typed in full width (``－``, ``／``, ``ｎｕｌｌ``).
PLACEHOLDERS = frozenset(PLACEHOLDER_TEXTS) | frozenset(
    p.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)}) for p in PLACEHOLDER_TEXTS
)
PLACEHOLDER_MAX = max(map(len, PLACEHOLDERS))
#: Warning code of a resident ID whose division code was not in force (never a rejection).
DIVISION_WARNING = "id_division_not_in_force"


@dataclass(frozen=True)
class FieldRule:
    code: str
    name: str
    data_type: str
    required: bool = False
    max_length: int | None = None
    decimal_places: int | None = None
    #: An amount's unit (万元; ``Unit``), for the normaliser's conversions; "" for none.
    unit: str = ""
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
class RowCheck:
    """One cross-field row check of an item (``CatalogItem.checks``, docs/catalog-format.md):
    ``kind`` (``CheckKind``) compares ``fields``; ``severity`` ``reject`` refuses the row, ``warn``
    accepts it with a warning; ``message`` may quote ``{field code}`` values. ``bound`` is the
    limit of ``amount_bound``, ``expect`` the (USCC prefix, 主体类别) pairs of ``uscc_category``."""

    code: str
    kind: str
    fields: tuple[str, ...]
    severity: str
    message: str
    bound: Decimal | None = None
    expect: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_data(cls, data: dict) -> RowCheck:
        bound = data.get("max")
        return cls(
            code=data["code"],
            kind=data["kind"],
            fields=tuple(data["fields"]),
            severity=data["severity"],
            message=data["message"],
            bound=None if bound is None else Decimal(str(bound)),
            expect=tuple((data.get("expect") or {}).items()),
        )


@dataclass(frozen=True)
class ItemSpec:
    code: str
    name: str
    version: int
    fields: tuple[FieldRule, ...]
    checks: tuple[RowCheck, ...] = ()

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
                unit=f.unit,
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
    spec = ItemSpec(
        code=item.code,
        name=item.name,
        version=item.version,
        fields=tuple(rules),
        checks=_row_checks(item, rules),
    )
    _spec_cache[key] = spec
    return spec


def _row_checks(item: Any, rules: list[FieldRule]) -> tuple[RowCheck, ...]:
    """The item's row checks that can be evaluated. A catalog import checks them
    (:func:`credit.catalog.spec.parse_catalog`); one edited by hand into something else is
    left out and logged rather than failing every upload of the item."""
    fields = {
        r.code: {"type": r.data_type, "validator": r.validator, "code_table": r.code} for r in rules
    }
    tables = {r.code: set(r.code_values) for r in rules if r.code_values is not None}
    out = []
    for check in item.checks or ():
        problems = check_problems(check, fields, tables)
        if problems:
            logger.warning("目录项“%s”的跨字段校验无法使用：%s", item.code, problems[0])
            continue
        out.append(RowCheck.from_data(check))
    return tuple(out)


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
    spec: ItemSpec,
    payload: dict[str, Any],
    *,
    today: datetime.date | None = None,
    warnings: list[FieldError] | None = None,
) -> list[FieldError]:
    """Every reason why ``payload`` does not satisfy ``spec`` (empty list when it does).

    Warnings — row checks of severity ``warn``, a resident ID's division code out of time —
    do not make a payload invalid; they are appended to ``warnings`` when the caller passes a
    list (the ingest pipeline stores them on the row), and skipped otherwise.

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
    placeholders, longest = PLACEHOLDERS, PLACEHOLDER_MAX
    for rule, code, kind, max_length, when_required, when_empty, no_placeholder in plan.fields:
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
        if no_placeholder and len(text) <= longest and text in placeholders:
            message = f"“{rule.name}”为必填项，“{text}”不是有效值"
            errors.append(FieldError(code, "required", message))
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
                notes: list[FieldError] = []
                found = memo[(code, text)] = (
                    tuple(_check_value(rule, text, payload, today, notes)),
                    tuple(notes),
                )
            if found[0]:
                errors.extend(found[0])
            if found[1] and warnings is not None:
                warnings.extend(found[1])
        else:
            errors.extend(_check_value(rule, text, payload, today, warnings))
    for check in plan.checks:
        check(payload, errors, warnings)
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
    """How to check each field of one spec, its compiled row checks, and the memo of
    value-only checks (errors, warnings) for one day."""

    today: datetime.date
    fields: list[tuple]
    checks: list[Any]
    memo: dict[tuple[str, str], tuple[tuple[FieldError, ...], tuple[FieldError, ...]]]


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
        # A placeholder (无, -) in a required field is reported as missing, unless the
        # field's code table has it as a value.
        no_placeholder = rule.required and PLACEHOLDERS.isdisjoint(rule.code_values or ())
        fields.append(
            (
                rule,
                rule.code,
                kind,
                max_length,
                _prepared(spec, rule, "required"),
                _prepared(spec, rule, "empty"),
                no_placeholder,
            )
        )
    checks = [_compile_check(spec, check) for check in spec.checks]
    plan = _Plan(today=today, fields=fields, checks=[c for c in checks if c], memo={})
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


def _check_value(
    rule: FieldRule, value: Any, payload: dict, today, warnings: list | None = None
) -> list[FieldError]:
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
    return _check_identifier(rule, text, payload, today, warnings) if rule.validator else []


def _check_identifier(
    rule: FieldRule, text: str, payload: dict, today: datetime.date, warnings: list | None
) -> list[FieldError]:
    validator = rule.validator
    if validator == Validator.ID_BY_TYPE:
        id_type = payload.get(rule.validator_args.get("type_field", ""))
        if is_empty(id_type) or str(id_type).strip() != RESIDENT_ID_TYPE:
            return []  # other document types have no national checksum
        validator = Validator.RESIDENT_ID
    if rule.role == FieldRole.USCC and validator == Validator.USCC and is_placeholder_uscc(text):
        return []  # sole traders without a USCC (RULES.md); only for the subject's code
    problem, notice = _identifier_problem(validator, text, today)
    if notice is not None and warnings is not None:
        warnings.append(FieldError(rule.code, notice[0], f"“{rule.name}”{notice[1]}"))
    if problem is None:
        return []
    return [FieldError(rule.code, problem[0], f"“{rule.name}”{problem[1]}")]


@functools.lru_cache(maxsize=65_536)
def _identifier_problem(
    validator: str, text: str, today: datetime.date
) -> tuple[tuple[str, str] | None, tuple[str, str] | None]:
    """``(problem, notice)`` of an identifier, each ``(code, message)`` or ``None``: what is
    wrong with it, and what is merely worth a warning (a resident ID's division code not in
    force at the time, :func:`credit.core.identifiers.division_anachronism`). Memoised: files
    repeat the same authority and data-source codes on every row. ``today`` is part of the
    key because an ID number's birth date must not lie in the future."""
    notice = None
    try:
        if validator == Validator.USCC:
            parse_uscc(text)
        elif validator == Validator.RESIDENT_ID:
            rid = parse_resident_id(text, today=today)
            found = division_anachronism(rid.division_code, rid.birth_date.year)
            if found is not None:
                notice = (DIVISION_WARNING, found)
        elif validator == Validator.ORG_CODE:
            parse_org_code(text)
    except IdentifierError as exc:
        return (exc.code, exc.message), None
    return None, notice


# --- row checks (catalog ``checks``) ---------------------------------------------------------

#: A compiled row check: ``check(payload, errors, warnings)`` appends what it finds.
RowCheckFn = Any
_CHECK_MEMO = 4096


def _text(value: Any) -> str:
    return "" if value is None else value.strip() if type(value) is str else str(value).strip()


def _compile_check(spec: ItemSpec, check: RowCheck) -> RowCheckFn | None:
    """One engine for every item: the row check as a function, its fields looked up once.
    A check whose fields are missing from the spec (an item edited after its checks) is
    skipped. A check looks only at fields that passed their own checks: an invalid date or
    USCC is reported once, by its field."""
    rules = spec.by_code()
    if not all(name in rules for name in check.fields):
        return None
    reject = check.severity == CheckSeverity.REJECT
    template = check.message
    placeholders = bool(CHECK_PLACEHOLDER_RE.search(template))

    def emit(field: str, payload: dict, errors: list, warnings: list | None, **extra: str):
        if placeholders:
            values = {name: _text(payload.get(name)) for name in check.fields} | extra
            message = CHECK_PLACEHOLDER_RE.sub(lambda m: values.get(m[1], m[0]), template)
        else:
            message = template
        if reject:
            errors.append(FieldError(field, check.code, message))
        elif warnings is not None:
            warnings.append(FieldError(field, check.code, message))

    def failed(errors: list, names: tuple[str, ...]) -> bool:
        return bool(errors) and any(e.field in names for e in errors)

    if check.kind == CheckKind.DATE_ORDER:
        earlier, later = check.fields

        def date_order(payload: dict, errors: list, warnings: list | None) -> None:
            a, b = payload.get(earlier), payload.get(later)
            if not a or not b:
                return
            if a.__class__ is not str or b.__class__ is not str or len(a) != 10 or len(b) != 10:
                a, b = _text(a), _text(b)  # a date object, or padded: ISO text to compare
            # Valid ISO dates (their own checks passed) compare as text.
            if a > b and not failed(errors, check.fields):
                emit(later, payload, errors, warnings)

        return date_order

    if check.kind == CheckKind.AMOUNT_BOUND:
        (amount,) = check.fields
        bound = check.bound
        unit = rules[amount].unit

        above: dict[str, bool] = {}  # amounts repeat: value → over the bound

        def amount_bound(payload: dict, errors: list, warnings: list | None) -> None:
            value = payload.get(amount)
            if not value:
                return
            text = value if value.__class__ is str else _text(value)
            over = above.get(text)
            if over is None:
                try:
                    over = Decimal(text.strip()) > bound
                except InvalidOperation:
                    over = False
                if len(above) >= _CHECK_MEMO:
                    above.clear()
                above[text] = over
            if over and not failed(errors, check.fields):
                emit(amount, payload, errors, warnings, max=f"{bound:f}", unit=unit)

        return amount_bound

    if check.kind == CheckKind.USCC_CATEGORY:
        uscc_field, category_field = check.fields
        expect = dict(check.expect)

        def uscc_category(payload: dict, errors: list, warnings: list | None) -> None:
            code, category = payload.get(uscc_field), payload.get(category_field)
            if not code or not category:
                return
            code, category = _text(code), _text(category)  # only on rows with both
            expected = expect.get(code[:2]) or expect.get(code[:1])
            if expected is None or expected == category or failed(errors, check.fields):
                return
            if is_placeholder_uscc(code):
                return
            org_type = ORG_TYPES.get(code[:2], "")
            emit(uscc_field, payload, errors, warnings, expected=expected, org_type=org_type)

        return uscc_category

    return None
