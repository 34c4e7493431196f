"""Pages: upload a file (processed by a background job, ``tasks.py``), the list of batches, a
batch's progress while its job runs, then its receipt and feedback downloads — or, when the
processing was interrupted, the 重新处理 button (``services.py``)."""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core.access import Perm
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.errors import PermissionDenied
from credit.core.forms import act, submit
from credit.core.http import found, xlsx_response
from credit.ingest import selectors, services
from credit.ingest.feedback import (
    feedback_rows,
    feedback_xlsx,
    mask_shown_rows,
    record_download,
)
from credit.ingest.forms import UploadForm
from credit.ingest.models import Batch
from credit.ingest.pipeline import open_file_batch
from credit.ingest.services import RUNNING
from credit.ingest.tasks import queue_upload, upload_dir

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")


def _store(upload_file: UploadedFile) -> Path:
    """Save the upload under a random name that keeps only a plain extension: the name the
    user gave never reaches the file system."""
    suffix = Path(upload_file.name or "").suffix
    suffix = suffix.lower() if _SUFFIX.fullmatch(suffix) else ""
    path = upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    if isinstance(upload_file, TemporaryUploadedFile):  # a large file, already on disk
        file_move_safe(upload_file.temporary_file_path(), str(path))
        return path
    with path.open("xb") as out:
        for chunk in upload_file.chunks():
            out.write(chunk)
    return path


@perm_required(Perm.RECORD_SUBMIT)
def upload(request: HttpRequest) -> HttpResponse:
    """Store the file, open its batch (``queued``) and enqueue the job in one transaction,
    then show the batch page, which follows the job's progress."""
    form = UploadForm(request.POST or None, request.FILES or None, principal=request.user)

    def receive(data: dict[str, Any]) -> Batch:
        upload_file = data["file"]
        path = _store(upload_file)
        try:
            with transaction.atomic():
                batch = open_file_batch(
                    actor=request.user,
                    path=path,
                    item_code=data["item"].code,
                    department_code=data["department"].code,
                    channel=Batch.Channel.UPLOAD,
                    file_name=upload_file.name,
                    queued=True,
                )
                queue_upload(batch, path, actor=request.user)
        except BaseException:  # refused or failed: the stored file goes
            path.unlink(missing_ok=True)
            raise
        return batch

    done = submit(
        request,
        form,
        receive,
        done=_batch_page,
        message=lambda batch: f"文件已接收（批次 {batch.pk}），正在后台处理，本页显示处理进度",
    )
    return done or render(request, "ingest/upload.html", {"form": form})


@perm_required(Perm.RECORD_VIEW)
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.batches_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "ingest/batch_list.html", {"page": page})


def _batch(request: HttpRequest, pk: int) -> Batch:
    return found(selectors.batch_for(request.user, pk))


def _batch_page(batch: Batch) -> str:
    return reverse("ingest:batch", kwargs={"pk": batch.pk})


@perm_required(Perm.RECORD_VIEW)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    problems = (
        batch.rows.exclude(status="accepted")
        .order_by("id")
        .only("source", "row_no", "status", "errors", "corrections")
    )
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    mask_shown_rows(batch, page, principal=request.user)  # as the feedback files show them
    return render(
        request,
        "ingest/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "running": batch.status in RUNNING,
            **_progress(batch),
            **_recovery(batch, request.user),
        },
    )


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} 小时 {minutes} 分 {secs} 秒"
    if minutes:
        return f"{minutes} 分 {secs} 秒"
    return f"{secs} 秒"


def _progress(batch: Batch) -> dict:
    """What the progress panel shows: only what is known. The number of rows in the file is
    not known before the end, so there is no percentage. Time counts from the start of
    processing (queue time excluded)."""
    end = batch.finished_at or timezone.now()
    elapsed = max((end - (batch.started_at or batch.created_at)).total_seconds(), 0.0)
    rate = round(batch.total / elapsed) if batch.total and elapsed >= 1 else None
    return {
        "elapsed": _duration(elapsed),
        "rate": rate,
        "stalled": services.looks_stalled(batch),
        "stall_minutes": services.stall_minutes(),
    }


def _recovery(batch: Batch, user: Any) -> dict:
    """What the page says about a batch whose processing was interrupted (处理中断) or
    failed on an error: the 重新处理 button for whoever may use it, or why the batch cannot
    be processed again and what to do instead."""
    if batch.status != Batch.Status.FAILED or batch.error_code not in services.REPROCESSABLE:
        return {"interrupted": False}
    refusal = services.reprocess_refusal(batch)
    return {
        "interrupted": True,
        "refusal": refusal,
        "may_reprocess": refusal is None and services.may_reprocess(user, batch),
    }


@perm_required(Perm.RECORD_VIEW)
def batch_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress panel of a batch, polled by the batch page (htmx) while the job runs.
    Once the batch is done or failed, htmx is told to reload the page, which then shows the
    receipt and the feedback downloads (or, for 处理中断, the 重新处理 button). A batch
    without progress for longer than the stall timeout no longer shows live progress: the
    panel says so and is polled slowly until the periodic check marks it."""
    batch = _batch(request, pk)
    running = batch.status in RUNNING
    response = render(
        request,
        "ingest/_progress.html",
        {
            "batch": batch,
            "running": running,
            **_progress(batch),
            **_recovery(batch, request.user),
        },
    )
    if not running:
        response["HX-Refresh"] = "true"
    response["Cache-Control"] = "no-store"
    return response


@any_perm_required(Perm.RECORD_SUBMIT, Perm.RECORD_REVIEW)
@require_POST
def batch_reprocess(request: HttpRequest, pk: int) -> HttpResponse:
    """The 重新处理 button of an interrupted batch (:func:`services.reprocess_batch`), then
    the batch page, which follows the new run. A refusal is shown on the batch page."""
    batch = _batch(request, pk)
    try:
        services.check_reprocessor(request.user, batch)  # the service checks it again
    except PermissionDenied as exc:
        messages.error(request, exc.message)
        return render(
            request, "403.html", {"perm_label": "重新处理该批次", "perm": exc.code}, status=403
        )
    return act(
        request,
        lambda: services.reprocess_batch(actor=request.user, batch=batch),
        done=_batch_page(batch),
        message=(
            f"批次 {batch.pk} 已重新排队处理：已处理的 {batch.total} 行不会重复处理，"
            "其余行从中断处继续；本页显示处理进度"
        ),
    )


@perm_required(Perm.RECORD_VIEW)
def batch_feedback_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The feedback workbook, masked unless the user may see ID numbers; audited."""
    batch = _batch(request, pk)
    content = feedback_xlsx(batch, principal=request.user)
    record_download(batch, principal=request.user, fmt="xlsx")
    return xlsx_response(content, f"反馈-批次{batch.pk}.xlsx")


@perm_required(Perm.RECORD_VIEW)
def batch_feedback_json(request: HttpRequest, pk: int) -> HttpResponse:
    """The JSON feedback, masked unless the user may see ID numbers; audited."""
    batch = _batch(request, pk)
    body = json.dumps(feedback_rows(batch, principal=request.user), ensure_ascii=False, indent=1)
    record_download(batch, principal=request.user, fmt="json")
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=feedback-{batch.pk}.json"
    return response
