"""The streaming readers: every accepted format and encoding, row numbers as a clerk sees
them, cell rendering without information loss, and every kind of file that is refused.

Fixture files are generated in ``tmp_path``; none is committed."""

from __future__ import annotations

import codecs
import datetime
import io
import random
import struct
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from credit.ingest.errors import MESSAGES, FileRejected
from credit.ingest.readers import (
    CellKind,
    Limits,
    RawRow,
    _Budget,
    _CountingReader,
    iter_rows,
    iter_tables,
    render_cell,
    sniff_delimiter,
)

HEADER = "行政相对人名称,行政相对人代码_1(统一社会信用代码),处罚类别,罚款金额(万元)"
ROW_1 = "常州市天宁区某某贸易有限公司,91320402MA1XXXXX0X,罚款,0.5"
ROW_2 = "常州市武进区某某机械厂,91320412MA2YYYYY1Y,警告,"


# --------------------------------------------------------------------------------------------
# helpers


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def rejected(path: Path, **kwargs) -> FileRejected:
    with pytest.raises(FileRejected) as caught:
        list(iter_rows(path, **kwargs))
    assert caught.value.code in MESSAGES
    assert caught.value.message
    return caught.value


def xlsx(path: Path, sheets: dict[str, list[list]], hidden: tuple[str, ...] = ()) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)
    return path


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    buf = io.BytesIO()
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(buf)
    return buf.getvalue()


def cfb(path: Path, streams: list[str]) -> Path:
    """A minimal OLE2 compound file whose first directory sector names ``streams``."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x1A:0x1C] = struct.pack("<H", 3)  # major version
    header[0x1C:0x1E] = b"\xfe\xff"  # byte order
    header[0x1E:0x20] = struct.pack("<H", 9)  # 512-byte sectors
    header[0x30:0x34] = struct.pack("<I", 0)  # directory starts at sector 0
    directory = bytearray()
    for name in ["Root Entry", *streams]:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        entry = bytearray(128)
        entry[: len(raw)] = raw
        entry[64:66] = struct.pack("<H", len(raw))
        directory += entry
    directory += bytes(512 - len(directory) % 512)
    return write(path, bytes(header) + bytes(directory))


# --------------------------------------------------------------------------------------------
# csv / txt


def test_utf8_csv_reads_headers_values_and_line_numbers(tmp_path):
    path = write(tmp_path / "处罚.csv", f"{HEADER}\n{ROW_1}\n{ROW_2}\n")
    [table] = iter_tables(path)
    assert table.source == "处罚.csv"
    assert table.format == "csv"
    assert (table.encoding, table.delimiter, table.header_row) == ("utf-8", ",", 1)
    assert table.headers == tuple(HEADER.split(","))
    rows = list(table.rows)
    assert [r.row for r in rows] == [2, 3]
    assert rows[0].values == tuple(ROW_1.split(","))
    assert rows[1].values[3] == ""
    assert rows[0].headers == table.headers


def test_utf8_bom_is_detected_and_removed(tmp_path):
    path = write(tmp_path / "bom.csv", codecs.BOM_UTF8 + f"{HEADER}\n{ROW_1}\n".encode())
    [table] = iter_tables(path)
    assert table.encoding == "utf-8-sig"
    assert table.headers[0] == "行政相对人名称"  # no \ufeff glued to the first header


@pytest.mark.parametrize("encoding", ["gbk", "gb2312", "gb18030"])
def test_chinese_legacy_encodings_are_read_as_gb18030(tmp_path, encoding):
    path = write(tmp_path / "gbk.csv", f"{HEADER}\n{ROW_1}\n", encoding=encoding)
    [table] = iter_tables(path)
    assert table.encoding == "gb18030"
    [row] = table.rows
    assert "常州" in row.values[0]
    assert row.values[2] == "罚款"


def test_utf8_detection_looks_at_the_whole_file(tmp_path):
    # Pure ASCII for the first 100 000 bytes, then one GBK character: not UTF-8.
    filler = "".join(f"a{i},b\n" for i in range(15_000))
    path = write(tmp_path / "late.csv", f"h1,h2\n{filler}常州,罚款\n", encoding="gbk")
    [table] = iter_tables(path)
    assert table.encoding == "gb18030"
    assert list(table.rows)[-1].values == ("常州", "罚款")


def test_excel_unicode_text_utf16_is_read(tmp_path):
    text = HEADER.replace(",", "\t") + "\r\n" + ROW_1.replace(",", "\t") + "\r\n"
    path = write(tmp_path / "unicode.txt", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    [table] = iter_tables(path)
    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert next(table.rows).values[0].startswith("常州")


@pytest.mark.parametrize(("delimiter", "suffix"), [("\t", ".txt"), ("|", ".txt"), ("|", ".csv")])
def test_tab_and_pipe_delimited_files(tmp_path, delimiter, suffix):
    text = f"{HEADER}\n{ROW_1}\n".replace(",", delimiter)
    [table] = iter_tables(write(tmp_path / f"data{suffix}", text))
    assert table.delimiter == delimiter
    [row] = table.rows
    assert row.values == tuple(ROW_1.split(","))


def test_delimiter_is_sniffed_outside_quotes_and_ties_go_to_comma():
    assert sniff_delimiter('"a|b|c",d') == ","
    assert sniff_delimiter("a,b|c") == ","  # a tie → comma
    assert sniff_delimiter("a,b\tc|d") == ","
    assert sniff_delimiter("a|b\tc") == "\t"  # no comma: tab before pipe
    assert sniff_delimiter("a|b|c,d") == "|"
    assert sniff_delimiter("a\tb\tc") == "\t"
    assert sniff_delimiter("单列表头") == ","


def test_quoted_newlines_keep_the_line_where_the_record_starts(tmp_path):
    text = (
        "\n"  # a blank line before the header
        "名称,违法事实,备注\n"  # line 2
        'A公司,"第一行\n第二行\n第三行",x\n'  # lines 3-5
        "B公司,简单,y\n"  # line 6
        "\n"  # line 7, blank: skipped
        'C公司,"引号""内""",z\n'  # line 8
    )
    [table] = iter_tables(write(tmp_path / "multi.csv", text))
    assert table.header_row == 2
    rows = list(table.rows)
    assert [r.row for r in rows] == [3, 6, 8]
    assert rows[0].values[1] == "第一行\n第二行\n第三行"
    assert rows[2].values[1] == '引号"内"'


def test_quoted_newline_in_the_header_counts_its_lines(tmp_path):
    text = '名称,"罚款金额\n(万元)"\nA,1\n'
    [table] = iter_tables(write(tmp_path / "h.csv", text))
    assert table.headers == ("名称", "罚款金额\n(万元)")
    assert [r.row for r in table.rows] == [3]


def test_crlf_and_trailing_carriage_returns_are_stripped(tmp_path):
    path = write(tmp_path / "crlf.csv", "a,b\r\n1,2\r\n3,4\r")
    rows = list(iter_rows(path))
    assert [r.values for r in rows] == [("1", "2"), ("3", "4")]
    assert [r.row for r in rows] == [2, 3]


def test_short_rows_are_padded_and_extra_cells_kept(tmp_path):
    path = write(tmp_path / "ragged.csv", "a,b,c\n1\n1,2,3,4,5\n1,2,3,,\n")
    rows = list(iter_rows(path))
    assert rows[0].values == ("1", "", "")
    assert rows[0].extra == ()
    assert rows[1].values == ("1", "2", "3")
    assert rows[1].extra == ("4", "5")
    assert rows[2].extra == ()  # empty trailing cells are not "extra data"


def test_trailing_empty_headers_are_trimmed_and_blank_rows_skipped(tmp_path):
    path = write(tmp_path / "t.csv", "a,b,,\n1,2,,\n,,,\n  ,\n3,4\n")
    [table] = iter_tables(path)
    assert table.headers == ("a", "b")
    assert [(r.row, r.values) for r in table.rows] == [(2, ("1", "2")), (5, ("3", "4"))]


def test_formula_like_text_is_kept_verbatim(tmp_path):
    path = write(tmp_path / "f.csv", 'a,b,c,d\n=1+1,+8613800000000,-5,"@SUM(A1)"\n')
    [row] = iter_rows(path)
    assert row.values == ("=1+1", "+8613800000000", "-5", "@SUM(A1)")


def test_cells_are_not_stripped_or_converted(tmp_path):
    path = write(tmp_path / "raw.csv", "a,b,c\n 00123 ,1.50,3.2040219800517E+17\n")
    [row] = iter_rows(path)
    assert row.values == (" 00123 ", "1.50", "3.2040219800517E+17")
    assert row.notes == ()


def test_iter_rows_is_the_rows_of_all_tables(tmp_path):
    path = write(tmp_path / "x.csv", f"{HEADER}\n{ROW_1}\n{ROW_2}\n")
    assert list(iter_rows(path)) == [r for t in iter_tables(path) for r in t.rows]
    assert isinstance(next(iter_rows(path)), RawRow)


# --------------------------------------------------------------------------------------------
# xlsx


def test_xlsx_reads_every_data_sheet_and_skips_template_and_empty_sheets(tmp_path):
    path = xlsx(
        tmp_path / "报送.xlsx",
        {
            "数据": [["*行政相对人名称", "处罚类别"], ["甲公司", "罚款"], ["乙公司", "警告"]],
            "代码表": [["处罚类别"], ["警告"], ["罚款"]],
            "空表": [],
            "第二批": [[None], ["*行政相对人名称", "处罚类别"], ["丙公司", "没收违法所得"]],
            "填报说明": [["序号", "字段名称（国家标准）"], [1, "行政相对人名称"]],
        },
        hidden=("代码表",),
    )
    tables = list(iter_tables(path))
    assert [t.source for t in tables] == ["报送.xlsx#数据", "报送.xlsx#第二批"]
    first, second = tables
    assert first.headers == ("*行政相对人名称", "处罚类别")
    assert first.format == "xlsx"
    assert second.header_row == 2  # the first non-empty row
    rows = list(iter_rows(path))
    assert [(r.source, r.row, r.values[0]) for r in rows] == [
        ("报送.xlsx#数据", 2, "甲公司"),
        ("报送.xlsx#数据", 3, "乙公司"),
        ("报送.xlsx#第二批", 3, "丙公司"),
    ]


def test_xlsx_hidden_data_sheet_is_read_and_flagged(tmp_path):
    path = xlsx(tmp_path / "h.xlsx", {"可见": [["a"], ["1x"]], "隐藏": [["a"], ["2x"]]}, ("隐藏",))
    assert [(t.source.split("#")[1], t.hidden) for t in iter_tables(path)] == [
        ("可见", False),
        ("隐藏", True),
    ]


def test_xlsx_row_numbers_and_columns_follow_the_sheet(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "数据"
    ws["C4"], ws["D4"] = "名称", "类别"
    ws["C5"], ws["D5"] = "甲", "罚款"
    ws["C9"], ws["F9"] = "乙", "多出来的"
    wb.save(tmp_path / "offset.xlsx")
    [table] = iter_tables(tmp_path / "offset.xlsx")
    assert (table.header_row, table.first_column) == (4, 2)
    rows = list(table.rows)
    assert [r.row for r in rows] == [5, 9]
    assert rows[1].values == ("乙", "")
    assert rows[1].extra == ("", "多出来的")


def test_excel_dates_become_iso_and_are_noted(tmp_path):
    path = xlsx(
        tmp_path / "d.xlsx",
        {
            "数据": [
                ["处罚决定日期", "登记时间", "时刻"],
                [
                    datetime.date(2024, 3, 1),
                    datetime.datetime(2024, 3, 1, 9, 30),
                    datetime.time(8, 15),
                ],
                [datetime.datetime(2023, 12, 31), "2024/1/2", None],
            ]
        },
    )
    first, second = iter_rows(path)
    assert first.values == ("2024-03-01", "2024-03-01 09:30:00", "08:15:00")
    assert first.notes == ((0, CellKind.DATE), (1, CellKind.DATETIME), (2, CellKind.TIME))
    assert second.values == ("2023-12-31", "2024/1/2", "")  # a text date stays as typed
    assert second.notes == ((0, CellKind.DATE),)


def test_numbers_and_identifiers_keep_every_digit_they_have(tmp_path):
    path = xlsx(
        tmp_path / "n.xlsx",
        {
            "数据": [
                ["证件号码", "数字证件号", "罚款金额", "整数", "小数", "布尔", "长数字"],
                ["32040219800517123X", 320402198005171234, 5.0, 12, 0.1, True, 12345678901234],
                ["320402198005171234", None, 1e-7, -3, 2.5e-3, False, None],
            ]
        },
    )
    first, second = iter_rows(path)
    assert first.values[0] == "32040219800517123X"  # text stays text
    # A typed 18-digit number: Excel keeps 15 digits; render them, never "3.2E+17", and flag.
    assert first.values[1] == "320402198005171000"
    assert (1, CellKind.NUMBER_PRECISION) in first.notes
    assert first.values[2:] == ("5", "12", "0.1", "TRUE", "12345678901234")
    assert (2, CellKind.NUMBER) in first.notes and (5, CellKind.BOOLEAN) in first.notes
    assert second.values[0] == "320402198005171234"
    assert second.values[2:6] == ("0.0000001", "-3", "0.0025", "FALSE")


def test_render_cell_handles_every_calamine_type():
    assert render_cell(3.0) == ("3", CellKind.NUMBER)
    assert render_cell(0.30000000000000004) == ("0.3", CellKind.NUMBER)
    assert render_cell(7) == ("7", CellKind.NUMBER)
    assert render_cell(1.5e16) == ("15000000000000000", CellKind.NUMBER_PRECISION)
    assert render_cell(datetime.timedelta(hours=1, minutes=2)) == ("1:02:00", CellKind.TIME)
    assert render_cell("") == ("", None)
    assert render_cell(None) == ("", None)


def test_formulas_are_never_evaluated(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["公式", "文本"])
    ws.append(["=1+1", None])
    ws["B2"].value = "=HYPERLINK(x)"
    ws["B2"].data_type = "s"  # a text cell that merely starts with "="
    wb.save(tmp_path / "f.xlsx")
    [row] = iter_rows(tmp_path / "f.xlsx")
    # openpyxl stores no cached result, and the reader computes none.
    assert row.values == ("", "=HYPERLINK(x)")


def test_xlsx_with_a_header_row_only_yields_a_table_without_rows(tmp_path):
    path = xlsx(tmp_path / "only.xlsx", {"数据": [["名称", "类别"]]})
    [table] = iter_tables(path)
    assert table.headers == ("名称", "类别")
    assert list(table.rows) == []


# --------------------------------------------------------------------------------------------
# xml


XML_FIELD_FORM = """<?xml version="1.0" encoding="UTF-8"?>
<records item="admin-penalty">
  <record>
    <field name="行政相对人名称">常州市某某公司</field>
    <field name="uscc">91320402MA1XXXXX0X</field>
    <field name="处罚类别">罚款</field>
  </record>
  <record>
    <field name="行政相对人名称">张三</field>
    <field name="罚款金额(万元)">0.2</field>
    <field name="备注"/>
  </record>
</records>
"""


def test_xml_field_form_is_read_with_a_virtual_header(tmp_path):
    [table] = iter_tables(write(tmp_path / "p.xml", XML_FIELD_FORM))
    assert (table.format, table.item, table.header_row) == ("xml", "admin-penalty", 1)
    assert table.headers == ("行政相对人名称", "uscc", "处罚类别", "罚款金额(万元)", "备注")
    first, second = table.rows
    assert (first.row, second.row) == (2, 3)  # record ordinal + 1
    assert first.values == ("常州市某某公司", "91320402MA1XXXXX0X", "罚款", "", "")
    assert second.values == ("张三", "", "", "0.2", "")


def test_xml_element_per_field_form(tmp_path):
    text = (
        "<records><record><行政相对人名称>甲公司</行政相对人名称><处罚类别>警告</处罚类别>"
        "</record><record><处罚类别>罚款</处罚类别><备注>含<b>标记</b>的文字</备注></record></records>"
    )
    [table] = iter_tables(write(tmp_path / "e.xml", text))
    assert table.item is None
    assert table.headers == ("行政相对人名称", "处罚类别", "备注")
    rows = list(table.rows)
    assert rows[1].values == ("", "罚款", "含标记的文字")


def test_xml_repeated_field_becomes_a_repeated_header(tmp_path):
    text = '<records><record><field name="a">1</field><field name="a">2</field></record></records>'
    [table] = iter_tables(write(tmp_path / "r.xml", text))
    assert table.headers == ("a", "a")
    assert next(table.rows).values == ("1", "2")


@pytest.mark.parametrize("declared", [True, False])
def test_gbk_xml_is_transcoded(tmp_path, declared):
    prolog = '<?xml version="1.0" encoding="GBK"?>' if declared else ""
    text = f'{prolog}<records><record><field name="处罚类别">罚款</field></record></records>'
    [row] = iter_rows(write(tmp_path / "g.xml", text, encoding="gbk"))
    assert row.headers == ("处罚类别",)
    assert row.values == ("罚款",)


def test_xml_is_recognised_by_content_whatever_the_extension(tmp_path):
    [table] = iter_tables(write(tmp_path / "data.txt", XML_FIELD_FORM))
    assert (table.source, table.format) == ("data.txt", "xml")
    assert next(table.rows).values[0] == "常州市某某公司"


# --------------------------------------------------------------------------------------------
# zip


def test_zip_of_csv_and_xlsx_reads_members_in_name_order(tmp_path):
    path = tmp_path / "报送.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("b/处罚.xlsx", xlsx_bytes({"数据": [["名称"], ["乙"]], "代码表": [["x"]]}))
        zf.writestr("a.CSV", "名称\n甲\n".encode())
        zf.writestr("说明.docx", b"ignored")
        zf.writestr("__MACOSX/._a.CSV", b"\x00\x05\x16\x07")
        zf.writestr("c/", b"")
    rows = list(iter_rows(path))
    assert [(r.source, r.row, r.values) for r in rows] == [
        ("报送.zip!a.CSV", 2, ("甲",)),
        ("报送.zip!b/处罚.xlsx#数据", 2, ("乙",)),
    ]


def test_tables_of_an_archive_stay_readable_in_any_order(tmp_path):
    path = tmp_path / "m.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("1.csv", "名称\n甲\n乙\n")
        zf.writestr("2.xml", XML_FIELD_FORM)
        zf.writestr("3.xlsx", xlsx_bytes({"数据": [["名称"], ["丙"]]}))
    tables = list(iter_tables(path))  # every table first, then their rows
    assert [len(list(t.rows)) for t in reversed(tables)] == [1, 2, 2]


def test_zip_member_names_in_gbk_are_decoded(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("abcdefgh.csv", "名称\n甲\n")  # ASCII: no UTF-8 flag
    # Windows zip tools in China write GBK names without the flag; same length (12 bytes).
    data = buf.getvalue().replace(b"abcdefgh.csv", "常州处罚.csv".encode("gbk"))
    [row] = iter_rows(write(tmp_path / "gbk.zip", data))
    assert row.source == "gbk.zip!常州处罚.csv"


def test_zip_with_xml_and_txt_members(tmp_path):
    path = tmp_path / "m.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("1.xml", XML_FIELD_FORM)
        zf.writestr("2.txt", "名称\t类别\n甲\t罚款\n".encode("gbk"))
    tables = list(iter_tables(path))
    assert [(t.source, t.format) for t in tables] == [
        ("m.zip!1.xml", "xml"),
        ("m.zip!2.txt", "csv"),
    ]


# --------------------------------------------------------------------------------------------
# refused files


def test_password_protected_xlsx_is_refused_as_encrypted(tmp_path):
    bare = write(tmp_path / "加密.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4088))
    error = rejected(bare)
    assert error.code == "file_encrypted"
    assert error.message == "文件已加密，请取消密码后重新上传"
    office = cfb(tmp_path / "office.xlsx", ["EncryptionInfo", "EncryptedPackage"])
    assert rejected(office).code == "file_encrypted"


def test_legacy_xls_is_refused_with_a_save_as_hint(tmp_path):
    assert rejected(cfb(tmp_path / "old.xls", ["Workbook"])).code == "format_xls"
    assert rejected(write(tmp_path / "bare.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")).code == (
        "format_xls"
    )


def test_truncated_xlsx_is_refused(tmp_path):
    data = xlsx_bytes({"数据": [["名称"], *[[f"公司{i}"] for i in range(500)]]})
    path = write(tmp_path / "cut.xlsx", data[: len(data) // 2])
    assert rejected(path).code == "file_truncated"


def test_corrupt_xlsx_part_is_refused(tmp_path):
    data = bytearray(xlsx_bytes({"数据": [["名称"], ["甲"]]}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start : start + info.compress_size] = bytes(info.compress_size)  # zeroed payload
    assert rejected(write(tmp_path / "bad.xlsx", bytes(data))).code == "file_unreadable"


def test_workbook_that_calamine_cannot_parse_is_refused(tmp_path):
    good = zipfile.ZipFile(io.BytesIO(xlsx_bytes({"数据": [["名称"], ["甲"]]})))
    path = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info in good.infolist():
            data = good.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = b"<worksheet><sheetData><row><c r="  # not XML any more
            zf.writestr(info.filename, data)
    assert rejected(path).code == "file_unreadable"


def test_zip_bomb_by_compression_ratio_is_refused(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("zeros.csv", bytes(20 * 1024 * 1024))  # ~20 KiB compressed: ratio ≈ 1000
    assert path.stat().st_size < 100 * 1024
    assert rejected(path).code == "zip_bomb"


def test_one_bomb_member_among_incompressible_ones_is_refused_even_unread(tmp_path):
    path = tmp_path / "hidden-bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data.csv", b"h\n" + random.Random(1).randbytes(1024 * 1024).hex().encode())
        zf.writestr("zeros.bin", bytes(20 * 1024 * 1024))  # not a data member: never read
    infos = zipfile.ZipFile(path).infolist()
    overall = sum(i.file_size for i in infos) / sum(i.compress_size for i in infos)
    assert overall < 100  # only the member's own ratio gives it away
    assert rejected(path).code == "zip_bomb"


def test_zip_total_and_member_size_limits(tmp_path):
    path = tmp_path / "big.zip"
    text = "".join(f"{random.Random(i).random()},x\n" for i in range(5000)).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", b"h,k\n" + text)
        zf.writestr("b.csv", b"h,k\n" + text)
    assert len(list(iter_rows(path))) == 10_000
    assert rejected(path, limits=Limits(max_total_uncompressed=len(text))).code == "zip_bomb"
    assert rejected(path, limits=Limits(max_member_bytes=len(text) // 2)).code == "zip_bomb"


def test_zip_sizes_are_counted_while_reading():
    """Headers can lie: the stream itself stops past what was declared and the limits."""
    info = zipfile.ZipInfo("a.csv")
    info.file_size, info.compress_size = 1000, 1000
    reader = _CountingReader(io.BytesIO(bytes(5000)), info, _Budget(Limits()), "x.zip!a.csv")
    with pytest.raises(FileRejected) as caught:
        io.BufferedReader(reader, 512).read()
    assert caught.value.code == "zip_bomb"

    budget = _Budget(Limits(max_total_uncompressed=1500))
    for name in ("a.csv", "b.csv"):
        info = zipfile.ZipInfo(name)
        info.file_size = info.compress_size = 1000
        reader = _CountingReader(io.BytesIO(bytes(1000)), info, budget, name)
        if name == "a.csv":
            io.BufferedReader(reader).read()
            io.BufferedReader(_CountingReader(io.BytesIO(bytes(1000)), info, budget, name)).read()
            assert budget.total == 1000  # a second pass over a member is not counted twice
        else:
            with pytest.raises(FileRejected):
                io.BufferedReader(reader).read()


def test_zip_member_whose_header_understates_its_size_is_refused(tmp_path):
    buf = io.BytesIO()
    payload = ("名称\n" + "甲公司\n" * 50_000).encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.csv", payload)
    data = bytearray(buf.getvalue())
    size = struct.pack("<I", len(payload))
    small = struct.pack("<I", 1000)
    assert data.count(size) == 2  # local header and central directory
    data = data.replace(size, small)
    assert rejected(write(tmp_path / "liar.zip", bytes(data))).code == "file_unreadable"


@pytest.mark.parametrize(
    "name", ["../../etc/x.csv", "/etc/x.csv", "C:\\Windows\\x.csv", "a/../../b.csv"]
)
def test_zip_path_traversal_is_refused(tmp_path, name):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("ok.csv", "名称\n甲\n")
        zf.writestr(zipfile.ZipInfo(name), "名称\n乙\n")
    assert rejected(path).code == "zip_path_traversal"


def test_zip_with_too_many_members_is_refused(tmp_path):
    path = tmp_path / "many.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for i in range(5):
            zf.writestr(f"{i}.csv", "名称\n甲\n")
    assert len(list(iter_rows(path, limits=Limits(max_members=5)))) == 5
    assert rejected(path, limits=Limits(max_members=4)).code == "zip_too_many_files"


def test_nested_zip_and_zip_without_data_are_refused(tmp_path):
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("a.csv", "名称\n甲\n")
    nested = tmp_path / "nested.zip"
    with zipfile.ZipFile(nested, "w") as zf:
        zf.writestr("inner.zip", inner.getvalue())
    assert rejected(nested).code == "zip_nested"
    disguised = tmp_path / "disguised.zip"
    with zipfile.ZipFile(disguised, "w") as zf:
        zf.writestr("inner.csv", inner.getvalue())  # a zip named .csv
    assert rejected(disguised).code == "zip_nested"
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("readme.pdf", b"%PDF-1.4")
    assert rejected(empty).code == "zip_no_data"


def test_encrypted_zip_member_is_refused(tmp_path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.csv", "名称\n甲\n")
    data = bytearray(buf.getvalue())
    # Set the "encrypted" flag in the local header and the central directory entry.
    data[6] |= 0x01
    cd = data.find(b"PK\x01\x02")
    data[cd + 8] |= 0x01
    assert rejected(write(tmp_path / "enc.zip", bytes(data))).code == "file_encrypted"


def test_xml_with_external_entity_is_refused(tmp_path):
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE records [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<records><record><field name="备注">&xxe;</field></record></records>'
    )
    assert rejected(write(tmp_path / "xxe.xml", text)).code == "xml_forbidden"


def test_xml_billion_laughs_is_refused(tmp_path):
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol%s;" % ("" if i == 1 else i - 1)) * 10}">' for i in range(1, 10)
    )
    text = (
        f'<?xml version="1.0"?><!DOCTYPE records [{entities}]>'
        '<records><record><field name="备注">&lol9;</field></record></records>'
    )
    assert rejected(write(tmp_path / "lol.xml", text)).code == "xml_forbidden"


def test_xml_with_a_plain_doctype_is_refused(tmp_path):
    text = '<!DOCTYPE records SYSTEM "http://example.com/r.dtd"><records/>'
    assert rejected(write(tmp_path / "dtd.xml", text)).code == "xml_forbidden"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("<records><record><field>x</field></record></records>", "xml_schema"),
        ("<rows><row/></rows>", "xml_schema"),
        ('<records item="admin-penalty"></records>', "no_header"),
        ("<records><record><field name='a'>x</field></record>", "file_truncated"),
        ("<records><record><a>x</b></record></records>", "file_unreadable"),
    ],
)
def test_malformed_xml_is_refused(tmp_path, text, code):
    assert rejected(write(tmp_path / "bad.xml", text)).code == code


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    path = write(tmp_path / "big.csv", f"{HEADER}\n{ROW_1}\n")
    error = rejected(path, limits=Limits(max_file_bytes=100))
    assert error.code == "file_too_large"
    assert "100 字节" in error.message


def test_random_bytes_are_an_unknown_format(tmp_path):
    path = write(tmp_path / "noise.csv", random.Random(7).randbytes(4096))
    assert rejected(path).code == "format_unknown"


def test_html_disguised_as_excel_and_word_documents_are_unknown_formats(tmp_path):
    html = write(tmp_path / "export.xls", "<html><body><table><tr><td>名称</td></tr></table>")
    assert "网页" in rejected(html).message
    docx = tmp_path / "说明.docx"
    with zipfile.ZipFile(docx, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<document/>")
    assert rejected(docx).code == "format_unknown"


def test_gbk_text_with_bytes_invalid_even_in_gb18030_is_refused_naming_the_line(tmp_path):
    body = "".join(f"公司{i},罚款\n" for i in range(8000)).encode("gbk")
    path = write(tmp_path / "bad.csv", "名称,类别\n".encode("gbk") + body + b"\xff\xff,x\n")
    with pytest.raises(FileRejected) as caught:
        list(iter_rows(path))
    assert caught.value.code == "encoding_unknown"
    assert "第 8002 行" in caught.value.message


def test_utf8_text_with_mixed_in_gbk_is_refused_not_read_as_mojibake(tmp_path):
    text = "name,category\n常州市某某公司,罚款\n".encode() + "武进区,警告\n".encode("gbk")
    path = write(tmp_path / "mixed.csv", text)
    with pytest.raises(FileRejected) as caught:
        list(iter_rows(path))
    assert caught.value.code == "encoding_unknown"
    assert "第 3 行" in caught.value.message


def test_overlong_lines_and_cells_are_refused_naming_the_line(tmp_path):
    path = write(tmp_path / "long.csv", "名称,备注\n甲," + "长" * 200 + "\n")
    assert len(list(iter_rows(path))) == 1
    error = rejected(path, limits=Limits(max_line_chars=100))
    assert (error.code, "第 2 行" in error.message) == ("file_unreadable", True)
    cell = write(tmp_path / "cell.csv", 'a,b\n1,"' + "x" * 200_000 + '"\n')
    error = rejected(cell)
    assert (error.code, "第 2 行" in error.message) == ("file_unreadable", True)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("empty.csv", b""),
        ("blank.csv", b"\n\n  \n,,,\n"),
        ("data-first.csv", "常州市某某公司,91320402MA1XXXXX0X,2024-03-01\n".encode()),
        ("number-first.txt", b"1\t2\t3\n"),
    ],
)
def test_headerless_text_files_are_refused(tmp_path, name, content):
    assert rejected(write(tmp_path / name, content)).code == "no_header"


def test_headerless_workbooks_are_refused(tmp_path):
    assert rejected(xlsx(tmp_path / "empty.xlsx", {"数据": [], "代码表": [["x"]]})).code == (
        "no_header"
    )
    path = xlsx(tmp_path / "data.xlsx", {"数据": [["甲公司", 0.5, datetime.date(2024, 1, 1)]]})
    error = rejected(path)
    assert error.code == "no_header"
    assert "第 1 行" in error.message
    assert error.message.startswith("工作表“数据”第 1 行是数据而不是表头")
    text_error = rejected(write(tmp_path / "data.csv", "甲公司,2024-03-01\n"))
    assert text_error.message.startswith("第 1 行是数据而不是表头")


# --------------------------------------------------------------------------------------------
# streaming


def test_a_large_csv_is_streamed_with_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("行政相对人名称,统一社会信用代码,处罚类别,罚款金额\n")
        for i in range(200_000):
            fh.write(f"常州市第{i}号公司,91320402MA{i:08d},罚款,{i % 97}.5\n")
    size = path.stat().st_size
    started = time.perf_counter()
    tracemalloc.start()
    try:
        count = 0
        last = None
        for row in iter_rows(path):
            count += 1
            last = row
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000
    assert last is not None and last.row == 200_001
    assert peak < size / 5, (peak, size)  # a list of the rows alone would be several times size
    assert time.perf_counter() - started < 10


def test_a_large_xml_is_streamed_with_flat_memory(tmp_path):
    path = tmp_path / "big.xml"
    with path.open("w", encoding="utf-8") as fh:
        fh.write('<records item="admin-penalty">')
        for i in range(20_000):
            fh.write(f'<record><field name="名称">常州市第{i}号公司</field>')
            fh.write("<处罚类别>罚款</处罚类别></record>")
        fh.write("</records>")
    size = path.stat().st_size
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_rows(path))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 20_000
    assert peak < size / 3, (peak, size)
