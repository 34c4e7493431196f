"""Pages: upload a file (processed by a background job, ``tasks.py``), the list of batches with
its filters and Excel export, a batch's progress while its job runs, then its receipt — or,
when the processing was interrupted, the 重新处理 button (``services.py``). The feedback
downloads are :mod:`.feedback`'s."""

from __future__ import annotations

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

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import any_perm_required, perm_required
from credit.core.errors import PermissionDenied
from credit.core.forms import act, submit
from credit.core.http import EXPORT_LIMIT, found, query_without_page, xlsx_download
from credit.core.inputs import BIGINT_MAX
from credit.ingest import selectors, services
from credit.ingest.feedback import REJECTED_TEMPLATE_LIMIT, mask_shown_rows
from credit.ingest.forms import BatchFilterForm, UploadForm
from credit.ingest.models import Batch
from credit.ingest.pipeline import check_submitter, open_file_batch
from credit.ingest.services import RUNNING
from credit.ingest.tasks import upload_dir
from credit.ingest.taxonomy import problem_label

_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,10}")
_ERROR_CODE = re.compile(r"[a-z][a-z0-9_]{0,39}")


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


def _batch_id(value: str | None) -> int | None:
    """A batch id from a query parameter, or None (anything else is no id)."""
    value = (value or "").strip()
    if value.isascii() and value.isdigit() and 0 < int(value) <= BIGINT_MAX:
        return int(value)
    return None


@perm_required(Perm.RECORD_SUBMIT)
def upload(request: HttpRequest) -> HttpResponse:
    """Store the file, open its batch (``queued``) and enqueue the job in one transaction
    (:func:`services.queue_upload_batch`), then show the batch page, which follows the job's
    progress. ``?resubmits=<batch>`` (the receipt's 更正后重新上传) pre-selects that batch's
    item and department and links the new batch to it; ``?item=<code>`` pre-selects an
    item."""
    resubmits = _batch_id(request.GET.get("resubmits"))
    original = selectors.batch_for(request.user, resubmits) if resubmits else None
    initial: dict[str, Any] = {}
    if original is not None:
        initial = {
            "item": original.item.code,
            "department": original.department.code,
            "resubmits": original.pk,
        }
    elif request.GET.get("item"):
        initial["item"] = request.GET["item"][:64]
    form = UploadForm(
        request.POST or None, request.FILES or None, principal=request.user, initial=initial
    )
    if original is None and form.is_bound and form.is_valid() and form.cleaned_data["resubmits"]:
        original = selectors.batch_for(request.user, form.cleaned_data["resubmits"])

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
                return services.queue_upload_batch(
                    actor=request.user, batch=batch, path=path, resubmits=data["resubmits"]
                )
        except BaseException:  # refused or failed: the stored file goes
            path.unlink(missing_ok=True)
            raise

    done = submit(
        request,
        form,
        receive,
        done=_batch_page,
        message=lambda batch: f"文件已接收（批次 {batch.pk}），正在后台处理，本页显示处理进度",
    )
    return done or render(request, "ingest/upload.html", {"form": form, "original": original})


# --------------------------------------------------------------------------------------------
# The batch list (报送批次)
# --------------------------------------------------------------------------------------------

EXPORT_HEADERS = [
    "批次号",
    "目录项",
    "部门",
    "区划",
    "渠道",
    "状态",
    "总行数",
    "新增",
    "更新",
    "未变化",
    "已纠正",
    "退回",
    "接收时间",
    "完成时间",
    "报送人",
]


def _filtered(request: HttpRequest) -> tuple[BatchFilterForm, Any]:
    form = BatchFilterForm(request.GET, principal=request.user)
    form.is_valid()  # an invalid filter is shown on the form and left out
    return form, selectors.filtered_batches(request.user, **form.filters())


@perm_required(Perm.RECORD_VIEW)
def batch_list(request: HttpRequest) -> HttpResponse:
    """The batches of the user's scope, newest first, with filters, the pager and the
    export of what is filtered."""
    form, batches = _filtered(request)
    page = Paginator(batches, 30).get_page(request.GET.get("page"))
    query = query_without_page(request)
    return render(
        request,
        "ingest/batch_list.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "filtered": bool(form.filters()),
            "scope": principal_of(request.user).tenant_label,
        },
    )


def _submitter(batch: Batch) -> str:
    user = batch.created_by
    if user is None:
        return "系统（命令行）" if batch.channel == Batch.Channel.CLI else "系统"
    return str(user)


@perm_required(Perm.RECORD_VIEW)
def batch_export(request: HttpRequest) -> HttpResponse:
    """The filtered batches as an Excel workbook (at most ``EXPORT_LIMIT``), the filters on
    a second sheet. Batch metadata only — no row of any batch, no ID number, no subject —
    so the export is not an audited read of personal data."""
    form, batches = _filtered(request)

    def rows():
        for b in batches[:EXPORT_LIMIT].iterator(chunk_size=2000):
            yield [
                b.pk,
                b.item.name,
                b.department.name,
                b.region.name,
                b.get_channel_display(),
                b.status_text,
                b.total,
                b.inserted,
                b.updated,
                b.unchanged,
                b.corrected,
                b.rejected,
                b.created_at,
                b.finished_at or "",
                _submitter(b),
            ]

    filters = form.labels() or [("筛选条件", "全部")]
    stamp = timezone.localdate().strftime("%Y%m%d")
    return xlsx_download(
        f"报送批次-{stamp}.xlsx",
        [("报送批次", EXPORT_HEADERS, rows()), ("筛选条件", ["条件", "取值"], filters)],
    )


# --------------------------------------------------------------------------------------------
# One batch: progress, then receipt (回执)
# --------------------------------------------------------------------------------------------


def _batch(request: HttpRequest, pk: int) -> Batch:
    return found(selectors.batch_for(request.user, pk))


def _batch_page(batch: Batch) -> str:
    return reverse("ingest:batch", kwargs={"pk": batch.pk})


def _may_submit_for(user: Any, batch: Batch) -> bool:
    """Whether ``user`` may upload for the batch's department (a resubmission, a new upload)."""
    try:
        check_submitter(user, batch.department)
    except PermissionDenied:
        return False
    return True


@perm_required(Perm.RECORD_VIEW)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch's progress while its job runs, then its receipt: counts, the file's layout
    notes, the rows that were rejected or corrected (``?code=`` keeps those with one error
    code), the feedback downloads and the way on (the list, a new upload, the rejected rows
    to correct and upload again), and the batches linked to it by a resubmission."""
    batch = _batch(request, pk)
    problems = (
        batch.rows.exclude(status="accepted")
        .order_by("id")
        .only("id", "source", "row_no", "status", "errors", "corrections")
    )
    code = request.GET.get("code", "")
    code = code if _ERROR_CODE.fullmatch(code) else ""
    if code:
        problems = problems.filter(errors__contains=[{"code": code}])
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    mask_shown_rows(batch, page, principal=request.user)  # as the feedback files show them
    visible = selectors.batches_for(request.user)
    return render(
        request,
        "ingest/batch_detail.html",
        {
            "batch": batch,
            "page": page,
            "query": query_without_page(request),
            "code": code,
            "code_label": problem_label(code) if code else "",
            "running": batch.status in RUNNING,
            "layout": _layout(batch),
            "may_submit": _may_submit_for(request.user, batch),
            "rejected_limit": REJECTED_TEMPLATE_LIMIT,
            "original": (
                visible.filter(pk=batch.resubmission_of_id).first()
                if batch.resubmission_of_id
                else None
            ),
            "resubmissions": list(visible.filter(resubmission_of=batch).order_by("id")[:20]),
            **_progress(batch),
            **_recovery(batch, request.user),
        },
    )


def _layout(batch: Batch) -> list[dict[str, Any]]:
    """What the receipt says of each table's layout (:attr:`Batch.layout`): the row its
    header was found on, the rows above it that were skipped (title, 填报单位), the note rows
    after the data that were not loaded (合计, 填表说明) and the warning that says so — only
    for tables where there is something to say."""
    shown = []
    for entry in batch.layout:
        skipped = entry.get("skipped_above") or []
        notes = entry.get("notes_rows") or []
        if not (skipped or notes or entry.get("warning")):
            continue
        shown.append(
            {
                "source": entry.get("source") or "",
                "header_row": entry.get("header_row"),
                "skipped": "、".join(str(n) for n in skipped[:10])
                + (f" 等 {len(skipped)} 行" if len(skipped) > 10 else ""),
                "notes_rows": notes,
                "more_notes": max((entry.get("notes_total") or 0) - len(notes), 0),
                "warning": entry.get("warning") or "",
            }
        )
    return shown


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
    """What the progress panel shows: only what is known. Time counts from the start of
    processing (queue time excluded); the rate is the rows committed per second since then.
    The number of rows in the file is known once the run has read the file through and
    counted them (:attr:`Batch.rows_in_file`): then the bar shows the share done and an estimate
    of the time left (the rows left at the rate so far); before that it shows the rows
    processed and the rate only."""
    end = batch.finished_at or timezone.now()
    elapsed = max((end - (batch.started_at or batch.created_at)).total_seconds(), 0.0)
    rate = round(batch.total / elapsed) if batch.total and elapsed >= 1 else None
    expected = batch.rows_in_file or None
    percent = remaining = None
    if expected:
        done = min(batch.total, expected)
        percent = done * 100 // expected
        if rate and batch.status == Batch.Status.PROCESSING and done < expected:
            remaining = _duration((expected - done) / rate)
    return {
        "elapsed": _duration(elapsed),
        "rate": rate,
        "expected": expected,
        "percent": percent,
        "remaining": remaining,
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
            request,
            "403.html",
            {"perm_label": "重新处理该批次", "reason": exc.message},
            status=403,
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
