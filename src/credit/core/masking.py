"""Dynamic masking of personal data (pure Python, no Django).

Natural persons' names, identity numbers, phone numbers, addresses and e-mail
addresses are masked before they leave the platform for anonymous readers, and
for members of staff who may not see them in clear (feedback files, exports).
Every function:

* returns ``""`` for ``None`` or blank input;
* is idempotent on its own output (masking twice gives the same result);
* never returns an input that is longer than the part it keeps.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Final

from credit.core.identifiers import detect

__all__ = [
    "MASK",
    "MASKERS",
    "field_kind",
    "mask_address",
    "mask_email",
    "mask_id_number",
    "mask_name",
    "mask_numbers_in_text",
    "mask_phone",
]

MASK: Final = "*"
_ADDRESS_TAIL: Final = MASK * 4
_ADDRESS_SCAN_LIMIT: Final = 15
_ADDRESS_FALLBACK_KEEP: Final = 6


def _halfwidth(value: str) -> str:
    out = []
    for ch in value:
        cp = ord(ch)
        if 0xFF01 <= cp <= 0xFF5E:
            ch = chr(cp - 0xFEE0)
        elif cp == 0x3000:
            ch = " "
        out.append(ch)
    return "".join(out)


def _is_cjk(ch: str) -> bool:
    cp = ord(ch)
    return (
        0x3400 <= cp <= 0x4DBF
        or 0x4E00 <= cp <= 0x9FFF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x3FFFF
        or 0x3040 <= cp <= 0x30FF  # kana
        or 0xAC00 <= cp <= 0xD7AF  # hangul
    )


def _is_latin_letter(ch: str) -> bool:
    if not ch.isalpha():
        return False
    if ch.isascii():
        return True
    return "LATIN" in unicodedata.name(ch, "")


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


def mask_name(name: str | None) -> str:
    """Mask a natural person's name.

    Chinese (and any non-Latin) names keep the first character and mask every
    other one: ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; whitespace inside such a
    name is dropped first.  A one-character name (of any script) becomes ``*``.  Latin-script
    names keep the first character of each word and mask the remaining letters
    (punctuation is kept): ``John Smith`` → ``J*** S****``.
    """
    if not name:
        return ""
    text = name.strip()
    if not text:
        return ""
    if len(text) == 1:
        return MASK
    if not any(_is_cjk(c) for c in text) and any(_is_latin_letter(c) for c in text):
        words = []
        for word in text.split():
            masked = "".join(MASK if c.isalpha() else c for c in word[1:])
            words.append(word[0] + masked)
        return " ".join(words)
    text = "".join(text.split())
    return text[0] + MASK * (len(text) - 1)


# ---------------------------------------------------------------------------
# Identity numbers
# ---------------------------------------------------------------------------


def mask_id_number(value: str | None) -> str:
    """Mask an identity document number, keeping its length.

    The first 3 and last 4 characters are kept (``320***********123X``), which
    hides the birth date (positions 7–14) of an 18-digit resident ID.  Values
    shorter than 8 characters are masked entirely.  Whitespace is removed and
    full-width characters / lower-case ``x`` are normalised first.
    """
    if not value:
        return ""
    text = "".join(_halfwidth(value).split()).upper()
    n = len(text)
    if n < 8:
        return MASK * n
    return text[:3] + MASK * (n - 7) + text[-4:]


# ---------------------------------------------------------------------------
# Phone numbers
# ---------------------------------------------------------------------------

_MOBILE_RE: Final = re.compile(r"(?:\+?86|0086)?(1[0-9*]{10})")
_PHONE_SEPARATORS: Final = " -()\u2010\u2011\u2012\u2013\u2014\u2212"
_SLOT_RE: Final = re.compile(r"[0-9*]")
_MAX_REVEALED_DIGITS: Final = 7


def mask_phone(value: str | None) -> str:
    """Mask a telephone number.

    Mobile numbers (11 digits starting with 1, optionally prefixed by
    ``+86``/``86``/``0086`` and written with spaces or hyphens) become
    ``138****5678``.  Other numbers keep their area code / prefix (the leading
    digit group before a separator, or a recognised ``0``-led area code) and the
    last 2 digits, masking the digits between while keeping separators:
    ``0519-88881234`` → ``0519-******34``.  At most 7 digits are ever revealed,
    and at least half of a number's digits are always masked.
    """
    if not value:
        return ""
    text = _halfwidth(value).strip()
    if not text:
        return ""
    compact = "".join(c for c in text if c not in _PHONE_SEPARATORS)
    mobile = _MOBILE_RE.fullmatch(compact)
    if mobile:
        number = mobile.group(1)
        return number[:3] + MASK * 4 + number[-4:]

    slots = [m.start() for m in _SLOT_RE.finditer(text)]
    n = len(slots)
    if n == 0:
        return MASK * len(text)

    head = 0
    first_group = re.match(r"\+?\(?([0-9*]{1,4})[)\- ]", text)
    if first_group:
        head = len(first_group.group(1))
    elif text.startswith("0") and n >= 10:
        head = 3 if len(text) > 1 and text[1] in "12" else 4
    tail = 2
    # Never reveal half or more of the digits, nor more than the global cap.
    if head + tail > n // 2 or head + tail > _MAX_REVEALED_DIGITS:
        head = 0
    if tail > n // 2:
        tail = 0

    keep = set(slots[:head]) | set(slots[n - tail :] if tail else [])
    out = []
    for i, ch in enumerate(text):
        if i in keep or ch in _PHONE_SEPARATORS or ch in "+*":
            out.append(ch)
        else:
            # Digits, letters and anything unexpected (e.g. "ext") are masked.
            out.append(MASK)
    return "".join(out)


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------

# Characters that occur in street addresses but never after the first character
# of a division name (路北区, 镇江市, 乡城县 and 市中区 do start with them);
# they stop a name from running on into the street part.
_STREET_CHARS: Final = "省市区县旗路街巷弄号幢栋室村镇乡组0-9"
_FIRST: Final = "[^省市区县旗0-9]"
_FIRST_COUNTY: Final = "[^省区县旗0-9]"  # 市中区
_REST: Final = f"[^{_STREET_CHARS}]"
_PROVINCE_RE: Final = re.compile(
    rf"(?:北京市|天津市|上海市|重庆市|{_REST}{{1,8}}?(?:省|自治区|特别行政区))"
)
_PREFECTURE_RE: Final = re.compile(rf"{_FIRST}{_REST}{{0,8}}?(?:自治州|地区|盟|市(?!场))")
_COUNTY_RE: Final = re.compile(rf"{_FIRST_COUNTY}{_REST}{{0,11}}?(?:区|县|旗)")
_COUNTY_CITY_RE: Final = re.compile(rf"{_FIRST}{_REST}{{1,4}}?市(?!场)")
# Words ending in 区/市 that are not county-level divisions.
_NOT_COUNTY_SUFFIXES: Final = (
    "地区", "小区", "社区", "校区", "景区", "厂区", "园区", "营区", "街区", "超市",
)  # fmt: skip


def _match_county(text: str, pos: int, pattern: re.Pattern[str] = _COUNTY_RE) -> int | None:
    m = pattern.match(text, pos)
    if m and not m.group().endswith(_NOT_COUNTY_SUFFIXES):
        return m.end()
    return None


def _county_end(text: str) -> int | None:
    """Index just after the county-level unit, if it ends within the scan limit."""
    pos = 0
    province = _PROVINCE_RE.match(text)
    if province:
        pos = province.end()
    end = _match_county(text, pos)  # e.g. 上海市浦东新区…, 钟楼区…
    if end is None:
        prefecture = _PREFECTURE_RE.match(text, pos)
        if prefecture is None:
            return None
        pos = prefecture.end()
        end = _match_county(text, pos)  # 常州市钟楼区…
        if end is None:
            end = _match_county(text, pos, _COUNTY_CITY_RE)  # 常州市溧阳市…
    if end is None or end > _ADDRESS_SCAN_LIMIT:
        return None
    return end


def mask_address(value: str | None) -> str:
    """Mask an address below the county level.

    Keeps the administrative part up to and including the county-level unit —
    the first 区/县/旗 after any province (省/自治区/直辖市) and prefecture
    (市/自治州/地区/盟), or the second 市 for a county-level city as in
    ``江苏省常州市溧阳市…`` — and replaces the rest with a fixed ``****`` so the
    length does not leak.  If no county-level unit ends within the first 15
    characters, the first 6 characters are kept instead.
    """
    if not value:
        return ""
    text = _halfwidth(value).strip()
    if any(_is_cjk(c) for c in text):
        text = "".join(text.split())
    text = text.rstrip(MASK).rstrip()
    if not text:
        return _ADDRESS_TAIL if value.strip() else ""
    end = _county_end(text)
    if end is None:
        end = _ADDRESS_FALLBACK_KEEP
    return text[:end] + _ADDRESS_TAIL


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------


def mask_email(value: str | None) -> str:
    """Mask an e-mail address: ``alice@example.com`` → ``a***@example.com``.

    The domain is kept; the local part keeps its first character followed by a
    fixed ``***``.  A value without ``@`` is masked the same way as a local part.
    """
    if not value:
        return ""
    text = _halfwidth(value).strip()
    if not text:
        return ""
    local, at, domain = text.rpartition("@")
    if not at:
        local, domain = text, ""
    if not local:
        return MASK * 3 + at + domain
    return local[0] + MASK * 3 + at + domain


# ---------------------------------------------------------------------------
# Free text and fields
# ---------------------------------------------------------------------------

#: Runs shaped like a resident ID number (18 characters with a check character, or the old
#: 15 digits), not part of a longer code.
_ID_LIKE: Final = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")
_MOBILE_IN_TEXT: Final = re.compile(
    r"(?<![0-9])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![0-9])"
)
#: A fixed-line number written with its area code: 0519-88881234, (0519) 8888 1234.
_LANDLINE_IN_TEXT: Final = re.compile(
    r"(?<![0-9A-Za-z])(?:0\d{2,3}[- ]|\(0\d{2,3}\) ?)\d{3,4}[- ]?\d{4}(?![0-9])"
)


def _mask_id_run(match: re.Match[str]) -> str:
    run = match.group(0)
    return run if detect(run) == "uscc" else mask_id_number(run)


def mask_numbers_in_text(text: str | None) -> str:
    """Mask the personal numbers inside free text.

    Every run shaped like a resident ID number is masked (``320***********0011``), valid or
    not — a mistyped number is still a person's — except a valid all-digit unified social
    credit code; every mobile number (``139****4567``) and every fixed-line number written
    with its area code (``0519-******34``) is masked. Other text is kept.
    """
    if not text or not text.strip():
        return ""
    if not any(ch.isdigit() for ch in text):
        return text
    text = _ID_LIKE.sub(_mask_id_run, text)
    text = _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)
    return _LANDLINE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


#: The masking helpers by the kind of value :func:`field_kind` names.
MASKERS: Final[dict[str, Callable[[str | None], str]]] = {
    "name": mask_name,
    "phone": mask_phone,
    "address": mask_address,
    "id": mask_id_number,
}


def field_kind(field_code: str, field_name: str) -> str:
    """Which masking helper suits a personal field, from its code and (national) name:
    ``"phone"``, ``"address"``, ``"id"``, else ``"name"`` (a person's name)."""
    text = f"{field_code} {field_name}".lower()
    if any(w in text for w in ("phone", "mobile", "tel", "电话", "手机", "联系方式")):
        return "phone"
    if any(w in text for w in ("address", "addr", "地址", "住所", "住址")):
        return "address"
    if any(w in text for w in ("id_number", "证件号码", "身份证", "证件号")):
        return "id"
    return "name"
