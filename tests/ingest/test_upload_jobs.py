"""Uploads run as a background job: the page stores the file and queues the job, the batch
page shows the progress until the job ends, a real procrastinate worker runs the job."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from credit.accounts.roles import Role
from credit.ingest.models import Batch
from tests.conftest import remove_uploads
from tests.ingest.test_pipeline import _csv, _row

OLE_XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000  # an old .xls workbook


def _post(client, name, data, department="SCJG", item="admin-penalty"):
    return client.post(
        "/ingest/",
        {
            "item": item,
            "department": department,
            "file": SimpleUploadedFile(name, data, content_type="application/octet-stream"),
        },
    )


def _csv_bytes(tmp_path, rows) -> bytes:
    return _csv(tmp_path / f"{uuid.uuid4().hex}.csv", rows).read_bytes()


def _job(batch):
    from procrastinate.contrib.django.models import ProcrastinateJob

    return ProcrastinateJob.objects.get(task_name="ingest.upload", args__batch_id=batch.pk)


@pytest.fixture
def officer(client, make_user):
    user = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_the_upload_page_stores_the_file_and_queues_a_job(client, officer, tmp_path, upload_dir):
    data = _csv_bytes(tmp_path, [_row(5101), _row(5102)])
    response = _post(client, "五月 处罚/../报送.CSV", data)
    batch = Batch.objects.latest("id")
    assert response.status_code == 302 and response["Location"] == f"/ingest/batches/{batch.pk}/"
    assert (batch.status, batch.total, batch.channel) == ("queued", 0, "upload")
    assert batch.file_name == "报送.CSV" and batch.file_size == len(data)
    assert batch.created_by == officer

    job = _job(batch)
    assert (job.queue_name, job.status) == ("ingest", "todo")
    assert job.args["batch_id"] == batch.pk and job.args["user_id"] == officer.pk
    stored = upload_dir / re.fullmatch(r".*/([0-9a-f]{32}\.csv)", job.args["path"]).group(1)
    assert str(stored) == job.args["path"]
    assert stored.read_bytes() == data
    assert [p.name for p in upload_dir.iterdir()] == [stored.name]  # never the user's name


@pytest.mark.django_db
def test_a_large_upload_is_moved_into_place_not_copied(
    client, officer, tmp_path, upload_dir, settings, run_upload_jobs
):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 100  # Django spools the upload to a temporary file
    data = _csv_bytes(tmp_path, [_row(5151), _row(5152)])
    _post(client, "报送.csv", data)
    [stored] = upload_dir.iterdir()
    assert stored.read_bytes() == data
    run_upload_jobs()
    assert Batch.objects.latest("id").total == 2 and not stored.exists()


@pytest.mark.django_db
def test_the_job_loads_the_file_and_removes_it(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    _post(
        client, "报送.csv", _csv_bytes(tmp_path, [_row(5201), _row(5202, **{"处罚类别": "罚金"})])
    )
    assert run_upload_jobs() == 1
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.total, batch.inserted, batch.rejected) == ("done", 2, 1, 1)
    assert list(upload_dir.iterdir()) == []
    assert batch.rows.count() == 2
    from credit.core.models import AuditEntry

    done = AuditEntry.objects.get(event_type="batch.done", object_id=str(batch.pk))
    assert done.actor == officer and done.request_id  # the upload request's id


@pytest.mark.django_db
def test_an_unreadable_file_ends_as_a_failed_batch_with_its_reason(
    client, officer, upload_dir, run_upload_jobs
):
    response = _post(client, "报送.xls", OLE_XLS)
    assert response.status_code == 302
    run_upload_jobs()  # the job ends normally: the refusal is the batch's outcome
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.error_code) == ("failed", "format_xls")
    assert list(upload_dir.iterdir()) == []
    page = client.get(response["Location"]).content.decode()
    assert "文件被拒收" in page and "另存为 .xlsx" in page and "format_xls" in page
    assert "下载反馈" not in page and "hx-get" not in page


@pytest.mark.django_db
def test_an_unexpected_error_fails_the_batch_and_the_file_is_still_removed(
    client, officer, tmp_path, upload_dir, run_upload_jobs, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("credit.ingest.tasks.process_file_batch", broken)
    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(5301)]))
    with pytest.raises(RuntimeError):  # the job fails, so the worker logs it
        run_upload_jobs()
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.error_code) == ("failed", "internal_error")
    assert list(upload_dir.iterdir()) == []
    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert "处理失败" in page and "内部错误" in page


@pytest.mark.django_db
def test_a_job_for_a_finished_or_missing_batch_changes_nothing(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    from credit.ingest.tasks import ingest_upload

    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(5401)]))
    job = _job(Batch.objects.latest("id"))
    run_upload_jobs()
    batch = Batch.objects.latest("id")
    leftover = upload_dir / "leftover.csv"
    leftover.write_bytes(b"x")
    ingest_upload(**{**job.args, "path": str(leftover)})  # the same job run twice
    assert Batch.objects.get(pk=batch.pk).total == 1 and batch.rows.count() == 1
    assert not leftover.exists()
    ingest_upload(batch_id=10**9, path=str(leftover), user_id=None)


@pytest.mark.django_db
def test_a_refused_upload_keeps_no_file(client, officer, tmp_path, upload_dir, monkeypatch):
    from credit.core.errors import PermissionDenied

    def refuse(**kwargs):
        raise PermissionDenied("只能报送本辖市区部门的数据")

    monkeypatch.setattr("credit.ingest.views.batches.open_file_batch", refuse)
    response = _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(5501)]))
    assert response.status_code == 200 and "只能报送本辖市区部门的数据" in response.content.decode()
    assert list(upload_dir.iterdir()) == []
    assert not Batch.objects.filter(created_by=officer).exists()


def _queued(client, tmp_path, rows=1):
    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(5600 + n) for n in range(rows)]))
    return Batch.objects.latest("id")


@pytest.mark.django_db
def test_the_batch_page_shows_the_progress_panel_while_the_job_runs(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _queued(client, tmp_path)
    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert f'hx-get="/ingest/batches/{batch.pk}/progress/"' in page
    assert 'hx-trigger="every 2s"' in page and "排队中" in page
    assert "下载反馈" not in page and 'data-testid="total"' not in page
    run_upload_jobs()
    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert "hx-get" not in page and "下载反馈（Excel）" in page and 'data-testid="total"' in page


@pytest.mark.django_db
def test_the_progress_partial_while_queued(client, officer, tmp_path, upload_dir):
    batch = _queued(client, tmp_path)
    response = client.get(f"/ingest/batches/{batch.pk}/progress/")
    body = response.content.decode()
    assert response.status_code == 200 and "HX-Refresh" not in response
    assert 'hx-trigger="every 2s"' in body and 'hx-swap="outerHTML"' in body
    assert "排队中" in body and "排队等待后台处理" in body
    assert re.search(r'data-testid="progress-total">0<', body)
    assert re.search(r'data-testid="progress-rate">—<', body)
    assert "%" not in body  # the number of rows in the file is not known: no percentage


@pytest.mark.django_db
def test_the_progress_partial_while_processing(client, officer, tmp_path, upload_dir):
    batch = _queued(client, tmp_path)
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.PROCESSING,
        total=1500,
        rejected=12,
        created_at=timezone.now() - datetime.timedelta(seconds=75),
    )
    response = client.get(f"/ingest/batches/{batch.pk}/progress/")
    body = response.content.decode()
    assert "HX-Refresh" not in response and 'hx-trigger="every 2s"' in body
    assert "处理中" in body
    assert re.search(r'data-testid="progress-total">1500<', body)
    assert re.search(r'data-testid="progress-rejected">12<', body)
    assert "1 分 15 秒" in body or "1 分 16 秒" in body
    assert re.search(r'data-testid="progress-rate">20 行/秒<', body)
    assert "%" not in body


@pytest.mark.django_db
def test_the_progress_partial_tells_the_page_to_reload_when_done(
    client, officer, tmp_path, upload_dir, run_upload_jobs
):
    batch = _queued(client, tmp_path, rows=3)
    run_upload_jobs()
    response = client.get(f"/ingest/batches/{batch.pk}/progress/", headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in body and "已完成" in body
    assert re.search(r'data-testid="progress-total">3<', body)
    assert f'href="/ingest/batches/{batch.pk}/"' in body  # without htmx: a link to the receipt


@pytest.mark.django_db
def test_the_progress_partial_tells_the_page_to_reload_when_failed(
    client, officer, upload_dir, run_upload_jobs
):
    _post(client, "报送.xls", OLE_XLS)
    batch = Batch.objects.latest("id")
    run_upload_jobs()
    response = client.get(f"/ingest/batches/{batch.pk}/progress/")
    body = response.content.decode()
    assert response["HX-Refresh"] == "true"
    assert "hx-trigger" not in body and "文件被拒收" in body


@pytest.mark.django_db
def test_the_progress_partial_is_scoped_like_the_batch(
    client, officer, make_user, tmp_path, upload_dir
):
    batch = _queued(client, tmp_path)
    url = f"/ingest/batches/{batch.pk}/progress/"
    client.force_login(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    assert client.get(url).status_code == 404
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    assert client.get(url).status_code == 404
    client.force_login(make_user(Role.CITY_REVIEWER))
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


# --- a real worker ----------------------------------------------------------------------
#
# procrastinate's worker reads jobs over its own connections, so it sees committed data only.
# Its documented integration test (a transactional test) cannot be used here: flushing the
# database after the test would truncate the append-only audit log, which the database
# refuses. So, like the browser journeys, this test commits what it needs and removes it.

DOC_PREFIX = f"常市监罚〔2025〕作业{uuid.uuid4().hex[:6]}-"


@pytest.fixture
def committed_officer(django_db_setup, django_db_blocker):
    from credit.accounts.services import create_user
    from credit.core.models import Department

    with django_db_blocker.unblock():
        user = create_user(
            actor=None,
            username=f"jobs-{uuid.uuid4().hex[:8]}",
            password="pw",
            role=Role.DEPT_OFFICER,
            department=Department.objects.get(code="SCJG"),
        )
    yield user
    with django_db_blocker.unblock():
        remove_uploads(user, DOC_PREFIX)


def _run_worker() -> None:
    from procrastinate.contrib.django import app

    with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
        worker_app.run_worker(
            queues=["ingest"], wait=False, install_signal_handlers=False, listen_notify=False
        )


def test_a_worker_runs_the_queued_upload_jobs(
    client, committed_officer, django_db_blocker, tmp_path, upload_dir
):
    from procrastinate.contrib.django.models import ProcrastinateJob

    with django_db_blocker.unblock():
        client.force_login(committed_officer)
        good = _csv_bytes(
            tmp_path,
            [
                _row(5701, **{"行政处罚决定书文号": f"{DOC_PREFIX}1"}),
                _row(5702, **{"行政处罚决定书文号": f"{DOC_PREFIX}2", "处罚决定日期": "明天"}),
            ],
        )
        first = _post(client, "五月处罚.csv", good)
        second = _post(client, "旧表格.xls", OLE_XLS)
        batches = list(Batch.objects.filter(created_by=committed_officer).order_by("id"))
        assert [b.status for b in batches] == ["queued", "queued"]
        assert len(list(upload_dir.iterdir())) == 2

        _run_worker()

        done, failed = (Batch.objects.get(pk=b.pk) for b in batches)
        assert (done.status, done.total, done.inserted, done.rejected) == ("done", 2, 1, 1)
        assert (failed.status, failed.error_code) == ("failed", "format_xls")
        assert list(upload_dir.iterdir()) == []
        jobs = ProcrastinateJob.objects.filter(args__batch_id__in=[b.pk for b in batches])
        assert sorted(j.status for j in jobs) == ["succeeded", "succeeded"]
        receipt = client.get(first["Location"]).content.decode()
        assert "下载反馈（Excel）" in receipt and "date_invalid" in receipt
        assert "format_xls" in client.get(second["Location"]).content.decode()
