"""The application queue (信用报告申请) and an application's page: the two reviews — material
review (初审: pass, or return with a reason the applicant sees) and the second review by
another person (复核: approve and issue, or send back to material review) — the preview
report, the materials, the step log and the reports issued (download, revoke).

Everyone with ``reports.view`` reads the applications of their tenant (the city, their
district by the subject's region, or their department's own requests:
:func:`credit.reports.selectors.applications_for`); the reviews and revocations need
``reports.review``. Reading an application, a material, an issued report or the export is an
audited read. Writes go through :mod:`credit.reports.services`; a refusal — the four-eyes rule
among them — is shown on the page that caused it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import error_text, submit
from credit.core.http import (
    EXPORT_LIMIT,
    download_response,
    found,
    query_without_page,
    xlsx_download,
)
from credit.core.paging import capped_page
from credit.objections.views.workbench import (
    calendar_around,
    date_text,
    deadline_info,
    stamp,
    time_text,
)
from credit.reports import rules, selectors, services
from credit.reports.constants import (
    OPEN_STATUSES,
    ApplicantKind,
    ApplicationStatus,
    Channel,
    Purpose,
    ReportStatus,
)
from credit.reports.forms.staff import SERVICE_ERROR_FIELDS, ApplicationFilterForm, ReasonForm
from credit.reports.models import Application, Report
from credit.reports.views import PAGE_SIZE, render_page

#: The most rows the queue counts (a narrower filter finds the rest).
COUNT_CAP = 10_000
STATUS_LABELS = dict(ApplicationStatus.choices)
CHANNEL_LABELS = dict(Channel.choices)
KIND_LABELS = dict(ApplicantKind.choices)
PURPOSE_LABELS = dict(Purpose.choices)


def _queue(request: HttpRequest):
    form = ApplicationFilterForm(request.GET or None)
    f = form.filters()
    qs = selectors.queue(
        request.user,
        status=f.get("status", ""),
        overdue=bool(f.get("overdue")),
        q=f.get("q", ""),
    )
    if f.get("channel"):
        qs = qs.filter(channel=f["channel"])
    if f.get("issued_from"):
        qs = qs.filter(issued_at__date__gte=f["issued_from"])
    if f.get("issued_to"):
        qs = qs.filter(issued_at__date__lte=f["issued_to"])
    return form, qs


def _deadline(application: Application, today: datetime.date, cal) -> dict | None:
    return (
        deadline_info(application.due, today, cal) if application.status in OPEN_STATUSES else None
    )


@perm_required(Perm.REPORT_VIEW)
def index(request: HttpRequest) -> HttpResponse:
    """``/reports/``: the queue."""
    return redirect("reports:applications")


@perm_required(Perm.REPORT_VIEW)
def application_list(request: HttpRequest) -> HttpResponse:
    """The queue: counts per status, filters, open applications first by their deadline."""
    today = timezone.localdate()
    form, qs = _queue(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=COUNT_CAP)
    cal = calendar_around(today)
    for application in page:
        application.deadline = _deadline(application, today, cal)
    open_q = Q(status__in=OPEN_STATUSES)
    summary = (
        selectors.applications_for(request.user)
        .order_by()
        .aggregate(
            submitted=Count("id", filter=Q(status=ApplicationStatus.SUBMITTED)),
            reviewed=Count("id", filter=Q(status=ApplicationStatus.REVIEWED)),
            returned=Count("id", filter=Q(status=ApplicationStatus.RETURNED)),
            issued=Count("id", filter=Q(status=ApplicationStatus.ISSUED)),
            overdue=Count("id", filter=open_q & Q(due__lt=today)),
        )
    )
    return render_page(
        request,
        "reports/application_list.html",
        {
            "page": page,
            "form": form,
            "query": query_without_page(request),
            "summary": summary,
            "filtered": bool(form.filters()),
            "tenant": principal_of(request.user).tenant_label,
        },
    )


@perm_required(Perm.REPORT_VIEW)
def application_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered queue, one row per application (a person's ID number masked; the export
    is an audited read)."""
    today = timezone.localdate()
    _, qs = _queue(request)
    rows_of = list(
        qs.select_related("legal_person", "natural_person", "reviewer", "approver")[:EXPORT_LIMIT]
    )
    audit.record(
        "report_applications.exported",
        actor=request.user,
        object_type=Application._meta.label_lower,
        after={"rows": len(rows_of), "query": query_without_page(request)[:500]},
    )
    headers = [
        "报告编号", "申请时间", "申请渠道", "申请人类型", "申请人", "联系电话（脱敏）", "信息主体",
        "主体代码（脱敏）", "报告模板", "模板版本", "报告用途", "用途说明", "信息时段自",
        "信息时段至", "状态", "办理期限", "是否超期", "初审人", "初审时间", "复核人", "复核时间",
        "出具时间", "退回原因",
    ]  # fmt: skip
    rows = (
        [
            a.number,
            time_text(a.created_at),
            CHANNEL_LABELS.get(a.channel, a.channel),
            KIND_LABELS.get(a.applicant_kind, a.applicant_kind),
            a.applicant_name,
            a.applicant_contact,
            a.subject_name,
            a.legal_person.uscc if a.legal_person_id else a.natural_person.id_masked,
            a.template.name,
            a.template_version.version,
            PURPOSE_LABELS.get(a.purpose, a.purpose),
            a.purpose_text,
            date_text(a.period_from),
            date_text(a.period_to),
            STATUS_LABELS.get(a.status, a.status),
            date_text(a.due),
            "超期" if a.status in OPEN_STATUSES and a.due < today else "",
            str(a.reviewer or ""),
            time_text(a.reviewed_at),
            str(a.approver or ""),
            time_text(a.approved_at),
            time_text(a.issued_at),
            a.return_reason,
        ]
        for a in rows_of
    )
    return xlsx_download(f"信用报告申请-{stamp()}.xlsx", [("信用报告申请", headers, rows)])


# --------------------------------------------------------------------------------------------
# One application
# --------------------------------------------------------------------------------------------

#: The buttons of the reviews: action → (label, status it needs, reason label, reason
#: required, danger).
ACTIONS: dict[str, tuple[str, str, str, bool, bool]] = {
    "pass": ("初审通过", ApplicationStatus.SUBMITTED, "初审意见（可不填）", False, False),
    "return": ("退回", ApplicationStatus.SUBMITTED, "退回原因（申请人将看到）", True, True),
    "approve": ("复核通过并签发", ApplicationStatus.REVIEWED, "", False, False),
    "send_back": ("退回初审", ApplicationStatus.REVIEWED, "退回初审的原因", True, True),
}


def _application(request: HttpRequest, number: str) -> Application:
    return found(selectors.application_for(request.user, number))


def _action_form(action: str, data: Any = None) -> forms.Form:
    _, _, label, required, _ = ACTIONS[action]
    if not label:
        return forms.Form(data, auto_id=f"id_{action}_%s")
    return ReasonForm(data, auto_id=f"id_{action}_%s", label=label, required=required)


def _refusal(request: HttpRequest, application: Application) -> str | None:
    """Why this user may not do the review the application waits for (四眼原则), or None."""
    refusal = services.review_refusal(request.user, application)
    if refusal is None:
        return None
    step = "初审" if application.status == ApplicationStatus.SUBMITTED else "复核"
    return f"{refusal}，请由另一名审核人员{step}"


def _render_detail(
    request: HttpRequest,
    application: Application,
    *,
    posted: tuple[str, forms.Form] | None = None,
    status: int = 200,
) -> HttpResponse:
    p = principal_of(request.user)
    today = timezone.localdate()
    reviews = p.has_perm(Perm.REPORT_REVIEW)
    refusal = _refusal(request, application) if reviews else None
    actions = []
    if reviews and refusal is None:
        for action, (label, needs, _, _, danger) in ACTIONS.items():
            if application.status != needs:
                continue
            form = posted[1] if posted and posted[0] == action else None
            actions.append(
                {
                    "action": action,
                    "label": label,
                    "form": form or _action_form(action),
                    "open": form is not None,
                    "danger": danger,
                }
            )
    shown = {a["action"] for a in actions}
    reports = list(selectors.reports_of(application).select_related("issued_by"))
    revoke_form = None
    for report in reports:
        report.status_text = rules.status_label(report.status, report.valid_until, today)
        report.revocable = reviews and report.status == ReportStatus.VALID
        report.revoke_open = bool(posted and posted[0] == f"revoke:{report.number}")
        if report.revoke_open and report.revocable:
            revoke_form = posted[1]
            shown.add(posted[0])
    unplaced = []
    if posted is not None and posted[0] not in shown:
        unplaced = [str(e) for errors in posted[1].errors.values() for e in errors]
    subject = application.legal_person or application.natural_person
    code = subject.uscc if application.legal_person_id else subject.id_masked
    return render_page(
        request,
        "reports/application_detail.html",
        {
            "a": application,
            "subject_code": code,
            "deadline": _deadline(application, today, calendar_around(today)),
            "materials": application.materials.defer("data"),
            "steps": application.steps.select_related("actor"),
            "reports": reports,
            "actions": actions,
            "refusal": refusal,
            "unplaced_errors": unplaced,
            "may_preview": reviews,
            "revoke_form": revoke_form or ReasonForm(label="撤销原因", auto_id="id_revoke_%s"),
        },
        status=status,
    )


@perm_required(Perm.REPORT_VIEW)
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    """An application's page: the applicant's data is personal data, so opening it is an
    audited read."""
    application = _application(request, number)
    audit.record("report_application.viewed", actor=request.user, obj=application)
    return _render_detail(request, application)


def _perform(actor: Any, application: Application, action: str, data: dict) -> Any:
    reason = data.get("reason", "")
    if action == "pass":
        return services.review_materials(
            actor=actor, application=application, passed=True, reason=reason
        )
    if action == "return":
        return services.review_materials(
            actor=actor, application=application, passed=False, reason=reason
        )
    if action == "approve":
        return services.approve(actor=actor, application=application)
    return services.send_back(actor=actor, application=application, reason=reason)


def _done_message(action: str, application: Application, result: Any) -> str:
    if action == "approve":
        return f"{application.number}：复核通过，已签发报告 {result.number}"
    return f"{application.number}：已{ACTIONS[action][0]}"


@perm_required(Perm.REPORT_REVIEW)
@require_POST
def application_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """One review step; a refusal (an invalid form, the four-eyes rule, a status that moved
    on) shows the page again with the refusal (400)."""
    application = _application(request, number)
    if action not in ACTIONS:
        raise Http404
    form = _action_form(action, request.POST)
    done = submit(
        request,
        form,
        lambda data: _perform(request.user, application, action, data),
        done=lambda _: redirect("reports:application", number=application.number),
        message=lambda result: _done_message(action, application, result),
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    )
    if done is not None:
        return done
    application = _application(request, number)
    return _render_detail(request, application, posted=(action, form), status=400)


@perm_required(Perm.REPORT_VIEW)
def application_material(request: HttpRequest, number: str, pk: int) -> HttpResponse:
    """A material of an application as a download (an audited read)."""
    application = _application(request, number)
    material = found(application.materials.filter(pk=pk).first())
    audit.record(
        "report_application.material_read",
        actor=request.user,
        obj=application,
        after={"material": material.name, "sha256": material.sha256},
    )
    return download_response(bytes(material.data), material.name, material.content_type)


@perm_required(Perm.REPORT_REVIEW)
def application_preview(request: HttpRequest, number: str) -> HttpResponse:
    """The preview report (预览) from the library as it stands now: watermarked, not signed,
    never stored (:func:`credit.reports.services.preview_pdf`, audited)."""
    application = _application(request, number)
    try:
        pdf = services.preview_pdf(actor=request.user, application=application)
    except CreditError as exc:
        messages.error(request, error_text(exc))
        return redirect("reports:application", number=application.number)
    response = download_response(pdf, f"信用报告预览_{application.number}.pdf", "application/pdf")
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "attachment", "inline", 1
    )
    return response


# --------------------------------------------------------------------------------------------
# Issued reports
# --------------------------------------------------------------------------------------------


def _report(request: HttpRequest, number: str) -> Report:
    return found(selectors.report_for(request.user, number))


@perm_required(Perm.REPORT_VIEW)
def report_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """An issued report's signed PDF, exactly as issued (an audited read; the applicant's
    download count is left as it is)."""
    report = _report(request, number)
    audit.record(
        "report.downloaded",
        actor=request.user,
        obj=report,
        after={"channel": "staff", "sha256": report.sha256},
    )
    return download_response(bytes(report.pdf), f"信用报告_{report.number}.pdf", "application/pdf")


@perm_required(Perm.REPORT_REVIEW)
@require_POST
def report_revoke(request: HttpRequest, number: str) -> HttpResponse:
    """Revoke an issued report with a reason; the verify page then says 已撤销."""
    report = _report(request, number)
    form = ReasonForm(request.POST, label="撤销原因", auto_id="id_revoke_%s")
    done = submit(
        request,
        form,
        lambda data: services.revoke(actor=request.user, report=report, reason=data["reason"]),
        done=lambda _: redirect("reports:application", number=report.application.number),
        message=f"报告 {report.number} 已撤销",
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    )
    if done is not None:
        return done
    application = _application(request, report.application.number)
    return _render_detail(
        request, application, posted=(f"revoke:{report.number}", form), status=400
    )
