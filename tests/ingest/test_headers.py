"""Header matching against the bundled catalog's real field names: every accepted variant,
unknown, duplicated and ambiguous columns, missing required fields, and files of the wrong
item."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import credit.catalog
from credit.ingest.headers import (
    MIN_REQUIRED_SHARE,
    HeaderMatch,
    looks_like_item,
    match_headers,
    normalise_header,
    rank_items,
)

CATALOG = Path(credit.catalog.__file__).parent / "data" / "catalog.json"


def _load() -> dict[str, list[SimpleNamespace]]:
    doc = json.loads(CATALOG.read_text(encoding="utf-8"))
    return {
        item["code"]: [
            SimpleNamespace(
                code=f["code"],
                name=f["name"],
                aliases=f.get("aliases", []),
                required=f.get("required", False),
            )
            for f in item["fields"]
        ]
        for item in doc["items"]
    }


ITEMS = _load()
PENALTY = ITEMS["admin-penalty"]
LICENSE = ITEMS["admin-license"]
DEBTOR = ITEMS["dishonest-judgment-debtor"]


def template_headers(fields) -> list[str]:
    """As the Excel template writes them: ``*`` before required fields."""
    return [f"*{f.name}" if f.required else f.name for f in fields]


def only(match: HeaderMatch) -> str:
    assert not match.unknown and not match.ambiguous and not match.duplicates, match
    [code] = match.columns.values()
    return code


# --------------------------------------------------------------------------------------------
# normalisation


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("  *行政相对人名称 ", "行政相对人名称"),
        ("＊行政相对人名称", "行政相对人名称"),
        ("罚款金额（万元）", "罚款金额(万元)"),
        ("行政相对人代码＿1", "行政相对人代码_1"),
        ("行政相对人代码－1", "行政相对人代码_1"),
        ("行政相对人代码—1", "行政相对人代码_1"),
        ("行政 相对人\u3000名称\n", "行政相对人名称"),
        ("\ufeff行政相对人名称\u200b", "行政相对人名称"),
        ("Subject_Name", "subject_name"),
        ("ＵＳＣＣ", "uscc"),
        ("", ""),
        # a trailing colon (full- or half-width), a trailing marker, other brackets, a unit
        # written as 单位：
        ("处罚决定日期：", "处罚决定日期"),
        ("*处罚决定日期: ", "处罚决定日期"),
        ("行政相对人名称*", "行政相对人名称"),
        ("罚款金额【万元】", "罚款金额(万元)"),
        ("罚款金额[万元]", "罚款金额(万元)"),
        ("罚款金额〔万元〕", "罚款金额(万元)"),
        ("罚款金额（单位：万元）", "罚款金额(万元)"),
        ("罚 款 金 额（万元）", "罚款金额(万元)"),
        ("行政相对人代码-统一社会信用代码", "行政相对人代码_统一社会信用代码"),
        ("：", ""),
    ],
)
def test_normalise_header(raw, normal):
    assert normalise_header(raw) == normal


_NAMES = sorted({n for fields in ITEMS.values() for f in fields for n in [f.name, *f.aliases]})
_WIDE = {"(": "（", ")": "）", "_": "＿", ":": "："}


@st.composite
def _spelled(draw) -> tuple[str, str]:
    """A catalog name and a way a clerk might type it: spaces anywhere, full-width brackets,
    a ``*`` marker before or after, a colon after, the dash for the underscore."""
    name = draw(st.sampled_from(_NAMES))
    out = []
    for ch in name:
        if draw(st.booleans()):
            ch = _WIDE.get(ch, ch)
        if ch == "_" and draw(st.booleans()):
            ch = draw(st.sampled_from(["-", "－", "—"]))
        out.append(ch + draw(st.sampled_from(["", "", " ", "\u3000", "\n"])))
    prefix = draw(st.sampled_from(["", "*", "＊", " "]))
    suffix = draw(st.sampled_from(["", "：", ":", "*", " ", "：*"]))
    return name, prefix + "".join(out) + suffix


@settings(max_examples=300, deadline=None)
@given(_spelled())
def test_a_name_however_it_is_typed_normalises_as_the_name(pair):
    name, typed = pair
    assert normalise_header(typed) == normalise_header(name)


# --------------------------------------------------------------------------------------------
# variants of real admin-penalty fields


@pytest.mark.parametrize(
    ("header", "code"),
    [
        # 行政相对人代码_1(统一社会信用代码): name, marked, full-width, without / only the
        # parenthetical, hyphen, code, spaces
        ("行政相对人代码_1(统一社会信用代码)", "uscc"),
        ("*行政相对人代码_1（统一社会信用代码）", "uscc"),
        ("行政相对人代码_1", "uscc"),
        ("行政相对人代码-1", "uscc"),
        ("行政相对人代码－1", "uscc"),
        ("统一社会信用代码", "uscc"),
        ("USCC", "uscc"),
        (" 行政相对人代码 _1 ( 统一社会信用代码 ) ", "uscc"),
        ("行政相对人代码_2(工商注册号)", "reg_no"),
        ("行政相对人代码-2", "reg_no"),
        ("工商注册号", "reg_no"),
        ("行政相对人代码_6（社会组织登记证号）", "social_org_no"),
        ("社会组织登记证号", "social_org_no"),
        # 罚款金额(万元)
        ("罚款金额(万元)", "fine_amount"),
        ("*罚款金额（万元）", "fine_amount"),
        ("罚款金额", "fine_amount"),
        ("FINE_AMOUNT", "fine_amount"),
        ("没收违法所得、没收非法财物的金额", "confiscation_amount"),
        ("没收金额（万元）", "confiscation_amount"),
        # plain names, aliases and codes
        ("*行政相对人名称", "subject_name"),
        ("相对人名称", "subject_name"),
        ("subject_name", "subject_name"),
        ("行政处罚决定书文号", "document_no"),
        ("处罚决定书文号", "document_no"),
        ("法定代表人（负责人）", "legal_rep"),
        ("权力事项编码", "power_code"),
        # code-dash-name, and the code's name without its number
        ("行政相对人代码-统一社会信用代码", "uscc"),
        ("行政相对人代码—统一社会信用代码", "uscc"),
        ("行政相对人代码_统一社会信用代码", "uscc"),
        ("行政相对人代码（统一社会信用代码）", "uscc"),
        ("行政相对人代码-工商注册号", "reg_no"),
        ("行政相对人代码-社会组织登记证号", "social_org_no"),
        # a trailing colon, units in any brackets, spaces inside
        ("处罚决定日期：", "decision_date"),
        ("处罚决定日期:", "decision_date"),
        ("*处罚决定日期：", "decision_date"),
        ("罚款金额（万元）：", "fine_amount"),
        ("罚 款 金 额（万元）", "fine_amount"),
        ("罚款金额（单位：万元）", "fine_amount"),
        ("罚款金额【万元】", "fine_amount"),
        # the legal representative's ID number, as departments name it (catalog aliases)
        ("法定代表人证件号码", "legal_rep_id_number"),
        ("法定代表人身份证号", "legal_rep_id_number"),
        ("法定代表人身份证号码", "legal_rep_id_number"),
        ("法定代表人证件号", "legal_rep_id_number"),
    ],
)
def test_header_variants_match_the_field(header, code):
    assert only(match_headers([header], PENALTY)) == code


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("许可截止日期", "valid_to"),
        ("有效期至：", "valid_to"),
        ("法定代表人身份证号", "legal_rep_id_number"),
        ("法定代表人证件号", "legal_rep_id_number"),
        ("行政相对人代码-统一社会信用代码", "uscc"),
    ],
)
def test_license_header_variants_match_the_field(header, code):
    assert only(match_headers([header], LICENSE)) == code


#: The columns of the national list of 失信被执行人 as the court system publishes it.
NATIONAL_DEBTOR_COLUMNS = {
    "失信被执行人姓名/名称": "debtor_name",
    "身份证号码/组织机构代码": "org_code",
    "法定代表人或者负责人姓名": "legal_rep",
    "执行法院": "court",
    "省份": "region",
    "执行依据文号": "basis_doc_no",
    "立案时间": "filing_date",
    "案号": "case_no",
    "做出执行依据单位": "basis_issuer",
    "生效法律文书确定的义务": "obligation",
    "被执行人的履行情况": "performance",
    "失信被执行人行为具体情形": "dishonest_situation",
    "发布时间": "publish_date",
    "已履行部分": "performed_part",
    "未履行部分": "unperformed_part",
}


def test_the_national_list_of_dishonest_judgment_debtors_is_recognised():
    headers = list(NATIONAL_DEBTOR_COLUMNS)
    match = match_headers(headers, DEBTOR)
    assert {headers[i]: code for i, code in match.columns.items()} == NATIONAL_DEBTOR_COLUMNS
    assert match.is_clean and not match.unknown
    assert looks_like_item(match)
    assert rank_items(headers, ITEMS)[0][0] == "dishonest-judgment-debtor"


def test_every_name_and_alias_of_the_catalog_matches_its_own_field_alone():
    for code, fields in ITEMS.items():
        for f in fields:
            for label in [f.name, *f.aliases]:
                match = match_headers([label], fields)
                assert match.columns == {0: f.code}, (code, label, match)


@pytest.mark.parametrize(
    "header",
    [
        "万元",  # the parenthetical of two fields: identifies neither
        "罚款金额(元)",  # a different unit is a different column
        "罚款",
        "行政相对人代码_7",
        "代码",
        "罚款金额（单位：元）",  # the unit differs, however it is written
        "行政相对人代码-统一社会信用",  # code-dash-name needs the whole name
        "行政相对人代码",
        "处罚决定",
    ],
)
def test_near_misses_do_not_match(header):
    match = match_headers([header], PENALTY)
    assert match.columns == {}
    assert match.unknown == [(0, header)]


def test_the_full_template_header_row_matches_every_field():
    match = match_headers(template_headers(PENALTY), PENALTY)
    assert match.columns == {i: f.code for i, f in enumerate(PENALTY)}
    assert match.is_clean
    assert match.score == 1.0 and match.required_score == 1.0 and match.header_score == 1.0
    assert looks_like_item(match)


def test_column_order_does_not_matter():
    headers = ["处罚类别", "统一社会信用代码", "*行政相对人名称"]
    assert match_headers(headers, PENALTY).columns == {
        0: "penalty_category",
        1: "uscc",
        2: "subject_name",
    }


# --------------------------------------------------------------------------------------------
# unknown, blank, duplicated, ambiguous, missing


def test_unknown_and_blank_columns_are_reported_as_written():
    headers = ["序号", "*行政相对人名称", "", "内部编号 ", "处罚类别", "  "]
    match = match_headers(headers, PENALTY)
    assert match.columns == {1: "subject_name", 4: "penalty_category"}
    assert match.unknown == [(0, "序号"), (3, "内部编号 ")]
    assert match.blank == [2, 5]
    assert match.header_score == 2 / 4


def test_two_headers_for_one_field_are_duplicates_not_guessed():
    headers = ["行政相对人代码_1", "统一社会信用代码", "行政相对人名称", "*行政相对人名称"]
    match = match_headers(headers, PENALTY)
    assert match.duplicates == {"uscc": [0, 1], "subject_name": [2, 3]}
    assert match.columns == {}
    assert "subject_name" not in match.missing_required  # present, just twice
    assert not match.is_clean


def _field(code, name, aliases=(), required=False):
    return SimpleNamespace(code=code, name=name, aliases=list(aliases), required=required)


def test_one_header_matching_two_fields_is_ambiguous():
    fields = [_field("a", "金额(万元)"), _field("b", "金额(元)"), _field("c", "名称", ["标题"])]
    match = match_headers(["金额", "名称"], fields)
    assert match.ambiguous == [(0, "金额", ("a", "b"))]
    assert match.columns == {1: "c"}
    clash = [_field("x", "名称"), _field("y", "主体名称", ["名称"])]
    assert match_headers(["名称"], clash).ambiguous == [(0, "名称", ("x", "y"))]


def test_an_exact_name_wins_over_a_derived_form_of_another_field():
    fields = [_field("fine", "罚款金额"), _field("fine_wan", "罚款金额(万元)")]
    assert match_headers(["罚款金额", "罚款金额（万元）"], fields).columns == {
        0: "fine",
        1: "fine_wan",
    }


def test_missing_required_fields_and_scores():
    headers = ["*行政相对人名称", "*行政相对人类别", "统一社会信用代码"]
    match = match_headers(headers, PENALTY)
    required = [f.code for f in PENALTY if f.required]
    assert match.missing_required == [
        c for c in required if c not in {"subject_name", "subject_category"}
    ]
    assert match.score == pytest.approx(3 / len(PENALTY))
    assert match.required_score == pytest.approx(2 / len(required))


def test_fields_without_aliases_or_required_flag_work():
    """The validation spec's FieldRule has neither ``aliases`` nor — here — ``required``."""
    rules = [SimpleNamespace(code="uscc", name="行政相对人代码_1(统一社会信用代码)")]
    match = match_headers(["统一社会信用代码"], rules)
    assert match.columns == {0: "uscc"}
    assert match.required_score == 1.0


# --------------------------------------------------------------------------------------------
# wrong item


def test_a_license_file_does_not_look_like_penalties():
    match = match_headers(template_headers(LICENSE), PENALTY)
    assert match.score > 0.4  # the subject and source columns are shared …
    assert match.required_score < MIN_REQUIRED_SHARE  # … the penalty's own are not
    assert "document_no" in match.missing_required
    assert not looks_like_item(match)
    assert not looks_like_item(match_headers(template_headers(PENALTY), LICENSE))


def test_a_partial_but_right_file_looks_like_the_item():
    required_only = [f"*{f.name}" for f in PENALTY if f.required]
    assert looks_like_item(match_headers(required_only, PENALTY))
    most = [*template_headers(PENALTY)[:-6], "序号", "内部编号"]
    assert looks_like_item(match_headers(most, PENALTY))


def test_headers_of_every_item_are_recognised_as_that_item():
    for code, fields in ITEMS.items():
        headers = template_headers(fields)
        ranked = rank_items(headers, ITEMS)
        assert looks_like_item(dict(ranked)[code])
        assert ranked[0][0] == code or looks_like_item(ranked[0][1])  # 海关 items share fields
    assert rank_items(template_headers(LICENSE), ITEMS)[0][0] == "admin-license"


def test_unrelated_headers_look_like_nothing():
    match = match_headers(["姓名", "性别", "年龄", "住址"], PENALTY)
    assert match.score == 0 and not looks_like_item(match)
    assert not looks_like_item(match_headers([], PENALTY))


# --------------------------------------------------------------------------------------------
# with the catalog in the database


def test_catalog_field_specs_from_the_database(db):
    from credit.catalog.excel import header_for
    from credit.catalog.models import CatalogItem

    fields = list(CatalogItem.objects.get(code="admin-penalty").fields.all())
    match = match_headers([header_for(f) for f in fields], fields)
    assert match.columns == {i: f.code for i, f in enumerate(fields)}
    assert looks_like_item(match)
    variants = ["行政相对人代码-1", "工商注册号", "罚款金额（万元）", "*行政相对人名称"]
    assert list(match_headers(variants, fields).columns.values()) == [
        "uscc",
        "reg_no",
        "fine_amount",
        "subject_name",
    ]


def test_the_generated_template_reads_back_and_matches(db, tmp_path):
    """The platform's own xlsx template: its hidden 代码表 and 填报说明 sheets are skipped and
    its starred headers match every field of the item."""
    from openpyxl import load_workbook

    from credit.catalog.excel import build_template
    from credit.catalog.models import CatalogItem
    from credit.ingest.readers import iter_tables

    item = CatalogItem.objects.get(code="admin-penalty")
    path = tmp_path / "template.xlsx"
    path.write_bytes(build_template(item))
    wb = load_workbook(path)
    for col, value in enumerate(["常州市某某公司", "法人及非法人组织", "91320402MA1XXXXX0X"], 1):
        wb["数据"].cell(row=2, column=col, value=value)
    wb.save(path)

    [table] = iter_tables(path)
    assert table.source == "template.xlsx#数据"
    fields = list(item.fields.all())
    match = match_headers(table.headers, fields)
    assert match.is_clean and match.score == 1.0
    [row] = table.rows  # the 999 formatted but empty rows below yield nothing
    assert row.row == 2
    assert row.values[2] == "91320402MA1XXXXX0X"


def test_reimporting_the_catalog_brings_new_aliases_to_an_existing_database(db):
    """A database imported before an alias was added gets it from ``import_catalog_file``
    (what ``credit catalog import`` and ``credit seed-demo`` run): the item is re-versioned."""
    from credit.catalog.models import CatalogItem, FieldSpec
    from credit.catalog.services import import_catalog_file

    item = CatalogItem.objects.get(code="admin-license")
    FieldSpec.objects.filter(item=item, code="valid_to").update(aliases=[])
    assert (
        "valid_to" not in match_headers(["许可截止日期"], list(item.fields.all())).columns.values()
    )
    version = item.version
    import_catalog_file()
    item.refresh_from_db()
    assert item.version == version + 1
    fields = list(item.fields.all())
    assert match_headers(["许可截止日期"], fields).columns == {0: "valid_to"}
