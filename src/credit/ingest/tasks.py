"""Background jobs of the ingest app, run by ``credit procrastinate worker``.

- ``ingest.upload``: an uploaded file is stored under ``var/uploads`` and its batch opened
  (status ``queued``) by the upload page in one transaction with the job
  (:func:`queue_upload`), so a batch never waits for a job that was not enqueued. The job
  reads the file through the same pipeline as every other channel. Counts and the batch's
  heartbeat are saved after every chunk, so the batch page shows the progress while the job
  runs. The file is removed once the batch has its outcome (done, refused, failed on an
  error) and kept while it may still be needed: a job interrupted (worker killed,
  connection lost) leaves it for 重新处理 (:func:`credit.ingest.services.reprocess_batch`).
- ``ingest.mark_stalled`` (every five minutes): marks the batches that stopped making
  progress failed with the reason 处理中断 (``stalled``), see
  :func:`credit.ingest.services.mark_stalled_batches`. Any running worker defers it once per
  period; it is idempotent, so a late or repeated run is harmless.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.db import DatabaseError
from django.utils import timezone
from procrastinate.contrib.django import app

from credit import dbserver
from credit.core import audit, context
from credit.core.access import principal_of
from credit.ingest.errors import BatchInterrupted, FileRejected
from credit.ingest.models import INTERNAL_ERROR, STALLED, Batch
from credit.ingest.pipeline import process_file_batch

logger = logging.getLogger(__name__)

#: Recorded on a batch whose job stopped on an unexpected error (not a rejected file).
INTERNAL_MESSAGE = "后台处理时发生内部错误，请稍后重新上传；如仍失败请联系市信用办"


def upload_dir() -> Path:
    """Where uploaded files wait for their job: ``var/uploads`` (shared by the web processes
    and the workers)."""
    path = dbserver.var_dir() / "uploads"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def queue_upload(batch: Batch, path: Path, *, actor: Any) -> int:
    """Enqueue the job that processes a queued file batch, in the caller's transaction, and
    record the job and the stored file's name on the batch. The job acts as ``actor`` and
    carries the current request's id and address for its audit entries. Returns the job's
    id."""
    ctx = context.current()
    job_id = ingest_upload.defer(
        batch_id=batch.pk,
        path=str(path),
        user_id=principal_of(actor).user_id,
        request_id=ctx.request_id,
        source_ip=ctx.source_ip,
    )
    batch.job_id = job_id
    batch.upload_name = path.name
    batch.save(update_fields=["job_id", "upload_name"])
    return job_id


@app.task(name="ingest.upload", queue="ingest")
def ingest_upload(
    batch_id: int,
    path: str,
    user_id: int | None,
    request_id: str = "",
    source_ip: str | None = None,
) -> None:
    """Process the uploaded file of a queued batch, then delete the file unless the batch
    may still need it (:func:`_keeps_file`).

    ``request_id`` and ``source_ip`` of the upload request go into the audit entries the
    job writes. A file the platform refuses marks the batch failed (done by the pipeline)
    and ends the job normally: running it again would refuse the same file. A batch that is
    no longer this job's (marked 处理中断 while the job was silent, or taken over by a newer
    job) ends the job without touching the batch.
    """
    token = context.bind(context.RequestContext(request_id=request_id, source_ip=source_ip))
    try:
        batch = Batch.objects.select_related("item").filter(pk=batch_id).first()
        if batch is None:
            logger.warning("ingest.upload: batch %s no longer exists", batch_id)
            return
        if batch.status in (Batch.Status.DONE, Batch.Status.FAILED):
            logger.info("ingest.upload: batch %s already %s", batch_id, batch.status)
            return
        user = None
        try:
            if user_id is not None:
                user = get_user_model().objects.get(pk=user_id)
            process_file_batch(batch, path, actor=user)
        except FileRejected as exc:
            logger.info("ingest.upload: batch %s refused: %s", batch_id, exc.code)
        except BatchInterrupted:
            logger.warning("ingest.upload: batch %s is no longer this job's, stopped", batch_id)
        except Exception:
            try:
                _mark_failed(batch, user)
            except Exception:
                logger.exception("ingest.upload: could not mark batch %s failed", batch_id)
            raise
    finally:
        if not _keeps_file(batch_id):
            Path(path).unlink(missing_ok=True)
        context.reset(token)


def _mark_failed(batch: Batch, user: Any) -> None:
    """An unexpected error: the batch must not stay ``processing`` for ever. Only while the
    batch is still this job's (same start): a newer run is left alone."""
    updated = Batch.objects.filter(
        pk=batch.pk,
        status__in=[Batch.Status.QUEUED, Batch.Status.PROCESSING],
        started_at=batch.started_at,
    ).update(
        status=Batch.Status.FAILED,
        error_code=INTERNAL_ERROR,
        error_message=INTERNAL_MESSAGE,
        finished_at=timezone.now(),
    )
    if updated:
        batch = Batch.objects.get(pk=batch.pk)
        audit.record("batch.failed", actor=user, obj=batch, after={"code": INTERNAL_ERROR})


def _keeps_file(batch_id: int) -> bool:
    """Whether the job leaves the uploaded file in place: while its batch is queued or
    processing (a newer job may be reading it), after 处理中断 (for 重新处理), and when the
    database cannot say (connection lost: the batch is then marked 处理中断 later)."""
    try:
        row = Batch.objects.filter(pk=batch_id).values_list("status", "error_code").first()
    except DatabaseError:
        logger.warning(
            "ingest.upload: batch %s unknown (database unreachable), file kept", batch_id
        )
        return True
    if row is None:
        return False
    status, code = row
    return status in (Batch.Status.QUEUED, Batch.Status.PROCESSING) or code == STALLED


@app.periodic(cron="*/5 * * * *")
@app.task(name="ingest.mark_stalled", queue="ingest", queueing_lock="ingest-mark-stalled")
def mark_stalled(timestamp: int) -> list[int]:
    """Mark the batches that stopped making progress 处理中断 (``stalled``)."""
    from credit.ingest import services  # services enqueue this module's jobs

    marked = services.mark_stalled_batches()
    if marked:
        logger.warning("ingest: batches %s stalled, marked failed", ", ".join(map(str, marked)))
    return marked
