"""The one Excel helper (``credit.core.http.xlsx_workbook``): any text can be written — the
characters a workbook cannot hold come out visibly escaped — and no text becomes a formula."""

from __future__ import annotations

import datetime
import io
import zoneinfo

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from credit.core.http import xlsx_text, xlsx_title, xlsx_workbook

ANY_TEXT = st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=40)


def _read(content: bytes) -> dict[str, list[list]]:
    wb = load_workbook(io.BytesIO(content))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


@settings(max_examples=60, deadline=None)
@given(title=ANY_TEXT, header=ANY_TEXT, cells=st.lists(ANY_TEXT, min_size=1, max_size=4))
def test_any_text_in_titles_headers_and_cells_makes_a_workbook_that_opens(title, header, cells):
    content = xlsx_workbook([(title, [header], [[c] for c in cells])])
    sheets = _read(content)
    (rows,) = sheets.values()
    expected = [xlsx_text(header), *(xlsx_text(c) for c in cells)]
    # A workbook gives back an empty string as an empty cell, and a CR sometimes as a line feed
    # (XML normalises a bare CR in text; openpyxl escapes it in some cells and not in others).
    got = [((r[0] or "") if r else "").replace("\r", "\n") for r in rows]
    assert got == [e.replace("\r", "\n") for e in expected]


def test_a_control_character_is_written_visibly_in_cells_headers_and_titles():
    content = xlsx_workbook([("核查\x07记录/2025", ["事由\x00"], [["响\x07铃\x1b", "=1+1\x01"]])])
    sheets = _read(content)
    assert list(sheets) == ["核查_记录_2025"]
    assert sheets["核查_记录_2025"] == [["事由\\x00", None], ["响\\x07铃\\x1b", "'=1+1\\x01"]]


def test_a_lone_surrogate_and_xml_noncharacters_are_written_visibly():
    assert xlsx_text("a\ud800b\ufffe\uffff") == "a\\ud800b\\ufffe\\uffff"
    assert xlsx_text("第一行\n第二行\t") == "第一行\n第二行\t"


def test_a_sheet_title_is_cut_to_what_excel_takes():
    assert xlsx_title("a" * 40) == "a" * 31
    assert xlsx_title("") == "Sheet"


def test_an_aware_time_is_written_in_local_time():
    beijing = zoneinfo.ZoneInfo("Asia/Shanghai")
    at = datetime.datetime(2025, 3, 1, 1, 30, tzinfo=datetime.UTC)
    sheets = _read(xlsx_workbook([("t", ["时间"], [[at]])]))
    assert sheets["t"][1][0] == at.astimezone(beijing).replace(tzinfo=None)
