"""Writes of the ingest app besides the pipeline itself (``pipeline.py``, one path for every
channel): receiving an upload, and recovering batches whose processing stopped without an
outcome.

- :func:`queue_upload_batch`, the upload page: the job of a stored file's batch enqueued in
  the transaction that opened the batch, the batch linked to the one whose rejected rows it
  sends again (重新报送) when it does, audited as ``batch.received``.

- :func:`mark_stalled_batches`, run every five minutes by the job ``ingest.mark_stalled``: a
  batch still queued or processing that makes no more progress (a killed worker, a lost
  database connection, a job that left the queue) is marked failed with the reason
  处理中断 (``stalled``) and a Chinese message, audited as ``batch.stalled``.
- :func:`reprocess_batch`, the batch page's 重新处理 button and ``credit ingest reprocess``:
  an interrupted upload whose file is still in the upload folder is queued again on the
  same file and resumes after the rows already committed (nothing is loaded twice), audited
  as ``batch.reprocessed``. A pushed batch, a command-line batch or an upload whose file is
  gone is refused with what to do instead (:func:`reprocess_refusal`).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from procrastinate.contrib.django.models import ProcrastinateEvent, ProcrastinateJob

from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import CreditError, PermissionDenied, ValidationFailed
from credit.ingest import tasks
from credit.ingest.models import INTERNAL_ERROR, STALLED, Batch
from credit.ingest.pipeline import check_submitter, file_sha256
from credit.ingest.selectors import batch_for

#: Statuses of a batch whose processing has not ended.
RUNNING = (Batch.Status.QUEUED, Batch.Status.PROCESSING)
#: ``error_code`` of the failed batches that may be processed again (the others were refused
#: files: processing them again would refuse them again).
REPROCESSABLE = (STALLED, INTERNAL_ERROR)
#: procrastinate's statuses of a job that has ended, in Chinese.
_ENDED_JOB = {"succeeded": "已结束", "failed": "出错", "cancelled": "已取消", "aborted": "已中止"}
#: How the upload page names stored files (``views._store``): nothing else is opened.
_STORED_NAME = re.compile(r"[0-9a-f]{32}(\.[A-Za-z0-9]{1,10})?")


def stall_minutes() -> int:
    """Minutes without progress after which a running batch counts as stalled
    (``CREDIT_INGEST_STALL_MINUTES``)."""
    return settings.CREDIT_INGEST_STALL_MINUTES


def looks_stalled(batch: Batch, *, now: datetime.datetime | None = None) -> bool:
    """Whether a processing batch has made no progress for longer than the stall timeout —
    what the progress panel says until :func:`mark_stalled_batches` confirms it."""
    cutoff = (now or timezone.now()) - datetime.timedelta(minutes=stall_minutes())
    return batch.status == Batch.Status.PROCESSING and batch.last_progress < cutoff


# --------------------------------------------------------------------------------------------
# Receiving an upload (数据报送)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def queue_upload_batch(
    *, actor: Any, batch: Batch, path: Path, resubmits: int | None = None
) -> Batch:
    """Enqueue the job of an upload's batch just opened (``queued``, by
    :func:`credit.ingest.pipeline.open_file_batch`, which checked the submitter) on the file
    stored at ``path``, in the caller's transaction with the opening: a batch never waits for
    a job that was not enqueued. Audited as ``batch.received``.

    ``resubmits`` is the batch whose rejected rows the file sends again, corrected: it must
    be a batch the actor sees, of the same catalog item and department; the new batch is
    linked to it (``resubmission_of``). Raises ``ValidationFailed``
    (``resubmission_not_found``, ``resubmission_mismatch``) otherwise.
    """
    if resubmits is not None:
        batch.resubmission_of = _resubmitted(actor, batch, resubmits)
        batch.save(update_fields=["resubmission_of"])
    job_id = tasks.queue_upload(batch, path, actor=actor)
    audit.record(
        "batch.received",
        actor=actor,
        obj=batch,
        after={
            "item": batch.item.code,
            "department": batch.department.code,
            "file_size": batch.file_size,
            "job": job_id,
            "resubmission_of": batch.resubmission_of_id,
        },
    )
    return batch


def _resubmitted(actor: Any, batch: Batch, pk: int) -> Batch:
    """The earlier batch that ``batch`` corrects (:func:`queue_upload_batch`)."""
    original = batch_for(actor, pk) if actor is not None else Batch.objects.filter(pk=pk).first()
    if original is None:
        raise ValidationFailed(
            f"要重新报送的批次 {pk} 不存在或不在您的管理范围内；请从原批次的回执页面进入重新上传",
            code="resubmission_not_found",
        )
    if (original.item_id, original.department_id) != (batch.item_id, batch.department_id):
        raise ValidationFailed(
            f"重新报送的文件应与原批次 {original.pk} 的目录项（{original.item.name}）和"
            f"报送部门（{original.department.name}）相同；请改选后重新上传，"
            "或不作为重新报送上传",
            code="resubmission_mismatch",
        )
    return original


# --------------------------------------------------------------------------------------------
# Marking stalled batches (处理中断)
# --------------------------------------------------------------------------------------------


@transaction.atomic
def mark_stalled_batches(*, now: datetime.datetime | None = None) -> list[int]:
    """Mark failed, with the reason ``stalled`` and a Chinese message, every batch that is
    queued or processing and will not end by itself; returns their ids.

    A batch stalls when its job has ended or left procrastinate's queue without finishing it,
    when it is processing without progress (``progress_at``, moved by every committed chunk)
    for longer than ``CREDIT_INGEST_STALL_MINUTES``, or when it is queued without a job
    that could still take it. A batch waiting behind other jobs (job ``todo``) is not
    stalled. Batches are locked with ``SKIP LOCKED``: one whose run is committing a chunk
    right now is skipped (it is making progress), and several workers never mark one twice.
    The run of a batch marked here stops at its next chunk (``pipeline._own``). Running it
    again changes nothing more.
    """
    now = now or timezone.now()
    minutes = stall_minutes()
    cutoff = now - datetime.timedelta(minutes=minutes)
    running = list(
        Batch.objects.select_for_update(skip_locked=True).filter(status__in=RUNNING).order_by("id")
    )
    jobs, started = _jobs_of(running)
    marked = []
    for batch in running:
        reason = _stall_reason(batch, jobs, started, cutoff, minutes)
        if reason is None:
            continue
        before = {
            "status": batch.status,
            "total": batch.total,
            "progress_at": batch.last_progress.isoformat(),
            "job": batch.job_id,
            "job_status": jobs.get(batch.job_id, "") if batch.job_id else "",
        }
        batch.status = Batch.Status.FAILED
        batch.error_code = STALLED
        batch.error_message = reason[:500]
        batch.finished_at = now
        batch.save(update_fields=["status", "error_code", "error_message", "finished_at"])
        audit.record(
            "batch.stalled",
            actor=None,
            obj=batch,
            before=before,
            after={"status": batch.status, "code": STALLED, "message": batch.error_message},
        )
        marked.append(batch.pk)
    return marked


def _jobs_of(batches: list[Batch]) -> tuple[dict[int, str], dict[int, datetime.datetime]]:
    """The status of each batch's job, and when the running ones were started."""
    ids = [b.job_id for b in batches if b.job_id]
    if not ids:
        return {}, {}
    jobs = dict(ProcrastinateJob.objects.filter(pk__in=ids).values_list("id", "status"))
    doing = [pk for pk, status in jobs.items() if status == "doing"]
    started = dict(
        ProcrastinateEvent.objects.filter(job_id__in=doing, type="started")
        .values("job_id")
        .annotate(at=Max("at"))
        .values_list("job_id", "at")
    )
    return jobs, started


def _stall_reason(
    batch: Batch,
    jobs: dict[int, str],
    started: dict[int, datetime.datetime],
    cutoff: datetime.datetime,
    minutes: int,
) -> str | None:
    """Why ``batch`` will not end by itself, or ``None`` if it may still."""
    quiet = (
        f"处理中断：超过 {minutes} 分钟没有进展，后台处理可能已被终止"
        "（如后台进程被结束或数据库连接中断）"
    )
    job = jobs.get(batch.job_id) if batch.job_id else None
    if batch.job_id:
        if job is None:
            return "处理中断：处理该批次的后台作业已不在任务队列中，批次没有处理完"
        if job in _ENDED_JOB:
            return f"处理中断：后台作业{_ENDED_JOB[job]}，但批次没有处理完"
    if batch.status == Batch.Status.PROCESSING or batch.job_id is None:
        return quiet if batch.last_progress < cutoff else None
    if job == "doing":  # taken by a worker that never started on it
        since = started.get(batch.job_id) or batch.last_progress
        return quiet if since < cutoff else None
    return None  # waiting in the queue


# --------------------------------------------------------------------------------------------
# Re-processing (重新处理)
# --------------------------------------------------------------------------------------------


def check_reprocessor(actor: Any, batch: Batch) -> None:
    """Who may re-process a batch: whoever may submit for its department (the upload's own
    rule, :func:`credit.ingest.pipeline.check_submitter`) and the credit office (市信用办:
    city-wide with 审核信用数据). ``None`` is the system (the command line)."""
    if actor is None:
        return
    p = principal_of(actor)
    if p.city_wide and p.has_perm(Perm.RECORD_REVIEW):
        return
    try:
        check_submitter(actor, batch.department)
    except PermissionDenied as exc:
        raise PermissionDenied(
            f"只有能为“{batch.department.name}”报送数据的人员或市信用办可以重新处理这个批次；"
            "请联系该部门的数据报送员或市信用办",
            details=exc.details,
        ) from exc


def may_reprocess(actor: Any, batch: Batch) -> bool:
    """Whether the page offers ``actor`` the 重新处理 button (:func:`check_reprocessor`)."""
    try:
        check_reprocessor(actor, batch)
    except PermissionDenied:
        return False
    return True


def stored_file(batch: Batch) -> Path | None:
    """The uploaded file of ``batch`` if it is still in the upload folder."""
    if not _STORED_NAME.fullmatch(batch.upload_name or ""):
        return None
    path = tasks.upload_dir() / batch.upload_name
    return path if path.is_file() else None


def reprocess_refusal(batch: Batch) -> CreditError | None:
    """Why ``batch`` cannot be processed again (with what to do instead), or ``None``."""
    if batch.status in RUNNING:
        return CreditError(
            "批次仍在排队或处理中，无需重新处理；"
            f"如超过 {stall_minutes()} 分钟没有进展，系统会将其标记为“处理中断”",
            code="batch_running",
        )
    if batch.status == Batch.Status.DONE:
        return CreditError("批次已处理完成，无需重新处理", code="batch_done")
    if batch.error_code not in REPROCESSABLE:
        return CreditError(
            f"文件被拒收（{batch.error_message}），重新处理仍会被拒收；请按提示修改文件后重新上传",
            code="batch_refused",
        )
    if batch.channel == Batch.Channel.API:
        return CreditError(
            "该批次由接口推送，平台不保存推送的原始数据，无法重新处理；"
            "请联系报送系统重新推送这批数据（已入库的数据不会重复）",
            code="batch_pushed",
        )
    if batch.channel == Batch.Channel.CLI:
        return CreditError(
            "该批次由命令行报送，文件不在平台的上传目录中，无法重新处理；"
            "请由运维人员用 credit ingest 命令重新报送该文件（已入库的数据不会重复）",
            code="batch_cli",
        )
    path = stored_file(batch)
    if path is None:
        return _gone()
    if path.stat().st_size != batch.file_size:
        return _changed()
    return None


def _gone() -> CreditError:
    return CreditError(
        "上传的文件已不在服务器上（处理出错后已删除），无法重新处理；"
        "请重新上传该文件（已入库的数据不会重复）",
        code="upload_gone",
    )


def _changed() -> CreditError:
    return CreditError(
        "服务器上的上传文件与本批次接收时不一致，无法重新处理；请重新上传该文件",
        code="upload_changed",
    )


@transaction.atomic
def reprocess_batch(*, actor: Any, batch: Batch) -> Batch:
    """Queue an interrupted upload (处理中断, or 处理失败 on an unexpected error) again on
    the same file, which must still be in the upload folder and unchanged (its digest).

    The new run resumes after the rows the interrupted one committed, so the batch ends with
    the counts and records of a single run. The new job acts as ``actor`` (``None``: the
    system). Raises ``PermissionDenied`` (:func:`check_reprocessor`) or a ``CreditError``
    saying why the batch cannot be processed again (:func:`reprocess_refusal`).
    """
    check_reprocessor(actor, batch)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    refusal = reprocess_refusal(batch)
    if refusal is not None:
        raise refusal
    path = stored_file(batch)
    if path is None:
        raise _gone()
    if file_sha256(path) != batch.file_sha256:
        raise _changed()
    before = {
        "status": batch.status,
        "code": batch.error_code,
        "total": batch.total,
        "job": batch.job_id,
    }
    batch.status = Batch.Status.QUEUED
    batch.error_code = ""
    batch.error_message = ""
    batch.finished_at = None
    batch.progress_at = timezone.now()
    batch.save(
        update_fields=["status", "error_code", "error_message", "finished_at", "progress_at"]
    )
    job_id = tasks.queue_upload(batch, path, actor=actor)
    audit.record(
        "batch.reprocessed",
        actor=actor,
        obj=batch,
        before=before,
        after={"status": batch.status, "job": job_id, "resume_after": batch.total},
    )
    return batch
