"""Document numbers (文书号: 行政处罚决定书文号, 行政许可决定文书号, 案号 …): the form a natural
key compares and the standard form stored (pure Python, no Django).

Departments write the year of one decision in many brackets — ``常市监罚(2024)12号``,
``（2024）``, ``〔2024〕``, ``[2024]``, ``【2024】``, ``［2024］``, ``﹝2024﹞``, ``〈2024〉`` —
with full-width digits or stray spaces. They are the same decision:

* :func:`key_form` is what a natural key compares (:func:`credit.records.rules.natural_key`
  applies it to every key value): full-width ASCII made half-width, every space and
  zero-width character removed, ASCII letters upper-cased, then a year (1900–2099) in any of
  the brackets above written ``〔YYYY〕``. Values without a bracketed year keep exactly the
  key they had before year brackets were compared (the first three steps are those of
  :func:`credit.core.identifiers.normalize_code` as of issue 14, frozen here).
* :func:`halfwidth_digits` and :func:`standard_year_brackets` give the value stored: the
  text as sent, with full-width digits made half-width and the year bracket written as the
  standard wants it — 六角括号 ``〔〕`` for a document number (GB/T 9704-2012《党政机关公文
  格式》7.2.4 发文字号), 圆括号 ``（）`` for a court case number (案号: 最高人民法院《关于
  人民法院案件案号的若干规定》, e.g. ``（2024）苏0402执123号``), see :func:`brackets_for`.

Only a year in brackets is touched; brackets around anything else (``常市监（食）罚…``) are
left as written. This module is **frozen by contract**: the data migration
``records.0007_rekey_document_numbers`` and the ``rekey_records`` command compute natural
keys with it, and records already stored hold keys made by it. Changing :func:`key_form`
changes the identity of stored records and needs a new re-key migration.
"""

from __future__ import annotations

import functools
import re
from typing import Final

__all__ = [
    "CASE_NUMBER_BRACKETS",
    "CLOSING",
    "DOCUMENT_BRACKETS",
    "OPENING",
    "brackets_for",
    "halfwidth_digits",
    "key_form",
    "needs_standardising",
    "plain_form",
    "standard_year_brackets",
]

#: Brackets a year is written in: ASCII, full-width, 六角 〔〕, 方头 【】, small ﹝﹞ and ﹙﹚,
#: angle 〈〉, 白方头 〖〗.
OPENING: Final = "(（〔[【［﹝﹙〈〖"
CLOSING: Final = ")）〕]】］﹞﹚〉〗"
#: The stored year bracket of a document number and of a court case number (案号).
DOCUMENT_BRACKETS: Final = ("〔", "〕")
CASE_NUMBER_BRACKETS: Final = ("（", "）")

_YEAR = "(?:19|20)[0-9]{2}"
#: A bracketed year in a key form (no spaces left, digits half-width).
_KEY_YEAR = re.compile(f"[{re.escape(OPENING)}]({_YEAR})[{re.escape(CLOSING)}]")
#: A bracketed year in a stored value: spaces inside the brackets belong to the bracket.
_SPACES = "[ \t\u3000\xa0]*"
_STORED_YEAR = re.compile(
    f"([{re.escape(OPENING)}]){_SPACES}({_YEAR}){_SPACES}([{re.escape(CLOSING)}])"
)
#: A bracket of a year that is not written 〔〕 in a key form (cheap pre-check: most numbers
#: are written in the standard brackets and need no substitution).
_KEY_SUSPECT = re.compile(
    "[" + re.escape("".join(c for c in OPENING + CLOSING if c not in "〔〕")) + "]"
)

_FULLWIDTH_DIGITS = {cp: cp - 0xFEE0 for cp in range(ord("０"), ord("９") + 1)}


def _plain_table() -> dict[int, str | None]:
    table: dict[int, str | None] = {cp: chr(cp - 32) for cp in range(ord("a"), ord("z") + 1)}
    for cp in range(0xFF01, 0xFF5F):  # full-width ASCII → half-width, letters upper-cased
        table[cp] = chr(cp - 0xFEE0).upper()
    for ch in "\u3000\u200b\u200c\u200d\u2060\ufeff":
        table[ord(ch)] = None
    return table


_PLAIN = _plain_table()


def plain_form(value: str) -> str:
    """Full-width ASCII half-width, all whitespace and zero-width characters removed, ASCII
    letters upper-cased: how key values were compared before year brackets were."""
    return "".join(value.translate(_PLAIN).split())


def key_form(value: str) -> str:
    """The form a natural key compares: :func:`plain_form`, then a bracketed year written
    ``〔YYYY〕`` whatever its brackets. Idempotent."""
    s = plain_form(value)
    return _KEY_YEAR.sub(r"〔\1〕", s) if _KEY_SUSPECT.search(s) else s


def brackets_for(field_name: str) -> tuple[str, str]:
    """The standard year brackets of a field by its name: ``（）`` for a court case number
    (a name ending in 案号, 执行案号), ``〔〕`` for every other document number."""
    return CASE_NUMBER_BRACKETS if field_name.rstrip().endswith("案号") else DOCUMENT_BRACKETS


@functools.cache
def _suspect(brackets: tuple[str, str]) -> re.Pattern[str]:
    other = "".join(c for c in OPENING + CLOSING if c not in brackets)
    return re.compile(f"[０-９ \t\u3000\xa0{re.escape(other)}]")


def needs_standardising(value: str, brackets: tuple[str, str] = DOCUMENT_BRACKETS) -> bool:
    """Whether :func:`halfwidth_digits` or :func:`standard_year_brackets` with ``brackets``
    may change ``value``: it has a full-width digit, a space (perhaps inside the year's
    brackets) or a bracket other than ``brackets``."""
    return _suspect(brackets).search(value) is not None


def halfwidth_digits(value: str) -> str:
    """Full-width digits ``０``–``９`` made half-width; nothing else changed."""
    return value.translate(_FULLWIDTH_DIGITS)


def standard_year_brackets(value: str, brackets: tuple[str, str] = DOCUMENT_BRACKETS) -> str:
    """Each year in brackets (with spaces inside them) written in ``brackets``; the rest of
    the value as it is. Digits must be half-width already (:func:`halfwidth_digits`)."""
    opening, closing = brackets
    return _STORED_YEAR.sub(lambda m: f"{opening}{m[2]}{closing}", value)
