"""The objection queue (异议办理): filters, deadlines and overdue warnings, and its Excel export.

The credit office (``objections.handle``) sees every objection; a department officer
(``objections.verify``) sees only the tasks assigned to its department
(:func:`credit.objections.selectors.objections_for`).
"""

from __future__ import annotations

import datetime

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from credit.core import audit
from credit.core.access.decorators import any_perm_required
from credit.core.http import EXPORT_LIMIT, query_without_page, xlsx_download
from credit.objections import selectors
from credit.objections.constants import OPEN, Channel, Finding, ObjectionStatus
from credit.objections.forms import ObjectionFilterForm
from credit.objections.models import Objection
from credit.objections.views.workbench import (
    PAGE_SIZE,
    QUEUE_PERMS,
    calendar_around,
    date_text,
    deadline_info,
    render_page,
    stamp,
    time_text,
)

STATUS_LABELS = dict(ObjectionStatus.choices)
CHANNEL_LABELS = dict(Channel.choices)
FINDING_LABELS = dict(Finding.choices)


def _queue(request: HttpRequest, today: datetime.date):
    form = ObjectionFilterForm(request.GET or None)
    scoped = selectors.objections_for(request.user)
    return form, scoped, selectors.filter_objections(scoped, form.filters(), today)


@any_perm_required(*QUEUE_PERMS)
def objection_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form, scoped, objections = _queue(request, today)
    page = Paginator(objections, PAGE_SIZE).get_page(request.GET.get("page"))
    cal = calendar_around(today)
    for objection in page:
        objection.deadline = (
            deadline_info(objection.step_due, today, cal) if objection.is_open else None
        )
    summary = scoped.aggregate(
        open=Count("id", filter=Q(status__in=OPEN)),
        overdue=Count("id", filter=Q(status__in=OPEN, step_due__lt=today)),
        waiting=Count("id", filter=Q(status=ObjectionStatus.SUBMITTED)),
        verifying=Count("id", filter=Q(status=ObjectionStatus.VERIFYING)),
    )
    return render_page(
        request,
        "objections/manage_list.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "summary": summary,
        },
    )


@any_perm_required(*QUEUE_PERMS)
def objection_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered queue, one row per objection (personal data masked; the export is an
    audited read)."""
    today = timezone.localdate()
    _, _, objections = _queue(request, today)
    objections = list(objections[:EXPORT_LIMIT])
    audit.record(
        "objections.exported",
        actor=request.user,
        object_type=Objection._meta.label_lower,
        after={"rows": len(objections), "query": query_without_page(request)[:500]},
    )
    headers = [
        "受理编号", "提交时间", "渠道", "状态", "信息类别", "决定文书号", "来源部门", "核实部门",
        "申请人", "证件号码（脱敏）", "手机号码（脱敏）", "申请人即信息主体", "受理期限",
        "核实期限", "办结期限", "当前环节期限", "是否超期", "部门核实结论", "处理结果",
        "办理完毕时间",
    ]  # fmt: skip
    rows = (
        [
            o.number,
            time_text(o.created_at),
            CHANNEL_LABELS.get(o.channel, o.channel),
            STATUS_LABELS.get(o.status, o.status),
            o.record.item.name,
            o.record.document_no,
            o.record.department.name,
            o.department.name if o.department_id else "",
            o.submitter_name,
            o.id_masked,
            o.phone_masked,
            "是" if o.is_subject else "否",
            date_text(o.accept_due),
            date_text(o.verify_due),
            date_text(o.due),
            date_text(o.step_due) if o.is_open else "",
            "超期" if o.is_open and o.step_due and o.step_due < today else "",
            FINDING_LABELS.get(o.finding, ""),
            o.result,
            time_text(o.decided_at),
        ]
        for o in objections
    )
    return xlsx_download(f"信用异议-{stamp()}.xlsx", [("信用异议", headers, rows)])
