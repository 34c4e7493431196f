"""A department officer downloads the template, uploads a file with an error and reads the
feedback — in Debian chromium against a real server process."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest

from credit.accounts.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
DOC_PREFIX = f"常市监罚〔2025〕浏览器{uuid.uuid4().hex[:6]}-"


@pytest.fixture(scope="module")
def officer(django_db_setup, django_db_blocker):
    """A committed 市场监管局 officer; what the journey loads is removed afterwards."""
    from credit.accounts.services import create_user
    from credit.core.models import Department
    from credit.ingest.models import Batch
    from credit.records.models import CreditRecord
    from credit.subjects.models import LegalPerson

    with django_db_blocker.unblock():
        user = create_user(
            actor=None,
            username=f"upload-{uuid.uuid4().hex[:8]}",
            password="Pw-123456",
            role=Role.DEPT_OFFICER,
            department=Department.objects.get(code="SCJG"),
        )
    yield user
    with django_db_blocker.unblock():
        records = CreditRecord.objects.filter(document_no__startswith=DOC_PREFIX)
        subjects = list(records.values_list("legal_person_id", flat=True))
        Batch.objects.filter(created_by=user).delete()
        records.delete()
        LegalPerson.objects.filter(pk__in=subjects, records__isnull=True).delete()


@pytest.fixture
def upload_file(officer, tmp_path):
    """Built before the page (Playwright's event loop) starts: it reads the database."""
    from tests.ingest.test_pipeline import _csv, _row

    return _csv(
        tmp_path / "五月处罚.csv",
        [
            _row(901, **{"行政处罚决定书文号": f"{DOC_PREFIX}1"}),
            _row(902, **{"行政处罚决定书文号": f"{DOC_PREFIX}2", "处罚决定日期": "2025-13-01"}),
        ],
    )


def test_officer_uploads_a_file_with_an_error_and_reads_the_feedback(
    upload_file, page, live_url, officer, tmp_path
):
    page.goto(f"{live_url}/accounts/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", "Pw-123456")
    page.click("main button[type=submit]")
    page.wait_for_url(f"{live_url}/")

    page.goto(f"{live_url}/catalog/admin-penalty/")
    with page.expect_download() as template:
        page.click("text=下载 Excel 报送模板")
    assert template.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{live_url}/")
    page.click("a:text-is('数据报送')")
    page.wait_for_url("**/ingest/")
    page.select_option("select[name=item]", "admin-penalty")
    page.select_option("select[name=department]", "SCJG")
    page.set_input_files("input[name=file]", str(upload_file))
    page.click("main button[type=submit]")
    page.wait_for_url("**/ingest/batches/*/")
    assert page.get_by_test_id("total").inner_text() == "2"
    assert page.get_by_test_id("rejected").inner_text() == "1"
    assert page.locator("td", has_text="date_invalid").count() == 1

    with page.expect_download() as feedback:
        page.click("text=下载反馈（Excel）")
    path = tmp_path / "feedback.xlsx"
    feedback.value.save_as(path)
    rows = list(openpyxl.load_workbook(io.BytesIO(path.read_bytes()))["反馈"].values)
    assert rows[2][1] == 3 and rows[2][-4] == "date_invalid"
