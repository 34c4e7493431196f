"""Feedback downloads of a batch (:mod:`credit.ingest.feedback`): the feedback workbook and
JSON, and the rejected rows alone in the item's reporting template, to be corrected and
uploaded again (重新报送). Each is masked unless the user may see ID numbers, and audited."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.http import found, xlsx_response
from credit.ingest import selectors
from credit.ingest.feedback import (
    REJECTED_TEMPLATE_LIMIT,
    feedback_rows,
    feedback_xlsx,
    record_download,
    rejected_template,
)
from credit.ingest.models import Batch


def _batch(request: HttpRequest, pk: int) -> Batch:
    return found(selectors.batch_for(request.user, pk))


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


@perm_required(Perm.RECORD_VIEW)
def batch_rejected_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """The rejected rows of a batch in the item's reporting template, pre-filled with the
    values as sent and a column of reasons (:func:`credit.ingest.feedback.rejected_template`),
    masked unless the user may see ID numbers; audited (``rejected_xlsx``). A batch without
    rejected rows, or with more than the template holds, is answered on its page."""
    batch = _batch(request, pk)
    if not batch.rejected:
        messages.info(request, f"批次 {batch.pk} 没有退回的行，无需重新报送")
        return redirect("ingest:batch", pk=batch.pk)
    if batch.rejected > REJECTED_TEMPLATE_LIMIT:
        messages.error(
            request,
            f"批次 {batch.pk} 退回 {batch.rejected} 行，超过单个模板可容纳的 "
            f"{REJECTED_TEMPLATE_LIMIT} 行；请下载反馈（Excel），"
            "按“错误说明”列修改原文件后重新上传",
        )
        return redirect("ingest:batch", pk=batch.pk)
    content = rejected_template(batch, principal=request.user)
    record_download(batch, principal=request.user, fmt="rejected_xlsx", rows=batch.rejected)
    return xlsx_response(content, f"退回行-批次{batch.pk}-{batch.item.name}.xlsx")
