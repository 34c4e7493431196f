"""Portal pages of credit reports (信用报告) for the public, under ``/portal/reports/``.

- 信用报告 (landing): what a report is and the ways to apply, download and verify.
- 申请 (real-name login required): a company's agent applies for that company, a citizen for
  their own report (:func:`credit.reports.services.apply_online`). The page that answers the
  application shows the report number and the extraction code (提取码) once, with
  ``Cache-Control: no-store``; the code is never stored in the session, a message or a log.
- 下载 (no login): the number and the extraction code give the current report's PDF, within
  limits on wrong tries (:mod:`credit.reports.extraction`: over a limit the page answers 429
  and says when to try again). Every download is audited.
- 核验 (no login): the QR code's page ``verify/<number>?c=<code>`` shows the report's number,
  subject (masked for persons), dates, status and the SHA-256 of the issued file; a POST of a
  PDF (field ``file``) to ``verify/`` answers 「验证通过」 for an intact, validly signed issued
  report and 「验证未通过」 with the reasons otherwise (:func:`selectors.verify_upload`). The
  upload check changes nothing and needs no session, so other systems may post to it without
  a CSRF token; files above ``CREDIT_REPORT_VERIFY_MAX_BYTES`` are refused (413).
- 我的 (login required): one application of the user's, its steps, the reason of a return with
  the form to resubmit materials (:func:`services.resubmit`), and the download of its current
  report without the code (audited); the authorisations (授权) the user's subject gave to
  third parties, to create and revoke (:func:`services.authorise`).

The 我的 page (:mod:`credit.portal.views.me`) lists the applications with
:func:`credit.reports.selectors.my_applications` in its section 「我的信用报告申请」
(``reports/portal/_mine.html``).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from credit.core.errors import CreditError, RateLimited
from credit.core.forms import submit
from credit.core.http import download_response, found
from credit.core.netaddr import client_ip
from credit.identity.session import account_required, current_account
from credit.objections import uploads
from credit.reports import build, extraction, rules, selectors, services
from credit.reports.constants import ApplicationStatus
from credit.reports.forms.portal import (
    ApplyForm,
    AuthorisationForm,
    DownloadForm,
    ResubmitForm,
)
from credit.reports.models import Application, Authorisation

PDF = "application/pdf"
NAV = "reports"

#: Service refusal code → form field (the others go on the form as a whole).
APPLY_FIELDS = {
    "template_inactive": "template",
    "template_subject_type": "template",
    "template_purpose": "purpose",
    "purpose_invalid": "purpose",
    "period_invalid": "period_from",
}
AUTHORISE_FIELDS = {
    "grantee_uscc_invalid": "grantee_uscc",
    "grantee_self": "grantee_uscc",
    "grantee_name_required": "grantee_name",
    "purpose_invalid": "purpose",
    "period_invalid": "valid_from",
    "period_too_long": "valid_to",
}


def filename(number: str) -> str:
    return f"信用报告_{number}.pdf"


def _pdf(report: Any) -> HttpResponse:
    response = download_response(bytes(report.pdf), filename(report.number), PDF)
    response["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------------------------
# Landing
# --------------------------------------------------------------------------------------------


def landing(request: HttpRequest) -> HttpResponse:
    """信用报告: what a report is, how to apply, and the links to apply, download and verify."""
    return render(
        request,
        "reports/portal/landing.html",
        {"nav": NAV, "account": current_account(request)},
    )


# --------------------------------------------------------------------------------------------
# Apply (real-name login)
# --------------------------------------------------------------------------------------------


def _code_page(request: HttpRequest, application: Application, code: str) -> HttpResponse:
    """The answer to an application: its number and the extraction code, shown once."""
    response = render(
        request,
        "reports/portal/applied.html",
        {"nav": NAV, "application": application, "code": code},
    )
    response["Cache-Control"] = "no-store"
    return response


@account_required
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    account = current_account(request)
    subject = selectors.subject_of_account(account)
    if subject is None:
        return render(request, "reports/portal/no_subject.html", {"nav": NAV, "account": account})
    form = ApplyForm(request.POST or None, request.FILES or None, subject_type=subject.subject_type)
    done = submit(
        request,
        form,
        lambda data: services.apply_online(
            account=account,
            template=data["template"],
            subject=subject,
            purpose=data["purpose"],
            purpose_text=data["purpose_text"],
            period=form.period(),
            uploads=form.uploads() if form.fields.get("licence") else (),
            as_agent=form.as_agent,
        ),
        done=lambda result: _code_page(request, *result),
        errors=APPLY_FIELDS,
        with_code=False,
    )
    if done is not None:
        return done
    return render(
        request,
        "reports/portal/apply.html",
        {"nav": NAV, "form": form, "account": account, "subject": subject},
    )


# --------------------------------------------------------------------------------------------
# Download with the number and the extraction code
# --------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def download(request: HttpRequest) -> HttpResponse:
    form = DownloadForm(
        request.POST or None, initial={"number": request.GET.get("number", "")[:28]}
    )
    limited: list[RateLimited] = []

    def extract(data: dict[str, Any]) -> Any:
        source_ip = client_ip(request)
        application = extraction.find_application(
            number=data["number"], code=data["code"], source_ip=source_ip
        )
        return extraction.download(application=application, channel="portal", source_ip=source_ip)

    def over_limit(exc: CreditError) -> None:
        if isinstance(exc, RateLimited):
            limited.append(exc)

    done = submit(request, form, extract, done=_pdf, with_code=False, on_error=over_limit)
    if done is not None:
        return done
    retry_after = limited[0].retry_after if limited else None
    response = render(
        request,
        "reports/portal/download.html",
        {"nav": NAV, "form": form, "tries": extraction.limits()[0]},
        status=429 if retry_after else 200,
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --------------------------------------------------------------------------------------------
# Verification (核验): the QR code's page and the upload check
# --------------------------------------------------------------------------------------------


def _not_found(request: HttpRequest) -> HttpResponse:
    return render(request, "reports/portal/verify_missing.html", {"nav": NAV}, status=404)


def _read_limited(uploaded: Any, limit: int) -> bytes:
    """At most ``limit`` + 1 bytes of an uploaded file."""
    chunks, total = [], 0
    for chunk in uploaded.chunks():
        chunks.append(chunk[: limit + 1 - total])
        total += len(chunks[-1])
        if total > limit:
            break
    return b"".join(chunks)


def _verify_form(request: HttpRequest, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(
        request,
        "reports/portal/verify.html",
        {
            "nav": NAV,
            "error": error,
            "limit": uploads.human_size(settings.CREDIT_REPORT_VERIFY_MAX_BYTES),
            "number": request.GET.get("number", "")[:28],
        },
        status=status,
    )


def _too_large(request: HttpRequest, limit: int) -> HttpResponse:
    return _verify_form(
        request,
        error=f"文件超过 {uploads.human_size(limit)}，无法核验；本平台出具的信用报告文件远小于"
        "此大小，请确认上传的是报告原件",
        status=413,
    )


def _check_upload(request: HttpRequest) -> HttpResponse:
    limit = settings.CREDIT_REPORT_VERIFY_MAX_BYTES
    uploaded = request.FILES.get("file")
    if uploaded is None:
        return _verify_form(request, error="请选择要核验的信用报告PDF文件", status=400)
    if uploaded.size > limit:
        return _too_large(request, limit)
    data = _read_limited(uploaded, limit)
    if len(data) > limit:
        return _too_large(request, limit)
    if not data:
        return _verify_form(request, error="上传的文件是空文件，请重新选择", status=400)
    verdict = selectors.verify_upload(data, expect=request.POST.get("number", "")[:28])
    response = render(
        request,
        "reports/portal/verify_result.html",
        {
            "nav": NAV,
            "verdict": verdict,
            "name": uploads.safe_name(uploaded.name or ""),
            "issuer": build.ISSUER,
        },
    )
    response["X-Verification-Result"] = "passed" if verdict.passed else "failed"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """GET: the forms (number and code, or a PDF); ``?number=&c=`` goes to the report's page.
    POST: the check of the uploaded PDF (field ``file``)."""
    if request.method == "POST":
        return _check_upload(request)
    number = request.GET.get("number", "").strip()[:28]
    code = request.GET.get("c", "").strip()[:32]
    if number and code:
        url = reverse("reports_portal:verify_report", kwargs={"number": number})
        return redirect(f"{url}?c={code}")
    return _verify_form(request)


def verify_report(request: HttpRequest, number: str) -> HttpResponse:
    """The QR code's target: the report with ``number`` and the verify code ``c``."""
    shown = selectors.verification(number, request.GET.get("c", ""))
    if shown is None:
        return _not_found(request)
    return render(
        request,
        "reports/portal/verify_report.html",
        {
            "nav": NAV,
            "report": shown,
            "issuer": build.ISSUER,
            "limit": uploads.human_size(settings.CREDIT_REPORT_VERIFY_MAX_BYTES),
        },
    )


# --------------------------------------------------------------------------------------------
# 我的: one application, resubmission, the owner's download
# --------------------------------------------------------------------------------------------


def _mine(request: HttpRequest, number: str) -> tuple[Any, Application]:
    account = current_account(request)
    application = selectors.applications_of_account(account).filter(number=number[:28]).first()
    return account, found(application)


def _detail(
    request: HttpRequest, application: Application, form: ResubmitForm | None = None
) -> HttpResponse:
    today = timezone.localdate()
    reports = list(selectors.reports_of(application))
    returned = application.status == ApplicationStatus.RETURNED
    return render(
        request,
        "reports/portal/application.html",
        {
            "nav": NAV,
            "application": application,
            "steps": application.steps.order_by("id"),
            "materials": application.materials.defer("data").order_by("id"),
            "reports": [(r, rules.status_label(r.status, r.valid_until, today)) for r in reports],
            "current": reports[-1] if reports else None,
            "form": (form or ResubmitForm()) if returned else None,
        },
    )


@account_required
def application(request: HttpRequest, number: str) -> HttpResponse:
    _, application = _mine(request, number)
    return _detail(request, application)


@account_required
@require_POST
def resubmit(request: HttpRequest, number: str) -> HttpResponse:
    account, application = _mine(request, number)
    form = ResubmitForm(request.POST, request.FILES)
    done = submit(
        request,
        form,
        lambda data: services.resubmit(
            account=account, application=application, uploads=form.uploads()
        ),
        done=lambda app: reverse("reports_portal:application", kwargs={"number": app.number}),
        message="材料已补充，申请已重新提交，等待信用中心审核",
        with_code=False,
    )
    if done is not None:
        return done
    return _detail(request, application, form)


@account_required
@require_POST
def withdraw(request: HttpRequest, number: str) -> HttpResponse:
    """The applicant withdraws an application not yet issued."""
    account, application = _mine(request, number)
    try:
        services.withdraw(account=account, application=application)
    except CreditError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"申请 {application.number} 已撤回")
    return redirect("reports_portal:application", number=application.number)


@account_required
def application_download(request: HttpRequest, number: str) -> HttpResponse:
    """The owner downloads the application's current report without the code (audited)."""
    account, application = _mine(request, number)
    try:
        report = extraction.download(
            application=application,
            channel="portal_account",
            source_ip=client_ip(request),
            account=account,
        )
    except CreditError as exc:
        messages.error(request, exc.message)
        return redirect("reports_portal:application", number=application.number)
    return _pdf(report)


# --------------------------------------------------------------------------------------------
# Authorisations (授权)
# --------------------------------------------------------------------------------------------


def _grant_state(grant: Authorisation, today: datetime.date) -> str:
    if grant.revoked_at is not None:
        return "已撤销"
    if grant.valid_to < today:
        return "已过期"
    if grant.valid_from > today:
        return "未生效"
    return "有效"


@account_required
@require_http_methods(["GET", "POST"])
def authorisations(request: HttpRequest) -> HttpResponse:
    account = current_account(request)
    subject = selectors.subject_of_account(account)
    today = timezone.localdate()
    form = AuthorisationForm(
        request.POST or None,
        initial={"valid_from": today, "valid_to": today + datetime.timedelta(days=90)},
    )
    if subject is not None:
        done = submit(
            request,
            form,
            lambda data: services.authorise(account=account, subject=subject, **data),
            done="reports_portal:authorisations",
            message=lambda grant: (
                f"已授权“{grant.grantee_name}”在 {grant.valid_from:%Y-%m-%d} 至 "
                f"{grant.valid_to:%Y-%m-%d} 获取信用报告（{grant.get_purpose_display()}）"
            ),
            errors=AUTHORISE_FIELDS,
            with_code=False,
        )
        if done is not None:
            return done
    grants = [(g, _grant_state(g, today)) for g in selectors.authorisations_of_account(account)]
    return render(
        request,
        "reports/portal/authorisations.html",
        {
            "nav": NAV,
            "account": account,
            "subject": subject,
            "form": form if subject is not None else None,
            "grants": grants,
        },
    )


@account_required
@require_POST
def authorisation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    account = current_account(request)
    grant = found(selectors.authorisations_of_account(account).filter(pk=pk).first())
    try:
        services.revoke_authorisation(account=account, grant=grant)
    except CreditError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已撤销对“{grant.grantee_name}”的授权，其后不能再凭此授权获取报告"
        )
    return redirect("reports_portal:authorisations")
