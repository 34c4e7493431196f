"""A department's workbook as clerks really send it, end to end: a merged title and 填报单位 row
above the header, header variants, every value form the cleaning accepts (units, 元 in a 万元
column, thousands separators, placeholders, old wording, bracket forms of a document number,
a resident ID whose division did not exist at birth), row rules that warn, and 合计/填表说明
rows after the data — and what the library stores for each."""

from __future__ import annotations

import datetime

import pytest

from credit.core.identifiers import make_resident_id, make_uscc
from credit.ingest.pipeline import ingest_file
from credit.records.models import CreditRecord
from tests.ingest.test_layout import _government_workbook
from tests.ingest.test_pipeline import HEADERS, _row

pytestmark = pytest.mark.django_db

#: The columns as a provincial template or a clerk writes them.
VARIANTS = {
    "行政相对人代码_1(统一社会信用代码)": "行政相对人代码-统一社会信用代码",
    "处罚决定日期": "处罚决定日期：",
    "罚款金额(万元)": "罚 款 金 额（万元）",
    "处罚机关": "处罚机关:",
    "处罚有效期": "处罚有效期 ",
}
#: 金坛区 320413 exists since 2015: a person born there in 1990 carries the code of the day.
JINTAN_1990 = make_resident_id("320413", datetime.date(1990, 6, 1), 3)


def _rows() -> list[list[str]]:
    uscc = make_uscc("91", "320402", "00000901")
    trader = make_uscc("92", "320402", "00000902")
    return [
        # 1.5万元 in a 万元 column; old wording of the category; (2024) brackets; 无 in an
        # optional column.
        _row(
            901,
            **{
                "行政相对人代码_1(统一社会信用代码)": uscc,
                "行政相对人类别": "法人和其他组织",
                "罚款金额(万元)": "1.5万元",
                "行政处罚决定书文号": "常市监罚(2024)901号",
                "证件类型": "无",
            },
        ),
        # 15000元 in a 万元 column → 1.5; 个体户; 【2024】.
        _row(
            902,
            **{
                "行政相对人代码_1(统一社会信用代码)": trader,
                "行政相对人类别": "个体户",
                "罚款金额(万元)": "15000元",
                "行政处罚决定书文号": "常市监罚【2024】902号",
            },
        ),
        # A natural person with a 1990 金坛区 number; thousands separators and an amount above
        # the plausibility bound (a warning, accepted).
        _row(
            903,
            natural=True,
            **{
                "证件号码": JINTAN_1990,
                "罚款金额(万元)": "12,000",
                "行政处罚决定书文号": "常市监罚〔2024〕903号",
            },
        ),
        # A company whose USCC says 个体工商户 (92…) under the category of a legal person:
        # accepted with a warning.
        _row(
            904,
            **{
                "行政相对人代码_1(统一社会信用代码)": make_uscc("92", "320402", "00000904"),
                "处罚类别": "警告",
                "罚款金额(万元)": "-",
            },
        ),
        # Decision after the end of its publicity: refused with the reason.
        _row(905, **{"处罚决定日期": "2025-03-05", "处罚有效期": "2025-01-01"}),
    ]


def _ingest(path):
    return ingest_file(actor=None, path=path, item_code="admin-penalty", department_code="SCJG")


def _record(document_no: str) -> CreditRecord:
    return CreditRecord.objects.get(document_no=document_no)


def test_a_clerks_workbook_is_read_cleaned_and_stored_in_national_standard_form(tmp_path):
    headers = [VARIANTS.get(h, h) for h in HEADERS]
    path = _government_workbook(tmp_path / "行政处罚一季度.xlsx", headers, _rows())
    batch = _ingest(path)

    # The layout: header on row 4, the notes after the data passed over with a warning.
    assert (batch.status, batch.total, batch.inserted, batch.rejected) == ("done", 5, 4, 1)
    assert batch.unknown_columns == []
    [layout] = batch.metrics["layout"]
    assert layout["header_row"] == 4 and layout["rows"] == 5
    assert [n["row"] for n in layout["notes_rows"]] == [10, 11, 12, 13]

    # Values stored as the national standard has them.
    first = _record("常市监罚〔2024〕901号")
    assert first.payload["fine_amount"] == "1.5"
    assert first.payload["subject_category"] == "法人及非法人组织"
    assert "id_type" not in first.payload  # 无 in an optional column is nothing
    second = _record("常市监罚〔2024〕902号")
    assert second.payload["fine_amount"] == "1.5"  # converted from 元, never 15000
    assert second.payload["subject_category"] == "个体工商户"
    third = _record("常市监罚〔2024〕903号")
    assert third.payload["fine_amount"] == "12000"
    assert third.natural_person.id_masked.endswith(JINTAN_1990[-4:])
    fourth = batch.rows.get(row_no=8)
    assert "fine_amount" not in _record(f"常市监罚〔2025〕{904}号").payload

    # Every correction and warning is on its row; the refusal names the field and the reason.
    rows = {r.row_no: r for r in batch.rows.all()}
    codes = {n: {c["code"] for c in r.corrections} for n, r in rows.items()}
    assert {"unit_removed", "synonym_mapped", "document_no_brackets", "placeholder_emptied"} <= (
        codes[5]
    )
    assert {"unit_converted", "synonym_mapped", "document_no_brackets"} <= codes[6]
    assert "number_reformatted" in codes[7]
    warnings = {n: {w["code"] for w in r.warnings} for n, r in rows.items()}
    assert {"id_division_not_in_force", "amount_implausible"} <= warnings[7]
    assert "uscc_category_mismatch" in warnings[8] and fourth.status == "corrected"
    assert rows[9].status == "rejected"
    assert [(e["field"], e["code"]) for e in rows[9].errors] == [("valid_to", "date_order")]

    # The same decisions sent again in other bracket forms update nothing and add nothing.
    again = [
        _row(901, **{**dict(zip(HEADERS, _rows()[0], strict=True)), "行政处罚决定书文号": d})
        for d in ["常市监罚（2024）901号"]
    ]
    second_batch = _ingest(_government_workbook(tmp_path / "补报.xlsx", headers, again))
    assert (second_batch.inserted, second_batch.unchanged) == (0, 1)
    assert CreditRecord.objects.filter(document_no__contains="2024）901").count() == 0
    assert CreditRecord.objects.filter(document_no="常市监罚〔2024〕901号").count() == 1
