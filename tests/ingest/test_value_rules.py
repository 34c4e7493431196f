"""Values and row rules through the pipeline (issue 14 items 3, 4, 6 and 7): amounts with
their unit, placeholders, older wordings and the catalog's row checks on stored batch rows —
warnings kept on the row (accepted), rejections as row errors with field, code and message."""

from __future__ import annotations

import datetime

import pytest

from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department
from credit.ingest.models import BatchRow
from credit.ingest.pipeline import ingest_payloads
from credit.records.models import CreditRecord

pytestmark = pytest.mark.django_db


def _row(n: int, **changes: str) -> dict:
    dept = Department.objects.get(code="SCJG")
    row = {
        "行政相对人名称": f"常州市取值测试{n}有限公司",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": make_uscc("91", "320402", f"{n + 50000:08d}"),
        "法定代表人": "李四",
        "行政处罚决定书文号": f"常市监罚〔2025〕{n + 700}号",
        "违法行为类型": "虚假宣传",
        "违法事实": "经查存在虚假宣传。",
        "处罚依据": "《反不正当竞争法》第二十条",
        "处罚类别": "罚款",
        "处罚内容": "罚款一万五千元",
        "罚款金额(万元)": "1.5",
        "处罚决定日期": "2025-03-05",
        "处罚有效期": "2025-09-05",
        "公示截止期": "2026-03-05",
        "处罚机关": dept.name,
        "处罚机关统一社会信用代码": dept.uscc,
        "数据来源单位": dept.name,
        "数据来源单位统一社会信用代码": dept.uscc,
        "信息使用范围": "社会公开",
        "失信严重程度": "一般",
    }
    return row | changes


def _send(*rows: dict) -> list[BatchRow]:
    batch = ingest_payloads(
        actor=None, rows=list(rows), item_code="admin-penalty", department_code="SCJG"
    )
    return list(BatchRow.objects.filter(batch=batch).order_by("row_no"))


def test_an_amount_in_yuan_is_stored_in_wan_yuan_with_its_correction():
    (row,) = _send(_row(1, **{"罚款金额(万元)": "15,000元"}))
    assert row.status == BatchRow.Status.CORRECTED
    assert [c["code"] for c in row.corrections] == ["number_reformatted", "unit_converted"]
    assert "由元换算为万元" in row.corrections[-1]["message"]
    record = CreditRecord.objects.get(pk=row.record_id)
    assert record.payload["fine_amount"] == "1.5"


def test_placeholders_and_older_wordings_are_corrected_on_the_row():
    (row,) = _send(_row(2, 行政相对人类别="法人和其他组织", 失信严重程度="无", 备注="/"))
    assert row.status == BatchRow.Status.CORRECTED
    codes = {(c["field"], c["code"]) for c in row.corrections}
    assert codes == {
        ("subject_category", "synonym_mapped"),
        ("severity", "placeholder_emptied"),
        ("remark", "placeholder_emptied"),
    }
    payload = CreditRecord.objects.get(pk=row.record_id).payload
    assert payload["subject_category"] == "法人及非法人组织"
    assert "severity" not in payload and "remark" not in payload


def test_a_placeholder_in_a_required_field_rejects_the_row_as_missing():
    (row,) = _send(_row(3, 处罚机关="无"))
    assert row.status == BatchRow.Status.REJECTED
    assert [(e["field"], e["code"], e["message"]) for e in row.errors] == [
        ("authority", "required", "“处罚机关”为必填项，“无”不是有效值")
    ]


def test_a_decision_after_its_publicity_end_is_a_row_error():
    (row,) = _send(_row(4, 公示截止期="2025-03-01"))
    assert row.status == BatchRow.Status.REJECTED
    ((field, code, cls),) = [(e["field"], e["code"], e["class"]) for e in row.errors]
    assert (field, code, cls) == ("publicity_end", "date_order", "single_source.record")
    assert row.record_id is None


def test_warnings_of_the_row_checks_are_stored_and_the_row_is_accepted():
    sole_trader = make_uscc("92", "320402", f"{50005:08d}")
    (row,) = _send(
        _row(5, **{"行政相对人代码_1(统一社会信用代码)": sole_trader, "罚款金额(万元)": "15000"})
    )
    assert row.status == BatchRow.Status.ACCEPTED and row.record_id is not None
    assert [(w["field"], w["code"], w["class"]) for w in row.warnings] == [
        ("uscc", "uscc_category_mismatch", "single_source.record"),
        ("fine_amount", "amount_implausible", "single_source.record"),
    ]
    assert all(w["message"] for w in row.warnings)


def test_a_resident_id_out_of_time_is_loaded_with_a_warning():
    number = make_resident_id("320413", datetime.date(1980, 5, 17), 123)
    (row,) = _send(
        _row(
            6,
            行政相对人名称="王五",
            行政相对人类别="自然人",
            **{"行政相对人代码_1(统一社会信用代码)": "", "法定代表人": ""},
            证件类型="身份证",
            证件号码=number,
        )
    )
    assert row.status == BatchRow.Status.CORRECTED  # 身份证 → 居民身份证
    assert row.record_id is not None
    assert [(w["field"], w["code"]) for w in row.warnings] == [
        ("id_number", "id_division_not_in_force")
    ]
    assert number not in row.warnings[0]["message"]
