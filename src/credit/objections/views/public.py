"""Public pages (no login): raise an objection, apply for credit repair, and track a case.

An online application takes two steps on one page: the applicant's name, identity number and
phone, then "获取验证码" (htmx posts them to :func:`send_code`, which answers with a status
line; without JavaScript the same button posts the page), then the code, the reason and the
files. The record is shown as the public sees it. A case is found again only with its number
and the phone's last four digits, within limits on wrong tries
(:mod:`credit.objections.tracking`: over a limit the page answers 429 and says when to try
again); the numbers found are remembered in the session, so the status page cannot be opened
by the number alone.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from credit.core.errors import CreditError, RateLimited
from credit.core.forms import submit
from credit.core.masking import mask_phone
from credit.core.netaddr import client_ip
from credit.identity.session import current_account
from credit.objections import cases, repairs, selectors, services, tracking, verification
from credit.objections.constants import CodePurpose
from credit.objections.forms import SERVICE_ERROR_FIELDS, ObjectionForm, RepairForm, TrackForm

TRACKED = "objections_tracked"
TRACKED_LIMIT = 20


def _tracked(request: HttpRequest, number: str) -> HttpResponse:
    """Remember ``number`` in the session and go to its status page."""
    tracked = [n for n in request.session.get(TRACKED, []) if n != number]
    request.session[TRACKED] = [*tracked, number][-TRACKED_LIMIT:]
    return redirect("objections:track_detail", number=number)


def _send_code(request: HttpRequest, purpose: str) -> dict[str, Any]:
    """Step 1: check the applicant, then send the code; the status line to show."""
    data = request.POST
    try:
        applicant = cases.check_applicant(
            name=data.get("name", "")[:200],
            id_number=data.get("id_number", "")[:40],
            phone=data.get("phone", "")[:30],
        )
        verification.send_code(phone=applicant.phone, purpose=purpose, source_ip=client_ip(request))
    except CreditError as exc:
        return {"ok": False, "message": exc.message, "code": exc.code}
    return {
        "ok": True,
        "message": f"验证码已发送至 {mask_phone(applicant.phone)}，5分钟内有效",
    }


def _step_one(request: HttpRequest, form_class: type) -> Any:
    """The page again after a send-code post without JavaScript: step 1 kept, no errors."""
    keep = ("name", "id_number", "phone", "reason", "statement")
    return form_class(initial={k: request.POST.get(k, "") for k in keep})


def _record_missing(request: HttpRequest) -> HttpResponse:
    return render(request, "objections/record_missing.html", status=404)


@require_POST
def send_code(request: HttpRequest) -> HttpResponse:
    """htmx endpoint of the "获取验证码" button: a status line (always 200, so htmx swaps it;
    the line says whether the code was sent)."""
    purpose = request.POST.get("purpose", CodePurpose.OBJECTION)
    if purpose not in CodePurpose.values:
        purpose = CodePurpose.OBJECTION
    status = _send_code(request, purpose)
    return render(request, "objections/_code_status.html", {"code_status": status})


def _application_page(
    request: HttpRequest,
    record: Any,
    *,
    form_class: type,
    purpose: str,
    apply: Any,
    message: str,
    template: str,
    context: dict[str, Any],
    public: bool = True,
) -> HttpResponse:
    """The two-step application page both workflows share: step 1 sends the code (a
    send-code post without JavaScript keeps what was typed), step 2 submits through
    ``apply(record, data, files)``; on success the tracking page with ``message`` (formatted
    with the application's number). ``context["eligibility"]`` not eligible: no form.
    ``public`` false: the record is the signed-in subject's own, not public, shown to them
    as stored."""
    eligibility = context.get("eligibility")
    form = form_class(request.POST or None, request.FILES or None)
    code_status = None
    if eligibility is not None and not eligibility.eligible:
        form = None
    elif request.method == "POST" and "send_code" in request.POST:
        code_status = _send_code(request, purpose)
        form = _step_one(request, form_class)
    elif done := submit(
        request,
        form,
        lambda data: apply(record, data, form.uploads()),
        done=lambda application: _tracked(request, application.number),
        message=lambda application: message.format(number=application.number),
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    ):
        return done
    return render(
        request,
        template,
        {
            "record": record,
            "rows": selectors.record_view(record, public=public),
            "subject": selectors.subject_name(record, public=True),
            "form": form,
            "code_status": code_status,
            "purpose": purpose,
            **context,
        },
    )


@require_http_methods(["GET", "POST"])
def objection_new(request: HttpRequest) -> HttpResponse:
    """``?record=<id>``: an objection to a public record, or — for a subject signed in with
    real-name login — to its own record the public cannot see (a civil servant's 纪律处分)."""
    pk = request.GET.get("record") or request.POST.get("record")
    account = current_account(request)
    record = selectors.public_record(pk)
    own = record is None and account is not None
    if own:
        record = selectors.own_record(pk, account)
    if record is None:
        return _record_missing(request)
    return _application_page(
        request,
        record,
        form_class=ObjectionForm,
        purpose=CodePurpose.OBJECTION,
        apply=lambda record, data, files: services.submit_objection(
            record_id=record.pk,
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            code=data["code"],
            reason=data["reason"],
            files=files,
            account=account,
        ),
        message="异议申请已提交，受理编号 {number}。请记下编号，凭编号和手机号码后四位"
        "查询办理进度。",
        template="objections/objection_form.html",
        context={},
        public=not own,
    )


@require_http_methods(["GET", "POST"])
def repair_new(request: HttpRequest) -> HttpResponse:
    """``?record=<id>``: credit repair of a public record, eligibility shown first; an
    ineligible record gets the reasons and no form."""
    record = selectors.public_record(request.GET.get("record") or request.POST.get("record"))
    if record is None:
        return _record_missing(request)
    return _application_page(
        request,
        record,
        form_class=RepairForm,
        purpose=CodePurpose.REPAIR,
        apply=lambda record, data, files: repairs.submit_repair(
            record_id=record.pk,
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            code=data["code"],
            statement=data["statement"],
            files=files,
        ),
        message="信用修复申请已提交，申请编号 {number}。请记下编号，凭编号和手机号码"
        "后四位查询审核进度。",
        template="objections/repair_form.html",
        context={"eligibility": repairs.eligibility(record)},
    )


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Find a case by its number and the phone's last four digits (wrong tries limited)."""
    form = TrackForm(request.POST or None, initial={"number": request.GET.get("number", "")[:30]})
    limited: list[RateLimited] = []

    def over_limit(exc: CreditError) -> None:
        if isinstance(exc, RateLimited):
            limited.append(exc)

    done = submit(
        request,
        form,
        lambda data: tracking.find_case(
            number=data["number"],
            phone_last4=data["phone_last4"],
            source_ip=client_ip(request),
        ),
        done=lambda case: _tracked(request, case.number),
        with_code=False,
        on_error=over_limit,
    )
    if done is not None:
        return done
    retry_after = limited[0].retry_after if limited else None
    response = render(
        request, "objections/track.html", {"form": form}, status=429 if retry_after else 200
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def track_detail(request: HttpRequest, number: str) -> HttpResponse:
    """The status page of a case found by :func:`track` (or just submitted) in this session."""
    number = selectors.normalize_number(number)
    if number not in request.session.get(TRACKED, []):
        return redirect(f"{reverse('objections:track')}?number={number}")
    case = selectors.case_by_number(number)
    if case is None:
        return redirect("objections:track")
    return render(request, "objections/track_detail.html", selectors.public_case(case))
