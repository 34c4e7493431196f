"""One decision, one record (issue 14 item 5): a decision sent again with its document number's
year in another bracket, or with full-width digits, updates its record — on the bulk path and
on the row-by-row path — and the stored number is the standard one, with the correction on
the row."""

from __future__ import annotations

import pytest

from credit.core.identifiers import make_uscc
from credit.core.models import Department
from credit.ingest.models import BatchRow
from credit.ingest.pipeline import ingest_payloads
from credit.records.models import CreditRecord, CreditRecordVersion

pytestmark = pytest.mark.django_db


def _row(n: int, document_no: str, *, sole_trader: bool = False, **changes: str) -> dict:
    dept = Department.objects.get(code="SCJG")
    row = {
        "行政相对人名称": f"常州市文号测试{n}有限公司",
        "行政相对人类别": "法人及非法人组织",
        "行政相对人代码_1(统一社会信用代码)": make_uscc("91", "320402", f"{n + 40000:08d}"),
        "法定代表人": "李四",
        "行政处罚决定书文号": document_no,
        "违法行为类型": "虚假宣传",
        "违法事实": "经查存在虚假宣传。",
        "处罚依据": "《反不正当竞争法》第二十条",
        "处罚类别": "警告",
        "处罚内容": "警告",
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
    if sole_trader:  # no USCC: registered by the row-by-row path
        row |= {
            "行政相对人类别": "个体工商户",
            "行政相对人代码_1(统一社会信用代码)": "00000000000000000X",
            "行政相对人代码_2(工商注册号)": f"32040260{n:07d}",
        }
    return row | changes


def _send(*rows: dict):
    batch = ingest_payloads(
        actor=None, rows=list(rows), item_code="admin-penalty", department_code="SCJG"
    )
    return batch, list(BatchRow.objects.filter(batch=batch).order_by("row_no"))


@pytest.mark.parametrize("sole_trader", [False, True], ids=["bulk", "row-by-row"])
def test_a_decision_resent_in_another_bracket_form_updates_its_record(sole_trader):
    first, (row,) = _send(_row(1, "常市监罚(2025)101号", sole_trader=sole_trader))
    assert first.summary()["inserted"] == 1
    record = CreditRecord.objects.get(pk=row.record_id)
    assert record.document_no == record.payload["document_no"] == "常市监罚〔2025〕101号"
    assert [c["code"] for c in row.corrections] == ["document_no_brackets"]
    assert row.corrections[0]["field"] == "document_no"
    assert row.corrections[0]["message"] == (
        "“行政处罚决定书文号”的年份括号统一为“〔〕”：“常市监罚(2025)101号”→“常市监罚〔2025〕101号”"
    )

    # the same decision, bracket and digits written otherwise: nothing to change
    again, (same,) = _send(_row(1, "常市监罚【２０２５】１０１号", sole_trader=sole_trader))
    assert again.summary()["unchanged"] == 1 and same.record_id == record.pk

    # resent with a change: the one record is updated, the previous state kept
    changed, (upd,) = _send(
        _row(1, "常市监罚［2025］101号", sole_trader=sole_trader, 处罚内容="警告并罚款")
    )
    assert changed.summary()["updated"] == 1 and upd.record_id == record.pk
    record.refresh_from_db()
    assert record.version == 2 and record.payload["penalty_content"] == "警告并罚款"
    assert CreditRecordVersion.objects.get(record=record).payload["penalty_content"] == "警告"
    assert CreditRecord.objects.filter(document_no__contains="2025〕101号").count() == 1


def test_a_record_stored_before_with_another_bracket_is_updated_by_the_standard_form():
    """A record stored as sent before the standardisation (its payload says (2025)) is found
    by the standard form: the stored number becomes the standard one, as version 2."""
    _, (row,) = _send(_row(2, "常市监罚〔2025〕102号"))
    record = CreditRecord.objects.get(pk=row.record_id)
    old = {**record.payload, "document_no": "常市监罚(2025)102号"}
    CreditRecord.objects.filter(pk=record.pk).update(payload=old, document_no="常市监罚(2025)102号")

    batch, (again,) = _send(_row(2, "常市监罚〔2025〕102号"))
    assert batch.summary()["updated"] == 1 and again.record_id == record.pk
    record.refresh_from_db()
    assert record.version == 2 and record.document_no == "常市监罚〔2025〕102号"


def test_two_bracket_forms_in_one_file_are_a_duplicate_of_the_first_row():
    batch, rows = _send(_row(3, "常市监罚〔2025〕103号"), _row(3, "常市监罚（2025）103号"))
    assert (batch.summary()["inserted"], batch.summary()["rejected"]) == (1, 1)
    assert rows[1].errors[0]["code"] == "duplicate_in_batch"
