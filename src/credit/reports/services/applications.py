"""Applications for a report (信用报告申请) on every channel, the material review (初审), the second
review by another person (复核), issue of the signed report, revocation and the preview."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from credit.core import audit, crypto
from credit.core.access import Kind, Perm, principal_of
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.masking import mask_name, mask_phone
from credit.core.workdays import add_working_days
from credit.objections.uploads import Upload, check_files
from credit.reports import build, rules
from credit.reports.constants import (
    WITHDRAWABLE,
    ApplicantKind,
    ApplicationStatus,
    Channel,
    MaterialKind,
    Purpose,
    ReportStatus,
)
from credit.reports.models import (
    Application,
    Authorisation,
    Material,
    Report,
    ReportRecord,
    ReportTemplate,
    Step,
    TemplateVersion,
)
from credit.reports.services.authorisations import active_authorisation

CODE_PURPOSE = "report-extraction-code"
#: Working days the credit office has to issue a report after an application.
ISSUE_WORKING_DAYS = 3


def code_hash(code: str) -> str:
    return crypto.blind_index(rules.normalize_code(code), purpose=CODE_PURPOSE)


def verify_path(number: str, code: str) -> str:
    return f"/portal/reports/verify/{number}?c={code}"


def verify_url(number: str, code: str) -> str:
    return settings.CREDIT_PUBLIC_BASE_URL + verify_path(number, code)


def _step(application: Application, action: str, label: str, actor: Any = None, comment=""):
    """Append a step to the application's log; ``actor`` is a principal, a real-name account
    (named by its display name) or None (the platform)."""
    p = principal_of(actor)
    name = p.name if p.is_authenticated else getattr(actor, "display_name", "") or ""
    Step.objects.create(
        application=application,
        action=action,
        label=label,
        actor_id=p.user_id,
        actor_name=name[:100],
        comment=comment[:500],
    )


def _subject_parts(subject: Any) -> dict[str, Any]:
    legal = getattr(subject, "subject_type", "") == "legal"
    return {
        "legal_person": subject if legal else None,
        "natural_person": None if legal else subject,
        "subject_name": subject.name,
        "region_id": subject.region_id,
    }


def _checked_materials(uploads: Iterable[Upload], required: Iterable[str]) -> list:
    return check_files(uploads, required_kinds=required, kinds=MaterialKind)


def _template_for(template: ReportTemplate, subject: Any, purpose: str) -> TemplateVersion:
    if not template.is_active or template.current_id is None:
        raise ValidationFailed(f"报告模板“{template.name}”已停用", code="template_inactive")
    if template.subject_type != getattr(subject, "subject_type", ""):
        raise ValidationFailed(
            f"报告模板“{template.name}”不适用于该类主体", code="template_subject_type"
        )
    if purpose not in template.purposes:
        raise ValidationFailed(
            f"报告模板“{template.name}”不适用于“{Purpose(purpose).label}”用途",
            code="template_purpose",
        )
    return template.current


def _create(
    *,
    actor: Any,
    channel: str,
    applicant_kind: str,
    applicant_name: str,
    template: ReportTemplate,
    subject: Any,
    purpose: str,
    purpose_text: str,
    period: tuple[datetime.date, datetime.date] | None,
    materials: list,
    own_report: bool = False,
    account: Any = None,
    authorisation: Authorisation | None = None,
    contact: str = "",
    today: datetime.date | None = None,
) -> tuple[Application, str]:
    today = today or timezone.localdate()
    if purpose not in Purpose.values:
        raise ValidationFailed("报告用途不正确", code="purpose_invalid")
    version = _template_for(template, subject, purpose)
    start, end = period or rules.default_period(today, template.period_months)
    problem = rules.check_period(start, end, today=today, months=template.period_months)
    if problem:
        raise ValidationFailed(problem, code="period_invalid")
    p = principal_of(actor)
    code = rules.new_code()
    application = None
    for _ in range(5):
        try:
            with transaction.atomic():
                application = Application.objects.create(
                    number=rules.new_number(today),
                    channel=channel,
                    applicant_kind=applicant_kind,
                    applicant_name=applicant_name.strip()[:100],
                    applicant_contact=mask_phone(contact)[:40],
                    account=account,
                    entered_by_id=p.user_id if p.kind == Kind.STAFF else None,
                    department_id=p.department_id if p.is_authenticated else None,
                    client_id=p.client_id,
                    authorisation=authorisation,
                    template=template,
                    template_version=version,
                    purpose=purpose,
                    purpose_text=purpose_text.strip()[:200],
                    period_from=start,
                    period_to=end,
                    own_report=own_report,
                    code_hash=code_hash(code),
                    due=add_working_days(today, ISSUE_WORKING_DAYS),
                    **_subject_parts(subject),
                )
            break
        except IntegrityError:  # a number drawn twice: draw again
            continue
    if application is None:
        raise ValidationFailed("报告编号生成失败，请重试", code="number_exhausted")
    for f in materials:
        Material.objects.create(
            application=application,
            kind=f.kind,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            data=f.data,
        )
    _step(
        application,
        "submitted",
        f"提交申请（{Channel(channel).label}）",
        actor if p.is_authenticated else account,
    )
    audit.record(
        "report_application.submitted",
        actor=actor if p.is_authenticated else None,
        obj=application,
        after={
            "channel": channel,
            "template": template.code,
            "version": version.version,
            "purpose": purpose,
            "subject": application.subject_name
            if application.legal_person_id
            else mask_name(application.subject_name),
            "period": [start.isoformat(), end.isoformat()],
            "materials": [m.name for m in materials],
            "account": account.pk if account is not None else None,
        },
    )
    return application, code


@transaction.atomic
def apply_online(
    *,
    account: Any,
    template: ReportTemplate,
    subject: Any,
    purpose: str,
    purpose_text: str = "",
    period: tuple[datetime.date, datetime.date] | None = None,
    uploads: Iterable[Upload] = (),
    as_agent: bool = False,
    today: datetime.date | None = None,
) -> tuple[Application, str]:
    """A real-name user applies on the portal: a company's agent for that company (营业执照
    required; an agent acting for it also the 授权委托书), a citizen for their own report
    only. Returns the application and its extraction code (shown once)."""
    if account is None:
        raise PermissionDenied("请先实名登录", code="login_required")
    legal = getattr(subject, "subject_type", "") == "legal"
    if legal:
        if not account.uscc or account.uscc != subject.uscc:
            raise PermissionDenied(
                "只能为实名认证的本单位申请信用报告；为其他单位申请须取得其授权",
                code="not_own_company",
            )
        required = [MaterialKind.LICENCE] + ([MaterialKind.AUTHORISATION] if as_agent else [])
        kind = ApplicantKind.AGENT if as_agent else ApplicantKind.SELF
        own = False
    else:
        if not account.id_index or account.id_index != subject.id_index:
            raise PermissionDenied("个人只能申请本人的信用报告", code="not_own_report")
        required, kind, own = [], ApplicantKind.SELF, True
    files = _checked_materials(uploads, required)
    return _create(
        actor=None,
        channel=Channel.PORTAL,
        applicant_kind=kind,
        applicant_name=account.name,
        template=template,
        subject=subject,
        purpose=purpose,
        purpose_text=purpose_text,
        period=period,
        materials=files,
        own_report=own,
        account=account,
        today=today,
    )


@transaction.atomic
def enter_application(
    *,
    actor: Any,
    template: ReportTemplate,
    subject: Any,
    purpose: str,
    applicant_name: str,
    applicant_kind: str = ApplicantKind.SELF,
    purpose_text: str = "",
    period: tuple[datetime.date, datetime.date] | None = None,
    uploads: Iterable[Upload] = (),
    contact: str = "",
    today: datetime.date | None = None,
) -> tuple[Application, str]:
    """The service hall (窗口) or a department enters an application for a subject. A
    department's officer applies for its own procedures (no materials); the hall records the
    applicant's 营业执照 (and 授权委托书 for an agent)."""
    p = principal_of(actor)
    p.require(Perm.REPORT_ENTER)
    if applicant_kind not in ApplicantKind.values:
        raise ValidationFailed("申请人类型不正确", code="applicant_kind")
    if applicant_kind == ApplicantKind.DEPARTMENT:
        if p.department_id is None:
            raise PermissionDenied("只有部门人员可以以部门名义申请", code="not_department")
        required: list[str] = []
        channel = Channel.DEPARTMENT
    else:
        legal = getattr(subject, "subject_type", "") == "legal"
        required = [MaterialKind.LICENCE] if legal else [MaterialKind.IDENTITY]
        if applicant_kind == ApplicantKind.AGENT:
            required.append(MaterialKind.AUTHORISATION)
        channel = Channel.HALL
    if not applicant_name.strip():
        raise ValidationFailed("请填写申请人", code="applicant_required")
    if not p.manages(region_id=subject.region_id, department_id=p.department_id) and not (
        applicant_kind == ApplicantKind.DEPARTMENT
    ):
        raise PermissionDenied("该主体不在您的辖区", code="out_of_scope")
    files = _checked_materials(uploads, required)
    return _create(
        actor=actor,
        channel=channel,
        applicant_kind=applicant_kind,
        applicant_name=applicant_name,
        template=template,
        subject=subject,
        purpose=purpose,
        purpose_text=purpose_text,
        period=period,
        materials=files,
        contact=contact,
        today=today,
    )


@transaction.atomic
def request_by_api(
    *,
    actor: Any,
    template: ReportTemplate,
    subject: Any,
    purpose: str,
    purpose_text: str = "",
    today: datetime.date | None = None,
) -> Application:
    """A request through the API (scope ``reports:request``). A department's system asks for
    its own procedures; a template marked 部门核查即时出具 then issues at once. Any other
    client needs the subject's authorisation of its organisation (by USCC) for the purpose,
    in force today; the request then waits for the two reviews like any application."""
    from credit.gateway.models import ApiClient

    p = principal_of(actor)
    p.require(Perm.REPORT_REQUEST)
    today = today or timezone.localdate()
    client = ApiClient.objects.filter(pk=p.client_id).first() if p.client_id else None
    authorisation = None
    if p.department_id is not None:
        kind, name = ApplicantKind.DEPARTMENT, client.name if client else p.name
    else:
        uscc = getattr(client, "org_uscc", "") if client else ""
        authorisation = (
            active_authorisation(grantee_uscc=uscc, subject=subject, purpose=purpose, today=today)
            if uscc
            else None
        )
        if authorisation is None:
            raise PermissionDenied(
                "未取得信息主体对该用途的有效授权，不能获取其信用报告",
                code="not_authorised",
            )
        Authorisation.objects.filter(pk=authorisation.pk).update(uses=F("uses") + 1)
        kind, name = ApplicantKind.THIRD_PARTY, authorisation.grantee_name
    application, _ = _create(
        actor=actor,
        channel=Channel.API,
        applicant_kind=kind,
        applicant_name=name,
        template=template,
        subject=subject,
        purpose=purpose,
        purpose_text=purpose_text,
        period=None,
        materials=[],
        authorisation=authorisation,
        today=today,
    )
    if kind == ApplicantKind.DEPARTMENT and template.auto_issue:
        _step(application, "auto_issue", "部门信用核查：按模板规定即时出具", actor)
        issue(application=application, issued_by=None, today=today)
        application.refresh_from_db()  # issue() saved its own locked copy
    return application


# --------------------------------------------------------------------------------------------
# The two reviews and issue
# --------------------------------------------------------------------------------------------


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


def _require_status(application: Application, *statuses: str) -> None:
    if application.status not in statuses:
        raise ValidationFailed(
            f"申请当前状态为“{application.get_status_display()}”，不能进行该操作",
            code="application_status_conflict",
        )


@transaction.atomic
def review_materials(
    *, actor: Any, application: Application, passed: bool, reason: str = ""
) -> Application:
    """Material review (初审): pass (a preview report is generated for the second review) or
    return with a reason the applicant sees."""
    p = principal_of(actor)
    p.require(Perm.REPORT_REVIEW)
    application = _locked(application)
    _require_status(application, ApplicationStatus.SUBMITTED)
    refusal = rules.material_review_refusal(
        reviewer_id=p.user_id, entered_by_id=application.entered_by_id
    )
    if refusal:
        raise PermissionDenied(refusal, code="four_eyes")
    now = timezone.now()
    if passed:
        application.status = ApplicationStatus.REVIEWED
        application.reviewer_id = p.user_id
        application.reviewed_at = now
        application.return_reason = ""
        _step(application, "materials_passed", "材料审核通过，生成预览报告", actor, reason)
    else:
        reason = reason.strip()
        if not reason:
            raise ValidationFailed("退回须填写原因，申请人将看到它", code="reason_required")
        application.status = ApplicationStatus.RETURNED
        application.return_reason = reason[:500]
        application.returned_at = now
        _step(application, "returned", "材料审核退回", actor, reason)
    application.save()
    audit.record(
        "report_application.materials_passed" if passed else "report_application.returned",
        actor=actor,
        obj=application,
        after={"reason": reason[:500]},
    )
    return application


def review_refusal(actor: Any, application: Application) -> str | None:
    """Why ``actor`` may not do the review ``application`` waits for (四眼原则: 初审 not by who
    entered it; 复核 by neither of them), or None — the pages offer the review only then."""
    p = principal_of(actor)
    if application.status == ApplicationStatus.SUBMITTED:
        return rules.material_review_refusal(
            reviewer_id=p.user_id, entered_by_id=application.entered_by_id
        )
    if application.status == ApplicationStatus.REVIEWED:
        return rules.approval_refusal(
            approver_id=p.user_id,
            reviewer_id=application.reviewer_id,
            entered_by_id=application.entered_by_id,
        )
    return None


@transaction.atomic
def send_back(*, actor: Any, application: Application, reason: str) -> Application:
    """The second reviewer sends the application back to material review, with a reason."""
    p = principal_of(actor)
    p.require(Perm.REPORT_REVIEW)
    application = _locked(application)
    _require_status(application, ApplicationStatus.REVIEWED)
    refusal = rules.approval_refusal(
        approver_id=p.user_id,
        reviewer_id=application.reviewer_id,
        entered_by_id=application.entered_by_id,
    )
    if refusal:
        raise PermissionDenied(refusal, code="four_eyes")
    if not reason.strip():
        raise ValidationFailed("退回须填写原因", code="reason_required")
    application.status = ApplicationStatus.SUBMITTED
    application.reviewer = None
    application.reviewed_at = None
    application.save()
    _step(application, "sent_back", "复核退回初审", actor, reason)
    audit.record(
        "report_application.sent_back", actor=actor, obj=application, after={"reason": reason}
    )
    return application


@transaction.atomic
def approve(*, actor: Any, application: Application, today: datetime.date | None = None) -> Report:
    """The second review (复核): another person than the material reviewer (and than the one
    who entered the application) approves, and the official report is issued."""
    p = principal_of(actor)
    p.require(Perm.REPORT_REVIEW)
    application = _locked(application)
    _require_status(application, ApplicationStatus.REVIEWED)
    refusal = rules.approval_refusal(
        approver_id=p.user_id,
        reviewer_id=application.reviewer_id,
        entered_by_id=application.entered_by_id,
    )
    if refusal:
        raise PermissionDenied(refusal, code="four_eyes")
    application.approver_id = p.user_id
    application.approved_at = timezone.now()
    application.save(update_fields=["approver", "approved_at", "updated_at"])
    _step(application, "approved", "复核通过，签发报告", actor)
    # After a supersede that waits for review, the report issued now is its correction.
    replaces = (
        application.reports.filter(status=ReportStatus.SUPERSEDED, replaced_by__isnull=True)
        .defer("pdf", "snapshot")
        .first()
    )
    return issue(application=application, issued_by=actor, replaces=replaces, today=today)


@transaction.atomic
def resubmit(
    *, account: Any, application: Application, uploads: Iterable[Upload] = ()
) -> Application:
    """The applicant answers a return with new materials; the application goes back to
    material review."""
    application = _locked(application)
    if account is None or application.account_id != account.pk:
        raise NotFound("未找到该申请", code="application_not_found")
    _require_status(application, ApplicationStatus.RETURNED)
    files = _checked_materials(uploads, [])
    if not files:
        raise ValidationFailed("请补充上传材料", code="material_required")
    for f in files:
        Material.objects.create(
            application=application,
            kind=f.kind,
            name=f.name,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
            data=f.data,
        )
    application.status = ApplicationStatus.SUBMITTED
    application.save(update_fields=["status", "updated_at"])
    _step(application, "resubmitted", "申请人补充材料后重新提交", account)
    audit.record(
        "report_application.resubmitted",
        obj=application,
        after={"materials": [f.name for f in files], "account": account.pk},
    )
    return application


@transaction.atomic
def withdraw(*, account: Any, application: Application) -> Application:
    """The applicant withdraws their own application before the report is issued (撤回);
    nothing is issued for it afterwards."""
    application = _locked(application)
    if account is None or application.account_id != account.pk:
        raise NotFound("未找到该申请", code="application_not_found")
    _require_status(application, *WITHDRAWABLE)
    application.status = ApplicationStatus.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    _step(application, "withdrawn", "申请人撤回申请", account)
    audit.record(
        "report_application.withdrawn",
        obj=application,
        after={"account": account.pk, "number": application.number},
    )
    return application


def request_for(application: Application) -> build.Request:
    version = application.template_version
    return build.Request(
        subject=application.legal_person or application.natural_person,
        sections=version.sections,
        template_label=f"{application.template.name}（第{version.version}版）",
        purpose=application.purpose,
        purpose_text=application.purpose_text,
        period_from=application.period_from,
        period_to=application.period_to,
        own_report=application.own_report,
    )


def preview_pdf(*, actor: Any, application: Application) -> bytes:
    """The preview report (预览) of an application, from the library as it stands now: not
    signed, watermarked 预览, never stored. Reading it is audited."""
    from credit.reports.pdf.render import render_pdf

    p = principal_of(actor)
    p.require(Perm.REPORT_REVIEW)
    today = timezone.localdate()
    content, _ = build.build(
        request_for(application),
        number=application.number,
        issued_on=today,
        valid_until=today + datetime.timedelta(days=application.template.valid_days),
        preview=True,
    )
    audit.record("report_application.previewed", actor=actor, obj=application)
    return render_pdf(content, seal=False)


def _next_number(application: Application) -> str:
    n = application.reports.count() + 1
    return rules.reissue_number(application.number, n)


@transaction.atomic
def issue(
    *,
    application: Application,
    issued_by: Any,
    replaces: Report | None = None,
    today: datetime.date | None = None,
) -> Report:
    """Issue the official report of ``application`` now: build its content from the library,
    render the PDF with seal and QR code, sign it (PAdES), and store the frozen snapshot, the
    bytes, their SHA-256 and the records shown. Called by :func:`approve`, by an automatic
    department request and by a corrected re-issue."""
    from credit.reports.pdf.render import render_pdf
    from credit.reports.signing import get_signer

    today = today or timezone.localdate()
    application = _locked(application)
    number = _next_number(application)
    code = rules.new_code(rules.VERIFY_CODE_LENGTH)
    valid_until = today + datetime.timedelta(days=application.template.valid_days)
    content, shown = build.build(
        request_for(application),
        number=number,
        issued_on=today,
        valid_until=valid_until,
        verify_url=verify_url(number, code),
    )
    signed = get_signer().sign_pdf(render_pdf(content), reason=f"出具信用报告 {number}")
    p = principal_of(issued_by)
    report = Report.objects.create(
        number=number,
        application=application,
        template_version=application.template_version,
        verify_code=code,
        issued_at=timezone.now(),
        valid_until=valid_until,
        issued_by_id=p.user_id,
        snapshot=content.as_dict(),
        pdf=signed,
        sha256=hashlib.sha256(signed).hexdigest(),
        size=len(signed),
        replaces=replaces,
    )
    ReportRecord.objects.bulk_create(
        ReportRecord(
            report=report,
            record_id=s.record_id,
            version=s.version,
            digest=s.digest,
            under_objection=s.under_objection,
        )
        for s in shown
    )
    application.status = ApplicationStatus.ISSUED
    application.issued_at = report.issued_at
    application.save(update_fields=["status", "issued_at", "updated_at"])
    _step(
        application,
        "issued",
        f"出具报告 {number}" + (f"（更正 {replaces.number}）" if replaces else ""),
        issued_by,
    )
    audit.record(
        "report.issued",
        actor=issued_by,
        obj=report,
        after={
            "application": application.number,
            "sha256": report.sha256,
            "records": len(shown),
            "marked": sum(1 for s in shown if s.under_objection),
            "replaces": replaces.number if replaces else None,
        },
    )
    return report


@transaction.atomic
def revoke(*, actor: Any, report: Report, reason: str) -> Report:
    """Revoke an issued report (撤销): the verify page then says so."""
    principal_of(actor).require(Perm.REPORT_REVIEW)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.status != ReportStatus.VALID:
        raise ValidationFailed("只有有效的报告可以撤销", code="report_status_conflict")
    if not reason.strip():
        raise ValidationFailed("撤销须填写原因", code="reason_required")
    report.status = ReportStatus.REVOKED
    report.status_reason = reason.strip()[:300]
    report.status_changed_at = timezone.now()
    report.save(update_fields=["status", "status_reason", "status_changed_at"])
    _step(report.application, "revoked", f"撤销报告 {report.number}", actor, reason)
    audit.record("report.revoked", actor=actor, obj=report, after={"reason": reason})
    return report
