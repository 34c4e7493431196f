"""Tests for credit.core.identifiers (GB 32100-2015, GB 11714-1997, GB 11643-1999).

Pure Python: no database, no Django.
"""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc

from credit.core.identifiers import (
    AUTHORITIES,
    ID_PROVINCE_CODES,
    ORG_TYPES,
    USCC_ALPHABET,
    USCC_PLACEHOLDER,
    USCC_WEIGHTS,
    IdentifierError,
    OrgCode,
    ResidentId,
    detect,
    format_org_code,
    is_placeholder_uscc,
    is_valid_org_code,
    is_valid_resident_id,
    is_valid_uscc,
    make_resident_id,
    make_uscc,
    normalize_code,
    org_code_check_char,
    parse_org_code,
    parse_resident_id,
    parse_uscc,
    resident_id_check_char,
    upgrade_id15,
    uscc_check_char,
)

# A fixed "today" keeps every date-dependent test deterministic.
TODAY = datetime.date(2025, 6, 30)

DIGITS = "0123456789"
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ORG_BODY_CHARS = DIGITS + UPPER  # GB 11714-1997: digits and upper-case Latin letters
# Inside a USCC the organisation code must also use the GB 32100 alphabet.
USCC_BODY_CHARS = USCC_ALPHABET
ID_CHARS = DIGITS + "X"

# Publicly listed, real codes (verified against both check characters).
PUBLISHED_USCCS = [
    "91350100M000100Y43",  # the widely cited example
    "91110000600037341L",  # python-stdnum's doctest example
    "9144030071526726XG",
    "914403001922038216",
]


# ---------------------------------------------------------------------------
# Independent reference implementations (straight from the standards' text)
# ---------------------------------------------------------------------------


def ref_uscc_check(first17: str) -> str:
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, weights, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def ref_org_value(c: str) -> int:
    return int(c) if c.isdigit() else ord(c) - ord("A") + 10


def ref_org_check(body: str) -> str:
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c9 = 11 - sum(ref_org_value(c) * w for c, w in zip(body, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def ref_id_weights() -> list[int]:
    # ISO 7064 MOD 11-2: W_i = 2^(18-i) mod 11 for i = 1..17.
    return [pow(2, 17 - i, 11) for i in range(17)]


def ref_id_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ref_id_weights(), strict=True))
    return "10X98765432"[total % 11]


# ---------------------------------------------------------------------------
# Strategies
# ---------------------------------------------------------------------------

divisions = st.text(alphabet=DIGITS, min_size=6, max_size=6)
authority_types = st.sampled_from(sorted(ORG_TYPES))
uscc_bodies = st.text(alphabet=USCC_BODY_CHARS, min_size=8, max_size=8)
org_bodies = st.text(alphabet=ORG_BODY_CHARS, min_size=8, max_size=8)


@st.composite
def valid_usccs(draw: st.DrawFn) -> str:
    return make_uscc(draw(authority_types), draw(divisions), draw(uscc_bodies))


@st.composite
def valid_org_codes(draw: st.DrawFn) -> str:
    body = draw(org_bodies)
    return body + ref_org_check(body)


@st.composite
def id_divisions(draw: st.DrawFn) -> str:
    # Any 4 digits after a real province: includes abolished and never-used codes.
    province = draw(st.sampled_from(sorted(ID_PROVINCE_CODES)))
    return province + draw(st.text(alphabet=DIGITS, min_size=4, max_size=4))


birth_dates = st.dates(min_value=datetime.date(1890, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


@st.composite
def valid_resident_ids(draw: st.DrawFn) -> str:
    return make_resident_id(draw(id_divisions()), draw(birth_dates), draw(sequences))


def error_code(func, *args, **kwargs) -> str:
    with pytest.raises(IdentifierError) as excinfo:
        func(*args, **kwargs)
    err = excinfo.value
    assert err.message
    assert str(err) == err.message
    return err.code


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


class TestNormalize:
    def test_fullwidth_lowercase_and_spaces(self) -> None:
        assert normalize_code("９１３５　０１００ m000 100y43") == "91350100M000100Y43"

    def test_internal_whitespace_and_zero_width(self) -> None:
        assert normalize_code(" 9135\t0100\nM000\u200b100Y43 ") == "91350100M000100Y43"

    def test_hyphens_only_on_request(self) -> None:
        assert normalize_code("12345678-9") == "12345678-9"
        assert normalize_code("12345678－9", remove_hyphens=True) == "123456789"

    def test_none_is_empty(self) -> None:
        assert normalize_code(None) == ""

    def test_non_ascii_letters_not_transliterated(self) -> None:
        # "ﬁ".upper() would be "FI"; it must stay an illegal character instead.
        assert normalize_code("ﬁ") == "ﬁ"

    def test_non_string_rejected(self) -> None:
        with pytest.raises(TypeError):
            normalize_code(91350100)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------
# USCC (GB 32100-2015)
# ---------------------------------------------------------------------------


class TestUSCC:
    @pytest.mark.parametrize("code", PUBLISHED_USCCS)
    def test_published_examples(self, code: str) -> None:
        parsed = parse_uscc(code)
        assert parsed.code == code
        assert parsed.authority == "9"
        assert parsed.org_type == "91"
        assert parsed.org_type_name == "企业"
        assert is_valid_org_code(parsed.org_code)

    def test_pinned_example_fields(self) -> None:
        u = parse_uscc("91350100M000100Y43")
        assert u.authority_name == AUTHORITIES["9"]
        assert u.division_code == "350100"
        assert u.org_code == "M000100Y4"
        assert u.check == "3"
        assert u.province_code == "35"
        assert u.city_code == "350100"
        assert u.legacy_codes() == {
            "org_code": "M000100Y4",
            "org_code_formatted": "M000100Y-4",
            "tax_no": "350100M000100Y4",
        }
        assert str(u) == "91350100M000100Y43"

    def test_weights_are_powers_of_three(self) -> None:
        assert USCC_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

    def test_changzhou_enterprise_built_with_make_uscc(self) -> None:
        code = make_uscc("91", "320400", "MA1M0K2P")
        assert code.startswith("91320400MA1M0K2P")
        u = parse_uscc(code)
        assert u.city_code == "320400"
        assert u.org_code == code[8:17]
        assert u.legacy_codes()["tax_no"] == "320400" + code[8:17]
        assert u.legacy_codes()["org_code_formatted"] == code[8:16] + "-" + code[16]
        assert format_org_code(u.org_code) == u.legacy_codes()["org_code_formatted"]

    def test_rural_collective_n2_is_valid(self) -> None:
        code = make_uscc("N2", "320412", "MA1X2Y3K")
        u = parse_uscc(code)
        assert u.authority == "N"
        assert u.authority_name == "农业"
        assert u.org_type == "N2"
        assert u.org_type_name == "村级集体经济组织"
        assert u.division_code == "320412"
        # Why stdnum's validate() is not used: it rejects this real-shaped code.
        assert not stdnum_uscc.is_valid(code)

    @pytest.mark.parametrize("org_type", sorted(ORG_TYPES))
    def test_every_listed_type(self, org_type: str) -> None:
        u = parse_uscc(make_uscc(org_type, "320402", "12345678"))
        assert u.org_type_name == ORG_TYPES[org_type]
        assert u.authority_name == AUTHORITIES[org_type[0]]

    def test_unknown_type_of_known_authority_is_allowed(self) -> None:
        u = parse_uscc(make_uscc("97", "320402", "12345678"))
        assert u.authority_name == AUTHORITIES["9"]
        assert u.org_type == "97"
        assert u.org_type_name is None

    def test_normalisation(self) -> None:
        code = make_uscc("91", "320400", "MA1M0K2P")
        fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in code)
        assert parse_uscc(fullwidth).code == code
        assert parse_uscc(code.lower()).code == code
        spaced = f" {code[:2]} {code[2:8]}\u3000{code[8:17]} {code[17]} "
        assert parse_uscc(spaced).code == code

    def test_placeholder(self) -> None:
        assert is_placeholder_uscc(USCC_PLACEHOLDER)
        assert is_placeholder_uscc("00000000000000000x")
        assert is_placeholder_uscc("０００００００００００００００００Ｘ")
        assert not is_placeholder_uscc("91350100M000100Y43")
        assert not is_placeholder_uscc(None)
        assert error_code(parse_uscc, "00000000000000000x") == "uscc_placeholder"
        assert not is_valid_uscc(USCC_PLACEHOLDER)

    @pytest.mark.parametrize(
        ("value", "code", "fragment"),
        [
            ("91350100M000100Y4", "uscc_length", "应为18位，实际为17位"),
            ("", "uscc_length", "实际为0位"),
            ("91350100M000100Y433", "uscc_length", "实际为19位"),
            ("91350100M0001O0Y43", "uscc_charset", "第14位"),
            ("91350100M000100Y4-", "uscc_charset", "第18位"),
            ("91350100M000100Y44", "uscc_checksum", "校验位错误"),
        ],
    )
    def test_error_codes_and_messages(self, value: str, code: str, fragment: str) -> None:
        with pytest.raises(IdentifierError) as excinfo:
            parse_uscc(value)
        assert excinfo.value.code == code
        assert fragment in excinfo.value.message
        assert excinfo.value.value == value

    def test_authority_error(self) -> None:
        first17 = "B1320400" + "12345678" + ref_org_check("12345678")
        code = first17 + ref_uscc_check(first17)
        assert error_code(parse_uscc, code) == "uscc_authority"

    def test_division_error(self) -> None:
        first17 = "9132A400" + "12345678" + ref_org_check("12345678")
        code = first17 + ref_uscc_check(first17)
        with pytest.raises(IdentifierError) as excinfo:
            parse_uscc(code)
        assert excinfo.value.code == "uscc_division"
        assert "32A400" in excinfo.value.message

    def test_embedded_org_code_must_be_valid(self) -> None:
        good = ref_org_check("12345678")
        bad = "0" if good != "0" else "1"
        first17 = "91320400" + "12345678" + bad
        code = first17 + ref_uscc_check(first17)  # overall check is right
        assert error_code(parse_uscc, code) == "uscc_org_code"

    def test_make_uscc_rejects_bad_parts(self) -> None:
        assert error_code(make_uscc, "9", "320400", "12345678") == "uscc_authority"
        assert error_code(make_uscc, "B1", "320400", "12345678") == "uscc_authority"
        assert error_code(make_uscc, "91", "32040", "12345678") == "uscc_length"
        assert error_code(make_uscc, "91", "32040A", "12345678") == "uscc_division"
        assert error_code(make_uscc, "91", "320400", "1234567I") == "uscc_charset"

    def test_check_char_helper_errors(self) -> None:
        assert error_code(uscc_check_char, "9135") == "uscc_length"
        assert error_code(uscc_check_char, "91350100M000100YO") == "uscc_charset"

    @given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
    def test_check_char_agrees_with_stdnum_and_reference(self, first17: str) -> None:
        expected = stdnum_uscc.calc_check_digit(first17)
        assert uscc_check_char(first17) == expected == ref_uscc_check(first17)

    @given(valid_usccs())
    def test_every_generated_code_parses(self, code: str) -> None:
        u = parse_uscc(code)
        assert u.code == code
        assert is_valid_uscc(code)
        assert u.check == ref_uscc_check(code[:17])
        assert u.org_code == code[8:17]
        assert parse_org_code(u.org_code).code == u.org_code
        assert u.legacy_codes()["tax_no"] == code[2:17]
        assert detect(code) in ("uscc", "resident_id")

    @settings(max_examples=60)
    @given(valid_usccs())
    def test_every_single_substitution_fails(self, code: str) -> None:
        # Exhaustive over all 18 positions x 30 other characters of the alphabet.
        for pos in range(18):
            for ch in USCC_ALPHABET:
                if ch == code[pos]:
                    continue
                mutated = code[:pos] + ch + code[pos + 1 :]
                assert not is_valid_uscc(mutated), (code, pos, ch)

    def test_substitution_detection_is_guaranteed(self) -> None:
        # Why the property above must hold: a substitution at position i changes
        # the weighted sum by W_i * d with 0 < |d| < 31; 31 is prime and every
        # W_i is non-zero mod 31, so the sum mod 31 always changes.
        for w in USCC_WEIGHTS:
            for d in range(1, 31):
                assert (w * d) % 31 != 0


# ---------------------------------------------------------------------------
# Organisation code (GB 11714-1997)
# ---------------------------------------------------------------------------


class TestOrgCode:
    def test_examples(self) -> None:
        assert org_code_check_char("M000100Y") == "4"
        assert org_code_check_char("60003734") == "1"
        assert org_code_check_char("71526726") == "X"

    def test_check_value_eleven_is_zero(self) -> None:
        # Σ mod 11 == 0 -> 11 -> "0".
        assert org_code_check_char("00000000") == "0"

    def test_hyphenated_and_plain(self) -> None:
        plain = parse_org_code("M000100Y4")
        assert plain == OrgCode(code="M000100Y4", body="M000100Y", check="4")
        assert parse_org_code("M000100Y-4") == plain
        assert parse_org_code(" m000100y－4 ") == plain
        assert plain.formatted == "M000100Y-4"
        assert format_org_code("m000100y4") == "M000100Y-4"
        assert str(plain) == "M000100Y4"

    @pytest.mark.parametrize(
        ("value", "code", "fragment"),
        [
            ("M000100Y", "org_code_length", "应为9位"),
            ("M000100Y44", "org_code_length", "实际为10位"),
            ("M000100y-", "org_code_length", "实际为8位"),
            ("M00010_Y4", "org_code_charset", "第7位"),
            ("M000100YA", "org_code_charset", "第9位"),
            ("M000100Y5", "org_code_checksum", "校验码错误"),
        ],
    )
    def test_errors(self, value: str, code: str, fragment: str) -> None:
        with pytest.raises(IdentifierError) as excinfo:
            parse_org_code(value)
        assert excinfo.value.code == code
        assert fragment in excinfo.value.message

    def test_check_char_helper_errors(self) -> None:
        assert error_code(org_code_check_char, "1234567") == "org_code_length"
        assert error_code(org_code_check_char, "1234567?") == "org_code_charset"

    @given(org_bodies)
    def test_check_char_matches_reference(self, body: str) -> None:
        assert org_code_check_char(body) == ref_org_check(body)

    @given(valid_org_codes())
    def test_every_generated_code_parses(self, code: str) -> None:
        parsed = parse_org_code(code)
        assert parsed.code == code
        assert parse_org_code(code[:8] + "-" + code[8]) == parsed
        assert detect(code) == "org_code"

    @settings(max_examples=60)
    @given(valid_org_codes())
    def test_single_substitution_exact(self, code: str) -> None:
        # GB 11714's MOD 11 check catches a body substitution exactly when the
        # character values differ by a non-multiple of 11 (0 -> B, 1 -> C, ... are
        # *not* detectable; digit-for-digit substitutions always are).  A changed
        # check character is always detected.
        for pos in range(9):
            alphabet = ORG_BODY_CHARS if pos < 8 else ID_CHARS
            for ch in alphabet:
                if ch == code[pos]:
                    continue
                mutated = code[:pos] + ch + code[pos + 1 :]
                undetectable = pos < 8 and (ref_org_value(ch) - ref_org_value(code[pos])) % 11 == 0
                assert is_valid_org_code(mutated) == undetectable, (code, pos, ch)
                if pos < 8 and ch in DIGITS and code[pos] in DIGITS:
                    assert not is_valid_org_code(mutated)


# ---------------------------------------------------------------------------
# Resident ID (GB 11643-1999)
# ---------------------------------------------------------------------------


class TestResidentId:
    @pytest.mark.parametrize(
        ("division", "birth"),
        [
            ("320482", datetime.date(1985, 3, 9)),  # 金坛市, abolished 2015
            ("320421", datetime.date(1960, 11, 30)),  # 武进县, abolished 1995
            ("320413", datetime.date(1970, 1, 1)),  # 金坛区, created 2015
            ("320402", datetime.date(1952, 2, 29)),  # leap day
        ],
    )
    def test_changzhou_adults(self, division: str, birth: datetime.date) -> None:
        number = make_resident_id(division, birth, 123)
        rid = parse_resident_id(number, today=TODAY)
        assert rid.division_code == division
        assert rid.birth_date == birth
        assert rid.sequence == "123"
        assert rid.gender == "male"
        assert rid.legacy is False
        assert rid.province_code == "32"

    def test_stdnum_validate_would_reject_jintan_district_1970(self) -> None:
        # Documents why stdnum.cn.ric.validate is not used.
        number = make_resident_id("320413", datetime.date(1970, 1, 1), 124)
        assert is_valid_resident_id(number, today=TODAY)
        assert not stdnum_ric.is_valid(number)

    def test_gender_from_sequence(self) -> None:
        female = parse_resident_id(
            make_resident_id("320402", datetime.date(1990, 1, 1), 2), today=TODAY
        )
        assert female.gender == "female"
        assert female.sequence == "002"

    def test_lowercase_x_fullwidth_and_spaces(self) -> None:
        number = next(
            make_resident_id("320402", datetime.date(1980, 5, 17), seq)
            for seq in range(1000)
            if make_resident_id("320402", datetime.date(1980, 5, 17), seq).endswith("X")
        )
        spaced = f"{number[:6]} {number[6:14]}\u3000{number[14:].lower()}"
        assert parse_resident_id(spaced, today=TODAY).number == number
        fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in number)
        assert parse_resident_id(fullwidth, today=TODAY).number == number

    def test_legacy_15_digits(self) -> None:
        rid = parse_resident_id("320402700101123", today=TODAY)
        assert rid.legacy is True
        assert rid.number == upgrade_id15("320402700101123")
        assert rid.number[:17] == "32040219700101123"
        assert rid.number[17] == ref_id_check("32040219700101123")
        assert rid.birth_date == datetime.date(1970, 1, 1)
        assert rid.gender == "male"
        assert detect("320402700101123") == "resident_id"

    @pytest.mark.parametrize(
        ("value", "code", "fragment"),
        [
            ("32040219700101123", "id_length", "实际为17位"),
            ("3204021970010112345", "id_length", "实际为19位"),
            ("3204021970010112X3", "id_charset", "第17位"),
            ("32040219700101123A", "id_charset", "第18位"),
            ("32040270010112X", "id_charset", "15位"),
        ],
    )
    def test_shape_errors(self, value: str, code: str, fragment: str) -> None:
        with pytest.raises(IdentifierError) as excinfo:
            parse_resident_id(value, today=TODAY)
        assert excinfo.value.code == code
        assert fragment in excinfo.value.message

    def test_checksum_error(self) -> None:
        number = make_resident_id("320402", datetime.date(1970, 1, 1), 123)
        wrong = "0" if number[17] != "0" else "1"
        assert error_code(parse_resident_id, number[:17] + wrong, today=TODAY) == "id_checksum"

    @pytest.mark.parametrize("bad_date", ["19700230", "19710229", "19701301", "19700000"])
    def test_impossible_birth_date(self, bad_date: str) -> None:
        first17 = "320402" + bad_date + "123"
        with pytest.raises(IdentifierError) as excinfo:
            parse_resident_id(first17 + ref_id_check(first17), today=TODAY)
        assert excinfo.value.code == "id_birth_date"
        assert bad_date in excinfo.value.message

    def test_too_early_birth_date(self) -> None:
        first17 = "32040218891231123"
        code = error_code(parse_resident_id, first17 + ref_id_check(first17), today=TODAY)
        assert code == "id_birth_date"
        assert is_valid_resident_id(
            make_resident_id("320402", datetime.date(1890, 1, 1), 1), today=TODAY
        )

    def test_future_birth_date_depends_on_today(self) -> None:
        tomorrow = TODAY + datetime.timedelta(days=1)
        number = make_resident_id("320402", tomorrow, 123)
        assert error_code(parse_resident_id, number, today=TODAY) == "id_future_birth"
        assert parse_resident_id(number, today=tomorrow).birth_date == tomorrow
        # Born today is fine.
        assert is_valid_resident_id(make_resident_id("320402", TODAY, 1), today=TODAY)

    def test_province_error(self) -> None:
        first17 = "99040219700101123"
        with pytest.raises(IdentifierError) as excinfo:
            parse_resident_id(first17 + ref_id_check(first17), today=TODAY)
        assert excinfo.value.code == "id_province"
        assert "“99”" in excinfo.value.message
        assert error_code(parse_resident_id, "990402700101123", today=TODAY) == "id_province"

    def test_default_today_is_the_real_date(self) -> None:
        future = datetime.date.today() + datetime.timedelta(days=2)
        assert not is_valid_resident_id(make_resident_id("320402", future, 1))
        assert is_valid_resident_id(make_resident_id("320402", datetime.date(1970, 1, 1), 1))

    def test_make_resident_id_rejects_bad_parts(self) -> None:
        birth = datetime.date(1970, 1, 1)
        assert error_code(make_resident_id, "32040", birth, 1) == "id_charset"
        assert error_code(make_resident_id, "990402", birth, 1) == "id_province"
        assert error_code(make_resident_id, "320402", birth, 1000) == "id_sequence"
        assert error_code(make_resident_id, "320402", birth, -1) == "id_sequence"
        early = datetime.date(1889, 12, 31)
        assert error_code(make_resident_id, "320402", early, 1) == "id_birth_date"

    def test_helper_errors(self) -> None:
        assert error_code(resident_id_check_char, "3204021970") == "id_length"
        assert error_code(resident_id_check_char, "3204021970010112X") == "id_charset"
        assert error_code(upgrade_id15, "32040270010112") == "id_length"
        assert error_code(upgrade_id15, "32040270010112X") == "id_charset"

    @given(st.text(alphabet=DIGITS, min_size=17, max_size=17))
    def test_check_char_agrees_with_stdnum_and_reference(self, first17: str) -> None:
        expected = stdnum_ric.calc_check_digit(first17 + "0")
        assert resident_id_check_char(first17) == expected == ref_id_check(first17)

    @given(id_divisions(), birth_dates, sequences)
    def test_every_generated_id_parses(
        self, division: str, birth: datetime.date, sequence: int
    ) -> None:
        number = make_resident_id(division, birth, sequence)
        rid = parse_resident_id(number, today=TODAY)
        assert rid == ResidentId(
            number=number,
            division_code=division,
            birth_date=birth,
            sequence=f"{sequence:03d}",
            gender="male" if sequence % 2 else "female",
            legacy=False,
        )
        assert detect(number, today=TODAY) == "resident_id"

    @settings(max_examples=80)
    @given(valid_resident_ids())
    def test_every_single_substitution_fails(self, number: str) -> None:
        # Exact property: *every* substitution with another digit (or X) fails,
        # even one that turns the birth date into another valid date, because the
        # MOD 11-2 checksum detects all single substitutions (see next test).
        for pos in range(18):
            for ch in ID_CHARS:
                if ch == number[pos]:
                    continue
                mutated = number[:pos] + ch + number[pos + 1 :]
                with pytest.raises(IdentifierError) as excinfo:
                    parse_resident_id(mutated, today=TODAY)
                if pos < 17 and ch != "X":
                    # Shape is still fine, so it is the checksum that catches it.
                    assert excinfo.value.code == "id_checksum", (number, pos, ch)

    def test_mod11_2_detects_every_single_substitution(self) -> None:
        # Proof of the property: position i (1..17) carries weight 2^(18-i) mod 11,
        # never 0 mod the prime 11; a digit change d (1..9) is not a multiple of 11,
        # so W_i * d mod 11 != 0 and the expected check character changes.
        # A change of the check character itself always mismatches.
        weights = ref_id_weights()
        assert weights == [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        for w in weights:
            for d in range(1, 10):
                assert (w * d) % 11 != 0


# ---------------------------------------------------------------------------
# detect / is_valid_*
# ---------------------------------------------------------------------------


class TestDetect:
    def test_kinds(self) -> None:
        rid = make_resident_id("320402", datetime.date(1970, 1, 1), 123)
        assert detect("91350100M000100Y43") == "uscc"
        assert detect("９１３５０１００ｍ０００１００ｙ４３") == "uscc"
        assert detect(rid, today=TODAY) == "resident_id"
        assert detect("M000100Y-4") == "org_code"
        assert detect("M000100Y4") == "org_code"

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "hello",
            USCC_PLACEHOLDER,
            "91350100M000100Y44",
            "M000100Y5",
            "32040219700101123",
        ],
    )
    def test_nothing(self, value: str | None) -> None:
        assert detect(value, today=TODAY) is None

    def test_id_that_is_also_a_valid_uscc_is_a_resident_id(self) -> None:
        # "32…" is also authority 3 / type 2 (公证处); search for a collision.
        for seq in range(1000):
            for year in range(1950, 2000):
                number = make_resident_id("320402", datetime.date(year, 3, 15), seq)
                if is_valid_uscc(number):
                    assert detect(number, today=TODAY) == "resident_id"
                    return
        pytest.fail("no collision found")  # pragma: no cover

    def test_is_valid_never_raises(self) -> None:
        for func in (is_valid_uscc, is_valid_org_code, is_valid_resident_id):
            assert func(None) is False
            assert func("") is False
            assert func(12345) is False  # type: ignore[arg-type]


class TestDivisionHistory:
    """GB/T 2260 division-code history (python-stdnum's cn/loc.dat): warnings only."""

    def test_changzhous_codes_and_their_years(self) -> None:
        from credit.core.identifiers import DivisionSpan, division_history

        assert division_history("320421") == (DivisionSpan("武进县", 1983, 1995),)
        assert division_history("320483") == (DivisionSpan("武进市", 1995, 2002),)
        assert division_history("320482") == (DivisionSpan("金坛市", 1993, 2015),)
        assert division_history("320413") == (DivisionSpan("金坛区", 2015, None),)
        assert division_history("320405") == (DivisionSpan("戚墅堰区", 1983, 2015),)
        assert [s.name for s in division_history("320411")] == ["郊区", "新北区"]
        assert division_history("329999") == ()

    def test_the_city_files_history_agrees(self) -> None:
        """core/data/changzhou.json: a region's code is in force, its historic codes ended."""
        import json
        from pathlib import Path

        import credit.core
        from credit.core.identifiers import division_history

        city = Path(credit.core.__file__).parent / "data" / "changzhou.json"
        for region in json.loads(city.read_text("utf-8"))["regions"]:
            spans = division_history(region["code"])
            assert spans and spans[-1].last is None, region["code"]
            for old in region["historic_codes"]:
                ended = division_history(old)
                assert ended and all(s.last is not None for s in ended), old

    @pytest.mark.parametrize(
        ("code", "year", "found"),
        [
            ("320482", 2016, "2015年后已停用"),  # abolished before the birth
            ("320421", 1996, "1995年后已停用"),
            ("320413", 2000, "自2015年起才使用"),  # created after the birth
            ("320483", 1990, "自1995年起才使用"),
            ("320413", 1960, "自2015年起才使用"),  # … and after numbers were first assigned
        ],
    )
    def test_codes_out_of_time_are_explained(self, code: str, year: int, found: str) -> None:
        from credit.core.identifiers import division_anachronism

        message = division_anachronism(code, year)
        assert message is not None and found in message and "已接受" in message

    @pytest.mark.parametrize(
        ("code", "year"),
        [
            ("320402", 1970),  # 天宁区 from 1983: a number first assigned in 1984 or later
            ("320402", 1983),
            ("320482", 1993),  # both ends are inclusive years
            ("320482", 2015),
            ("320413", 2015),
            ("110101", 1900),  # 东城区: no known first or last year
            ("329999", 2000),  # unknown code
        ],
    )
    def test_codes_in_time_or_unknown_are_not_warned(self, code: str, year: int) -> None:
        from credit.core.identifiers import division_anachronism

        assert division_anachronism(code, year) is None

    @settings(max_examples=200, deadline=None)
    @given(number=st.sampled_from(sorted(ID_PROVINCE_CODES)), rest=st.integers(0, 9999),
           year=st.integers(1890, 2100))  # fmt: skip
    def test_any_code_and_year_give_text_or_none_and_parsing_ignores_it(
        self, number: str, rest: int, year: int
    ) -> None:
        from credit.core.identifiers import division_anachronism

        code = f"{number}{rest:04d}"
        found = division_anachronism(code, year)
        assert found is None or found.startswith("的地址码")
        if year <= TODAY.year:
            resident = make_resident_id(code, datetime.date(year, 1, 1), 1)
            assert parse_resident_id(resident, today=TODAY).division_code == code
