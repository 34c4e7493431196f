"""Tests for credit.core.masking (dynamic masking of personal data, N1)."""

from __future__ import annotations

import datetime
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit.core.identifiers import ID_PROVINCE_CODES, make_resident_id
from credit.core.masking import (
    field_kind,
    mask_address,
    mask_email,
    mask_id_number,
    mask_name,
    mask_numbers_in_text,
    mask_phone,
)

TODAY = datetime.date(2025, 6, 30)

cjk_chars = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
cjk_names = st.text(alphabet=cjk_chars, min_size=1, max_size=8)
latin_words = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1)


@st.composite
def resident_ids(draw: st.DrawFn) -> str:
    province = draw(st.sampled_from(sorted(ID_PROVINCE_CODES)))
    division = province + draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    birth = draw(st.dates(min_value=datetime.date(1890, 1, 1), max_value=TODAY))
    return make_resident_id(division, birth, draw(st.integers(0, 999)))


def revealed_digits(masked: str) -> int:
    return sum(c.isdigit() for c in masked)


# ---------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("张三", "张*"),
        ("欧阳娜娜", "欧***"),
        ("李小龙", "李**"),
        ("张", "*"),
        (" 张三 ", "张*"),
        ("张 三", "张*"),
        ("阿卜杜·热合曼", "阿******"),
        ("John Smith", "J*** S****"),
        ("  John   Smith ", "J*** S****"),
        ("Jean-Luc Picard", "J***-*** P*****"),
        ("J", "*"),
        ("", ""),
        ("   ", ""),
        (None, ""),
        ("张*", "张*"),
        ("*", "*"),
    ],
)
def test_mask_name_examples(name: str | None, expected: str) -> None:
    assert mask_name(name) == expected


@given(cjk_names)
def test_mask_name_reveals_nothing_after_first(name: str) -> None:
    masked = mask_name(name)
    assert len(masked) == len(name)
    if len(name) == 1:
        assert masked == "*"
    else:
        assert masked[0] == name[0]
        assert set(masked[1:]) == {"*"}
    assert mask_name(masked) == masked


@given(st.lists(latin_words, min_size=1, max_size=4))
def test_mask_latin_name_keeps_only_initials(words: list[str]) -> None:
    name = " ".join(words)
    masked = mask_name(name)
    if len(name) == 1:
        assert masked == "*"
        return
    assert masked.split() == [w[0] + "*" * (len(w) - 1) for w in words]
    assert mask_name(masked) == masked


# ---------------------------------------------------------------------------
# Identity numbers
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("32040219700101123X", "320***********123X"),
        ("32040219700101123x", "320***********123X"),
        ("320402 19700101 123X", "320***********123X"),
        ("320402700101123", "320********1123"),
        ("12345678", "123*5678"),
        ("1234567", "*******"),
        ("", ""),
        (None, ""),
        ("320***********123X", "320***********123X"),
    ],
)
def test_mask_id_number_examples(value: str | None, expected: str) -> None:
    assert mask_id_number(value) == expected


@given(resident_ids())
def test_masked_id_hides_birth_date(number: str) -> None:
    masked = mask_id_number(number)
    assert len(masked) == len(number) == 18
    assert masked[6:14] == "*" * 8
    assert number[6:14] not in masked
    assert masked[:3] == number[:3]
    assert masked[-4:] == number[-4:]
    assert masked != number
    assert mask_id_number(masked) == masked


@given(st.text(alphabet="0123456789X", max_size=30))
def test_mask_id_number_keeps_length_and_at_most_seven(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert sum(c != "*" for c in masked) <= 7
    if value:
        assert masked != value or set(value) == {"*"}
    assert mask_id_number(masked) == masked


# ---------------------------------------------------------------------------
# Phones
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("13812345678", "138****5678"),
        ("138 1234 5678", "138****5678"),
        ("138-1234-5678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("+8613812345678", "138****5678"),
        ("8613812345678", "138****5678"),
        ("００８６１３８１２３４５６７８", "138****5678"),
        ("138****5678", "138****5678"),
        ("0519-88881234", "0519-******34"),
        ("(0519)88881234", "(0519)******34"),
        ("051988881234", "0519******34"),
        ("02188881234", "021******34"),
        ("021-88881234", "021-******34"),
        ("88881234", "******34"),
        ("0519-88881234-801", "0519-********-*01"),
        ("95588", "***88"),
        ("110", "***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone_examples(value: str | None, expected: str) -> None:
    assert mask_phone(value) == expected


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_mask_mobile_property(rest: str) -> None:
    number = "1" + rest
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[-4:]
    assert mask_phone(masked) == masked
    assert mask_phone("+86 " + number) == masked


@given(st.text(alphabet="0123456789 -()+", max_size=24))
def test_mask_phone_never_reveals_much(value: str) -> None:
    masked = mask_phone(value)
    digits = sum(c.isdigit() for c in value)
    shown = revealed_digits(masked)
    assert shown <= 7
    if digits >= 2:
        assert shown <= max(digits // 2, 0) or re.fullmatch(r"\d{3}\*{4}\d{4}", masked)
    assert mask_phone(masked) == masked


# ---------------------------------------------------------------------------
# Addresses
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("江苏省常州市钟楼区南大街1号", "江苏省常州市钟楼区****"),
        ("江苏省常州市武进区湖塘镇花园街18号3幢101室", "江苏省常州市武进区****"),
        ("常州市新北区太湖东路9号", "常州市新北区****"),
        ("常州市天宁区红梅新村12幢", "常州市天宁区****"),
        ("江苏省常州市金坛区金城镇", "江苏省常州市金坛区****"),
        ("江苏省常州市溧阳市昆仑街道", "江苏省常州市溧阳市****"),
        ("常州市溧阳市燕山路1号", "常州市溧阳市****"),
        ("钟楼区南大街1号", "钟楼区****"),
        ("上海市浦东新区世纪大道100号", "上海市浦东新区****"),
        ("北京市朝阳区建国路88号", "北京市朝阳区****"),
        ("广西壮族自治区南宁市青秀区民族大道1号", "广西壮族自治区南宁市青秀区****"),
        ("重庆市石柱土家族自治县南宾镇", "重庆市石柱土家族自治县****"),
        ("内蒙古自治区锡林郭勒盟正蓝旗上都镇", "内蒙古自治区锡林郭勒盟正蓝旗****"),
        ("新疆阿克苏地区库车市", "新疆阿克苏地区库车市****"),
        ("山东省济南市市中区经十路", "山东省济南市市中区****"),
        ("河北省唐山市路北区新华道", "河北省唐山市路北区****"),
        ("江苏省镇江市京口区", "江苏省镇江市京口区****"),
        ("江 苏 省 常 州 市 钟 楼 区 南 大 街", "江苏省常州市钟楼区****"),
        # No county-level unit within the first 15 characters: keep 6.
        ("溧阳市燕山路1号", "溧阳市燕山路****"),
        ("常州市延陵西路23号市场监督管理局", "常州市延陵西****"),
        ("常州市怡康花园小区12幢", "常州市怡康花****"),
        ("某某某某某某某某某某某某某某某某区", "某某某某某某****"),
        ("湖塘镇", "湖塘镇****"),
        ("", ""),
        (None, ""),
        ("   ", ""),
        ("江苏省常州市钟楼区****", "江苏省常州市钟楼区****"),
    ],
)
def test_mask_address_examples(value: str | None, expected: str) -> None:
    assert mask_address(value) == expected


@given(
    st.text(alphabet="江苏省常州市钟楼区武进县旗路街道号1234幢室村镇乡新北天宁溧阳", max_size=30)
)
def test_mask_address_properties(value: str) -> None:
    masked = mask_address(value)
    if not value.strip():
        assert masked == ""
        return
    assert masked.endswith("****")
    kept = masked[:-4]
    assert value.startswith(kept)
    assert len(kept) <= 15
    assert masked != value
    assert mask_address(masked) == masked


# ---------------------------------------------------------------------------
# E-mail
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("alice@example.com", "a***@example.com"),
        ("a@example.com", "a***@example.com"),
        ("a***@example.com", "a***@example.com"),
        ("@example.com", "***@example.com"),
        ("alice", "a***"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_email_examples(value: str | None, expected: str) -> None:
    assert mask_email(value) == expected


@given(st.emails())
def test_mask_email_properties(email: str) -> None:
    masked = mask_email(email)
    local, _, domain = email.rpartition("@")
    assert masked == local[0] + "***@" + domain
    assert mask_email(masked) == masked


# ---------------------------------------------------------------------------
# Free text and fields
# ---------------------------------------------------------------------------


def test_numbers_in_free_text_are_masked_even_when_mistyped() -> None:
    number = make_resident_id("320402", datetime.date(1985, 3, 9), 11)
    typo = number[:-1] + ("1" if number[-1] != "1" else "2")
    text = f"当事人（身份证号{number}，另报{typo}，手机139 5123 4567，电话0519-88881234）"
    masked = mask_numbers_in_text(text)
    assert masked == (
        f"当事人（身份证号{mask_id_number(number)}，另报{mask_id_number(typo)}，"
        "手机139****4567，电话0519-******34）"
    )
    assert mask_numbers_in_text(masked) == masked
    # Codes, amounts, dates and document numbers stay as they are.
    for kept in (
        "统一社会信用代码91320402MA1XXXXX1A",
        "罚款 12345 元",
        "2025-03-05",
        "常市监罚〔2025〕12号",
    ):
        assert mask_numbers_in_text(kept) == kept
    assert mask_numbers_in_text(None) == ""


@given(resident_ids())
def test_every_resident_id_in_text_is_masked(number: str) -> None:
    masked = mask_numbers_in_text(f"号码{number}。")
    assert number not in masked and mask_id_number(number) in masked


@pytest.mark.parametrize(
    ("code", "name", "kind"),
    [
        ("contact_phone", "联系电话", "phone"),
        ("", "住所", "address"),
        ("legal_rep_id_number", "法定代表人证件号码", "id"),
        ("legal_rep", "法定代表人", "name"),
    ],
)
def test_field_kind_is_read_from_the_field_code_and_name(code: str, name: str, kind: str) -> None:
    assert field_kind(code, name) == kind
