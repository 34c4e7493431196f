"""Parsing and validation of Chinese subject identifiers (pure Python, no Django).

Three national standards are implemented here:

* GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 — the 18-character
  unified social credit code (统一社会信用代码, USCC);
* GB 11714-1997 《全国组织机构代码编制规则》 — the 9-character organisation code
  (组织机构代码), which is embedded in positions 9–17 of every USCC;
* GB 11643-1999 《公民身份号码》 — the 18-digit resident identity number
  (居民身份证号码), plus the legacy 15-digit form it replaced.

Check characters are computed with ``python-stdnum``'s ``calc_check_digit``
helpers where they exist (USCC, resident ID).  Their ``validate()`` functions are
deliberately *not* used: ``stdnum.cn.uscc.validate`` requires digits in positions
1–8 and so rejects real rural-collective codes (``N2…``), and
``stdnum.cn.ric.validate`` checks the division code against a table at the birth
year and rejects many real people (e.g. divisions 320482, 320421, or 320413 for
anyone born before 2015).  Division codes of resident IDs are therefore never a
reason to reject: only the province prefix is a hard check.  The division-code
history (GB/T 2260, :func:`division_history`) only yields a *warning*
(:func:`division_anachronism`) for a code that was not in force when the number
could first have been assigned — real people carry such numbers (RULES.md).

Every parse error is an :class:`IdentifierError` carrying a stable English
``code`` and a specific Chinese ``message``.
"""

from __future__ import annotations

import datetime
import functools
import importlib.resources
import re
from dataclasses import dataclass
from typing import Final

from stdnum.cn import ric as _stdnum_ric
from stdnum.cn import uscc as _stdnum_uscc

__all__ = [
    "AUTHORITIES",
    "ID_MIN_BIRTH_DATE",
    "ID_NUMBERS_SINCE",
    "ID_PROVINCE_CODES",
    "ORG_CODE_WEIGHTS",
    "ORG_TYPES",
    "USCC",
    "USCC_ALPHABET",
    "USCC_PLACEHOLDER",
    "USCC_WEIGHTS",
    "DivisionSpan",
    "IdentifierError",
    "OrgCode",
    "ResidentId",
    "detect",
    "division_anachronism",
    "division_history",
    "format_org_code",
    "is_placeholder_uscc",
    "is_valid_org_code",
    "is_valid_resident_id",
    "is_valid_uscc",
    "make_resident_id",
    "make_uscc",
    "normalize_code",
    "org_code_check_char",
    "parse_org_code",
    "parse_resident_id",
    "parse_uscc",
    "resident_id_check_char",
    "upgrade_id15",
    "uscc_check_char",
]

# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------

#: GB 32100-2015 character set: digits and upper-case letters except I, O, S, V, Z.
USCC_ALPHABET: Final = "0123456789ABCDEFGHJKLMNPQRTUWXY"

#: GB 32100-2015 §4.4 weights W_i = 3^(i-1) mod 31 for positions 1..17.
USCC_WEIGHTS: Final = tuple(pow(3, i, 31) for i in range(17))

#: Reported by sole traders (个体工商户) that have no USCC.  Not a valid code.
USCC_PLACEHOLDER: Final = "00000000000000000X"

#: GB 32100-2015 登记管理部门代码 (position 1).
AUTHORITIES: Final[dict[str, str]] = {
    "1": "机构编制",
    "2": "外交",
    "3": "司法行政",
    "4": "文化",
    "5": "民政",
    "6": "旅游",
    "7": "宗教",
    "8": "工会",
    "9": "工商",
    "A": "中央军委改革和编制办公室",
    "N": "农业",
    "Y": "其他",
}

#: GB 32100-2015 机构类别代码 (positions 1–2).
ORG_TYPES: Final[dict[str, str]] = {
    "11": "机关",
    "12": "事业单位",
    "13": "中央编办直接管理机构编制的群众团体",
    "19": "其他",
    "21": "外国常住新闻机构",
    "29": "其他",
    "31": "律师执业机构",
    "32": "公证处",
    "33": "基层法律服务所",
    "34": "司法鉴定机构",
    "35": "仲裁委员会",
    "39": "其他",
    "41": "外国在华文化中心",
    "49": "其他",
    "51": "社会团体",
    "52": "民办非企业单位",
    "53": "基金会",
    "59": "其他",
    "61": "外国旅游部门常驻代表机构",
    "62": "港澳台地区旅游部门常驻内地（大陆）代表机构",
    "69": "其他",
    "71": "宗教活动场所",
    "72": "宗教院校",
    "79": "其他",
    "81": "基层工会",
    "89": "其他",
    "91": "企业",
    "92": "个体工商户",
    "93": "农民专业合作社",
    "A1": "军队事业单位",
    "A9": "其他",
    "N1": "组级集体经济组织",
    "N2": "村级集体经济组织",
    "N3": "乡镇级集体经济组织",
    "N9": "其他",
    "Y1": "其他",
}

#: GB 11714-1997 weights for the 8 body characters.
ORG_CODE_WEIGHTS: Final = (3, 7, 9, 10, 5, 8, 4, 2)

#: GB 11714-1997 body characters: digits and upper-case Latin letters.
ORG_CODE_BODY_CHARS: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")

#: GB 11643-1999 / GB/T 2260 province-level codes (first two digits).
ID_PROVINCE_CODES: Final = frozenset(
    {
        "11", "12", "13", "14", "15",
        "21", "22", "23",
        "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46",
        "50", "51", "52", "53", "54",
        "61", "62", "63", "64", "65",
        "71", "81", "82",
    }
)  # fmt: skip

#: Earliest birth date accepted in a resident ID.
ID_MIN_BIRTH_DATE: Final = datetime.date(1890, 1, 1)

_DIGITS: Final = frozenset("0123456789")
_HYPHENS: Final = frozenset("-\u2010\u2011\u2012\u2013\u2014\u2212")
# Invisible characters that sneak in through copy and paste.
_ZERO_WIDTH: Final = frozenset("\u200b\u200c\u200d\u2060\ufeff")
_ASCII_UPPER: Final = {ord(c): ord(c) - 32 for c in "abcdefghijklmnopqrstuvwxyz"}


# ---------------------------------------------------------------------------
# Errors and normalisation
# ---------------------------------------------------------------------------


class IdentifierError(ValueError):
    """An identifier failed validation.

    ``code`` is a stable English snake_case identifier (e.g. ``"uscc_checksum"``),
    ``message`` a specific Chinese explanation for end users, and ``value`` the
    input as received.
    """

    def __init__(self, code: str, message: str, value: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.value = value

    def __repr__(self) -> str:
        return f"IdentifierError(code={self.code!r}, message={self.message!r})"


def normalize_code(value: str | None, *, remove_hyphens: bool = False) -> str:
    """Normalise a typed or pasted identifier.

    * full-width ASCII (U+FF01–U+FF5E) becomes half-width, and the ideographic
      space U+3000 a space;
    * all whitespace (including inside the value) and zero-width characters are
      removed;
    * hyphens (ASCII and common Unicode dashes) are removed only when
      ``remove_hyphens`` is true;
    * ASCII letters are upper-cased (non-ASCII characters are left alone so
      that they are reported as illegal rather than silently transliterated).

    ``None`` normalises to ``""``.
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise TypeError(f"identifier must be a str, not {type(value).__name__}")
    # One translation (full-width → half-width, upper-case, dropped characters), then
    # str.split() drops every character for which str.isspace() is true.
    return "".join(value.translate(_CODE_TABLES[remove_hyphens]).split())


def _code_table(remove_hyphens: bool) -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for cp in range(0x21, 0x7F):
        table[cp] = chr(cp).upper() if "a" <= chr(cp) <= "z" else chr(cp)
    for cp in range(0xFF01, 0xFF5F):
        table[cp] = table[cp - 0xFEE0]
    table[0x3000] = None
    for ch in _ZERO_WIDTH:
        table[ord(ch)] = None
    if remove_hyphens:
        for cp, ch in list(table.items()):
            if ch in _HYPHENS:
                table[cp] = None
        for ch in _HYPHENS:
            table[ord(ch)] = None
    return {cp: ch for cp, ch in table.items() if ch is None or ord(ch) != cp}


_CODE_TABLES = {False: _code_table(False), True: _code_table(True)}


def _char_desc(ch: str) -> str:
    return f"“{ch}”" if ch.isprintable() else f"U+{ord(ch):04X}"


# ---------------------------------------------------------------------------
# GB 11714-1997 organisation code
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgCode:
    """A GB 11714-1997 organisation code (组织机构代码).

    ``code`` is the 9-character machine form without hyphen, ``body`` the 8
    body characters (本体代码) and ``check`` the check character (校验码).
    """

    code: str
    body: str
    check: str

    @property
    def formatted(self) -> str:
        """Printed form ``XXXXXXXX-C`` (GB 11714-1997 §5)."""
        return format_org_code(self.code)

    def __str__(self) -> str:
        return self.code


def _org_char_value(ch: str) -> int:
    # GB 11714-1997: digits take their value, letters A..Z take 10..35.
    return int(ch) if ch in _DIGITS else ord(ch) - ord("A") + 10


def org_code_check_char(body8: str) -> str:
    """Check character of a GB 11714-1997 organisation code body.

    C9 = 11 − (Σ Ci·Wi mod 11) with W = 3, 7, 9, 10, 5, 8, 4, 2; a result of 10 is
    written ``X`` and 11 is written ``0``.

    :raises IdentifierError: if ``body8`` is not 8 digits / upper-case letters.
    """
    body = normalize_code(body8, remove_hyphens=False)
    if len(body) != 8:
        raise IdentifierError(
            "org_code_length", f"组织机构代码本体代码应为8位，实际为{len(body)}位", body8
        )
    for i, ch in enumerate(body, start=1):
        if ch not in ORG_CODE_BODY_CHARS:
            raise IdentifierError(
                "org_code_charset",
                f"组织机构代码第{i}位含有非法字符{_char_desc(ch)}（本体代码只能为数字或大写字母）",
                body8,
            )
    total = sum(_org_char_value(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def parse_org_code(value: str) -> OrgCode:
    """Parse and validate a GB 11714-1997 organisation code.

    Accepts ``12345678-9`` as well as ``123456789`` (hyphens, whitespace and
    full-width characters are normalised away).

    :raises IdentifierError: ``org_code_length``, ``org_code_charset`` or
        ``org_code_checksum``.
    """
    code = normalize_code(value, remove_hyphens=True)
    if len(code) != 9:
        raise IdentifierError(
            "org_code_length",
            f"组织机构代码应为9位（8位本体代码加1位校验码），实际为{len(code)}位",
            value,
        )
    body, check = code[:8], code[8]
    for i, ch in enumerate(body, start=1):
        if ch not in ORG_CODE_BODY_CHARS:
            raise IdentifierError(
                "org_code_charset",
                f"组织机构代码第{i}位含有非法字符{_char_desc(ch)}（本体代码只能为数字或大写字母）",
                value,
            )
    if check not in _DIGITS and check != "X":
        raise IdentifierError(
            "org_code_charset",
            f"组织机构代码第9位校验码含有非法字符{_char_desc(check)}（校验码只能为数字或X）",
            value,
        )
    if org_code_check_char(body) != check:
        raise IdentifierError(
            "org_code_checksum", "组织机构代码校验码错误，请核对代码是否录入有误", value
        )
    return OrgCode(code=code, body=body, check=check)


def is_valid_org_code(value: str | None) -> bool:
    """True if ``value`` is a valid GB 11714-1997 organisation code."""
    try:
        parse_org_code(value)  # type: ignore[arg-type]
    except (IdentifierError, TypeError):
        return False
    return True


def format_org_code(code: str) -> str:
    """Format an organisation code as ``XXXXXXXX-C`` (GB 11714-1997).

    :raises IdentifierError: if ``code`` is not a valid organisation code.
    """
    org = parse_org_code(code)
    return f"{org.body}-{org.check}"


# ---------------------------------------------------------------------------
# GB 32100-2015 unified social credit code
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class USCC:
    """A GB 32100-2015 unified social credit code (统一社会信用代码).

    Positions: 1 登记管理部门代码 (``authority``), 2 机构类别代码 (``org_type``
    is positions 1–2), 3–8 登记管理机关行政区划码 (``division_code``),
    9–17 主体标识码 = GB 11714 organisation code (``org_code``), 18 校验码
    (``check``).  ``org_type_name`` is ``None`` for a type not listed in the
    standard (allowed, merely unknown).
    """

    code: str
    authority: str
    authority_name: str
    org_type: str
    org_type_name: str | None
    division_code: str
    org_code: str
    check: str

    @property
    def province_code(self) -> str:
        """First two digits of the registration division (省级)."""
        return self.division_code[:2]

    @property
    def city_code(self) -> str:
        """Prefecture-level division code (first four digits + ``"00"``)."""
        return self.division_code[:4] + "00"

    def legacy_codes(self) -> dict[str, str]:
        """Codes that the USCC replaced in the 2015 “三证合一” reform.

        ``org_code`` (9 chars, positions 9–17), ``org_code_formatted``
        (``XXXXXXXX-C``) and ``tax_no`` — the 15-character 税务登记号 formed by
        the division code and the organisation code.
        """
        return {
            "org_code": self.org_code,
            "org_code_formatted": f"{self.org_code[:8]}-{self.org_code[8]}",
            "tax_no": self.division_code + self.org_code,
        }

    def __str__(self) -> str:
        return self.code


def is_placeholder_uscc(code: str | None) -> bool:
    """True for the placeholder ``00000000000000000X`` used when there is no USCC."""
    try:
        return normalize_code(code) == USCC_PLACEHOLDER
    except TypeError:
        return False


def uscc_check_char(first17: str) -> str:
    """Check character (position 18) of a GB 32100-2015 code.

    C18 = 31 − (Σ Ci·Wi mod 31), with W_i = 3^(i−1) mod 31 and character values
    taken from the index in :data:`USCC_ALPHABET`; a result of 31 maps to ``0``.
    Cross-checked against ``stdnum.cn.uscc.calc_check_digit``.

    :raises IdentifierError: if ``first17`` is not 17 characters of the alphabet.
    """
    s = normalize_code(first17)
    if len(s) != 17:
        raise IdentifierError(
            "uscc_length", f"计算校验码需要统一社会信用代码前17位，实际为{len(s)}位", first17
        )
    for i, ch in enumerate(s, start=1):
        if ch not in USCC_ALPHABET:
            raise IdentifierError(
                "uscc_charset",
                f"统一社会信用代码第{i}位含有非法字符{_char_desc(ch)}",
                first17,
            )
    return _stdnum_uscc.calc_check_digit(s)


@functools.lru_cache(maxsize=65_536)  # USCC is immutable; files repeat the same codes
def parse_uscc(value: str) -> USCC:
    """Parse and validate a GB 32100-2015 unified social credit code.

    Checks, in order: placeholder, length (18), character set, check character
    (position 18), registration authority (position 1), division code (positions
    3–8 must be digits) and the embedded GB 11714 organisation code (positions
    9–17).  An organisation type (positions 1–2) missing from the standard's
    table is accepted and reported with ``org_type_name=None``.

    :raises IdentifierError: with codes ``uscc_placeholder``, ``uscc_length``,
        ``uscc_charset``, ``uscc_checksum``, ``uscc_authority``,
        ``uscc_division`` or ``uscc_org_code``.
    """
    code = normalize_code(value)
    if code == USCC_PLACEHOLDER:
        raise IdentifierError(
            "uscc_placeholder",
            f"“{USCC_PLACEHOLDER}”是无统一社会信用代码时填报的占位值，不是有效的统一社会信用代码",
            value,
        )
    if len(code) != 18:
        raise IdentifierError(
            "uscc_length", f"统一社会信用代码应为18位，实际为{len(code)}位", value
        )
    for i, ch in enumerate(code, start=1):
        if ch not in USCC_ALPHABET:
            raise IdentifierError(
                "uscc_charset",
                f"统一社会信用代码第{i}位含有非法字符{_char_desc(ch)}"
                "（只能使用数字和除I、O、S、V、Z以外的大写字母）",
                value,
            )
    if _stdnum_uscc.calc_check_digit(code[:17]) != code[17]:
        raise IdentifierError(
            "uscc_checksum",
            "统一社会信用代码校验位错误（第18位与前17位不符），请核对是否录入有误",
            value,
        )
    authority = code[0]
    if authority not in AUTHORITIES:
        raise IdentifierError(
            "uscc_authority",
            f"统一社会信用代码第1位登记管理部门代码“{authority}”无效",
            value,
        )
    division = code[2:8]
    if not all(c in _DIGITS for c in division):
        raise IdentifierError(
            "uscc_division",
            f"统一社会信用代码第3至8位登记管理机关行政区划码应为6位数字，实际为“{division}”",
            value,
        )
    org_code = code[8:17]
    if org_code_check_char(org_code[:8]) != org_code[8]:
        raise IdentifierError(
            "uscc_org_code",
            f"统一社会信用代码第9至17位主体标识码（组织机构代码）“{org_code}”的校验码错误",
            value,
        )
    org_type = code[:2]
    return USCC(
        code=code,
        authority=authority,
        authority_name=AUTHORITIES[authority],
        org_type=org_type,
        org_type_name=ORG_TYPES.get(org_type),
        division_code=division,
        org_code=org_code,
        check=code[17],
    )


def is_valid_uscc(value: str | None) -> bool:
    """True if ``value`` is a valid GB 32100-2015 code (the placeholder is not)."""
    try:
        parse_uscc(value)  # type: ignore[arg-type]
    except (IdentifierError, TypeError):
        return False
    return True


def make_uscc(authority_type: str, division_code: str, org_body8: str) -> str:
    """Build a valid GB 32100-2015 code, e.g. for synthetic data.

    ``authority_type`` is positions 1–2 (e.g. ``"91"``), ``division_code`` the six
    digits of positions 3–8 and ``org_body8`` the 8-character organisation code
    body; both check characters (GB 11714 and GB 32100) are computed.

    :raises IdentifierError: if the parts cannot form a valid code.
    """
    head = normalize_code(authority_type)
    if len(head) != 2:
        raise IdentifierError(
            "uscc_authority", f"登记管理部门代码和机构类别代码应为2位，实际为{len(head)}位", head
        )
    body = normalize_code(org_body8)
    org = body + org_code_check_char(body)
    first17 = head + normalize_code(division_code) + org
    code = first17 + uscc_check_char(first17)
    parse_uscc(code)  # every remaining rule (authority, division digits, ...)
    return code


# ---------------------------------------------------------------------------
# GB 11643-1999 resident identity number
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ResidentId:
    """A GB 11643-1999 citizen identity number (公民身份号码).

    ``number`` is always the 18-character form (a legacy 15-digit input is
    upgraded and flagged ``legacy=True``).  ``division_code`` is 地址码 (not
    checked against any table), ``sequence`` 顺序码 (odd = male).
    """

    number: str
    division_code: str
    birth_date: datetime.date
    sequence: str
    gender: str
    legacy: bool = False

    @property
    def province_code(self) -> str:
        """First two digits of the division code."""
        return self.division_code[:2]

    def __str__(self) -> str:
        return self.number


def resident_id_check_char(first17: str) -> str:
    """Check character of a GB 11643-1999 number (ISO 7064 MOD 11-2).

    Uses ``stdnum.cn.ric.calc_check_digit``; a value of 10 is written ``X``.

    :raises IdentifierError: if ``first17`` is not 17 digits.
    """
    s = normalize_code(first17)
    if len(s) != 17:
        raise IdentifierError(
            "id_length", f"计算校验码需要居民身份证号码前17位，实际为{len(s)}位", first17
        )
    if not all(c in _DIGITS for c in s):
        raise IdentifierError("id_charset", "居民身份证号码前17位只能为数字", first17)
    # stdnum's helper expects the full number and ignores its last character.
    return _stdnum_ric.calc_check_digit(s + "0")


def upgrade_id15(number: str) -> str:
    """Upgrade a legacy 15-digit ID to the 18-character GB 11643-1999 form.

    Inserts the century ``19`` before the 2-digit birth year and appends the
    MOD 11-2 check character.  Only the shape is checked here.

    :raises IdentifierError: if ``number`` is not 15 digits.
    """
    s = normalize_code(number)
    if len(s) != 15:
        raise IdentifierError("id_length", f"15位旧身份证号码应为15位，实际为{len(s)}位", number)
    if not all(c in _DIGITS for c in s):
        raise IdentifierError("id_charset", "15位旧身份证号码只能由数字组成", number)
    first17 = s[:6] + "19" + s[6:]
    return first17 + resident_id_check_char(first17)


def _check_birth(raw: str, value: str, today: datetime.date) -> datetime.date:
    try:
        birth = datetime.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
    except ValueError:
        raise IdentifierError(
            "id_birth_date", f"居民身份证号码中的出生日期“{raw}”不是有效日期", value
        ) from None
    if birth < ID_MIN_BIRTH_DATE:
        raise IdentifierError(
            "id_birth_date", f"居民身份证号码中的出生日期“{raw}”早于1890年1月1日", value
        )
    if birth > today:
        raise IdentifierError(
            "id_future_birth",
            f"居民身份证号码中的出生日期“{raw}”晚于当前日期{today.strftime('%Y%m%d')}",
            value,
        )
    return birth


def parse_resident_id(value: str, *, today: datetime.date | None = None) -> ResidentId:
    """Parse and validate a GB 11643-1999 resident identity number.

    Hard checks: length (18, or 15 for the legacy form), character set (17
    digits + digit/``X``), ISO 7064 MOD 11-2 check character, province prefix,
    and a real birth date between 1890-01-01 and ``today`` (default: the current
    date).  The 6-digit division code is *not* checked against a table, so
    abolished codes (e.g. 320482 金坛市, 320421 武进县) stay valid.

    A 15-digit number (born 19YY, no check character) is accepted, returned in
    its upgraded 18-character form with ``legacy=True``.

    :raises IdentifierError: ``id_length``, ``id_charset``, ``id_checksum``,
        ``id_province``, ``id_birth_date`` or ``id_future_birth``.
    """
    if today is None:
        today = datetime.date.today()
    s = normalize_code(value)
    legacy = len(s) == 15
    if legacy:
        if not all(c in _DIGITS for c in s):
            raise IdentifierError("id_charset", "15位旧身份证号码只能由数字组成", value)
        number = upgrade_id15(s)
    elif len(s) == 18:
        for i, ch in enumerate(s[:17], start=1):
            if ch not in _DIGITS:
                raise IdentifierError(
                    "id_charset",
                    f"居民身份证号码第{i}位含有非法字符{_char_desc(ch)}（前17位只能为数字）",
                    value,
                )
        if s[17] not in _DIGITS and s[17] != "X":
            raise IdentifierError(
                "id_charset",
                f"居民身份证号码第18位含有非法字符{_char_desc(s[17])}（校验码只能为数字或X）",
                value,
            )
        if resident_id_check_char(s[:17]) != s[17]:
            raise IdentifierError(
                "id_checksum",
                "居民身份证号码校验码错误（第18位与前17位不符），请核对是否录入有误",
                value,
            )
        number = s
    else:
        raise IdentifierError(
            "id_length", f"居民身份证号码应为18位（或15位旧号码），实际为{len(s)}位", value
        )
    province = number[:2]
    if province not in ID_PROVINCE_CODES:
        raise IdentifierError(
            "id_province", f"居民身份证号码前2位省级行政区划代码“{province}”不存在", value
        )
    birth = _check_birth(number[6:14], value, today)
    sequence = number[14:17]
    return ResidentId(
        number=number,
        division_code=number[:6],
        birth_date=birth,
        sequence=sequence,
        gender="male" if int(sequence[-1]) % 2 else "female",
        legacy=legacy,
    )


# ---------------------------------------------------------------------------
# GB/T 2260 division-code history (for warnings only)
# ---------------------------------------------------------------------------

#: The year resident identity numbers (公民身份号码) were first assigned: the first issue of
#: 居民身份证 (trial 1984; 《中华人民共和国居民身份证条例》 1985). A number's division code is
#: the one in force when the number was first assigned and stays for life (RULES.md), so for
#: anyone born earlier the code is compared with this year, not with the birth year.
ID_NUMBERS_SINCE: Final = 1984

#: The division-code history: python-stdnum's ``cn/loc.dat`` (its header names the source:
#: the Chinese Wikipedia tables 中华人民共和国行政区划代码 (1区)…(8区), compiled from the GB/T
#: 2260 editions). Each county-level code lists the names it had with the years they were in
#: force (``[1983-1995]武进县``): year granularity, both years inclusive; an open start means
#: "since the first table (1980)", an open end "still in force". It covers every province,
#: e.g. Changzhou's 320421 武进县 1983–1995, 320483 武进市 1995–2002, 320482 金坛市
#: 1993–2015 and 320413 金坛区 since 2015 (the ``historic_codes`` of core/data/changzhou.json).
DIVISION_SOURCE: Final = "python-stdnum cn/loc.dat（中文维基百科“中华人民共和国行政区划代码”）"
_LOC_SPAN = re.compile(r"\[([0-9]*)-([0-9]*)\](.*)")
_LOC_COUNTY = re.compile(r'county="([^"]*)"')


@dataclass(frozen=True)
class DivisionSpan:
    """One name of a division code and the years it was in force (``None``: open)."""

    name: str
    first: int | None
    last: int | None


@functools.cache
def _division_table() -> dict[str, tuple[DivisionSpan, ...]]:
    """Division code → its spans, read once from the data file (about 7,000 codes)."""
    text = (importlib.resources.files("stdnum") / "cn" / "loc.dat").read_text(encoding="utf-8")
    table: dict[str, tuple[DivisionSpan, ...]] = {}
    province = ""
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        number = line.split(None, 1)[0]
        if not line.startswith(" "):
            province = number
            continue
        found = _LOC_COUNTY.search(line)
        if found is None:
            continue
        spans = []
        for entry in found[1].split(","):
            if m := _LOC_SPAN.fullmatch(entry):
                first, last = (int(y) if y else None for y in (m[1], m[2]))
                spans.append(DivisionSpan(m[3], first, last))
            else:
                spans.append(DivisionSpan(entry, None, None))
        table[province + number] = tuple(spans)
    return table


def division_history(code: str) -> tuple[DivisionSpan, ...]:
    """The names and years in force of a 6-digit division code; ``()`` when the data does not
    know the code (then nothing can be said about it)."""
    return _division_table().get(code, ())


@functools.lru_cache(maxsize=8192)
def division_anachronism(division_code: str, birth_year: int) -> str | None:
    """Why a resident ID's division code looks out of time, or ``None``. A warning, never a
    rejection: codes are kept for life, and late first registrations happen.

    * the code was no longer in force in the birth year (abolished before the birth: a
      number cannot have been assigned with it after the birth);
    * the code came into force only after both the birth year and :data:`ID_NUMBERS_SINCE`
      (the number was first assigned years after the birth, or the code is mistyped).

    Codes without any known first or last year, and unknown codes, give ``None``."""
    spans = division_history(division_code)
    if not spans:
        return None
    names = "、".join(dict.fromkeys(s.name for s in spans))
    if all(s.last is not None for s in spans):
        last = max(s.last for s in spans)  # type: ignore[type-var]
        if last < birth_year:
            return (
                f"的地址码（第1至6位）对应的“{names}”{last}年后已停用，早于号码中的出生年份；"
                "号码已接受，请核对是否录入有误"
            )
    if all(s.first is not None for s in spans):
        first = min(s.first for s in spans)  # type: ignore[type-var]
        if first > max(birth_year, ID_NUMBERS_SINCE):
            return (
                f"的地址码（第1至6位）对应的“{names}”自{first}年起才使用，晚于号码中的出生年份；"
                "如号码确为出生多年后首次编制可不处理，号码已接受，请核对是否录入有误"
            )
    return None


def is_valid_resident_id(value: str | None, *, today: datetime.date | None = None) -> bool:
    """True if ``value`` is a valid (18- or legacy 15-digit) resident ID."""
    try:
        parse_resident_id(value, today=today)  # type: ignore[arg-type]
    except (IdentifierError, TypeError):
        return False
    return True


def make_resident_id(division_code: str, birth: datetime.date, sequence: int) -> str:
    """Build an 18-character GB 11643-1999 number, e.g. for synthetic data.

    ``sequence`` is the 3-digit 顺序码 (0–999; odd = male).  The division code is
    not looked up in any table, but its province prefix must exist and the birth
    date must not precede 1890-01-01.

    :raises IdentifierError: for a malformed division code, unknown province,
        out-of-range sequence or too early birth date.
    """
    division = normalize_code(division_code)
    if len(division) != 6 or not all(c in _DIGITS for c in division):
        raise IdentifierError("id_charset", f"地址码应为6位数字，实际为“{division}”", division_code)
    if division[:2] not in ID_PROVINCE_CODES:
        raise IdentifierError(
            "id_province", f"居民身份证号码前2位省级行政区划代码“{division[:2]}”不存在", division
        )
    if isinstance(sequence, bool) or not 0 <= sequence <= 999:
        raise IdentifierError("id_sequence", f"顺序码应在0至999之间，实际为{sequence}", sequence)
    if birth < ID_MIN_BIRTH_DATE:
        raise IdentifierError("id_birth_date", "出生日期早于1890年1月1日", birth)
    first17 = f"{division}{birth.strftime('%Y%m%d')}{sequence:03d}"
    return first17 + resident_id_check_char(first17)


# ---------------------------------------------------------------------------
# Detection
# ---------------------------------------------------------------------------


def detect(value: str | None, *, today: datetime.date | None = None) -> str | None:
    """Classify ``value`` as ``"uscc"``, ``"resident_id"``, ``"org_code"`` or ``None``.

    Decided by shape after normalisation and by full validity.  An 18-character
    value valid as both a resident ID and a USCC (possible, e.g. ``32…`` is also
    authority 3/type 2 公证处) is reported as ``"resident_id"``: treating a
    personal number as public would leak it, the reverse merely masks.
    """
    try:
        s = normalize_code(value)
    except TypeError:
        return None
    if len(s) in (15, 18) and is_valid_resident_id(s, today=today):
        return "resident_id"
    if len(s) == 18 and is_valid_uscc(s):
        return "uscc"
    if is_valid_org_code(s):
        return "org_code"
    return None
