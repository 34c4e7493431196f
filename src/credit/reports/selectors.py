"""Scoped reads of credit reports: the staff queues and lists (the principal's tenant: the
city, its district — the subject's region — or its department's own requests), one
application or report "for" a principal (missing and forbidden answer alike), a real-name
user's own applications, and the public verification of a report by number and code."""

from __future__ import annotations

import datetime
import hmac
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, F, Q, QuerySet, Value, When
from django.utils import timezone

from credit.core.access import Kind, Perm, principal_of
from credit.core.masking import mask_name
from credit.reports import rules
from credit.reports.constants import (
    OPEN_STATUSES,
    ApplicantKind,
    ApplicationStatus,
    ReportStatus,
)
from credit.reports.models import Application, Authorisation, Report, ReportTemplate


def applications_for(principal: Any) -> QuerySet[Application]:
    """The applications the principal may see: its tenant's (by the subject's region, or the
    department that applied)."""
    p = principal_of(principal)
    p.require(Perm.REPORT_VIEW)
    return Application.objects.select_related(
        "template", "template_version", "region", "department"
    ).filter(p.tenant_q(region="region_id", department="department_id"))


def application_for(principal: Any, number: str) -> Application | None:
    return applications_for(principal).filter(number=number).first()


def queue(principal: Any, *, status: str = "", overdue: bool = False, q: str = "") -> QuerySet:
    """The review queue: open applications first, nearest deadline first."""
    qs = applications_for(principal)
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due__lt=timezone.localdate())
    if q:
        q = q.strip()[:100]
        qs = qs.filter(Q(number__icontains=q) | Q(subject_name__icontains=q))
    open_ = Q(status__in=OPEN_STATUSES)
    return qs.order_by(
        Case(When(open_, then=Value(0)), default=Value(1)),
        Case(When(open_, then=F("due"))),
        "-created_at",
        "-id",
    )


def stats(principal: Any) -> dict[str, Any]:
    """Counts by status and channel, overdue open applications and the issue times."""
    qs = applications_for(principal)
    today = timezone.localdate()
    by_status = dict(qs.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    by_channel = dict(qs.values_list("channel").annotate(n=Count("id")).values_list("channel", "n"))
    return {
        "by_status": by_status,
        "by_channel": by_channel,
        "open": sum(by_status.get(s, 0) for s in OPEN_STATUSES),
        "overdue": qs.filter(status__in=OPEN_STATUSES, due__lt=today).count(),
        "issued_late": qs.filter(
            status=ApplicationStatus.ISSUED, issued_at__date__gt=F("due")
        ).count(),
        "reports": Report.objects.filter(application__in=qs).count(),
    }


def requested_application_for(principal: Any, number: str) -> Application | None:
    """An application as ``/api/v1/reports/{number}`` serves it (None for missing and
    forbidden alike): to an API client its own requests — and, to a department's system, its
    department's own requests (申请人类型 政府部门) — and to staff the applications of their
    tenant (:func:`applications_for`)."""
    p = principal_of(principal)
    number = str(number or "")[:28]
    if p.kind == Kind.CLIENT:
        p.require(Perm.REPORT_REQUEST)
        mine = Q(client_id=p.client_id)
        if p.department_id is not None:
            mine |= Q(department_id=p.department_id, applicant_kind=ApplicantKind.DEPARTMENT)
        qs = Application.objects.filter(mine)
    else:
        qs = applications_for(p)
    return (
        qs.select_related("template", "authorisation", "legal_person").filter(number=number).first()
    )


def template_by_code(code: str) -> ReportTemplate | None:
    """The template with ``code`` (active or not: the services say why one may not be used)."""
    return ReportTemplate.objects.filter(code=str(code or "")[:40]).first()


def templates_for(principal: Any) -> QuerySet[ReportTemplate]:
    principal_of(principal).require(Perm.REPORT_VIEW)
    return ReportTemplate.objects.select_related("current").order_by("subject_type", "code")


def reports_of(application: Application) -> QuerySet[Report]:
    return application.reports.defer("pdf", "snapshot").order_by("issued_at", "id")


def current_report(application: Application) -> Report | None:
    """The report an applicant downloads: the newest issued one of the application."""
    return application.reports.order_by("-issued_at", "-id").first()


def report_for(principal: Any, number: str) -> Report | None:
    """An issued report the principal may read (its application within the tenant)."""
    return (
        Report.objects.filter(number=number, application__in=applications_for(principal))
        .select_related("application")
        .first()
    )


def applications_of_account(account: Any) -> QuerySet[Application]:
    """A real-name user's own applications, newest first."""
    if account is None:
        return Application.objects.none()
    return (
        Application.objects.filter(account=account)
        .select_related("template")
        .order_by("-created_at", "-id")
    )


def my_applications(account: Any, *, limit: int = 50) -> list[dict[str, Any]]:
    """The 我的 page's 「我的信用报告申请」: the account's newest applications, each with its
    reports (oldest first, each with the status a verifier reads) and ``current``, the one
    its applicant downloads (None before issue). Two queries."""
    applications = list(applications_of_account(account)[:limit])
    issued: dict[int, list[Report]] = {a.pk: [] for a in applications}
    for report in (
        Report.objects.filter(application__in=applications)
        .defer("pdf", "snapshot")
        .order_by("issued_at", "id")
    ):
        issued[report.application_id].append(report)
    today = timezone.localdate()
    return [
        {
            "application": a,
            "reports": [
                (r, rules.status_label(r.status, r.valid_until, today)) for r in issued[a.pk]
            ],
            "current": issued[a.pk][-1] if issued[a.pk] else None,
        }
        for a in applications
    ]


def authorisations_of_account(account: Any) -> QuerySet[Authorisation]:
    if account is None:
        return Authorisation.objects.none()
    return Authorisation.objects.filter(account=account).order_by("-created_at", "-id")


@dataclass(frozen=True)
class Verification:
    """What the public verify page shows of a report."""

    number: str
    subject: str
    subject_code: str
    issued_on: datetime.date
    valid_until: datetime.date
    status: str
    status_reason: str
    sha256: str
    replaced_by: str = ""


def verification(number: str, code: str, *, today: datetime.date | None = None):
    """The report with ``number`` whose verify code is ``code`` (compared in constant time),
    as the verify page shows it; None when either does not match. A valid report one of whose
    records changed since issue reads 已更新 at once (before the job re-issues it)."""
    from credit.reports.services import changed_records

    today = today or timezone.localdate()
    report = (
        Report.objects.filter(number=str(number or "")[:28])
        .select_related("application")
        .defer("pdf")
        .first()
    )
    if report is None or not hmac.compare_digest(
        report.verify_code, rules.normalize_code(code)[:16]
    ):
        return None
    status = rules.status_label(report.status, report.valid_until, today)
    reason = report.status_reason
    if report.status == ReportStatus.VALID and report.valid_until >= today:
        changed = changed_records(report)
        if changed:
            status = ReportStatus.SUPERSEDED.label
            reason = "报告所载信息已变更：" + "、".join(changed)
    replaced = getattr(report, "replaced_by", None)
    snap = report.snapshot or {}
    subject = snap.get("subject_name", "")
    if snap.get("subject_kind") == "natural":
        subject = mask_name(subject)
    code_shown = snap.get("subject_code", "")
    if snap.get("subject_kind") == "natural":
        from credit.core.masking import mask_id_number

        code_shown = mask_id_number(code_shown)
    return Verification(
        number=report.number,
        subject=subject,
        subject_code=code_shown,
        issued_on=timezone.localtime(report.issued_at).date(),
        valid_until=report.valid_until,
        status=status,
        status_reason=reason,
        sha256=report.sha256,
        replaced_by=replaced.number if replaced is not None else "",
    )


def report_by_hash(sha256: str) -> Report | None:
    """The issued report whose file has this SHA-256 (an uploaded PDF)."""
    return Report.objects.filter(sha256=sha256).defer("pdf").first()


# --------------------------------------------------------------------------------------------
# The portal: the subject a real-name user acts for, the templates it may choose, and the
# check of an uploaded PDF
# --------------------------------------------------------------------------------------------


def subject_of_account(account: Any) -> Any:
    """The subject a real-name user acts for on the portal: a company agent's company (by the
    account's USCC), a citizen's own file (by the blind index of the ID number); None when the
    library holds no file of it."""
    from credit.subjects.models import LegalPerson, NaturalPerson

    if account is None:
        return None
    if getattr(account, "is_company_agent", False):
        return LegalPerson.objects.filter(uscc=account.uscc).first() if account.uscc else None
    if not account.id_index:
        return None
    return NaturalPerson.objects.filter(id_index=account.id_index).first()


def portal_templates(subject_type: str) -> QuerySet[ReportTemplate]:
    """The templates the public may apply with: active, with a current version, for the
    subject type (``legal`` or ``natural``)."""
    return ReportTemplate.objects.filter(
        is_active=True, current__isnull=False, subject_type=subject_type
    ).order_by("code")


@dataclass(frozen=True)
class UploadVerdict:
    """What the verify page answers about an uploaded file: ``passed`` (an issued report of
    ours, intact, validly signed, not revoked), the reasons when not, notes on a report that
    passed but is no longer current (已更新, 已过期), the report as the verify page shows it
    (None: not one of ours), the signature check and the file's SHA-256."""

    passed: bool
    reasons: tuple[str, ...]
    notes: tuple[str, ...]
    report: Verification | None
    signature: Any
    sha256: str


def verify_upload(data: bytes, *, expect: str = "", today: datetime.date | None = None):
    """Check an uploaded file: is it a PDF, one of the reports issued here (its SHA-256), its
    signature intact, valid, trusted and covering the whole file
    (:func:`credit.reports.verification.check_signature`), the report not revoked — and, with
    ``expect`` (a report number), that report. A superseded or expired report passes, with a
    note saying so. Never raises on hostile input."""
    import hashlib

    from credit.reports.verification import check_signature

    sha256 = hashlib.sha256(data).hexdigest()
    if b"%PDF-" not in data[:1024]:
        return UploadVerdict(
            False, ("上传的文件不是PDF文件，不是本平台出具的信用报告",), (), None, None, sha256
        )
    signature = check_signature(data)
    found = report_by_hash(sha256)
    shown = verification(found.number, found.verify_code, today=today) if found else None
    reasons: list[str] = []
    notes: list[str] = []
    if not signature.ok:
        reasons.append(f"电子签章验证未通过：{signature.reason}")
    if shown is None:
        reasons.append(
            "平台没有与该文件摘要（SHA-256）一致的报告：该文件不是本平台出具的信用报告原件，"
            "或已被修改"
        )
    else:
        if found.status == ReportStatus.REVOKED:
            why = f"：{shown.status_reason}" if shown.status_reason else ""
            reasons.append(f"该报告已被撤销{why}")
        elif shown.status != ReportStatus.VALID.label:
            later = f"，更正后的报告编号为 {shown.replaced_by}" if shown.replaced_by else ""
            notes.append(f"文件完整有效，但该报告当前状态为“{shown.status}”{later}")
        wanted = str(expect or "").strip().upper()[:28]
        if wanted and wanted != shown.number:
            reasons.append(f"上传的文件是报告 {shown.number}，不是报告 {wanted}")
    return UploadVerdict(not reasons, tuple(reasons), tuple(notes), shown, signature, sha256)
