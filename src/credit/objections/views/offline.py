"""Service-hall entry (窗口受理): an objection received on paper, entered by the credit office
on any active record (public or not)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.objections import services
from credit.objections.forms import SERVICE_ERROR_FIELDS, OfflineForm
from credit.objections.views.workbench import render_page


@perm_required(Perm.OBJECTION_HANDLE)
def offline_new(request: HttpRequest) -> HttpResponse:
    """The entry form (``?record=<id or document number>`` fills the record in); the new case
    page follows, with its number to tell the applicant."""
    form = OfflineForm(
        request.POST or None,
        request.FILES or None,
        initial={"record": request.GET.get("record", "")[:20]},
    )
    done = submit(
        request,
        form,
        lambda data: services.record_offline_objection(
            actor=request.user,
            record=form.found,
            name=data["name"],
            id_number=data["id_number"],
            phone=data["phone"],
            reason=data["reason"],
            files=form.uploads(),
        ),
        done=lambda objection: redirect("objections:manage_detail", number=objection.number),
        message=lambda objection: f"已登记窗口异议，受理编号 {objection.number}（请告知申请人）",
        errors=SERVICE_ERROR_FIELDS,
        with_code=False,
    )
    return done or render_page(request, "objections/offline_form.html", {"form": form})
