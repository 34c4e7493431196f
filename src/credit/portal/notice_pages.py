"""Staff pages that manage the portal's news, policy documents and announcements
(``/portal/manage/notices/``; permission ``portal.manage``). Writes go through
:mod:`credit.portal.services`, which checks the permission again and audits each change."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from credit.core import forms as core_forms
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.portal import selectors, services
from credit.portal.constants import NoticeKind
from credit.portal.forms import SERVICE_ERROR_FIELDS, NoticeForm
from credit.portal.models import Notice
from credit.portal.paging import capped_page


def _notice(request: HttpRequest, pk: int) -> Notice:
    found = selectors.notice_for(request.user, pk)
    if found is None:
        raise Http404
    return found


@perm_required(Perm.PORTAL_MANAGE)
def notice_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    if kind not in NoticeKind.values:
        kind = ""
    page = capped_page(
        selectors.notices_for(request.user, kind=kind),
        request.GET.get("page"),
        per_page=30,
        cap=10_000,
    )
    return render(
        request,
        "portal/manage/notice_list.html",
        {
            "page": page,
            "kind": kind,
            "kinds": NoticeKind.choices,
            "query": f"kind={kind}" if kind else "",
        },
    )


@perm_required(Perm.PORTAL_MANAGE)
def notice_create(request: HttpRequest) -> HttpResponse:
    form = NoticeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.create_notice(actor=request.user, **form.service_kwargs())
        except CreditError as exc:
            core_forms.add_service_error(form, exc, SERVICE_ERROR_FIELDS)
        else:
            messages.success(request, f"已保存草稿“{notice.title}”，发布后公众可见")
            return redirect("portal:manage_notice_edit", pk=notice.pk)
    return render(request, "portal/manage/notice_form.html", {"form": form, "notice": None})


@perm_required(Perm.PORTAL_MANAGE)
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    initial = {k: getattr(notice, k) for k in ("kind", "title", "body", "source")}
    form = NoticeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            notice = services.update_notice(
                actor=request.user, notice=notice, **form.service_kwargs()
            )
        except CreditError as exc:
            core_forms.add_service_error(form, exc, SERVICE_ERROR_FIELDS)
        else:
            messages.success(request, f"已保存“{notice.title}”")
            return redirect("portal:manage_notice_edit", pk=notice.pk)
    return render(request, "portal/manage/notice_form.html", {"form": form, "notice": notice})


@require_POST
@perm_required(Perm.PORTAL_MANAGE)
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = services.publish_notice(actor=request.user, notice=_notice(request, pk))
    messages.success(request, f"已发布“{notice.title}”")
    return redirect("portal:manage_notices")


@require_POST
@perm_required(Perm.PORTAL_MANAGE)
def notice_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = services.unpublish_notice(actor=request.user, notice=_notice(request, pk))
    messages.success(request, f"已撤下“{notice.title}”，公众不再可见")
    return redirect("portal:manage_notices")
