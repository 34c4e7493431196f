"""Staff pages that manage the portal's news, policy documents and announcements
(``/portal/manage/notices/``; permission ``portal.manage``). Writes go through
:mod:`credit.portal.services`, which checks the permission again and audits each change."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.core.http import found
from credit.core.paging import capped_page
from credit.portal import selectors, services
from credit.portal.constants import NoticeKind
from credit.portal.forms import SERVICE_ERROR_FIELDS, NoticeForm
from credit.portal.models import Notice


def _notice(request: HttpRequest, pk: int) -> Notice:
    return found(selectors.notice_for(request.user, pk))


def _edit_page(notice: Notice) -> str:
    return reverse("portal:manage_notice_edit", kwargs={"pk": notice.pk})


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
    done = submit(
        request,
        form,
        lambda data: services.create_notice(actor=request.user, **form.service_kwargs()),
        done=_edit_page,
        message=lambda notice: f"已保存草稿“{notice.title}”，发布后公众可见",
        errors=SERVICE_ERROR_FIELDS,
    )
    return done or render(request, "portal/manage/notice_form.html", {"form": form, "notice": None})


@perm_required(Perm.PORTAL_MANAGE)
def notice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    initial = {k: getattr(notice, k) for k in ("kind", "title", "body", "source")}
    form = NoticeForm(request.POST or None, initial=initial)
    done = submit(
        request,
        form,
        lambda data: services.update_notice(
            actor=request.user, notice=notice, **form.service_kwargs()
        ),
        done=_edit_page,
        message=lambda saved: f"已保存“{saved.title}”",
        errors=SERVICE_ERROR_FIELDS,
    )
    return done or render(
        request, "portal/manage/notice_form.html", {"form": form, "notice": notice}
    )


@require_POST
@perm_required(Perm.PORTAL_MANAGE)
def notice_publish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return act(
        request,
        lambda: services.publish_notice(actor=request.user, notice=notice),
        done="portal:manage_notices",
        message=lambda published: f"已发布“{published.title}”",
    )


@require_POST
@perm_required(Perm.PORTAL_MANAGE)
def notice_unpublish(request: HttpRequest, pk: int) -> HttpResponse:
    notice = _notice(request, pk)
    return act(
        request,
        lambda: services.unpublish_notice(actor=request.user, notice=notice),
        done="portal:manage_notices",
        message=lambda withdrawn: f"已撤下“{withdrawn.title}”，公众不再可见",
    )
