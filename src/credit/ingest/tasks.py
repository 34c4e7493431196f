"""Background jobs of the ingest app, run by ``credit procrastinate worker``.

An uploaded file is stored under ``var/uploads`` and its batch opened (status ``queued``) by
the upload page in one transaction with the job, so a batch never waits for a job that was
not enqueued. The job reads the file through the same pipeline as every other channel and
removes the file when it ends, whatever the outcome. Counts are saved after every chunk, so
the batch page shows the progress while the job runs.

A job that is interrupted (worker killed) leaves the file in place and the batch
``processing``; running the job again is safe, the pipeline being idempotent.
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils import timezone
from procrastinate.contrib.django import app

from credit.core import audit, context
from credit.ingest.errors import FileRejected
from credit.ingest.models import Batch
from credit.ingest.pipeline import process_file_batch

logger = logging.getLogger(__name__)

#: Recorded on a batch whose job stopped on an unexpected error (not a rejected file).
INTERNAL_ERROR = "internal_error"
INTERNAL_MESSAGE = "后台处理时发生内部错误，请稍后重新上传；如仍失败请联系市信用办"


@app.task(name="ingest.upload", queue="ingest")
def ingest_upload(
    batch_id: int,
    path: str,
    user_id: int | None,
    request_id: str = "",
    source_ip: str | None = None,
) -> None:
    """Process the uploaded file of a queued batch, then delete the file.

    ``request_id`` and ``source_ip`` of the upload request go into the audit entries the
    job writes. A file the platform refuses marks the batch failed (done by the pipeline)
    and ends the job normally: running it again would refuse the same file.
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
        except Exception:
            try:
                _mark_failed(batch_id, user)
            except Exception:
                logger.exception("ingest.upload: could not mark batch %s failed", batch_id)
            raise
    finally:
        Path(path).unlink(missing_ok=True)
        context.reset(token)


def _mark_failed(batch_id: int, user) -> None:
    """An unexpected error: the batch must not stay ``processing`` for ever."""
    updated = Batch.objects.filter(
        pk=batch_id, status__in=[Batch.Status.QUEUED, Batch.Status.PROCESSING]
    ).update(
        status=Batch.Status.FAILED,
        error_code=INTERNAL_ERROR,
        error_message=INTERNAL_MESSAGE,
        finished_at=timezone.now(),
    )
    if updated:
        batch = Batch.objects.get(pk=batch_id)
        audit.record("batch.failed", actor=user, obj=batch, after={"code": INTERNAL_ERROR})
