"""Orphan batches: a run that stops without an outcome (worker killed, connection lost, job gone)
is marked 处理中断 by the periodic check, and 重新处理 — the batch page's button or
`credit ingest reprocess` — resumes it on the same file without loading anything twice."""

from __future__ import annotations

import datetime
import json
import re
import threading
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections, transaction
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.errors import CreditError
from credit.core.models import AuditEntry
from credit.ingest import pipeline, services
from credit.ingest.models import Batch, BatchRow
from credit.ingest.tasks import mark_stalled
from credit.records.models import CreditRecord
from tests.ingest.test_pipeline import HEADERS, _row
from tests.ingest.test_upload_jobs import _csv_bytes, _post

FIRST = 7100  # document numbers 常市监罚〔2025〕7100号… belong to these tests
ROWS = 5


class Killed(BaseException):
    """The worker process dies: nothing of the job runs after this point (not even its
    error handling; a real kill skips its ``finally`` too, which keeps the file anyway)."""


@pytest.fixture
def officer(client, make_user):
    user = make_user(Role.DEPT_OFFICER, department="SCJG")
    client.force_login(user)
    return user


@pytest.fixture
def killed_batch(client, officer, tmp_path, upload_dir, run_upload_jobs, monkeypatch):
    """An upload of five rows whose worker was killed after committing its first chunk
    (two rows): the batch is left ``processing`` and the file in the upload folder."""
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    real = pipeline._load_chunk
    loaded = []

    def load(*args, **kwargs):
        if loaded:
            raise Killed
        loaded.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_load_chunk", load)
    _post(client, "五月处罚.csv", _csv_bytes(tmp_path, [_row(FIRST + n) for n in range(ROWS)]))
    with pytest.raises(Killed):
        run_upload_jobs()
    monkeypatch.setattr(pipeline, "_load_chunk", real)
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.total, batch.inserted) == ("processing", 2, 2)
    assert [p.name for p in upload_dir.iterdir()] == [batch.upload_name]
    return batch


def _later(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


def _documents() -> list[str]:
    return [f"常市监罚〔2025〕{FIRST + n}号" for n in range(ROWS)]


def _stalled(batch: Batch) -> Batch:
    """``batch`` after the periodic check ran well past the stall timeout."""
    assert services.mark_stalled_batches(now=_later(31)) == [batch.pk]
    batch.refresh_from_db()
    return batch


def _age(batch: Batch, minutes: int) -> None:
    """Make the batch's last progress ``minutes`` old, as seen by the pages."""
    then = timezone.now() - datetime.timedelta(minutes=minutes)
    Batch.objects.filter(pk=batch.pk).update(progress_at=then, started_at=then)


# --- the periodic check -------------------------------------------------------------------


def test_a_batch_left_processing_by_a_killed_worker_is_marked_stalled_with_its_reason(
    killed_batch, upload_dir
):
    assert services.mark_stalled_batches(now=_later(29)) == []  # not yet past the timeout
    assert mark_stalled(timestamp=0) == []  # the periodic job, now

    assert services.mark_stalled_batches(now=_later(31)) == [killed_batch.pk]
    batch = Batch.objects.get(pk=killed_batch.pk)
    assert (batch.status, batch.error_code, batch.total) == ("failed", "stalled", 2)
    assert batch.error_message.startswith("处理中断：超过 30 分钟没有进展")
    assert batch.finished_at is not None
    entry = AuditEntry.objects.get(event_type="batch.stalled", object_id=str(batch.pk))
    assert entry.actor is None and entry.actor_repr == "system"
    assert entry.before["status"] == "processing" and entry.before["total"] == 2
    assert entry.after == {"status": "failed", "code": "stalled", "message": batch.error_message}
    assert [p.name for p in upload_dir.iterdir()] == [batch.upload_name]  # kept for 重新处理


def test_marking_stalled_batches_twice_changes_nothing_more(killed_batch):
    _stalled(killed_batch)
    before = Batch.objects.filter(pk=killed_batch.pk).values().get()
    assert services.mark_stalled_batches(now=_later(60)) == []
    assert Batch.objects.filter(pk=killed_batch.pk).values().get() == before
    stalled = AuditEntry.objects.filter(event_type="batch.stalled", object_id=str(killed_batch.pk))
    assert stalled.count() == 1


def test_a_processing_batch_with_a_fresh_heartbeat_is_not_marked(killed_batch):
    long_ago = timezone.now() - datetime.timedelta(hours=3)
    Batch.objects.filter(pk=killed_batch.pk).update(
        created_at=long_ago, started_at=long_ago, progress_at=timezone.now()
    )
    assert services.mark_stalled_batches(now=_later(29)) == []
    assert Batch.objects.get(pk=killed_batch.pk).status == "processing"


def test_a_long_job_that_keeps_committing_chunks_is_never_marked(
    client, officer, tmp_path, upload_dir, run_upload_jobs, monkeypatch
):
    """Each chunk takes 20 minutes (a clock of the pipeline's own): the job runs 100 minutes
    in all, longer than the timeout, but its heartbeat is never older than 20 minutes."""
    clock = [timezone.now()]

    class Clock:
        @staticmethod
        def now() -> datetime.datetime:
            return clock[0]

    monkeypatch.setattr(pipeline, "timezone", Clock)
    monkeypatch.setattr(pipeline, "CHUNK", 1)
    real = pipeline._load_chunk
    marked = []

    def slow_chunk(*args, **kwargs):
        clock[0] += datetime.timedelta(minutes=20)
        marked.extend(services.mark_stalled_batches(now=clock[0]))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_load_chunk", slow_chunk)
    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(FIRST + n) for n in range(ROWS)]))
    run_upload_jobs()
    batch = Batch.objects.latest("id")
    assert marked == []
    assert (batch.status, batch.total, batch.inserted) == ("done", ROWS, ROWS)
    assert batch.finished_at - batch.started_at == datetime.timedelta(minutes=20 * ROWS)


def test_a_queued_batch_waiting_for_a_busy_worker_is_not_marked(
    client, officer, tmp_path, upload_dir
):
    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(FIRST)]))
    batch = Batch.objects.latest("id")
    assert batch.job_id is not None and batch.upload_name
    assert services.mark_stalled_batches(now=_later(600)) == []  # its job is still to do


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        ("DELETE FROM procrastinate_jobs WHERE id = %s", "已不在任务队列中"),
        ("UPDATE procrastinate_jobs SET status = 'failed' WHERE id = %s", "后台作业出错"),
    ],
)
def test_a_queued_batch_whose_job_has_left_the_queue_is_marked_at_once(
    client, officer, tmp_path, upload_dir, sql, message
):
    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(FIRST)]))
    batch = Batch.objects.latest("id")
    with connection.cursor() as cursor:
        cursor.execute(sql, [batch.job_id])
    assert services.mark_stalled_batches() == [batch.pk]
    batch.refresh_from_db()
    assert batch.error_code == "stalled" and message in batch.error_message


def test_a_late_chunk_of_a_run_marked_stalled_writes_nothing(
    client, officer, tmp_path, upload_dir, run_upload_jobs, monkeypatch
):
    """A run silent for longer than the timeout (say, waiting on a lock) is marked; when it
    wakes up it stops before its next chunk, leaves the batch as marked and keeps the file."""
    monkeypatch.setattr(pipeline, "CHUNK", 2)
    real = pipeline._load_chunk
    chunks = []

    def load(batch, *args, **kwargs):
        if chunks:  # the run went silent after its first chunk and was marked meanwhile
            services.mark_stalled_batches(now=_later(31))
        chunks.append(1)
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(pipeline, "_load_chunk", load)
    _post(client, "报送.csv", _csv_bytes(tmp_path, [_row(FIRST + n) for n in range(ROWS)]))
    run_upload_jobs()  # the job ends normally: the batch is no longer its own
    batch = Batch.objects.latest("id")
    assert (batch.status, batch.error_code, batch.total) == ("failed", "stalled", 2)
    assert batch.rows.count() == 2
    assert not AuditEntry.objects.filter(event_type="batch.failed", object_id=str(batch.pk))
    assert [p.name for p in upload_dir.iterdir()] == [batch.upload_name]


# --- re-processing ------------------------------------------------------------------------


def _assert_loaded_once(batch: Batch) -> None:
    """The batch ends as one uninterrupted run would: every row once, every record once."""
    batch.refresh_from_db()
    assert (batch.status, batch.error_code) == ("done", "")
    assert (batch.total, batch.inserted, batch.updated, batch.unchanged) == (ROWS, ROWS, 0, 0)
    assert batch.rejected == 0
    rows = list(batch.rows.order_by("id").values_list("row_no", "status"))
    assert [row_no for row_no, _ in rows] == [n + 2 for n in range(ROWS)]
    assert batch.corrected == sum(status == BatchRow.Status.CORRECTED for _, status in rows)
    assert CreditRecord.objects.filter(document_no__in=_documents()).count() == ROWS


def test_the_reprocess_button_resumes_the_batch_and_loads_nothing_twice(
    client, officer, killed_batch, upload_dir, run_upload_jobs
):
    batch = _stalled(killed_batch)
    url = f"/ingest/batches/{batch.pk}/"
    page = client.get(url).content.decode()
    assert "处理中断：超过 30 分钟没有进展" in page and "中断前已处理的 2 行已保存" in page
    assert "可点击“重新处理”从中断处继续" in page
    assert f'action="/ingest/batches/{batch.pk}/reprocess/"' in page

    response = client.post(f"{url}reprocess/")
    assert response.status_code == 302 and response["Location"] == url
    batch.refresh_from_db()
    assert (batch.status, batch.error_code, batch.error_message) == ("queued", "", "")
    entry = AuditEntry.objects.get(event_type="batch.reprocessed", object_id=str(batch.pk))
    assert entry.actor == officer
    assert entry.after == {"status": "queued", "job": batch.job_id, "resume_after": 2}
    assert "已重新排队处理" in client.get(url).content.decode()

    assert run_upload_jobs() == 1
    _assert_loaded_once(batch)
    assert list(upload_dir.iterdir()) == []  # done: the file is removed


def test_the_reprocess_command_resumes_the_batch_as_the_system(
    killed_batch, upload_dir, run_upload_jobs, capsys
):
    batch = _stalled(killed_batch)
    call_command("ingest", "reprocess", str(batch.pk))
    receipt = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    batch.refresh_from_db()
    assert receipt == {
        "batch": batch.pk,
        "status": "queued",
        "job": batch.job_id,
        "resume_after": 2,
    }
    entry = AuditEntry.objects.get(event_type="batch.reprocessed", object_id=str(batch.pk))
    assert entry.actor is None
    assert run_upload_jobs() == 1
    _assert_loaded_once(batch)

    with pytest.raises(CommandError, match="batch_done"):  # a second time: nothing to do
        call_command("ingest", "reprocess", str(batch.pk))
    with pytest.raises(CommandError, match="batch_not_found"):
        call_command("ingest", "reprocess", "999999999")


def test_the_credit_office_may_reprocess_another_departments_batch(client, killed_batch, make_user):
    batch = _stalled(killed_batch)
    client.force_login(make_user(Role.CITY_REVIEWER))
    assert "重新处理</button>" in client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    client.post(f"/ingest/batches/{batch.pk}/reprocess/")
    assert Batch.objects.get(pk=batch.pk).status == "queued"


def test_who_may_not_reprocess_gets_a_404_or_403_and_the_batch_stays_interrupted(
    client, killed_batch, make_user
):
    batch = _stalled(killed_batch)
    url = f"/ingest/batches/{batch.pk}/reprocess/"
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))  # another department
    assert client.post(url).status_code == 404
    client.force_login(make_user(Role.DISTRICT_ADMIN))  # another region's administrator
    assert client.post(url).status_code == 404
    client.force_login(make_user(Role.AUDITOR))  # sees the batch, may not act on it
    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert "重新处理</button>" not in page and "市信用办点击“重新处理”" in page
    assert client.post(url).status_code == 403
    client.logout()
    assert client.post(url).status_code == 302  # to the login page
    batch.refresh_from_db()
    assert (batch.status, batch.error_code) == ("failed", "stalled")
    assert not AuditEntry.objects.filter(event_type="batch.reprocessed", object_id=str(batch.pk))


def test_a_pushed_batch_cannot_be_reprocessed_and_the_page_says_why(client, officer):
    batch = pipeline.ingest_payloads(
        actor=officer,
        rows=[dict(zip(HEADERS, _row(FIRST), strict=True))],
        item_code="admin-penalty",
        department_code="SCJG",
    )
    Batch.objects.filter(pk=batch.pk).update(status="processing", finished_at=None)
    batch = _stalled(batch)

    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert "无法重新处理：该批次由接口推送" in page and "请联系报送系统重新推送" in page
    assert "重新处理</button>" not in page
    response = client.post(f"/ingest/batches/{batch.pk}/reprocess/", follow=True)
    assert "（batch_pushed）" in response.content.decode()
    assert Batch.objects.get(pk=batch.pk).status == "failed"
    with pytest.raises(CommandError, match="batch_pushed"):
        call_command("ingest", "reprocess", str(batch.pk))


def test_an_upload_whose_file_is_gone_cannot_be_reprocessed(client, killed_batch, upload_dir):
    batch = _stalled(killed_batch)
    (upload_dir / batch.upload_name).unlink()
    page = client.get(f"/ingest/batches/{batch.pk}/").content.decode()
    assert "无法重新处理：上传的文件已不在服务器上" in page and "请重新上传该文件" in page
    client.post(f"/ingest/batches/{batch.pk}/reprocess/")
    assert Batch.objects.get(pk=batch.pk).status == "failed"


def test_a_changed_file_is_not_reprocessed(client, killed_batch, upload_dir):
    batch = _stalled(killed_batch)
    stored = upload_dir / batch.upload_name
    data = bytearray(stored.read_bytes())
    data[-3] = ord("9") if data[-3] != ord("9") else ord("8")  # same size, other content
    stored.write_bytes(bytes(data))
    response = client.post(f"/ingest/batches/{batch.pk}/reprocess/", follow=True)
    assert "（upload_changed）" in response.content.decode()
    assert Batch.objects.get(pk=batch.pk).status == "failed"


def test_a_done_or_refused_batch_is_not_reprocessed(client, officer, killed_batch):
    Batch.objects.filter(pk=killed_batch.pk).update(status="done")
    with pytest.raises(CreditError, match="无需重新处理"):
        services.reprocess_batch(actor=officer, batch=killed_batch)
    Batch.objects.filter(pk=killed_batch.pk).update(status="failed", error_code="format_xls")
    page = client.get(f"/ingest/batches/{killed_batch.pk}/").content.decode()
    assert "重新处理" not in page


# --- the progress panel -------------------------------------------------------------------


def test_the_progress_panel_stops_live_updates_when_a_batch_makes_no_progress(client, killed_batch):
    url = f"/ingest/batches/{killed_batch.pk}/progress/"
    body = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in body and "没有进展" not in body

    _age(killed_batch, 31)  # past the timeout, not yet marked by the periodic check
    response = client.get(url)
    body = response.content.decode()
    assert "HX-Refresh" not in response
    assert 'hx-trigger="every 30s"' in body and "every 2s" not in body
    assert "已超过 30 分钟没有进展，后台处理可能已中断" in body
    assert "正在后台读取" not in body and "本页每 2 秒自动更新" not in body

    services.mark_stalled_batches()
    response = client.get(url)
    body = response.content.decode()
    assert response["HX-Refresh"] == "true" and "hx-trigger" not in body
    assert re.search(r'data-testid="progress-status">处理中断<', body)
    assert "处理中断：超过 30 分钟没有进展" in body and "可点击“重新处理”从中断处继续" in body


def test_the_batch_list_says_interrupted_not_refused(client, killed_batch):
    _stalled(killed_batch)
    page = client.get("/ingest/batches/").content.decode()
    assert "处理中断" in page and "文件被拒收" not in page


# --- several workers ----------------------------------------------------------------------


def test_a_batch_locked_by_a_run_committing_a_chunk_is_skipped(django_db_setup, django_db_blocker):
    """With committed data and a second connection: while a run holds the batch's row (a
    chunk in flight), the check skips the batch instead of waiting or marking it."""
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department

    long_ago = timezone.now() - datetime.timedelta(hours=2)
    with django_db_blocker.unblock():
        department = Department.objects.get(code="SCJG")
        item = CatalogItem.objects.get(code="admin-penalty")
        batch = Batch.objects.create(
            item=item,
            item_version=item.version,
            department=department,
            region_id=department.region_id,
            channel=Batch.Channel.CLI,
            file_name=f"locked-{uuid.uuid4().hex[:6]}.csv",
            status=Batch.Status.PROCESSING,
            started_at=long_ago,
            progress_at=long_ago,
        )
        locked, release = threading.Event(), threading.Event()

        def chunk_in_flight() -> None:
            try:
                with transaction.atomic():
                    Batch.objects.select_for_update().get(pk=batch.pk)
                    locked.set()
                    release.wait(10)
            finally:
                connections.close_all()

        worker = threading.Thread(target=chunk_in_flight)
        worker.start()
        try:
            assert locked.wait(10)
            assert batch.pk not in services.mark_stalled_batches()
            assert Batch.objects.get(pk=batch.pk).status == "processing"
        finally:
            release.set()
            worker.join()
        try:
            assert batch.pk in services.mark_stalled_batches()
            assert Batch.objects.get(pk=batch.pk).error_code == "stalled"
        finally:
            Batch.objects.filter(pk=batch.pk).delete()
