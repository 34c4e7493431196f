"""Government workbooks as departments really send them: title and 填报单位 rows above the
header, 合计/填表说明/signature rows after the data, and the refusal of a file whose header
names another item's columns — in the readers (item-agnostic), the note-row rule, and through
the pipeline onto the batch."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from credit.ingest.errors import FileRejected
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_file
from credit.ingest.readers import CellKind, RawRow, iter_tables
from credit.ingest.readers.layout import (
    Lookahead,
    NoteRows,
    is_note_marker,
    note_text,
    without_notes,
)
from tests.ingest.test_pipeline import HEADERS, _row

TITLE = "常州市市场监督管理局行政处罚信息公示表（2024年第一季度）"
FILLER = ["填报单位：常州市市场监督管理局", None, None, None, "填报日期：2024年4月1日"]


def _workbook(path: Path, rows: list[list], *, merge_title: str | None = None) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    for row in rows:
        ws.append(row)
    if merge_title:
        ws.merge_cells(merge_title)
    wb.save(path)
    return path


# --------------------------------------------------------------------------------------------
# readers: the header candidate and re-framing


def test_a_merged_title_and_filler_rows_come_before_the_header(tmp_path):
    path = _workbook(
        tmp_path / "公示表.xlsx",
        [
            [TITLE],
            FILLER,
            [],
            ["名称", "类别", "金额"],
            ["甲公司", "罚款", 0.5],
            ["乙公司", "警告"],
        ],
        merge_title="A1:C1",
    )
    [table] = iter_tables(path)
    assert (table.header_row, table.headers, table.skipped) == (1, (TITLE,), ())
    ahead = Lookahead(table)
    assert [n for n, _ in ahead.candidates()] == [1, 2, 4, 5, 6]
    assert ahead.candidates()[2] == (4, ("名称", "类别", "金额"))
    framed = ahead.framed(4)
    assert (framed.header_row, framed.skipped) == (4, (1, 2))
    assert framed.headers == ("名称", "类别", "金额")
    rows = list(framed.rows)
    assert [(r.row, r.values, r.extra) for r in rows] == [
        (5, ("甲公司", "罚款", "0.5"), ()),
        (6, ("乙公司", "警告", ""), ()),
    ]
    assert rows[0].notes == ((2, CellKind.NUMBER),)  # still the 金额 column


def test_the_reader_candidate_is_kept_as_is(tmp_path):
    path = _workbook(tmp_path / "t.xlsx", [["名称", "类别"], ["甲公司", "罚款"]])
    [table] = iter_tables(path)
    framed = Lookahead(table).framed(1)
    assert framed.headers == ("名称", "类别") and framed.skipped == ()
    assert [r.row for r in framed.rows] == [2]


def test_a_row_of_dates_above_the_header_is_passed_over_by_the_reader(tmp_path):
    path = _workbook(
        tmp_path / "d.xlsx",
        [["填报日期", datetime.date(2024, 4, 1)], ["名称", "类别"], ["甲公司", "罚款"]],
    )
    [table] = iter_tables(path)
    assert (table.header_row, table.skipped) == (2, (1,))
    assert [r.row for r in table.rows] == [3]


def test_only_data_in_the_first_rows_is_still_no_header(tmp_path):
    rows = [["甲公司", 0.5, datetime.date(2024, 1, 1)] for _ in range(25)]
    with pytest.raises(FileRejected) as caught:
        list(iter_tables(_workbook(tmp_path / "data.xlsx", rows)))
    assert caught.value.code == "no_header" and "第 1 行" in caught.value.message


def test_csv_title_lines_without_delimiters_do_not_decide_the_delimiter(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text(
        f"{TITLE}\n填报单位：常州市市场监督管理局\n\n名称\t类别\n甲公司\t罚款\n", encoding="utf-8"
    )
    [table] = iter_tables(path)
    assert (table.delimiter, table.header_row, table.headers) == ("\t", 1, (TITLE,))
    framed = Lookahead(table).framed(4)
    assert framed.skipped == (1, 2)
    assert [(r.row, r.values) for r in framed.rows] == [(5, ("甲公司", "罚款"))]


def test_csv_title_line_exported_by_excel_keeps_the_row_numbers(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(f"{TITLE},,\n,,\n名称,类别,金额\n甲公司,罚款,0.5\n", encoding="utf-8")
    [table] = iter_tables(path)
    framed = Lookahead(table).framed(3)
    assert framed.headers == ("名称", "类别", "金额")
    assert [(r.row, r.values) for r in framed.rows] == [(4, ("甲公司", "罚款", "0.5"))]


# --------------------------------------------------------------------------------------------
# note rows


@pytest.mark.parametrize(
    "text",
    [
        "合计",
        "合 计",
        "合计：",
        "合计（万元）",
        "总计",
        "小计",
        "共计3条",
        "填表说明",
        "填表说明：1.本表按季度报送",
        "说明：罚款金额单位为万元",
        "备注：以上数据截至3月31日",
        "注：",
        "注1、日期格式为YYYY-MM-DD",
        "填表人：张三",
        "填表人：张三    审核人：李四    联系电话：0519-85680000",
        "审核人",
        "联系电话：0519-85680000",
        "单位负责人：王五",
        "填报单位（盖章）：",
    ],
)
def test_note_markers(text):
    assert is_note_marker(text)
    assert note_text([text, "", "", "15.5"]) == text.strip()


@pytest.mark.parametrize(
    "text",
    [
        "常州市合计贸易有限公司",
        "合计划科技有限公司",
        "注册资本",
        "说明书印刷厂",
        "备注",
        "1",
        "张三",
        "总计算机服务部",
        "电话机厂",
    ],
)
def test_names_and_numbers_are_not_note_markers(text):
    assert not is_note_marker(text)
    assert note_text([text, "罚款", "0.5"]) is None


def test_a_row_naming_a_subject_is_data_whatever_its_first_cell_says():
    row = ["备注：补报", "常州市某某有限公司", "警告", "2024-03-01"]
    assert note_text(row, key_columns=[1]) is None
    assert note_text(row) == "备注：补报"  # without the name column, the marker decides
    # a 合计 row with its total in the name column is still a note …
    assert note_text(["合计", "合计", "", "15.5"], key_columns=[1]) == "合计"
    # … and so is a signature line spread over the name column
    signature = ["填表人：张三", "审核人：李四", "联系电话：85680000"]
    assert note_text(signature, key_columns=[1]) == "填表人：张三"


def test_note_rows_after_the_data_are_passed_over_and_recorded(tmp_path):
    path = _workbook(
        tmp_path / "n.xlsx",
        [
            ["名称", "类别", "金额"],
            ["甲公司", "罚款", 0.5],
            [None, "小计", 0.5],
            ["乙公司", "罚款", 1],
            ["合计", None, 1.5],
            ["填表说明："],
            ["1、金额单位为万元"],
            ["2、日期格式为YYYY-MM-DD"],
            ["填表人：张三", None, "审核人：李四"],
        ],
    )
    [table] = iter_tables(path)
    notes = NoteRows()
    kept = [r.row for r in without_notes(table.rows, [0], notes)]
    assert kept == [2, 4]  # a 小计 row between the data is a note too
    assert notes.rows == [
        (3, "小计"),
        (5, "合计"),
        (6, "填表说明："),
        (7, "1、金额单位为万元"),  # the lines that continue the instructions
        (8, "2、日期格式为YYYY-MM-DD"),
        (9, "填表人：张三"),
    ]
    assert notes.count == 6


def test_note_rows_are_counted_beyond_those_kept():
    rows = (RawRow("s", n, ("名称",), ("小计",)) for n in range(2, 502))
    notes = NoteRows()
    assert list(without_notes(rows, [0], notes)) == []
    assert notes.count == 500 and len(notes.rows) == notes.kept == 200


# --------------------------------------------------------------------------------------------
# through the pipeline


def _government_workbook(path: Path, headers: list[str], data: list[list[str]]) -> Path:
    width = len(headers)
    return _workbook(
        path,
        [
            [TITLE],
            FILLER,
            [],
            headers,
            *data,
            ["合计", *[None] * (width - 2), "1.0"],
            ["填表说明：1.罚款金额单位为万元"],
            ["2.日期格式为YYYY-MM-DD"],
            ["填表人：张三", None, None, "审核人：李四", None, "联系电话：0519-85680000"],
        ],
        merge_title=f"A1:{chr(ord('A') + 9)}1",
    )


VARIANTS = {
    "行政相对人代码_1(统一社会信用代码)": "行政相对人代码-统一社会信用代码",
    "处罚决定日期": "处罚决定日期：",
    "罚款金额(万元)": "罚 款 金 额（万元）",
    "处罚机关": "处罚机关:",
}


@pytest.mark.django_db
def test_a_government_workbook_is_read_from_its_header_to_its_notes(tmp_path):
    headers = [VARIANTS.get(h, h) for h in HEADERS]
    path = _government_workbook(tmp_path / "一季度.xlsx", headers, [_row(901), _row(902)])
    batch = ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    assert (batch.status, batch.total, batch.inserted, batch.rejected) == ("done", 2, 2, 0)
    assert sorted(batch.rows.values_list("row_no", flat=True)) == [5, 6]  # the sheet's rows
    assert batch.unknown_columns == []
    [layout] = batch.metrics["layout"]
    assert layout == {
        "source": "一季度.xlsx#Sheet1",
        "header_row": 4,
        "skipped_above": [1, 2],
        "notes_rows": [
            {"row": 7, "text": "合计"},
            {"row": 8, "text": "填表说明：1.罚款金额单位为万元"},
            {"row": 9, "text": "2.日期格式为YYYY-MM-DD"},
            {"row": 10, "text": "填表人：张三"},
        ],
        "notes_total": 4,
        "warning": layout["warning"],
        "rows": 2,
    }
    assert "表头在第 4 行" in layout["warning"] and "第 1、2 行" in layout["warning"]
    assert "第 7、8、9、10 行是合计、说明或签名行" in layout["warning"]
    assert batch.metrics["layout_warning"] == layout["warning"]
    assert batch.metrics["volume"] == 2  # the quality metrics are there too
    stored = Batch.objects.get(pk=batch.pk).metrics
    assert stored["layout"] == batch.metrics["layout"]


@pytest.mark.django_db
def test_a_plain_file_has_a_layout_without_a_warning(tmp_path):
    path = _workbook(tmp_path / "plain.xlsx", [HEADERS, _row(903)])
    batch = ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    assert batch.total == 1
    assert batch.metrics["layout"] == [
        {
            "source": "plain.xlsx#Sheet1",
            "header_row": 1,
            "skipped_above": [],
            "notes_rows": [],
            "notes_total": 0,
            "warning": "",
            "rows": 1,
        }
    ]
    assert batch.metrics["layout_warning"] == ""


@pytest.mark.django_db
def test_a_data_row_with_a_remark_first_is_loaded_not_taken_for_a_note(tmp_path):
    path = tmp_path / "r.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["备注", *HEADERS])
        writer.writerow(["备注：补报", *_row(904)])
        writer.writerow(["合计", *[""] * len(HEADERS)])
    batch = ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    assert (batch.total, batch.inserted) == (1, 1)
    assert batch.metrics["layout"][0]["notes_rows"] == [{"row": 3, "text": "合计"}]


@pytest.mark.django_db
def test_a_csv_with_title_lines_keeps_its_line_numbers(tmp_path):
    path = tmp_path / "t.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([TITLE, *[""] * (len(HEADERS) - 1)])
        writer.writerow(["填报单位：常州市市场监督管理局", *[""] * (len(HEADERS) - 1)])
        writer.writerow(HEADERS)
        writer.writerow(_row(905))
    batch = ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    assert (batch.total, batch.inserted) == (1, 1)
    assert list(batch.rows.values_list("row_no", flat=True)) == [4]
    assert batch.metrics["layout"][0]["header_row"] == 3
    assert batch.metrics["layout"][0]["skipped_above"] == [1, 2]


@pytest.mark.django_db
def test_a_refusal_names_the_missing_required_and_the_unrecognised_columns(tmp_path):
    path = _workbook(
        tmp_path / "xx.xlsx",
        [[TITLE], ["序号2", "xxx", "行政相对人名称", "处罚类别"], ["1", "a", "甲公司", "罚款"]],
    )
    with pytest.raises(FileRejected) as caught:
        ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    exc = caught.value
    assert exc.code == "wrong_item"
    assert exc.message.startswith(
        "“xx.xlsx#Sheet1”第 2 行的表头与目录项“行政处罚”不符：缺少必填列“行政相对人类别”"
        "“行政处罚决定书文号”"
    )
    assert "等13列；未识别的列“序号2”“xxx”。请对照报送模板修改表头后重新上传" in exc.message
    assert exc.details["header_row"] == 2  # the row that came closest, not the title
    assert exc.details["unknown_columns"] == ["序号2", "xxx"]
    assert len(exc.details["missing_required"]) == 13
    assert "处罚决定日期" in exc.details["missing_required"]
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.error_code, batch.error_message) == (
        "failed",
        "wrong_item",
        exc.message,
    )
    assert batch.metrics["rejection"] == exc.details


@pytest.mark.django_db
def test_a_refusal_message_stays_within_the_batch_field(tmp_path):
    headers = [f"第{n}个看不懂的列名{'很长' * 20}" for n in range(40)]
    path = _workbook(tmp_path / "long.xlsx", [headers, ["x"] * 40])
    with pytest.raises(FileRejected) as caught:
        ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")
    exc = caught.value
    assert len(exc.message) <= 500
    assert "等40列" in exc.message and "等15列" in exc.message
    assert exc.details["unknown_total"] == 40 and len(exc.details["unknown_columns"]) == 40
    assert Batch.objects.latest("id").error_message == exc.message
