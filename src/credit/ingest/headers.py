"""Header matching (表头匹配): which column of an uploaded table holds which catalog field.

Departments rarely type a header exactly as the national standard spells it: the template
marks required columns with ``*``, Chinese input methods produce full-width brackets and
colons, headers end in ``：`` or hold spaces (``罚 款 金 额（万元）``), and
``行政相对人代码_1(统一社会信用代码)`` is written as ``行政相对人代码-1``, ``行政相对人代码_1``,
``行政相对人代码-统一社会信用代码`` or just ``统一社会信用代码``. These spelling variants are
handled here, for every field; other words for a field (``法定代表人身份证号``, the national
lists' own column names) are the field's aliases in the catalog. :func:`match_headers` accepts
all of these and nothing looser.

Matching works on normalised text (:func:`normalise_header`) in two tiers:

1. *exact*: the field's name, one of its aliases, or its code;
2. *derived*: the name or an alias with its parenthetical removed
   (``行政相对人代码_1(统一社会信用代码)`` → ``行政相对人代码_1``), the parenthetical alone
   (``统一社会信用代码``) when no other field of the item has the same parenthetical, or a
   numbered code name as code-dash-name (``行政相对人代码-统一社会信用代码``) or without its
   number (``行政相对人代码(统一社会信用代码)``).

A header takes the field it matches in the first tier where it matches anything. If it
matches two fields in that tier it is *ambiguous*; if two headers match one field, that field
is *duplicated*. Neither case is resolved by guessing: the columns concerned are left out of
:attr:`HeaderMatch.columns` and reported. Headers are never shortened on the file's side:
``罚款金额(元)`` does not match ``罚款金额(万元)``, because the unit differs.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

#: :func:`looks_like_item` needs at least this share of the item's required fields …
MIN_REQUIRED_SHARE = 0.5
#: … and at least this share of all its fields …
MIN_FIELD_SHARE = 0.25
#: … and at least this share of the table's non-empty headers must name a field of the item.
#: A 行政许可 file checked against 行政处罚 finds the shared subject and source columns (about
#: half of all fields) but only 4 of the 15 required ones; a 行政处罚 file checked against the
#: small 统计上严重失信企业 item finds all its required fields, but three quarters of the
#: file's headers are unknown to it.
MIN_HEADER_SHARE = 0.5

_HYPHENS = "-‐‑‒–—―−﹣"
_ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
_TRANSLATE = {ord(c): "_" for c in _HYPHENS} | {ord(c): None for c in _ZERO_WIDTH}
_TRANSLATE |= {ord(c): c.lower() for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
_TRANSLATE |= {ord(c): "(" for c in "[【〔〖"} | {ord(c): ")" for c in "]】〕〗"}
_END_MARKS = "*:"
_PARENTHETICAL = re.compile(r"\(([^()]*)\)")
#: ``行政相对人代码_1(统一社会信用代码)``: a numbered code name and the name of the code.
_NUMBERED_CODE = re.compile(r"^(?P<base>.+)_\d+\((?P<inner>[^()]+)\)$")


class FieldLike(Protocol):
    """What matching needs from a field: a catalog ``FieldSpec`` or anything shaped like it.

    ``aliases`` and ``required`` are optional (read with ``getattr``), so the validation
    spec's ``FieldRule`` works too, without aliases.
    """

    code: str
    name: str


def normalise_header(text: str) -> str:
    """The comparable form of a header or field name.

    Full-width characters become half-width (NFKC: （）→(), ＿→_, Ａ→A, ：→:), square and
    Chinese brackets (``[]`` ``【】`` ``〔〕``) round ones, every hyphen or dash ``_``, and ASCII
    letters are lower-cased; all whitespace (including zero-width characters) is removed, and
    so are ``*`` markers and colons at either end (``*处罚决定日期：``) and a ``单位:`` inside a
    parenthetical (``罚款金额（单位：万元）`` → ``罚款金额(万元)``).
    """
    text = unicodedata.normalize("NFKC", str(text)).translate(_TRANSLATE)
    text = "".join(ch for ch in text if not ch.isspace()).strip(_END_MARKS)
    return text.replace("(单位:", "(") if "(单位:" in text else text


def _without_parentheticals(key: str) -> str:
    return _PARENTHETICAL.sub("", key)


def _parenthetical(key: str) -> str | None:
    found = _PARENTHETICAL.findall(key)
    return found[0] if len(found) == 1 and found[0] else None


@dataclass(frozen=True)
class HeaderMatch:
    """The outcome of matching one header row against one catalog item.

    ``columns`` maps a column index to the field code it holds. ``unknown`` lists non-empty
    headers that match no field, as written; ``blank`` the columns with an empty header.
    ``duplicates`` maps a field code to the two or more columns that all match it;
    ``ambiguous`` lists ``(column, header, candidate codes)`` for headers matching several
    fields. ``missing_required`` lists required fields no column matches at all.
    ``score`` is the share of the item's fields found, ``required_score`` the share of its
    required fields found (1.0 when it has none), ``header_score`` the share of the table's
    non-empty headers that name a field of the item (0.0 when there are none).
    """

    columns: dict[int, str]
    unknown: list[tuple[int, str]]
    duplicates: dict[str, list[int]]
    ambiguous: list[tuple[int, str, tuple[str, ...]]]
    missing_required: list[str]
    score: float
    required_score: float
    header_score: float
    blank: list[int]

    @property
    def is_clean(self) -> bool:
        """Every field found at most once, no header ambiguous, nothing required missing."""
        return not (self.duplicates or self.ambiguous or self.missing_required)


class _Index:
    """Normalised keys of an item's fields, by tier."""

    def __init__(self, fields: Sequence[FieldLike]) -> None:
        self.exact: dict[str, set[str]] = defaultdict(set)
        self.derived: dict[str, set[str]] = defaultdict(set)
        parentheticals: dict[str, set[str]] = defaultdict(set)
        for f in fields:
            names = [f.name, *(getattr(f, "aliases", None) or ())]
            keys = {normalise_header(n) for n in names} | {normalise_header(f.code)}
            for key in keys - {""}:
                self.exact[key].add(f.code)
            for key in keys:
                bare = _without_parentheticals(key)
                if bare and bare != key:
                    self.derived[bare].add(f.code)
                numbered = _NUMBERED_CODE.match(key)
                if numbered:  # 行政相对人代码-统一社会信用代码, 行政相对人代码（统一社会信用代码）
                    base, inner = numbered["base"], numbered["inner"]
                    self.derived[f"{base}_{inner}"].add(f.code)
                    self.derived[f"{base}({inner})"].add(f.code)
            inner = _parenthetical(normalise_header(f.name))
            if inner:
                parentheticals[inner].add(f.code)
        for inner, codes in parentheticals.items():
            if len(codes) == 1:  # 万元 in two names identifies neither
                self.derived[inner] |= codes

    def lookup(self, key: str) -> set[str]:
        return self.exact.get(key) or self.derived.get(key) or set()


def match_headers(headers: Sequence[str], fields: Sequence[FieldLike]) -> HeaderMatch:
    """Match a table's header row against the fields of one catalog item."""
    fields = list(fields)
    index = _Index(fields)
    unknown: list[tuple[int, str]] = []
    ambiguous: list[tuple[int, str, tuple[str, ...]]] = []
    blank: list[int] = []
    claims: dict[str, list[int]] = defaultdict(list)
    for col, header in enumerate(headers):
        key = normalise_header(header or "")
        if not key:
            blank.append(col)
            continue
        codes = index.lookup(key)
        if not codes:
            unknown.append((col, header))
        elif len(codes) > 1:
            order = [f.code for f in fields if f.code in codes]
            ambiguous.append((col, header, tuple(order)))
        else:
            claims[next(iter(codes))].append(col)
    columns = {cols[0]: code for code, cols in claims.items() if len(cols) == 1}
    duplicates = {code: cols for code, cols in claims.items() if len(cols) > 1}
    found = set(claims)
    required = [f.code for f in fields if getattr(f, "required", False)]
    missing = [code for code in required if code not in found]
    score = len(found) / len(fields) if fields else 0.0
    required_score = (len(required) - len(missing)) / len(required) if required else 1.0
    named = len(headers) - len(blank)
    header_score = (named - len(unknown)) / named if named else 0.0
    return HeaderMatch(
        columns=dict(sorted(columns.items())),
        unknown=unknown,
        duplicates=duplicates,
        ambiguous=ambiguous,
        missing_required=missing,
        score=score,
        required_score=required_score,
        header_score=header_score,
        blank=blank,
    )


def looks_like_item(match: HeaderMatch) -> bool:
    """Whether the table plausibly holds this item at all (else: ``wrong_item``).

    True when at least :data:`MIN_REQUIRED_SHARE` (half) of the item's required fields and
    :data:`MIN_FIELD_SHARE` (a quarter) of all its fields were found, and at least
    :data:`MIN_HEADER_SHARE` (half) of the table's headers name one of its fields. A right
    file with a few misnamed or extra columns passes and gets precise "missing column" errors
    instead; a file of another item shares only the generic subject and source columns and
    fails. Items with identical fields (海关失信企业 and 海关高级认证企业) cannot be told apart
    by their headers; the clerk's choice of item decides.
    """
    return (
        match.required_score >= MIN_REQUIRED_SHARE
        and match.score >= MIN_FIELD_SHARE
        and match.header_score >= MIN_HEADER_SHARE
    )


def rank_items(
    headers: Sequence[str], items: Mapping[str, Iterable[FieldLike]]
) -> list[tuple[str, HeaderMatch]]:
    """``(item code, match)`` for every candidate item, best first — to tell a clerk which
    item a rejected file seems to belong to (“该文件更像‘行政许可’”)."""
    ranked = [(code, match_headers(headers, list(flds))) for code, flds in items.items()]
    ranked.sort(
        key=lambda pair: (looks_like_item(pair[1]), pair[1].required_score, pair[1].header_score),
        reverse=True,
    )
    return ranked
