"""Pages: upload a file, the list of batches, a batch's receipt and feedback downloads."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from credit.accounts.decorators import perm_required
from credit.accounts.roles import Perm
from credit.core.errors import CreditError
from credit.core.http import xlsx_response
from credit.ingest import selectors
from credit.ingest.errors import FileRejected
from credit.ingest.feedback import feedback_xlsx
from credit.ingest.models import Batch
from credit.ingest.pipeline import feedback_rows, ingest_file


class UploadForm(forms.Form):
    item = forms.ModelChoiceField(label="目录项", queryset=None, to_field_name="code")
    department = forms.ModelChoiceField(label="报送部门", queryset=None, to_field_name="code")
    file = forms.FileField(label="数据文件", help_text="xlsx、csv、txt、xml 或其 zip 压缩包")

    def __init__(self, *args, principal, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = selectors.submittable_items()
        self.fields["department"].queryset = selectors.submittable_departments(principal)


@perm_required(Perm.RECORD_SUBMIT)
def upload(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None, principal=request.user)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        suffix = Path(upload_file.name).suffix[:10]
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload_file.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                batch = ingest_file(
                    actor=request.user,
                    path=tmp.name,
                    channel=Batch.Channel.UPLOAD,
                    item_code=form.cleaned_data["item"].code,
                    department_code=form.cleaned_data["department"].code,
                    file_name=upload_file.name,
                )
            except FileRejected as exc:
                messages.error(request, f"文件被拒收：{exc.message}（{exc.code}）")
                return redirect("ingest:batches")
            except CreditError as exc:
                form.add_error(None, f"{exc.message}（{exc.code}）")
                return render(request, "ingest/upload.html", {"form": form})
        messages.success(
            request, f"批次 {batch.pk} 已处理：共 {batch.total} 行，退回 {batch.rejected} 行"
        )
        return redirect("ingest:batch", pk=batch.pk)
    return render(request, "ingest/upload.html", {"form": form})


@perm_required(Perm.RECORD_VIEW)
def batch_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.batches_for(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "ingest/batch_list.html", {"page": page})


def _batch(request: HttpRequest, pk: int) -> Batch:
    batch = selectors.batch_for(request.user, pk)
    if batch is None:
        raise Http404
    return batch


@perm_required(Perm.RECORD_VIEW)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    problems = (
        batch.rows.exclude(status="accepted")
        .order_by("id")
        .only("source", "row_no", "status", "errors", "corrections")
    )
    page = Paginator(problems, 50).get_page(request.GET.get("page"))
    return render(request, "ingest/batch_detail.html", {"batch": batch, "page": page})


@perm_required(Perm.RECORD_VIEW)
def batch_feedback_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    return xlsx_response(feedback_xlsx(batch), f"反馈-批次{batch.pk}.xlsx")


@perm_required(Perm.RECORD_VIEW)
def batch_feedback_json(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    body = json.dumps(feedback_rows(batch), ensure_ascii=False, indent=1)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f"attachment; filename=feedback-{batch.pk}.json"
    return response


def _days(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("days", 90)), 3650))
    except ValueError:
        return 90


@perm_required(Perm.RECORD_REVIEW)
def quality_ranking(request: HttpRequest) -> HttpResponse:
    """The credit office's ranking of departments by data quality (D6)."""
    from credit.core.models import Department
    from credit.ingest.quality import ranking

    days = _days(request)
    rows = ranking(selectors.quality_batches(request.user, days=days))
    names = Department.objects.in_bulk([r["department_id"] for r in rows])
    for r in rows:
        r["department"] = names[r["department_id"]]
    return render(request, "ingest/quality_ranking.html", {"rows": rows, "days": days})


@perm_required(Perm.RECORD_VIEW)
def quality_department(request: HttpRequest, code: str) -> HttpResponse:
    """One department's own quality history and its batches with problem rows."""
    from credit.ingest.quality import department_quality

    days = _days(request)
    batches = selectors.quality_batches(request.user, days=days).filter(department__code=code)
    department = selectors.department_visible(request.user, code)
    if department is None:
        raise Http404
    return render(
        request,
        "ingest/quality_department.html",
        {
            "department": department,
            "days": days,
            "summary": department_quality(batches),
            "batches": batches.order_by("-created_at")[:100],
        },
    )
