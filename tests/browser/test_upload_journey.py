"""A department officer downloads the template, uploads a file with an error and reads the
feedback — in Debian chromium against a real server process whose background worker processes
the upload; the batch page follows a running job and shows the receipt when it ends."""

from __future__ import annotations

import io
import uuid
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from playwright.sync_api import expect

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login
from tests.conftest import remove_uploads

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
DOC_PREFIX = f"常市监罚〔2025〕浏览器{uuid.uuid4().hex[:6]}-"


@pytest.fixture(scope="module")
def officer(django_db_setup, django_db_blocker):
    """A committed 市场监管局 officer; what the journey loads is removed afterwards."""
    from credit.accounts.services import create_user
    from credit.core.models import Department

    with django_db_blocker.unblock():
        user = create_user(
            actor=None,
            username=f"upload-{uuid.uuid4().hex[:8]}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            department=Department.objects.get(code="SCJG"),
        )
    yield user
    with django_db_blocker.unblock():
        remove_uploads(user, DOC_PREFIX)


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
    login(page, live_url, officer)

    page.goto(f"{live_url}/catalog/admin-penalty/")
    with page.expect_download() as template:
        page.click("text=下载 Excel 报送模板")
    assert template.value.suggested_filename.endswith(".xlsx")

    page.goto(f"{live_url}/")
    page.get_by_test_id("task-nav").get_by_role("link", name="数据报送", exact=True).click()
    page.wait_for_url("**/ingest/")
    page.select_option("select[name=item]", "admin-penalty")
    page.select_option("select[name=department]", "SCJG")
    page.set_input_files("input[name=file]", str(upload_file))
    page.click("main button[type=submit]")
    page.wait_for_url("**/ingest/batches/*/")
    # The worker processes the file; the page polls its progress, then reloads as a receipt.
    expect(page.get_by_test_id("total")).to_have_text("2", timeout=20_000)
    assert page.get_by_test_id("rejected").inner_text() == "1"
    assert page.locator("td", has_text="date_invalid").count() == 1

    with page.expect_download() as feedback:
        page.click("text=下载反馈（Excel）")
    path = tmp_path / "feedback.xlsx"
    feedback.value.save_as(path)
    rows = list(openpyxl.load_workbook(io.BytesIO(path.read_bytes()))["反馈"].values)
    assert rows[2][1] == 3 and rows[2][-4] == "date_invalid"


@pytest.fixture(scope="module")
def queued_batch(officer, django_db_blocker, tmp_path_factory):
    """A committed batch waiting for a job that nobody enqueued: the test plays the job."""
    from credit.ingest.models import Batch
    from credit.ingest.pipeline import open_file_batch

    path = tmp_path_factory.mktemp("queued") / "大文件.csv"
    path.write_bytes(b"x" * 123_456)
    with django_db_blocker.unblock():
        return open_file_batch(
            actor=officer,
            path=path,
            item_code="admin-penalty",
            department_code="SCJG",
            channel=Batch.Channel.UPLOAD,
            file_name="大文件.csv",
            queued=True,
        )


def test_the_batch_page_follows_a_running_job_then_shows_the_receipt(
    queued_batch, page, live_url, officer, django_db_blocker
):
    from django.db import connection
    from django.utils import timezone

    from credit.ingest.models import Batch

    def update(**values):  # off Playwright's event loop, where the ORM may run
        def run():
            with django_db_blocker.unblock():
                try:
                    Batch.objects.filter(pk=queued_batch.pk).update(**values)
                finally:
                    connection.close()  # this thread's own connection

        with ThreadPoolExecutor(1) as pool:
            pool.submit(run).result()

    login(page, live_url, officer)
    page.goto(f"{live_url}/ingest/batches/{queued_batch.pk}/")
    expect(page.get_by_test_id("progress-status")).to_have_text("排队中")
    expect(page.get_by_test_id("progress-total")).to_have_text("0")
    assert page.get_by_test_id("total").count() == 0

    update(status=Batch.Status.PROCESSING, total=1000, rejected=7)
    expect(page.get_by_test_id("progress-status")).to_have_text("处理中", timeout=10_000)
    expect(page.get_by_test_id("progress-total")).to_have_text("1000")
    expect(page.get_by_test_id("progress-rejected")).to_have_text("7")
    expect(page.get_by_test_id("progress-rate")).to_contain_text("行/秒")

    update(status=Batch.Status.DONE, total=1500, inserted=1493, finished_at=timezone.now())
    expect(page.get_by_test_id("total")).to_have_text("1500", timeout=10_000)  # reloaded
    assert page.get_by_test_id("progress").count() == 0
    expect(page.get_by_test_id("status")).to_have_text("已完成")
