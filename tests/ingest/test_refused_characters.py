"""A cell holding NUL, another control character or a lone surrogate rejects its row with the
field named (``invalid_characters``) instead of failing the batch — whatever the channel: a file
through ``credit ingest`` (an xlsx can carry NUL as ``_x0000_``) or rows pushed in code."""

from __future__ import annotations

import io

import openpyxl
import pytest

from credit.ingest.feedback import feedback_xlsx
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_payloads
from tests.ingest.test_pipeline import HEADERS, _row, _run

pytestmark = pytest.mark.django_db


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def test_a_file_cell_with_nul_rejects_its_row_and_the_batch_goes_on(tmp_path, capsys):
    # openpyxl writes "_x0000_" as it is; a reader of the file gets NUL back.
    bad = _row(82, **{"行政相对人名称": "常州市测试_x0000_有限公司"})
    path = _xlsx(tmp_path / "报送.xlsx", [_row(81), bad, _row(83)])

    receipt = _run(path, capsys)

    assert (receipt["total"], receipt["inserted"], receipt["rejected"]) == (3, 2, 1)
    batch = Batch.objects.get(pk=receipt["batch"])
    assert batch.status == Batch.Status.DONE
    row = batch.rows.get(status="rejected")
    assert row.row_no == 3
    (error,) = row.errors
    assert error["code"] == "invalid_characters" and error["class"] == "single_source.record"
    assert error["message"] == "“行政相对人名称”含有不允许的字符（控制字符 NUL），请删除后重新报送"

    sheet = openpyxl.load_workbook(io.BytesIO(feedback_xlsx(batch, principal=None)))["反馈"]
    cells = [c for r in sheet.iter_rows(values_only=True) for c in r]
    assert "常州市测试\\x00有限公司" in cells


def test_a_pushed_row_with_a_lone_surrogate_is_rejected_and_the_others_are_loaded():
    good = dict(zip(HEADERS, _row(91), strict=True))
    bad = dict(zip(HEADERS, _row(92), strict=True)) | {"处罚内容": "罚款\ud800元"}
    unknown = dict(zip(HEADERS, _row(93), strict=True)) | {"备注\x00": "x"}

    batch = ingest_payloads(
        actor=None, rows=[good, bad, unknown], item_code="admin-penalty", department_code="SCJG"
    )

    assert (batch.total, batch.inserted, batch.rejected) == (3, 1, 2)
    errors = {r.row_no: r.errors for r in batch.rows.filter(status="rejected")}
    assert [e["code"] for e in errors[3]] == ["invalid_characters"]
    assert "无效的代理字符 U+D800" in errors[3][0]["message"]
    assert errors[4][0]["field"] == "备注\\x00"
