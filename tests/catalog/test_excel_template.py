"""excel.build_template: the departments' .xlsx reporting template of a catalog item."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from credit.catalog.excel import TEMPLATE_ROWS, build_template, template_filename
from credit.catalog.models import CatalogItem


@pytest.fixture
def penalty(db) -> CatalogItem:
    return CatalogItem.objects.get(code="admin-penalty")


@pytest.fixture(scope="module")
def workbook(django_db_setup, django_db_blocker):
    """The 行政处罚 template, built and opened once (building it takes a moment)."""
    with django_db_blocker.unblock():
        content = build_template(CatalogItem.objects.get(code="admin-penalty"))
    return load_workbook(io.BytesIO(content))


def _column(penalty: CatalogItem, code: str) -> str:
    return get_column_letter(penalty.fields.get(code=code).position)


def _validations_of(sheet, letter: str) -> list:
    return [
        dv
        for dv in sheet.data_validations.dataValidation
        if any(str(rng).startswith(f"{letter}2:") for rng in dv.sqref.ranges)
    ]


def test_sheets_are_data_code_tables_and_guide(workbook):
    assert workbook.sheetnames == ["数据", "代码表", "填报说明"]
    assert workbook["代码表"].sheet_state == "hidden"


def test_header_row_is_the_field_names_in_order_with_required_marked(workbook, penalty):
    fields = list(penalty.fields.order_by("position"))
    header = [c.value for c in workbook["数据"][1]]
    assert header == [f"*{f.name}" if f.required else f.name for f in fields]
    assert header[0] == "*行政相对人名称"
    assert "行政相对人代码_1(统一社会信用代码)" in header  # conditionally required: no mark
    assert "*没收违法所得、没收非法财物的金额(万元)" not in header
    assert "没收违法所得、没收非法财物的金额(万元)" in header
    assert sum(1 for h in header if h.startswith("*")) == sum(f.required for f in fields)


def test_single_valued_code_field_gets_a_drop_down_of_its_code_table(workbook, penalty):
    data, codes = workbook["数据"], workbook["代码表"]
    letter = _column(penalty, "subject_category")

    (dv,) = _validations_of(data, letter)

    assert dv.type == "list"
    assert str(dv.sqref) == f"{letter}2:{letter}{TEMPLATE_ROWS + 1}"
    sheet, ref = dv.formula1.split("!")
    assert sheet == "'代码表'"
    first, last = ref.replace("$", "").split(":")
    values = [c.value for row in codes[f"{first}:{last}"] for c in row]
    assert values == ["法人及非法人组织", "自然人", "个体工商户"]
    assert dv.showErrorMessage


def test_multi_value_penalty_category_has_no_drop_down(workbook, penalty):
    assert _validations_of(workbook["数据"], _column(penalty, "penalty_category")) == []


def test_every_single_valued_code_field_has_exactly_one_drop_down(workbook, penalty):
    data = workbook["数据"]
    for field in penalty.fields.exclude(code_table=None):
        found = _validations_of(data, get_column_letter(field.position))
        assert len(found) == (0 if field.multi_value else 1), field.code


def test_code_tables_sheet_lists_every_code_table_column(workbook, penalty):
    codes = workbook["代码表"]
    headers = [c.value for c in codes[1]]
    penalty_values = [
        v.value for v in penalty.fields.get(code="penalty_category").code_table.values.all()
    ]
    column = headers.index("处罚类别") + 1
    listed = [codes.cell(row=r, column=column).value for r in range(2, len(penalty_values) + 2)]
    assert listed == penalty_values


@pytest.mark.parametrize(
    "code", ["uscc", "org_code", "id_number", "legal_rep_id_number", "authority_uscc"]
)
def test_identifier_columns_are_text_formatted(workbook, penalty, code):
    data, letter = workbook["数据"], _column(penalty, code)
    assert data[f"{letter}2"].number_format == "@"
    assert data[f"{letter}{TEMPLATE_ROWS + 1}"].number_format == "@"


def test_date_columns_are_not_text_formatted(workbook, penalty):
    assert workbook["数据"][f"{_column(penalty, 'decision_date')}2"].number_format != "@"


def test_every_header_carries_a_comment_with_its_rule(workbook, penalty):
    data = workbook["数据"]
    for field in penalty.fields.all():
        comment = data.cell(row=1, column=field.position).comment
        assert comment is not None, field.code
        assert f"类型：{field.get_data_type_display()}" in comment.text
    uscc_note = data[f"{_column(penalty, 'uscc')}1"].comment.text
    assert "最长18字符" in uscc_note and "统一社会信用代码" in uscc_note
    assert "当subject_category为法人及非法人组织/个体工商户时必填" in uscc_note
    assert "必填" in data["A1"].comment.text
    category_note = data[f"{_column(penalty, 'penalty_category')}1"].comment.text
    assert "可填多个值" in category_note


def test_guide_sheet_explains_every_field(workbook, penalty):
    guide = workbook["填报说明"]
    rows = list(guide.iter_rows(min_row=2, max_row=penalty.fields.count() + 1, values_only=True))
    assert [r[1] for r in rows] == [f.name for f in penalty.fields.order_by("position")]
    by_name = {r[1]: r for r in rows}
    assert by_name["行政相对人名称"][2] == "必填"
    assert by_name["罚款金额(万元)"][2] == "条件必填"
    assert by_name["备注"][2] == "选填"
    assert "罚款" in by_name["处罚类别"][5]
    footer = [c.value for c in guide[guide.max_row]]
    assert "admin-penalty" in footer[0] and f"版本 {penalty.version}" in footer[0]


def test_template_filename_names_the_item_and_version(penalty):
    assert template_filename(penalty) == "行政处罚-报送模板-v1.xlsx"
