"""Normalisation of one row's cell texts before catalog validation (D3 cleaning, issue point 3).

Every change is a :class:`Correction` (stable English ``code``, Chinese ``message``, the value
before and after), so the summary counts the row as *corrected* and the raw batch keeps the
original. Only these repairs are made; anything else is left for
:func:`credit.catalog.rules.validate_payload` to report:

``whitespace_trimmed``
    Whitespace (incl. U+3000, NBSP and zero-width characters) removed at both ends of every
    value, and inside identifiers. A value that is empty after trimming is dropped from the
    payload (that is not a correction).
``fullwidth_to_halfwidth``
    Full-width ASCII (U+FF01–U+FF5E) made half-width in identifiers, numbers and dates.
``uppercased``
    ASCII letters upper-cased in USCC, resident ID and organisation code fields. After the
    three steps above such a field equals :func:`credit.core.identifiers.normalize_code` of
    the cell, i.e. exactly what the validator checks.
``date_reformatted`` / ``excel_serial_date``
    Dates written 2024-3-5, 2024/3/5, 2024.3.5, 20240305, 2024年3月5日 (an optional time such
    as ``00:00:00`` is dropped) or given as Excel serial numbers, written YYYY-MM-DD. Values
    that are not real calendar dates (2024-02-30) stay as they are.
``number_reformatted``
    Thousands separators removed from numbers when the grouping is valid (``1,234.5``, also
    ``1，234`` after the full-width comma is made half-width). Digits are kept as written
    (``1.50`` stays).
``currency_symbol_removed`` / ``unit_removed`` / ``unit_converted``
    Only in amount fields with a unit (``FieldRule.unit``, e.g. 罚款金额(万元) in 万元): a
    leading ``¥``, ``￥`` or ``人民币`` is removed; a trailing unit equal to the column's
    (``1.5万元``, ``1.5万`` in a 万元 column) is removed; a value written in another unit is
    converted exactly by a decimal shift (``15000元`` → ``1.5``, ``1.5亿元`` → ``15000``), and
    the correction says from which unit — it is never stored as 15000. A unit in a field
    without one (``5万元`` in an integer field) stays for validation to reject.
``placeholder_emptied``
    In an optional field, a cell that only says "nothing" (:data:`PLACEHOLDERS`: ``-``,
    ``--``, ``—``, ``/``, ``无``, ``空``, ``暂无``, ``null``, ``N/A`` …, also full-width) is
    emptied — unless the field's code table has it as a value. In a required field it stays,
    and validation reports the field as missing, naming the placeholder.
``synonym_mapped``
    A synonym declared in the field's code table mapped to its standard value, citing the
    code value's note (e.g. 较重 → 一般, RULES.md 「失信严重程度」). Undeclared variants are
    not guessed (不予共享 stays and is rejected by validation).
``separator_normalised`` / ``duplicate_removed``
    Multi-value code fields (处罚类别) split on ``; ； 、 , ，``, parts trimmed, empty parts
    dropped and re-joined with ``;``; then exact duplicates (also those that a synonym
    mapping creates) removed, keeping the first.

``document_no_brackets``
    In document numbers (fields of role 决定文书号: 行政处罚决定书文号, 行政许可决定文书号,
    案号), full-width digits are first made half-width (``fullwidth_to_halfwidth``), then a
    year written in another bracket — ``(2024)``, ``（2024）``, ``[2024]``, ``【2024】``,
    ``［2024］``, ``﹝2024﹞``, ``〈2024〉``, also with spaces inside — is written in the
    standard one: ``〔2024〕`` (GB/T 9704 发文字号), for a court case number (案号)
    ``（2024）``. The rest of the number stays as sent (brackets around anything but a year
    too: ``常市监（食）罚``); :mod:`credit.records.docnumbers` holds the rule, and the natural
    key compares every bracket form as one, so a decision resent in another form updates its
    record.

Names, free text and all other fields are only trimmed.

Excel serial dates (1900 date system, serial 1 = 1900-01-01, serial 60 = Excel's non-existent
1900-02-29) are recognised in a date field when

* ``cell_kinds`` says the cell was an Excel *date* cell: any serial 1–2958465 (9999-12-31) is
  converted, even one before 1949, since the workbook itself says it is a date; validation
  then reports the date as too early rather than as an unreadable number;
* ``cell_kinds`` says it was an Excel *number* cell, or — without that information, as in
  CSV saved from Excel where a date column formatted 常规 shows 45356 — the text is exactly
  five digits between 20000 and 80000: a date is produced only when it falls in 1949-01-01 –
  2099-12-31. Five digits cannot be a year or a YYYYMMDD date, and that window (1954-10-03 to
  2119-01-11 before the bound) holds every date the platform deals with, while other bare
  integers (2024, 123456) are left alone for validation to reject. Eight digits are always
  read as YYYYMMDD.

:class:`Normaliser` precomputes one handler per field, so a row costs a dict lookup and a
``str.strip`` per clean value; code-table, date and number fields, whose values repeat, are
memoised per field (results and corrections are immutable). :func:`normalise_row` reuses one
normaliser per spec.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from credit.catalog.constants import UNIT_YUAN, DataType, FieldRole, Validator
from credit.catalog.rules import PLACEHOLDER_MAX, PLACEHOLDERS, FieldRule, ItemSpec
from credit.records import docnumbers

__all__ = [
    "CELL_DATE",
    "CELL_NUMBER",
    "CORRECTION_CODES",
    "Correction",
    "NormalisedRow",
    "Normaliser",
    "normalise_row",
]

#: ``cell_kinds`` values: the cell was an Excel date cell / an Excel numeric cell.
CELL_DATE = "date"
CELL_NUMBER = "number"

CORRECTION_CODES = (
    "whitespace_trimmed",
    "fullwidth_to_halfwidth",
    "uppercased",
    "date_reformatted",
    "excel_serial_date",
    "number_reformatted",
    "synonym_mapped",
    "separator_normalised",
    "duplicate_removed",
    "currency_symbol_removed",
    "unit_removed",
    "unit_converted",
    "placeholder_emptied",
    "document_no_brackets",
)


@dataclass(frozen=True, slots=True)
class Correction:
    """One repair of one field: ``code`` is one of :data:`CORRECTION_CODES`, ``original`` and
    ``corrected`` the text before and after this step, ``message`` the Chinese explanation."""

    field: str
    code: str
    original: str
    corrected: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "code": self.code,
            "original": self.original,
            "corrected": self.corrected,
            "message": self.message,
        }


@dataclass(slots=True)
class NormalisedRow:
    #: field code → normalised text; empty values are dropped.
    payload: dict[str, str]
    corrections: list[Correction]

    @property
    def corrected(self) -> bool:
        return bool(self.corrections)


# --- character tables ------------------------------------------------------------------------

#: Every character ``str.isspace`` accepts, plus zero-width characters of copy and paste
#: (the same set :func:`credit.core.identifiers.normalize_code` removes).
WHITESPACE = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    "\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u2028\u2029\u202f\u205f\u3000"
    "\u200b\u200c\u200d\u2060\ufeff"
)
_DELETE_WHITESPACE = dict.fromkeys(map(ord, WHITESPACE))
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_ASCII_UPPER = {cp: cp - 32 for cp in range(ord("a"), ord("z") + 1)}

#: Identifiers whose letters are upper case by standard (GB 32100, GB 11643, GB 11714).
_UPPER_VALIDATORS = frozenset(
    {Validator.USCC, Validator.RESIDENT_ID, Validator.ORG_CODE, Validator.ID_BY_TYPE}
)
_UPPER_ROLES = frozenset(
    {
        FieldRole.USCC,
        FieldRole.ORG_CODE,
        FieldRole.AUTHORITY_USCC,
        FieldRole.SOURCE_DEPT_USCC,
        FieldRole.ID_NUMBER,
    }
)
#: Other registration numbers: half-width and no spaces, but letters left as written.
_CODE_ROLES = frozenset(
    {FieldRole.REG_NO, FieldRole.TAX_NO, FieldRole.INSTITUTION_NO, FieldRole.SOCIAL_ORG_NO}
)

MULTI_VALUE_JOIN = ";"
_MULTI_SPLIT = re.compile("[;；、,，]")

# --- dates ------------------------------------------------------------------------------------

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TIME = r"(?:(?: +|T)([0-9]{1,2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?)?"
_SEPARATED_DATE = re.compile(r"([0-9]{4})([-/.])([0-9]{1,2})\2([0-9]{1,2})" + _TIME)
_CHINESE_DATE = re.compile(r"([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日" + _TIME)
_COMPACT_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})")
_SERIAL_TEXT = re.compile(r"[0-9]{5}")
_SERIAL_CELL = re.compile(r"([0-9]{1,7})(?:\.[0-9]+)?")

EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 61 = 1900-03-01 (after the fake 1900-02-29)
EXCEL_MAX_SERIAL = 2958465  # 9999-12-31
SERIAL_GUESS_RANGE = (20000, 80000)
SERIAL_DATE_RANGE = (datetime.date(1949, 1, 1), datetime.date(2099, 12, 31))

_GROUPED_NUMBER = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?")
_DIGITS = frozenset("0123456789")
#: An amount as written in a unit column: currency symbol (optional), number, unit (optional).
_AMOUNT = re.compile(
    r"(¥|￥|人民币)? *([+-]?(?:[0-9][0-9,]*(?:\.[0-9]+)?|\.[0-9]+)) *(万元|亿元|元|万|亿)?"
)
#: A written unit → the unit it means (``万`` alone is 万元 in an amount column).
_WRITTEN_UNITS = {"元": "元", "万元": "万元", "万": "万元", "亿元": "亿元", "亿": "亿元"}
#: Powers of ten of each unit in 元, for exact conversions.
_UNIT_EXPONENT = {unit: len(str(factor)) - 1 for unit, factor in UNIT_YUAN.items()}


def _excel_serial_to_date(serial: int) -> datetime.date | None:
    """1900 date system: 1 = 1900-01-01 … 59 = 1900-02-28; 60 is Excel's 1900-02-29."""
    if serial < 1 or serial > EXCEL_MAX_SERIAL or serial == 60:
        return None
    if serial < 60:
        return datetime.date(1899, 12, 31) + datetime.timedelta(days=serial)
    return EXCEL_EPOCH + datetime.timedelta(days=serial)


def _calendar_date(year: str, month: str, day: str, time: tuple) -> datetime.date | None:
    hour, minute, second = time
    if hour is not None and (
        int(hour) > 23 or int(minute) > 59 or (second is not None and int(second) > 59)
    ):
        return None
    try:
        return datetime.date(int(year), int(month), int(day))
    except ValueError:
        return None


# --- handlers ---------------------------------------------------------------------------------

#: handler(value, cell_kind, corrections) → normalised value ("" = drop).
Handler = Callable[[str, "str | None", list[Correction]], str]


_NOTHING: frozenset[str] = frozenset()


def _empties_of(rule: FieldRule) -> frozenset[str]:
    """The placeholders that empty the field: none for a required field (validation reports
    it as missing), else :data:`PLACEHOLDERS` but the field's own code values."""
    if rule.required:
        return _NOTHING
    return PLACEHOLDERS - (rule.code_values or _NOTHING)


def _emptied(code: str, name: str, value: str, s: str, out: list[Correction]) -> str:
    """A placeholder ``s`` (the cell ``value`` trimmed) emptied, with one correction from the
    cell as sent to nothing."""
    message = f"“{name}”的“{s}”表示无内容，按空值处理"
    out.append(Correction(code, "placeholder_emptied", value, "", message))
    return ""


def _trimmer(code: str, name: str, empties: frozenset[str] = _NOTHING) -> Handler:
    """Trimming; with ``empties`` (an optional field) a placeholder is emptied, here where the
    trimmed text is at hand: the memoised code and date handlers then cache that too."""

    def trim(value: str, kind: str | None, out: list[Correction]) -> str:
        s = value.strip(WHITESPACE)
        if s and len(s) != len(value):
            out.append(Correction(code, "whitespace_trimmed", value, s, f"“{name}”去除了首尾空白"))
        return s

    def trim_or_empty(value: str, kind: str | None, out: list[Correction]) -> str:
        s = value.strip(WHITESPACE)
        if len(s) <= PLACEHOLDER_MAX and s in empties:
            return _emptied(code, name, value, s, out)
        if s and len(s) != len(value):
            out.append(Correction(code, "whitespace_trimmed", value, s, f"“{name}”去除了首尾空白"))
        return s

    return trim_or_empty if empties else trim


def _identifier(
    code: str, name: str, *, upper: bool, empties: frozenset[str] = _NOTHING
) -> Handler:
    def identifier(value: str, kind: str | None, out: list[Correction]) -> str:
        s = value
        if not s.isalnum():  # alphanumerics (also CJK) contain no whitespace
            s = s.translate(_DELETE_WHITESPACE)
            if not s:
                return s
        if empties and len(s) <= PLACEHOLDER_MAX and s in empties:
            return _emptied(code, name, value, s, out)
        if s is not value and len(s) != len(value):
            inside = s != value.strip(WHITESPACE)
            message = f"“{name}”去除了{'空白字符（含中间的空格）' if inside else '首尾空白'}"
            out.append(Correction(code, "whitespace_trimmed", value, s, message))
        s = _to_halfwidth(code, name, s, out)
        if upper:
            t = s.upper() if s.isascii() else s.translate(_ASCII_UPPER)
            if t != s:
                out.append(
                    Correction(
                        code, "uppercased", s, t, f"“{name}”的小写字母转换为大写：“{s}”→“{t}”"
                    )
                )
                s = t
        return s

    return identifier


def _to_halfwidth(code: str, name: str, s: str, out: list[Correction]) -> str:
    """Full-width ASCII to half-width, recorded as a correction when anything changed."""
    if s.isascii():
        return s
    t = s.translate(_HALFWIDTH)
    if t != s:
        message = f"“{name}”的全角字符转换为半角：“{s}”→“{t}”"
        out.append(Correction(code, "fullwidth_to_halfwidth", s, t, message))
    return t


def _number(code: str, name: str, unit: str = "", empties: frozenset[str] = _NOTHING) -> Handler:
    trim = _trimmer(code, name, empties)

    def number(value: str, kind: str | None, out: list[Correction]) -> str:
        if value[0] in _DIGITS and value[-1] in _DIGITS and value.isascii():
            # The common case, cheaply: nothing to trim, no placeholder, symbol or unit.
            return _ungrouped(code, name, value, out) if "," in value else value
        s = trim(value, kind, out)
        s = _to_halfwidth(code, name, s, out)
        if unit and s and (s[-1] in "元万亿" or s[0] in "¥￥人"):
            return _amount(code, name, unit, s, out)
        return _ungrouped(code, name, s, out) if "," in s else s

    return number


def _ungrouped(code: str, name: str, s: str, out: list[Correction], digits: str = "") -> str:
    """``s`` without its thousands separators when their grouping (of ``digits``, the number
    part of ``s``, by default all of it) is valid: 1,234.5."""
    if not _GROUPED_NUMBER.fullmatch(digits or s):
        return s  # 1,2345 or 1,23: not a grouping, left for validation
    t = s.replace(",", "")
    out.append(Correction(code, "number_reformatted", s, t, f"“{name}”去除千位分隔符：“{s}”→“{t}”"))
    return t


def _amount(code: str, name: str, unit: str, s: str, out: list[Correction]) -> str:
    """An amount written with a currency symbol or a unit, in a field whose unit is ``unit``:
    the symbol removed (the number then read in the column's unit), thousands separators
    removed, the unit removed or converted — each step a correction. Anything else (two
    numbers, words, ``1.5万元整``) is left as it is for validation to reject."""
    m = _AMOUNT.fullmatch(s)
    if m is None:
        return _ungrouped(code, name, s, out) if "," in s else s
    symbol, digits, written = m.groups()
    if symbol:
        t = s[m.end(1) :].lstrip(" ")
        message = f"“{name}”去除了货币符号“{symbol}”：“{s}”→“{t}”"
        if not written:
            message += f"（按表头单位{unit}理解）"
        out.append(Correction(code, "currency_symbol_removed", s, t, message))
        s = t
    if "," in digits:
        if not _GROUPED_NUMBER.fullmatch(digits):
            return s  # 1,2345万元: not a grouping, left for validation
        s, digits = _ungrouped(code, name, s, out, digits), digits.replace(",", "")
    if not written:
        return s
    if _WRITTEN_UNITS[written] == unit:
        message = f"“{name}”去除了与表头相同的单位“{written}”：“{s}”→“{digits}”"
        out.append(Correction(code, "unit_removed", s, digits, message))
        return digits
    written = _WRITTEN_UNITS[written]
    shifted = Decimal(digits).scaleb(_UNIT_EXPONENT[written] - _UNIT_EXPONENT[unit])
    t = f"{shifted:f}"
    if "." in t:
        t = t.rstrip("0").rstrip(".")
    message = f"“{name}”的“{s}”由{written}换算为{unit}：{digits}{written} = {t}{unit}"
    out.append(Correction(code, "unit_converted", s, t, message))
    return t


def _date(code: str, name: str, empties: frozenset[str] = _NOTHING) -> Handler:
    trim = _trimmer(code, name, empties)
    low, high = SERIAL_GUESS_RANGE
    first, last = SERIAL_DATE_RANGE

    def date(value: str, kind: str | None, out: list[Correction]) -> str:
        s = trim(value, kind, out)
        if not s or _ISO_DATE.fullmatch(s):
            return s  # ISO already (a wrong calendar date is left for validation)
        t = s if s.isascii() else s.translate(_HALFWIDTH)
        parsed = None
        serial = None
        m = _SEPARATED_DATE.fullmatch(t)
        if m:
            parsed = _calendar_date(m[1], m[3], m[4], (m[5], m[6], m[7]))
        elif m := _CHINESE_DATE.fullmatch(t):
            parsed = _calendar_date(m[1], m[2], m[3], (m[4], m[5], m[6]))
        elif m := _COMPACT_DATE.fullmatch(t):
            parsed = _calendar_date(m[1], m[2], m[3], (None, None, None))
        elif kind in (CELL_DATE, CELL_NUMBER):
            if m := _SERIAL_CELL.fullmatch(t):
                serial = int(m[1])
                parsed = _excel_serial_to_date(serial)
                if kind == CELL_NUMBER and parsed is not None and not first <= parsed <= last:
                    parsed = None
        elif _SERIAL_TEXT.fullmatch(t) and low <= int(t) <= high:
            serial = int(t)
            parsed = _excel_serial_to_date(serial)
            if parsed is not None and not first <= parsed <= last:
                parsed = None
        if parsed is None:
            return s
        iso = parsed.isoformat()
        if serial is not None:
            message = f"“{name}”的Excel日期序列号“{s}”转换为“{iso}”"
            out.append(Correction(code, "excel_serial_date", s, iso, message))
        else:
            message = f"“{name}”的日期“{s}”转换为“{iso}”"
            out.append(Correction(code, "date_reformatted", s, iso, message))
        return iso

    return date


def _synonym_correction(rule: FieldRule, original: str, standard: str) -> Correction:
    note = rule.synonym_notes.get(standard)
    message = f"“{rule.name}”的“{original}”按代码表映射为“{standard}”"
    if note:
        message += f"（依据：{note}）"
    return Correction(rule.code, "synonym_mapped", original, standard, message)


def _code(rule: FieldRule) -> Handler:
    trim = _trimmer(rule.code, rule.name, _empties_of(rule))
    values = rule.code_values or frozenset()
    synonyms = rule.synonyms

    def code(value: str, kind: str | None, out: list[Correction]) -> str:
        s = trim(value, kind, out)
        if s in values:
            return s
        standard = synonyms.get(s)
        if standard is not None:
            out.append(_synonym_correction(rule, s, standard))
            return standard
        return s

    return code


def _multi_code(rule: FieldRule) -> Handler:
    single = _code(rule)
    values = rule.code_values or frozenset()
    synonyms = rule.synonyms
    field_code, name = rule.code, rule.name

    def multi(value: str, kind: str | None, out: list[Correction]) -> str:
        s = single(value, kind, out)
        if s in values:
            return s  # one value, standard or mapped from a synonym
        parts = _MULTI_SPLIT.split(s)
        if len(parts) == 1:
            return s
        parts = [p for p in (p.strip(WHITESPACE) for p in parts) if p]
        joined = MULTI_VALUE_JOIN.join(parts)
        if joined != s:
            message = f"“{name}”的多个值统一以“{MULTI_VALUE_JOIN}”分隔：“{s}”→“{joined}”"
            out.append(Correction(field_code, "separator_normalised", s, joined, message))
        mapped = []
        for part in parts:
            standard = synonyms.get(part) if part not in values else None
            if standard is not None:
                out.append(_synonym_correction(rule, part, standard))
                part = standard
            mapped.append(part)
        unique = list(dict.fromkeys(mapped))
        result = MULTI_VALUE_JOIN.join(unique)
        if len(unique) != len(mapped):
            before = MULTI_VALUE_JOIN.join(mapped)
            message = f"“{name}”去除了重复值：“{before}”→“{result}”"
            out.append(Correction(field_code, "duplicate_removed", before, result, message))
        return result

    return multi


def _document_no(code: str, name: str, empties: frozenset[str] = _NOTHING) -> Handler:
    """Trimmed; full-width digits half-width; a bracketed year in the field's standard
    brackets (:func:`credit.records.docnumbers.brackets_for`). Values rarely repeat, so not
    memoised: a value without a full-width digit or an opening bracket costs one regex scan."""
    trim = _trimmer(code, name, empties)
    brackets = docnumbers.brackets_for(name)
    shown = "".join(brackets)

    def document_no(value: str, kind: str | None, out: list[Correction]) -> str:
        s = trim(value, kind, out)
        if not docnumbers.needs_standardising(s, brackets):
            return s
        t = docnumbers.halfwidth_digits(s)
        if t != s:
            message = f"“{name}”的全角数字转换为半角：“{s}”→“{t}”"
            out.append(Correction(code, "fullwidth_to_halfwidth", s, t, message))
            s = t
        t = docnumbers.standard_year_brackets(s, brackets)
        if t != s:
            message = f"“{name}”的年份括号统一为“{shown}”：“{s}”→“{t}”"
            out.append(Correction(code, "document_no_brackets", s, t, message))
        return t

    return document_no


#: Entries kept per memoised field before its cache is emptied.
MEMO_SIZE = 4096


def _memoised(handler: Handler) -> Handler:
    """Cache a handler's result per (value, cell kind): code values and dates repeat across
    rows. Corrections are immutable, so the cached ones are shared between rows."""
    cache: dict[object, tuple[str, tuple[Correction, ...]]] = {}

    def memo(value: str, kind: str | None, out: list[Correction]) -> str:
        key = value if kind is None else (value, kind)
        hit = cache.get(key)
        if hit is None:
            found: list[Correction] = []
            hit = (handler(value, kind, found), tuple(found))
            if len(cache) >= MEMO_SIZE:
                cache.clear()
            cache[key] = hit
        if hit[1]:
            out.extend(hit[1])
        return hit[0]

    return memo


def handler_for(rule: FieldRule) -> Handler:
    """The normalising function of one field, chosen once from its rule. An optional field's
    handler also empties placeholders (:func:`_empties_of`)."""
    empties = _empties_of(rule)
    if rule.data_type == DataType.DATE:
        return _memoised(_date(rule.code, rule.name, empties))
    if rule.data_type in (DataType.DECIMAL, DataType.INTEGER):
        # Amounts repeat too (fines are round sums): memoised like dates and codes.
        return _memoised(_number(rule.code, rule.name, rule.unit, empties))
    if rule.code_values is not None:
        return _memoised(_multi_code(rule) if rule.multi_value else _code(rule))
    if rule.validator in _UPPER_VALIDATORS or rule.role in _UPPER_ROLES:
        return _identifier(rule.code, rule.name, upper=True, empties=empties)
    if rule.role in _CODE_ROLES:
        return _identifier(rule.code, rule.name, upper=False, empties=empties)
    if rule.role == FieldRole.DOCUMENT_NO:
        return _document_no(rule.code, rule.name, empties)
    return _trimmer(rule.code, rule.name, empties)


class Normaliser:
    """``Normaliser(spec)(raw, cell_kinds=None)`` → :class:`NormalisedRow`; build once per
    spec and call per row. Keys not in the spec are only trimmed (validation reports them)."""

    __slots__ = ("_handlers", "spec")

    def __init__(self, spec: ItemSpec) -> None:
        self.spec = spec
        self._handlers: dict[str, Handler] = {rule.code: handler_for(rule) for rule in spec.fields}

    def __call__(
        self, raw: Mapping[str, object], *, cell_kinds: Mapping[str, str] | None = None
    ) -> NormalisedRow:
        handlers = self._handlers
        payload: dict[str, str] = {}
        corrections: list[Correction] = []
        for key, value in raw.items():
            if value.__class__ is not str:
                if value is None:
                    continue
                value = str(value)
            if not value:
                continue  # nothing to keep
            handler = handlers.get(key)
            if handler is None:
                handler = _trimmer(key, key)  # unknown key: rare, not cached
            kind = cell_kinds.get(key) if cell_kinds else None
            text = handler(value, kind, corrections)
            if text:
                payload[key] = text
        return NormalisedRow(payload, corrections)


_normalisers: dict[int, tuple[ItemSpec, Normaliser]] = {}


def normalise_row(
    spec: ItemSpec, raw: Mapping[str, object], *, cell_kinds: Mapping[str, str] | None = None
) -> NormalisedRow:
    """Normalise one row; the :class:`Normaliser` of ``spec`` is built once and reused."""
    entry = _normalisers.get(id(spec))
    if entry is None or entry[0] is not spec:
        if len(_normalisers) > 256:
            _normalisers.clear()
        entry = _normalisers[id(spec)] = (spec, Normaliser(spec))
    return entry[1](raw, cell_kinds=cell_kinds)
