"""ingest.normalize on 行政处罚 (admin-penalty): every repair with its stable code, everything
else left for validation; idempotence and "noisy valid rows validate" as properties.

The spec is read from the database once per module; normalising touches no database.
"""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import from_excel

from credit.catalog.rules import PLACEHOLDERS, FieldRule, ItemSpec, validate_payload
from credit.core.identifiers import USCC_ALPHABET, make_resident_id, make_uscc, normalize_code
from credit.ingest.normalize import (
    CELL_DATE,
    CELL_NUMBER,
    CORRECTION_CODES,
    WHITESPACE,
    Correction,
    Normaliser,
    normalise_row,
)

#: pytest-django creates the test database only for runs that include a database test; the
#: spec fixture reads it, so every test here is one (each test runs in a transaction).
pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 1)
USCC = make_uscc("91", "320402", "MA1X2Y3Q")  # 91320402MA1X2Y3Q44
AUTHORITY_USCC = make_uscc("11", "320400", "01234567")
RESIDENT_ID_X = make_resident_id("320402", datetime.date(1980, 5, 17), 3)  # ends in X
FULLWIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}


def fullwidth(text: str) -> str:
    return "".join(FULLWIDTH.get(c, c) for c in text)


@pytest.fixture(scope="module")
def spec(django_db_setup, django_db_blocker):
    from credit.catalog.models import CatalogItem
    from credit.catalog.rules import spec_for

    with django_db_blocker.unblock():
        return spec_for(CatalogItem.objects.get(code="admin-penalty"))


@pytest.fixture(scope="module")
def normalise(spec):
    return Normaliser(spec)


def one(normalise, field: str, raw: str, **kinds: str):
    """(value or None when dropped, [correction codes]) of one field."""
    row = normalise({field: raw}, cell_kinds=kinds or None)
    assert all(c.field == field for c in row.corrections)
    return row.payload.get(field), [c.code for c in row.corrections]


def assert_chain(raw: str, value: str | None, corrections: list[Correction]) -> None:
    """Each correction starts where the previous one ended; the last ends at the output."""
    assert all(c.code in CORRECTION_CODES and c.message for c in corrections)
    if corrections:
        assert corrections[0].original == raw
        for before, after in itertools.pairwise(corrections):
            assert after.original == before.corrected
        assert corrections[-1].corrected == (value or "")


# --- the spec carries the code tables' synonyms -------------------------------------------


def test_spec_for_fills_synonyms_and_notes(spec):
    rules = spec.by_code()
    assert rules["id_type"].synonyms["身份证"] == rules["id_type"].synonyms["二代身份证"]
    assert rules["id_type"].synonyms["二代身份证"] == "居民身份证"
    assert rules["subject_category"].synonyms["法人及其他组织"] == "法人及非法人组织"
    assert rules["fine_amount"].unit == rules["confiscation_amount"].unit == "万元"
    assert rules["severity"].synonyms == {"较重": "一般"}
    assert "较重" in rules["severity"].synonym_notes["一般"]
    assert rules["info_usage_scope"].synonyms == {"公开": "社会公开", "有条件共享": "政务共享"}
    assert "不予共享" not in rules["info_usage_scope"].synonyms
    assert rules["subject_name"].synonyms == {} and rules["subject_name"].synonym_notes == {}


# --- table-driven rules ----------------------------------------------------------------------

T, F, U = "whitespace_trimmed", "fullwidth_to_halfwidth", "uppercased"
D, X, N = "date_reformatted", "excel_serial_date", "number_reformatted"
S, P, R = "synonym_mapped", "separator_normalised", "duplicate_removed"
BRACKETS = "document_no_brackets"

CASES = [
    # whitespace: every field, both ends only, incl. U+3000, NBSP, zero-width
    ("subject_name", "  常州市某机械有限公司\u3000", "常州市某机械有限公司", [T]),
    ("legal_rep", "\xa0张三\t", "张三", [T]),
    ("violation_facts", "\ufeff第一行\n第二行\r\n", "第一行\n第二行", [T]),
    ("subject_name", "常州 某公司", "常州 某公司", []),
    ("subject_name", "ＡＢＣ（常州）有限公司", "ＡＢＣ（常州）有限公司", []),
    ("remark", "   ", None, []),
    ("remark", "\u3000\xa0\u200b", None, []),
    ("power_code", " abc-１２ ", "abc-１２", [T]),
    # document numbers: the standard 〔〕 stays; other year brackets and full-width digits
    # are standardised (test_document_number_year_brackets_are_standardised below)
    ("document_no", " 常市监罚〔2024〕12号 ", "常市监罚〔2024〕12号", [T]),
    ("document_no", "常市监罚（２０２４）１２号", "常市监罚〔2024〕12号", [F, BRACKETS]),
    # USCC and other upper-case identifiers
    ("uscc", USCC, USCC, []),
    ("uscc", fullwidth(USCC), USCC, [F]),
    ("uscc", " 9132 0402ma1x2y3q44 ", USCC, [T, U]),
    ("uscc", "9132\u30000402MA1X2Y3Q44\u200b", USCC, [T]),
    ("uscc", fullwidth(USCC.lower()), USCC, [F, U]),
    ("uscc", "00000000000000000x", "00000000000000000X", [U]),
    ("uscc", " \u3000 ", None, []),
    ("authority_uscc", AUTHORITY_USCC.lower(), AUTHORITY_USCC, [U]),
    ("id_number", RESIDENT_ID_X.lower(), RESIDENT_ID_X, [U]),
    ("id_number", " 320402 19800517 003x ", RESIDENT_ID_X, [T, U]),
    ("id_number", fullwidth(RESIDENT_ID_X), RESIDENT_ID_X, [F]),
    ("legal_rep_id_number", "ｅ１２３４５６７８", "E12345678", [F, U]),
    ("org_code", "ｍａ１ｘ２ｙ３ｑ－４", "MA1X2Y3Q-4", [F, U]),
    # registration numbers: half-width and no spaces, letters as written
    ("reg_no", " ３２０４００ 0001234 ", "3204000001234", [T, F]),
    ("tax_no", "abc123", "abc123", []),
    ("social_org_no", "５１３２ 0400 mj1234", "51320400mj1234", [T, F]),
    # dates: every accepted form
    ("decision_date", "2024-03-05", "2024-03-05", []),
    ("decision_date", " 2024-03-05 ", "2024-03-05", [T]),
    ("decision_date", "2024-3-5", "2024-03-05", [D]),
    ("decision_date", "2024/3/5", "2024-03-05", [D]),
    ("decision_date", "2024/03/05", "2024-03-05", [D]),
    ("decision_date", "2024.3.5", "2024-03-05", [D]),
    ("decision_date", "20240305", "2024-03-05", [D]),
    ("decision_date", "2024年3月5日", "2024-03-05", [D]),
    ("decision_date", "2024年03月05日", "2024-03-05", [D]),
    ("decision_date", "2024-03-05 00:00:00", "2024-03-05", [D]),
    ("decision_date", "2024/3/5 0:00", "2024-03-05", [D]),
    ("decision_date", "2024-03-05T00:00:00", "2024-03-05", [D]),
    ("decision_date", "2024-03-05 14:30:15.250", "2024-03-05", [D]),
    ("decision_date", "２０２４年３月５日", "2024-03-05", [D]),
    ("decision_date", "\u30002024/3/5 ", "2024-03-05", [T, D]),
    ("decision_date", "45356", "2024-03-05", [X]),
    ("publicity_end", "2099.12.31", "2099-12-31", [D]),
    # dates left for validation: not calendar dates, unknown forms, mixed separators
    ("decision_date", "2024-02-30", "2024-02-30", []),
    ("decision_date", "2024/2/30", "2024/2/30", []),
    ("decision_date", "20240230", "20240230", []),
    ("decision_date", "2023年2月29日", "2023年2月29日", []),
    ("decision_date", "2024年13月1日", "2024年13月1日", []),
    ("decision_date", "2024-3/5", "2024-3/5", []),
    ("decision_date", "2024-03-05 24:00", "2024-03-05 24:00", []),
    ("decision_date", "3/5/2024", "3/5/2024", []),
    ("decision_date", "2024-03", "2024-03", []),
    ("decision_date", "2024", "2024", []),
    ("decision_date", "19999", "19999", []),
    ("decision_date", "80001", "80001", []),
    ("decision_date", "75000", "75000", []),  # 2105-05-04: after 2099, not a date
    ("decision_date", "45356.0", "45356.0", []),
    ("decision_date", "昨天", "昨天", []),
    # numbers
    ("fine_amount", " 1.5 ", "1.5", [T]),
    ("fine_amount", "1.50", "1.50", []),
    ("fine_amount", "0.000001", "0.000001", []),
    ("fine_amount", "１．５", "1.5", [F]),
    ("fine_amount", "1,234.5", "1234.5", [N]),
    ("fine_amount", "12,345,678", "12345678", [N]),
    ("fine_amount", "１，２３４", "1234", [F, N]),
    ("fine_amount", "1,2345", "1,2345", []),
    ("fine_amount", "1,23", "1,23", []),
    ("fine_amount", "1234,567.8", "1234,567.8", []),
    ("fine_amount", ",123", ",123", []),
    ("fine_amount", "1 234", "1 234", []),
    ("fine_amount", "5万元", "5", ["unit_removed"]),
    ("fine_amount", "500元", "0.05", ["unit_converted"]),
    ("fine_amount", "１.5万", "1.5", [F, "unit_removed"]),
    ("fine_amount", "1，234", "1234", [F, N]),
    # code tables: standard values, declared synonyms, nothing else
    ("id_type", "居民身份证", "居民身份证", []),
    ("id_type", "身份证", "居民身份证", [S]),
    ("id_type", " 二代身份证 ", "居民身份证", [T, S]),
    ("severity", "较重", "一般", [S]),
    ("severity", "一般", "一般", []),
    ("info_usage_scope", "公开", "社会公开", [S]),
    ("info_usage_scope", "有条件共享", "政务共享", [S]),
    ("info_usage_scope", "不予共享", "不予共享", []),
    ("subject_category", "法人", "法人及非法人组织", [S]),
    ("subject_category", "法人及非法人 组织", "法人及非法人 组织", []),
    ("subject_category", "自然人\u3000", "自然人", [T]),
    ("severity", "严重;一般", "严重;一般", []),  # single-value field: not split
    # multi-value 处罚类别
    ("penalty_category", "警告;罚款", "警告;罚款", []),
    ("penalty_category", "警告、罚款", "警告;罚款", [P]),
    ("penalty_category", "罚款、警告", "罚款;警告", [P]),
    (
        "penalty_category",
        "警告；罚款，没收违法所得,没收非法财物",
        "警告;罚款;没收违法所得;没收非法财物",
        [P],
    ),
    ("penalty_category", "警告; 罚款", "警告;罚款", [P]),
    ("penalty_category", "罚款;", "罚款", [P]),
    ("penalty_category", "警告;;罚款", "警告;罚款", [P]),
    ("penalty_category", "暂扣执照", "暂扣许可证件", [S]),
    ("penalty_category", "警告、责令停产停业整顿", "警告;责令停产停业", [P, S]),
    ("penalty_category", "罚款;罚款", "罚款", [R]),
    ("penalty_category", "吊销许可证、吊销执照", "吊销许可证件", [P, S, S, R]),
    ("penalty_category", "警告;不存在的类别", "警告;不存在的类别", []),
    ("penalty_category", "；、", None, [P]),
]


@pytest.mark.parametrize(("field", "raw", "expected", "codes"), CASES)
def test_rule(normalise, field, raw, expected, codes):
    row = normalise({field: raw})
    assert (row.payload.get(field), [c.code for c in row.corrections]) == (expected, codes)
    assert row.corrected == bool(codes)
    if field != "penalty_category":
        assert_chain(raw, expected, row.corrections)


def test_corrections_keep_original_and_corrected(normalise):
    row = normalise({"fine_amount": " １，２３４.50 "})
    assert [(c.original, c.corrected) for c in row.corrections] == [
        (" １，２３４.50 ", "１，２３４.50"),
        ("１，２３４.50", "1,234.50"),
        ("1,234.50", "1234.50"),
    ]
    assert row.corrections[0].as_dict() == {
        "field": "fine_amount",
        "code": "whitespace_trimmed",
        "original": " １，２３４.50 ",
        "corrected": "１，２３４.50",
        "message": "“罚款金额(万元)”去除了首尾空白",
    }


def test_synonym_message_cites_the_code_value_note(normalise):
    (correction,) = normalise({"severity": "较重"}).corrections
    assert correction.message.startswith("“失信严重程度”的“较重”按代码表映射为“一般”（依据：")
    assert "国家发展改革委令第36号" in correction.message
    (correction,) = normalise({"id_type": "身份证"}).corrections
    assert "「身份证」「二代身份证」映射为居民身份证" in correction.message


def test_synonym_without_note_has_plain_message(spec):
    rule = FieldRule(
        code="colour", name="颜色", data_type="code", code_values=frozenset({"红"}),
        synonyms={"赤": "红"},
    )  # fmt: skip
    row = Normaliser(ItemSpec("x", "样例", 1, (rule,)))({"colour": "赤"})
    assert row.payload == {"colour": "红"}
    assert row.corrections[0].message == "“颜色”的“赤”按代码表映射为“红”"


def test_multi_value_corrections_name_each_mapped_part(normalise):
    row = normalise({"penalty_category": "警告、暂扣许可证；暂扣许可证件"})
    assert row.payload == {"penalty_category": "警告;暂扣许可证件"}
    assert [(c.code, c.original, c.corrected) for c in row.corrections] == [
        ("separator_normalised", "警告、暂扣许可证；暂扣许可证件", "警告;暂扣许可证;暂扣许可证件"),
        ("synonym_mapped", "暂扣许可证", "暂扣许可证件"),
        ("duplicate_removed", "警告;暂扣许可证件;暂扣许可证件", "警告;暂扣许可证件"),
    ]


@pytest.mark.parametrize("serial", [20000, 25569, 36526, 43890, 45350, 45356, 47000, 73050])
def test_five_digit_text_is_an_excel_serial_date(normalise, serial):
    expected = from_excel(serial).date().isoformat()
    assert one(normalise, "decision_date", str(serial)) == (expected, [X])


@pytest.mark.parametrize(
    ("raw", "kind", "expected"),
    [
        ("45356", CELL_NUMBER, "2024-03-05"),
        ("45356", CELL_DATE, "2024-03-05"),
        ("45356.75", CELL_DATE, "2024-03-05"),
        ("45356.5", CELL_NUMBER, "2024-03-05"),
        ("17899", CELL_NUMBER, "1949-01-01"),
        ("73050", CELL_NUMBER, "2099-12-31"),
        ("1", CELL_DATE, "1900-01-01"),
        ("59", CELL_DATE, "1900-02-28"),
        ("61", CELL_DATE, "1900-03-01"),
        ("2958465", CELL_DATE, "9999-12-31"),
    ],
)
def test_excel_cells_are_serial_dates(normalise, raw, kind, expected):
    assert expected == from_excel(float(raw)).date().isoformat()
    value, codes = one(normalise, "valid_to", raw, valid_to=kind)
    assert (value, codes) == (expected, [X])


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("17898", CELL_NUMBER),  # 1948-12-31: before 1949, not a date
        ("73051", CELL_NUMBER),  # 2100-01-01: far future
        ("60", CELL_DATE),  # Excel's 1900-02-29 does not exist
        ("0", CELL_DATE),
        ("2958466", CELL_DATE),
        ("-1", CELL_NUMBER),
        ("1e5", CELL_NUMBER),
    ],
)
def test_excel_cells_out_of_range_are_left(normalise, raw, kind):
    assert one(normalise, "valid_to", raw, valid_to=kind) == (raw, [])


def test_eight_digits_are_yyyymmdd_even_from_a_number_cell(normalise):
    assert one(normalise, "decision_date", "20240305", decision_date=CELL_NUMBER) == (
        "2024-03-05",
        [D],
    )


def test_cell_kind_applies_only_to_its_field(normalise):
    row = normalise(
        {"decision_date": "1000", "valid_to": "1000"}, cell_kinds={"valid_to": CELL_DATE}
    )
    assert row.payload == {"decision_date": "1000", "valid_to": "1902-09-26"}


def test_integer_fields_are_numbers():
    rule = FieldRule(code="count", name="次数", data_type="integer")
    normalise = Normaliser(ItemSpec("x", "样例", 1, (rule,)))
    assert one(normalise, "count", " １,２３４ ") == ("1234", [T, F, N])


def test_row_level_behaviour(normalise, spec):
    raw = {
        "subject_name": "常州市某公司",
        "uscc": " 91320402ma1x2y3q44",
        "remark": "",
        "reg_no": None,
        "tax_no": "  ",
        "unknown_column": " 值 ",
    }
    row = normalise(raw)
    assert row.payload == {
        "subject_name": "常州市某公司",
        "uscc": USCC,
        "unknown_column": "值",
    }
    assert [(c.field, c.code) for c in row.corrections] == [
        ("uscc", T),
        ("uscc", U),
        ("unknown_column", T),
    ]
    assert raw["uscc"] == " 91320402ma1x2y3q44"  # the raw row is not touched
    assert normalise_row(spec, raw) == row
    assert normalise_row(spec, raw).payload == row.payload


def test_whitespace_set_is_python_whitespace_plus_zero_width():
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()}
    assert set(WHITESPACE) == spaces | set("\u200b\u200c\u200d\u2060\ufeff")


def test_cached_corrections_are_reported_on_every_row(normalise):
    for _ in range(3):
        assert one(normalise, "severity", "较重") == ("一般", [S])
        assert one(normalise, "decision_date", "2024/3/5") == ("2024-03-05", [D])


# --- properties ------------------------------------------------------------------------------

NOISY_CHARS = [
    *" \t\n\u3000\xa0\u200b;；、,，-/.:年月日T0123456789xXaAmM",
    *"０１９ｘＸ－，．（〔",
    *["较重", "一般", "身份证", "公开", "罚款", "警告", "吊销执照", "暂扣许可证"],
    *["元", "万元", "亿", "¥", "人民币", "无", "暂无", "null", "个体户", "法人和其他组织"],
]
noisy_text = st.one_of(
    st.lists(st.sampled_from(NOISY_CHARS), max_size=12).map("".join),
    st.text(max_size=20),
    st.integers(0, 3_000_000).map(str),
)
PENALTY_FIELDS = [
    "subject_name", "subject_category", "uscc", "reg_no", "org_code", "tax_no",
    "institution_no", "social_org_no", "legal_rep", "legal_rep_id_type",
    "legal_rep_id_number", "id_type", "id_number", "document_no", "violation_type",
    "violation_facts", "penalty_basis", "penalty_category", "penalty_content", "fine_amount",
    "confiscation_amount", "license_revoked", "decision_date", "valid_to", "publicity_end",
    "authority", "authority_uscc", "source_dept", "source_dept_uscc", "remark", "power_code",
    "info_usage_scope", "severity",
]  # fmt: skip


def test_property_fields_cover_the_item(spec):
    assert [f.code for f in spec.fields] == PENALTY_FIELDS


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    row=st.dictionaries(st.sampled_from(PENALTY_FIELDS), noisy_text, max_size=8),
    kinds=st.dictionaries(
        st.sampled_from(["decision_date", "valid_to"]),
        st.sampled_from([CELL_DATE, CELL_NUMBER, "text"]),
    ),
)
def test_normalising_twice_equals_normalising_once(normalise, row, kinds):
    once = normalise(row, cell_kinds=kinds)
    twice = normalise(once.payload, cell_kinds=kinds)
    assert twice.payload == once.payload
    assert twice.corrections == []
    assert all(value and value == value.strip(WHITESPACE) for value in once.payload.values())
    for field in ("uscc", "id_number", "org_code", "authority_uscc"):
        if field in once.payload:
            assert once.payload[field] == normalize_code(row[field])


# a valid row with noise ---------------------------------------------------------------------

DIVISIONS = ["320402", "320404", "320411", "320412", "320413", "320481"]
CATEGORIES = {  # 处罚类别 as written → standard
    "警告": "警告", "罚款": "罚款", "没收违法所得": "没收违法所得", "责令关闭": "责令关闭",
    "暂扣执照": "暂扣许可证件", "吊销许可证": "吊销许可证件", "吊销许可证件": "吊销许可证件",
    "责令停产停业整顿": "责令停产停业", "通报批评": "通报批评",
}  # fmt: skip
EXCEL_EPOCH = datetime.date(1899, 12, 30)


@st.composite
def noisy_identifier(draw, code: str) -> str:
    out = []
    for ch in code:
        if draw(st.integers(0, 5)) == 0:
            out.append(draw(st.sampled_from([" ", "\u3000", "\xa0", "\u200b"])))
        if ch.isalpha() and draw(st.booleans()):
            ch = ch.lower()
        if draw(st.integers(0, 3)) == 0:
            ch = FULLWIDTH.get(ch, ch)
        out.append(ch)
    pad = st.sampled_from(["", " ", "\u3000", "\t"])
    return draw(pad) + "".join(out) + draw(pad)


@st.composite
def written_date(draw, date: datetime.date, *, iso: bool = True) -> str:
    y, m, d = date.year, date.month, date.day
    forms = [
        f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}/{m:02d}/{d:02d}", f"{y}.{m}.{d}",
        f"{y}{m:02d}{d:02d}", f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}日",
        f"{date.isoformat()} 00:00:00", f"{y}/{m}/{d} 0:00", str((date - EXCEL_EPOCH).days),
        fullwidth(f"{y}-{m}-{d}"),
    ]  # fmt: skip
    if iso:
        forms.append(date.isoformat())
    written = draw(st.sampled_from(forms))
    return draw(st.sampled_from(["", " "])) + written


AMOUNTS = {
    "1.5": "1.5",
    " 1.5 ": "1.5",
    "１．５": "1.5",
    "1,234.5": "1234.5",
    "0.000001": "0.000001",
}
SEVERITIES = {"轻微": "轻微", "一般": "一般", "较重": "一般", "严重": "严重", "": None}
SCOPES = {
    "社会公开": "社会公开",
    "公开": "社会公开",
    "政务共享": "政务共享",
    "有条件共享": "政务共享",
}
ID_TYPES = {"居民身份证": "居民身份证", "身份证": "居民身份证", " 二代身份证": "居民身份证"}
CATEGORIES_OF_LEGAL = {"法人及非法人组织": "法人及非法人组织", "法人": "法人及非法人组织"}
CATEGORIES_OF_LEGAL["个体工商户"] = "个体工商户"


@st.composite
def noisy_penalty_row(draw):
    """(noisy row, the payload it must normalise to): a valid 行政处罚 row of a legal or a
    natural person, with noise in identifiers, dates, amounts, separators and code values."""
    natural = draw(st.booleans())
    body = draw(st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8))
    decided = draw(st.dates(datetime.date(2015, 1, 1), TODAY))
    valid_to = decided + datetime.timedelta(days=draw(st.integers(0, 1500)))
    publicity_end = decided + datetime.timedelta(days=draw(st.integers(0, 1500)))
    written = draw(st.lists(st.sampled_from(sorted(CATEGORIES)), min_size=1, max_size=3))
    separator = draw(st.sampled_from([";", "；", "、", ",", "，", " ; "]))
    authority = make_uscc("11", "320400", draw(st.sampled_from(["01234567", "K0000001"])))
    amount = draw(st.sampled_from(sorted(AMOUNTS)))
    severity = draw(st.sampled_from(sorted(SEVERITIES)))
    scope = draw(st.sampled_from(sorted(SCOPES)))
    fixed = {
        "document_no": "常市监处罚〔2025〕12号",
        "violation_type": "未按规定公示年度报告",
        "penalty_basis": "《企业信息公示暂行条例》第十八条",
        "penalty_content": "警告，并处罚款人民币壹万伍仟元。",
        "confiscation_amount": "0.2",
        "license_revoked": "营业执照 91320402MA1X2Y3Q44",
        "authority": "常州市市场监督管理局",
        "source_dept": "常州市市场监督管理局",
    }
    row = fixed | {
        "violation_facts": "当事人未按规定公示2024年度报告。\n",
        "penalty_category": separator.join(written),
        "fine_amount": amount,
        "decision_date": draw(written_date(decided, iso=False)),  # one correction at least
        "valid_to": draw(written_date(valid_to)),
        "publicity_end": draw(written_date(publicity_end)),
        "authority_uscc": draw(noisy_identifier(authority)),
        "source_dept_uscc": draw(noisy_identifier(authority)),
        "severity": severity,
        "info_usage_scope": scope,
    }
    expected = fixed | {
        "violation_facts": "当事人未按规定公示2024年度报告。",
        "penalty_category": ";".join(dict.fromkeys(CATEGORIES[w] for w in written)),
        "fine_amount": AMOUNTS[amount],
        "decision_date": decided.isoformat(),
        "valid_to": valid_to.isoformat(),
        "publicity_end": publicity_end.isoformat(),
        "authority_uscc": authority,
        "source_dept_uscc": authority,
        "severity": SEVERITIES[severity],
        "info_usage_scope": SCOPES[scope],
    }
    if natural:
        birth = draw(st.dates(datetime.date(1940, 1, 1), datetime.date(2005, 12, 31)))
        number = make_resident_id(
            draw(st.sampled_from(DIVISIONS)), birth, draw(st.integers(0, 999))
        )
        id_type = draw(st.sampled_from(sorted(ID_TYPES)))
        row |= {
            "subject_name": "李四 ",
            "subject_category": "自然人",
            "id_type": id_type,
            "id_number": draw(noisy_identifier(number)),
        }
        expected |= {
            "subject_name": "李四",
            "subject_category": "自然人",
            "id_type": ID_TYPES[id_type],
            "id_number": number,
        }
    else:
        uscc = make_uscc("91", draw(st.sampled_from(DIVISIONS)), body)
        category = draw(st.sampled_from(sorted(CATEGORIES_OF_LEGAL)))
        row |= {
            "subject_name": " 常州市测试机械制造有限公司",
            "subject_category": category,
            "uscc": draw(noisy_identifier(uscc)),
            "legal_rep": "张三",
        }
        expected |= {
            "subject_name": "常州市测试机械制造有限公司",
            "subject_category": CATEGORIES_OF_LEGAL[category],
            "uscc": uscc,
            "legal_rep": "张三",
        }
    return row, {k: v for k, v in expected.items() if v is not None}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=noisy_penalty_row())
def test_noisy_valid_rows_validate_after_normalising(spec, normalise, case):
    row, expected = case
    result = normalise(row)
    assert validate_payload(spec, result.payload, today=TODAY) == []
    assert result.payload == expected
    assert result.corrections
    assert {c.code for c in result.corrections} <= set(CORRECTION_CODES)


# --- document numbers: one year bracket (issue 14 item 5) ------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected", "codes"),
    [
        ("常市监罚(2024)12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚（2024）12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚[2024]12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚【2024】12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚［2024］12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚﹝2024﹞12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚〈2024〉12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚（ 2024\u3000）12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        (" 常市监罚(２０２４)１２号", "常市监罚〔2024〕12号", [T, F, "document_no_brackets"]),
        ("常市监罚〔２０２４〕１２号", "常市监罚〔2024〕12号", [F]),
        ("常市监罚〔 2024 〕12号", "常市监罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚〔2024〕12号", "常市监罚〔2024〕12号", []),
        # only a year in brackets: other brackets and spaces outside them stay as sent
        ("常市监（食）罚(2024)12号", "常市监（食）罚〔2024〕12号", ["document_no_brackets"]),
        ("常市监罚(12)号", "常市监罚(12)号", []),
        ("常市监罚 〔2024〕 12号", "常市监罚 〔2024〕 12号", []),
    ],
)
def test_document_number_year_brackets_are_standardised(normalise, raw, expected, codes):
    row = normalise({"document_no": raw})
    assert row.payload["document_no"] == expected
    assert [c.code for c in row.corrections] == codes
    assert_chain(raw, expected, row.corrections)
    if "document_no_brackets" in codes:
        (bracket,) = (c for c in row.corrections if c.code == "document_no_brackets")
        assert bracket.message.startswith("“行政处罚决定书文号”的年份括号统一为“〔〕”")


def test_a_court_case_number_keeps_its_year_in_round_brackets():
    """案号 follow 最高人民法院《关于人民法院案件案号的若干规定》: （2024）苏0402执123号."""
    rule = FieldRule(code="case_no", name="案号", data_type="string", role="document_no")
    normalise = Normaliser(ItemSpec(code="x", name="x", version=1, fields=(rule,)))
    row = normalise({"case_no": "〔２０２４〕苏0402执123号"})
    assert row.payload["case_no"] == "（2024）苏0402执123号"
    assert [c.code for c in row.corrections] == [F, "document_no_brackets"]
    assert "（）" in row.corrections[-1].message


# --- amounts with their unit, placeholders, older wordings (issue 14 items 3 and 4) ----------

UR, UC, CS = "unit_removed", "unit_converted", "currency_symbol_removed"
E = "placeholder_emptied"


@pytest.mark.parametrize(
    ("raw", "expected", "codes"),
    [
        ("1.5万元", "1.5", [UR]),
        ("1.5万", "1.5", [UR]),
        ("1.5 万元", "1.5", [UR]),
        ("1.50万元", "1.50", [UR]),
        ("15000元", "1.5", [UC]),
        ("15000.00元", "1.5", [UC]),
        ("500元", "0.05", [UC]),
        ("0元", "0", [UC]),
        ("1.5亿元", "15000", [UC]),
        ("2亿", "20000", [UC]),
        ("15,000元", "1.5", [N, UC]),
        ("1,234.5", "1234.5", [N]),
        ("1，234", "1234", [F, N]),
        ("１，２３４.5万元", "1234.5", [F, N, UR]),
        ("¥1.5", "1.5", [CS]),
        ("￥1.5万元", "1.5", [CS, UR]),
        ("¥ 1,500元", "0.15", [CS, N, UC]),
        ("人民币2万元", "2", [CS, UR]),
        # left for validation: not one amount
        ("1.5万元整", "1.5万元整", []),
        ("1,2345元", "1,2345元", []),
        ("¥", "¥", []),
        ("¥无", "¥无", []),
        ("万元", "万元", []),
        ("1.5美元", "1.5美元", []),
    ],
)
def test_amounts_with_their_unit(normalise, raw, expected, codes):
    row = normalise({"fine_amount": raw})
    assert (row.payload.get("fine_amount"), [c.code for c in row.corrections]) == (expected, codes)
    assert_chain(raw, expected, row.corrections)


def test_an_amount_in_yuan_is_converted_never_stored_as_written(normalise, spec):
    row = normalise({"fine_amount": "15000元"})
    assert row.payload == {"fine_amount": "1.5"}
    (correction,) = row.corrections
    assert correction.message == "“罚款金额(万元)”的“15000元”由元换算为万元：15000元 = 1.5万元"
    payload = {**row.payload}
    assert not [e for e in validate_payload(spec, payload, today=TODAY) if e.field == "fine_amount"]


def test_a_bare_currency_amount_is_read_in_the_columns_unit(normalise):
    (correction,) = normalise({"fine_amount": "¥1.5"}).corrections
    assert correction.message.endswith("（按表头单位万元理解）")


def test_units_apply_only_to_fields_that_declare_one():
    rule = FieldRule(code="count", name="次数", data_type="integer")
    normalise = Normaliser(ItemSpec("x", "样例", 1, (rule,)))
    assert one(normalise, "count", "5万元") == ("5万元", [])
    assert one(normalise, "count", "¥5") == ("¥5", [])


def test_a_yuan_column_converts_wan_yuan():
    rule = FieldRule(code="fee", name="费用(元)", data_type="decimal", unit="元")
    normalise = Normaliser(ItemSpec("x", "样例", 1, (rule,)))
    assert one(normalise, "fee", "1.5万元") == ("15000", [UC])
    assert one(normalise, "fee", "1,500元") == ("1500", [N, UR])


PLACEHOLDER_CASES = ["-", "--", "—", "——", "/", "无", "空", "暂无", "null", "NULL", "N/A"]


@pytest.mark.parametrize(
    "marker", [*PLACEHOLDER_CASES, " 无 ", "\u3000暂无", "－", "／", "ｎｕｌｌ"]
)
@pytest.mark.parametrize(
    "field", ["remark", "fine_amount", "legal_rep", "uscc", "id_type", "license_revoked"]
)
def test_a_placeholder_in_an_optional_field_is_emptied(normalise, field, marker):
    row = normalise({field: marker})
    assert row.payload == {}
    (correction,) = row.corrections
    assert (correction.field, correction.code, correction.original) == (field, E, marker)
    assert correction.corrected == ""
    assert f"的“{marker.strip()}”表示无内容，按空值处理" in correction.message


@pytest.mark.parametrize("marker", PLACEHOLDER_CASES)
@pytest.mark.parametrize(
    "field", ["subject_name", "decision_date", "penalty_category", "authority"]
)
def test_a_placeholder_in_a_required_field_stays_and_is_reported_missing(
    normalise, spec, field, marker
):
    row = normalise({field: marker})
    assert row.payload == {field: marker} and row.corrections == []
    found = [e for e in validate_payload(spec, row.payload, today=TODAY) if e.field == field]
    name = spec.by_code()[field].name
    assert [(e.code, e.message) for e in found] == [
        ("required", f"“{name}”为必填项，“{marker}”不是有效值")
    ]


def test_an_emptied_placeholder_can_make_a_conditional_field_missing(normalise, spec):
    row = normalise({"subject_category": "法人及非法人组织", "legal_rep": "无"})
    assert "legal_rep" not in row.payload
    found = {(e.field, e.code) for e in validate_payload(spec, row.payload, today=TODAY)}
    assert ("legal_rep", "conditionally_required") in found


def test_a_code_value_is_never_a_placeholder():
    rule = FieldRule(code="has", name="有无", data_type="code", code_values=frozenset({"有", "无"}))
    normalise = Normaliser(ItemSpec("x", "样例", 1, (rule,)))
    assert one(normalise, "has", "无") == ("无", [])


@pytest.mark.parametrize(
    ("field", "raw", "standard"),
    [
        ("subject_category", "法人及其他组织", "法人及非法人组织"),
        ("subject_category", "法人和其他组织", "法人及非法人组织"),
        ("subject_category", "法人或其他组织", "法人及非法人组织"),
        ("subject_category", "法人", "法人及非法人组织"),
        ("subject_category", "个体户", "个体工商户"),
        ("subject_category", "个体", "个体工商户"),
        ("id_type", "居民身份证", "居民身份证"),
        ("id_type", "二代身份证", "居民身份证"),
        ("id_type", "身份证", "居民身份证"),
        ("id_type", "中华人民共和国居民身份证", "居民身份证"),
        ("id_type", "护照号", "护照"),
        ("id_type", "回乡证", "港澳居民来往内地通行证"),
        ("id_type", "台胞证", "台湾居民来往大陆通行证"),
        ("legal_rep_id_type", "外国人永久居留证", "外国人永久居留身份证"),
        ("penalty_category", "吊销营业执照", "吊销许可证件"),
        ("penalty_category", "其他行政处罚", "其他"),
        ("info_usage_scope", "公开", "社会公开"),
    ],
)
def test_older_and_colloquial_wordings_map_to_the_standard_value(normalise, field, raw, standard):
    row = normalise({field: raw})
    assert row.payload == {field: standard}
    codes = [c.code for c in row.corrections]
    assert codes == ([] if raw == standard else [S])
    if codes:
        assert "（依据：" in row.corrections[0].message  # the note gives source or reason


def test_old_penalty_pair_is_split_into_two_values(normalise):
    row = normalise({"penalty_category": "没收违法所得、没收非法财物"})
    assert row.payload == {"penalty_category": "没收违法所得;没收非法财物"}


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        ("subject_category", "个人"),
        ("subject_category", "法人或者其它组织"),
        ("id_type", "港澳通行证"),
        ("penalty_category", "罚金"),
        ("penalty_category", "警告处罚"),
        ("info_usage_scope", "政府共享"),
        ("info_usage_scope", "不予共享"),
    ],
)
def test_undeclared_variants_are_not_guessed(normalise, spec, field, raw):
    row = normalise({field: raw})
    assert row.payload == {field: raw} and row.corrections == []
    found = [e.code for e in validate_payload(spec, row.payload, today=TODAY) if e.field == field]
    assert found == ["code_invalid"]


def test_license_category_synonym():
    from credit.catalog.models import CatalogItem
    from credit.catalog.rules import spec_for

    normalise = Normaliser(spec_for(CatalogItem.objects.get(code="admin-license")))
    assert one(normalise, "license_category", "普通许可") == ("普通", [S])


# properties of amounts and placeholders

yuan_amounts = st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(amount=yuan_amounts, grouped=st.booleans(), symbol=st.sampled_from(["", "¥", "￥"]))
def test_property_an_amount_in_yuan_becomes_wan_yuan_exactly(normalise, amount, grouped, symbol):
    digits = f"{amount:,f}" if grouped else f"{amount:f}"
    row = normalise({"fine_amount": f"{symbol}{digits}元"})
    value = row.payload["fine_amount"]
    assert Decimal(value) == amount / 10_000
    assert "," not in value and "e" not in value.lower()
    assert row.corrections[-1].code == "unit_converted"
    assert "由元换算为万元" in row.corrections[-1].message


@settings(max_examples=300, deadline=None)
@given(amount=st.decimals(min_value=0, max_value=10**8, places=6, allow_nan=False))
def test_property_an_amount_in_the_columns_unit_keeps_its_digits(normalise, amount):
    digits = f"{amount:f}"
    for written in (digits, f"{digits}万元", f"{digits}万", f"{amount:,f}万元"):
        assert normalise({"fine_amount": written}).payload["fine_amount"] == digits


@settings(max_examples=300, deadline=None)
@given(
    marker=st.sampled_from(sorted(PLACEHOLDERS)),
    left=st.text(WHITESPACE, max_size=3),
    right=st.text(WHITESPACE, max_size=3),
    field=st.sampled_from(PENALTY_FIELDS),
)
def test_property_placeholders_are_emptied_exactly_in_optional_fields(
    normalise, spec, marker, left, right, field
):
    rule = spec.by_code()[field]
    row = normalise({field: left + marker + right})
    if rule.required:
        assert E not in [c.code for c in row.corrections]
        errors = validate_payload(spec, row.payload, today=TODAY)
        assert any(e.field == field and e.code == "required" for e in errors)
    else:
        assert row.payload == {} and [c.code for c in row.corrections] == [E]
