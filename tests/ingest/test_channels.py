"""The upload page, the JSON push API and the feedback files: one pipeline, scoped reads.

An upload is processed by a background job (test_upload_jobs.py); here the queued jobs are
run in the test's transaction by ``run_upload_jobs``."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from credit.accounts.roles import Role
from credit.core.http import escape_formula
from credit.ingest.models import Batch
from tests.ingest.test_pipeline import HEADERS, _csv, _row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _uploads(upload_dir):
    return upload_dir


def _upload(client, tmp_path, rows, department="SCJG", item="admin-penalty"):
    data = _csv(tmp_path / "报送.csv", rows).read_bytes()
    return client.post(
        "/ingest/",
        {
            "item": item,
            "department": department,
            "file": SimpleUploadedFile("报送.csv", data, content_type="text/csv"),
        },
    )


def test_an_officer_uploads_a_file_and_reads_the_receipt(
    client, make_user, tmp_path, run_upload_jobs
):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    response = _upload(client, tmp_path, [_row(11), _row(12, **{"处罚类别": "罚金"})])
    assert response.status_code == 302
    batch = Batch.objects.latest("id")
    assert response["Location"] == f"/ingest/batches/{batch.pk}/"
    assert batch.status == Batch.Status.QUEUED
    assert run_upload_jobs() == 1
    batch.refresh_from_db()
    assert (batch.channel, batch.total, batch.rejected) == ("upload", 2, 1)
    assert batch.file_name == "报送.csv"
    page = client.get(response["Location"]).content.decode()
    assert "code_invalid" in page and "罚金" in page


def test_an_officer_cannot_upload_for_another_department(client, make_user, tmp_path):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    response = _upload(client, tmp_path, [_row(1)], department="SW")
    assert response.status_code == 200  # the form refuses SW: not in its choices
    assert not Batch.objects.exists()


def test_a_refused_file_is_reported_on_the_batch_page_and_list(
    client, make_user, tmp_path, run_upload_jobs
):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    response = _upload(client, tmp_path, [_row(1)], item="admin-license")
    assert response.status_code == 302
    run_upload_jobs()
    page = client.get(response["Location"]).content.decode()
    assert "文件被拒收" in page and "wrong_item" in page
    listing = client.get("/ingest/batches/").content.decode()
    assert "文件被拒收" in listing and "表头与目录项" in listing


def test_the_feedback_workbook_returns_the_rows_as_sent_and_escapes_formulas(
    client, make_user, tmp_path, run_upload_jobs
):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    _upload(
        client,
        tmp_path,
        [_row(21, **{"违法事实": "=cmd|' /C calc'!A0"}), _row(22, **{"处罚决定日期": "明天"})],
    )
    run_upload_jobs()
    batch = Batch.objects.latest("id")
    response = client.get(f"/ingest/batches/{batch.pk}/feedback.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content))["反馈"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert header[:2] == ("来源", "行号") and header[-5:] == (
        "状态",
        "错误代码",
        "错误说明",
        "纠正说明",
        "提示",
    )
    facts = header.index("违法事实")
    assert rows[1][facts] == "'=cmd|' /C calc'!A0"
    assert rows[2][1] == 3 and rows[2][-4] == "date_invalid"
    assert all(not (isinstance(c, str) and c.startswith("=")) for row in rows for c in row)
    data = json.loads(client.get(f"/ingest/batches/{batch.pk}/feedback.json").content)
    assert [r["status"] for r in data] == ["corrected", "rejected"]


def test_escape_formula():
    assert escape_formula("=1+1") == "'=1+1"
    assert escape_formula("@SUM(A1)") == "'@SUM(A1)"
    assert escape_formula("-2") == "'-2"
    assert escape_formula("常州") == "常州"


def test_batches_are_scoped_like_records(client, make_user, tmp_path, run_upload_jobs):
    scjg = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(scjg)
    _upload(client, tmp_path, [_row(31)])
    run_upload_jobs()
    batch = Batch.objects.latest("id")
    client.force_login(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    assert client.get(f"/ingest/batches/{batch.pk}/").status_code == 404
    assert client.get(f"/api/v1/ingest/batches/{batch.pk}").status_code == 404
    client.force_login(make_user(Role.CITY_REVIEWER))
    assert client.get(f"/ingest/batches/{batch.pk}/").status_code == 200
    client.force_login(make_user(Role.AUDITOR))
    assert client.get("/ingest/").status_code == 403  # read-only role cannot submit


def test_the_push_api_takes_rows_and_returns_receipt_and_feedback(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    rows = [
        dict(zip(HEADERS, _row(41), strict=True)),
        dict(zip(HEADERS, _row(42, **{"行政相对人类别": "法人"}), strict=True)),
    ]
    rows[1]["行政相对人类别"] = "企业"
    response = client.post(
        "/api/v1/ingest/admin-penalty", {"rows": rows}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["total"], body["inserted"], body["rejected"]) == (2, 1, 1)
    assert body["feedback"][1]["errors"][0]["code"] == "code_invalid"
    assert body["feedback"][1]["errors"][0]["class"] == "single_source.record"
    receipt = client.get(f"/api/v1/ingest/batches/{body['batch']}").json()
    assert receipt["inserted"] == 1


def test_the_push_api_refuses_anonymous_and_oversized_requests(client, make_user):
    assert (
        client.post(
            "/api/v1/ingest/admin-penalty", {"rows": []}, content_type="application/json"
        ).status_code
        == 401
    )
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    response = client.post(
        "/api/v1/ingest/admin-penalty", {"rows": [{}] * 5001}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["code"] == "too_many_rows"
