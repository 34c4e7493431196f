"""Excel reporting templates generated from a catalog item's field specifications.

Sheet 1 (数据) has one column per field, headed by its national-standard name; required
columns are marked ``*`` and red, conditionally required ones orange, each header carries a
note with type, length and rule; code-table columns get a drop-down (values on a hidden sheet,
so long tables work); identifier and number columns are formatted as text so Excel does not
turn an ID number into 3.2E+17. Sheet 2 (填报说明) explains every field.

The same template can come pre-filled (:func:`build_template` with ``rows``): the ingest
app's "download only the rejected rows" fills it with rows as sent and a last column with the
reasons, for the department to correct and upload again. Pre-filled text is written as text
cells exactly as sent (characters a workbook cannot hold written visibly): a value that looks
like a formula (``=…``, ``-…``) is stored as a text cell marked "quote prefix", which no
spreadsheet evaluates and which is read back unchanged — unlike the feedback files, whose
``'`` prefix (:func:`credit.core.http.escape_formula`) would change the value on its way back.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from credit.catalog.constants import DataType, Validator
from credit.catalog.models import CatalogItem
from credit.core.http import FORMULA_PREFIXES, xlsx_text

TEMPLATE_ROWS = 1000
REQUIRED_FILL = PatternFill("solid", fgColor="FDE2E2")
CONDITIONAL_FILL = PatternFill("solid", fgColor="FFF1D6")
HEADER_FILL = PatternFill("solid", fgColor="F0F1F2")
NOTE_FILL = PatternFill("solid", fgColor="FFF7E6")
REQUIRED_MARK = "*"


def header_for(field) -> str:
    """The column header of a field: its name, prefixed with ``*`` when always required."""
    return f"{REQUIRED_MARK}{field.name}" if field.required else field.name


def _rule_text(field) -> str:
    parts = [f"类型：{field.get_data_type_display()}"]
    if field.max_length:
        parts.append(f"最长{field.max_length}字符")
    if field.decimal_places is not None:
        parts.append(f"最多{field.decimal_places}位小数")
    if field.data_type == DataType.DATE:
        parts.append("格式：YYYY-MM-DD")
    if field.validator:
        parts.append(f"校验：{field.get_validator_display()}")
    if field.required:
        parts.append("必填")
    for cond in field.conditions:
        when = cond["when"]
        verb = "必填" if cond["then"] == "required" else "应为空"
        parts.append(f"当{when['field']}为{'/'.join(when['in'])}时{verb}")
    if field.multi_value:
        parts.append("可填多个值，用分号;分隔")
    if field.description:
        parts.append(field.description)
    return "；".join(parts)


def _put_text(cell, value: str) -> None:
    """Write pre-filled text as sent: characters a workbook cannot hold written visibly (as
    :func:`credit.core.http.xlsx_text` does), a formula-like value as a quote-prefixed text
    cell instead of with a ``'`` added (see the module's docstring)."""
    text = xlsx_text(" " + value)[1:]  # the leading space keeps xlsx_text from adding "'"
    cell.value = text
    if text.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"  # never a formula
        cell.quotePrefix = True


def build_template(
    item: CatalogItem,
    *,
    rows: Iterable[tuple[Sequence[str], str]] = (),
    note_header: str = "",
    notes: Sequence[str] = (),
) -> bytes:
    """The .xlsx template of ``item`` as bytes.

    Pre-filled when ``rows`` are given: each ``(values, note)`` is one data row, its values
    in the order of the item's fields, its ``note`` in a last column headed ``note_header``
    (shaded, not a field of the item). ``notes`` are lines added to 填报说明."""
    fields = list(item.fields.select_related("code_table").prefetch_related("code_table__values"))
    rows = list(rows)
    last_row = max(TEMPLATE_ROWS, len(rows)) + 1
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    codes = wb.create_sheet("代码表")
    guide = wb.create_sheet("填报说明")
    code_col = 0
    for col, field in enumerate(fields, start=1):
        letter = get_column_letter(col)
        cell = ws.cell(row=1, column=col, value=header_for(field))
        cell.font = Font(bold=True, color="B5121B" if field.required else "1F2329")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        conditional = any(c.get("then") == "required" for c in field.conditions)
        cell.fill = (
            REQUIRED_FILL if field.required else (CONDITIONAL_FILL if conditional else HEADER_FILL)
        )
        cell.comment = Comment(_rule_text(field), "信用平台")
        ws.column_dimensions[letter].width = max(12, min(40, len(field.name) * 2 + 4))
        as_text = field.data_type in {DataType.STRING, DataType.CODE} or field.validator in {
            Validator.USCC,
            Validator.RESIDENT_ID,
            Validator.ORG_CODE,
            Validator.ID_BY_TYPE,
        }
        if as_text:
            for row in range(2, last_row + 1):
                ws.cell(row=row, column=col).number_format = "@"
        if field.code_table_id:
            code_col += 1
            values = [v.value for v in field.code_table.values.all()]
            codes.cell(row=1, column=code_col, value=field.code_table.name)
            for r, value in enumerate(values, start=2):
                codes.cell(row=r, column=code_col, value=value)
            if not field.multi_value and values:
                ref_col = get_column_letter(code_col)
                formula = f"{quote_sheetname('代码表')}!${ref_col}$2:${ref_col}${len(values) + 1}"
                dv = DataValidation(type="list", formula1=formula, allow_blank=True)
                dv.error = f"请从代码表中选择“{field.name}”的值"
                dv.errorTitle = "取值不在代码表中"
                dv.showErrorMessage = True
                ws.add_data_validation(dv)
                dv.add(f"{letter}2:{letter}{last_row}")
    if note_header:
        col = len(fields) + 1
        cell = ws.cell(row=1, column=col, value=note_header)
        cell.font = Font(bold=True, color="646A73")
        cell.fill = NOTE_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = 60
    for r, (values, note) in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            if value not in (None, ""):
                _put_text(ws.cell(row=r, column=col), str(value))
        if note_header:
            cell = ws.cell(row=r, column=len(fields) + 1)
            _put_text(cell, note)
            cell.fill = NOTE_FILL
    ws.freeze_panes = "A2"
    codes.sheet_state = "hidden"

    guide.append(
        ["序号", "字段名称（国家标准）", "是否必填", "类型", "长度", "代码表取值", "填报规则"]
    )
    for cell in guide[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
    for n, field in enumerate(fields, start=1):
        values = (
            "、".join(v.value for v in field.code_table.values.all()) if field.code_table_id else ""
        )
        required = (
            "必填"
            if field.required
            else (
                "条件必填" if any(c.get("then") == "required" for c in field.conditions) else "选填"
            )
        )
        guide.append(
            [
                n,
                field.name,
                required,
                field.get_data_type_display(),
                field.max_length or "",
                values,
                _rule_text(field),
            ]
        )
    for letter, width in zip("ABCDEFG", (6, 36, 10, 10, 8, 40, 70), strict=True):
        guide.column_dimensions[letter].width = width
    guide.append([])
    guide.append(
        [
            f"目录项：{item.name}（{item.code}），版本 {item.version}。"
            "标 * 的列为必填；请勿修改表头；日期填写为 YYYY-MM-DD。"
        ]
    )
    for line in notes:
        guide.append([line])

    wb.properties.title = f"{item.name}数据报送模板"
    wb.properties.creator = "常州市公共信用信息平台"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def template_filename(item: CatalogItem) -> str:
    return f"{item.name}-报送模板-v{item.version}.xlsx"
