"""The service hall's entry (窗口代为申请): a member of staff enters an application for a
company or person at the window — or a department for its own procedures — with the
materials checked there (:func:`credit.reports.services.enter_application`).

On success the report number and the extraction code (提取码) are shown once, on a printable
receipt for the applicant: the code is kept only as a hash, so the receipt page shows it on
its first opening and never again.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.core.http import found
from credit.core.models import Department
from credit.reports import selectors, services
from credit.reports.forms.staff import SERVICE_ERROR_FIELDS, HallForm
from credit.reports.views import render_page

#: The session key of the receipt to show once: {"number", "code"}.
RECEIPT_KEY = "reports:receipt"
#: Where the applicant downloads the report with its number and extraction code.
DOWNLOAD_PATH = "/portal/reports/download/"


def download_address() -> str:
    return settings.CREDIT_PUBLIC_BASE_URL + DOWNLOAD_PATH


@perm_required(Perm.REPORT_ENTER)
def hall_new(request: HttpRequest) -> HttpResponse:
    """The entry form; a department's officer may also apply in the department's name."""
    p = principal_of(request.user)
    department = Department.objects.filter(pk=p.department_id).first() if p.department_id else None
    form = HallForm(request.POST or None, request.FILES or None, department=department)

    def enter(data: dict):
        application, code = services.enter_application(
            actor=request.user,
            template=data["template"],
            subject=form.subject,
            purpose=data["purpose"],
            purpose_text=data["purpose_text"],
            period=form.period(),
            applicant_name=data["applicant_name"],
            applicant_kind=data["applicant_kind"],
            uploads=form.uploads(),
            contact=data["contact"],
        )
        request.session[RECEIPT_KEY] = {"number": application.number, "code": code}
        return application

    done = submit(
        request,
        form,
        enter,
        done=lambda application: redirect("reports:hall_receipt", number=application.number),
        message=lambda application: f"已登记信用报告申请 {application.number}",
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    )
    if done is not None:
        return done
    return render_page(
        request,
        "reports/hall_form.html",
        {"form": form, "department": department},
        status=400 if request.method == "POST" else 200,
    )


@perm_required(Perm.REPORT_ENTER)
def hall_receipt(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt (受理回执) of an application: with its extraction code the first time it
    is opened after the entry (the code lives only in the entering user's session until
    then), without it afterwards — a reprint."""
    application = found(selectors.application_for(request.user, number))
    kept = request.session.get(RECEIPT_KEY) or {}
    code = ""
    if kept.get("number") == application.number:
        code = kept.get("code", "")
        del request.session[RECEIPT_KEY]
    return render_page(
        request,
        "reports/hall_receipt.html",
        {"a": application, "code": code, "download": download_address()},
    )
