"""API clients (接口调用方) for the credit office: list, create, edit, rotate the secret, disable
and enable. A client's secret is shown once, on the page that answers its creation or rotation,
with ``Cache-Control: no-store``; it is never stored in the session, a message or a log."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.gateway import selectors, services
from credit.gateway.forms import (
    ERROR_FIELDS,
    ClientCreateForm,
    ClientEditForm,
    ClientFilterForm,
    DisableForm,
)
from credit.gateway.models import ApiClient, ApiCounter
from credit.gateway.scopes import SCOPES

manage_required = perm_required(Perm.API_CLIENT_MANAGE)


@manage_required
def client_list(request: HttpRequest) -> HttpResponse:
    form = ClientFilterForm(request.GET)
    q, active = "", None
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        active = {"1": True, "0": False}.get(form.cleaned_data["active"])
    page = Paginator(selectors.clients(q=q, active=active), 50).get_page(request.GET.get("page"))
    return render(request, "gateway/client_list.html", {"form": form, "page": page})


def _secret_page(request: HttpRequest, client: ApiClient, secret: str, *, created: bool):
    response = render(
        request,
        "gateway/client_secret.html",
        {"client": client, "secret": secret, "created": created},
    )
    response["Cache-Control"] = "no-store"
    return response


@manage_required
def client_create(request: HttpRequest) -> HttpResponse:
    form = ClientCreateForm(request.POST or None)

    def create(data: dict[str, Any]) -> tuple[ApiClient, str]:
        return services.create_client(
            actor=request.user,
            name=data["name"].strip(),
            kind=data["kind"],
            department=data["department"],
            ips=data["ips"],
            scopes=data["scopes"],
            items=data["items"],
            report_for=data["report_for"],
            rate_limit=data["rate_limit"],
            daily_quota=data["daily_quota"],
            contact=data["contact"].strip(),
            org_uscc=data["org_uscc"],
        )

    done = submit(
        request,
        form,
        create,
        done=lambda created: _secret_page(request, *created, created=True),
        errors=ERROR_FIELDS,
    )
    return done or render(request, "gateway/client_form.html", {"form": form, "client": None})


def _client(pk: int) -> ApiClient:
    return get_object_or_404(
        ApiClient.objects.select_related("department", "created_by", "user"), pk=pk
    )


def _client_page(client: ApiClient) -> str:
    return reverse("gateway:client", kwargs={"pk": client.pk})


def _detail(request: HttpRequest, client: ApiClient, *, disable_form=None, status=200):
    today = timezone.localdate()
    used_today = (
        ApiCounter.objects.filter(client=client, period="d", start=today.toordinal())
        .values_list("count", flat=True)
        .first()
    )
    week = selectors.CallFilter(
        start=today - datetime.timedelta(days=6), end=today, client=str(client.pk)
    )
    return render(
        request,
        "gateway/client_detail.html",
        {
            "client": client,
            "scopes": [
                (code, SCOPES[code].label if code in SCOPES else "") for code in client.scopes
            ],
            "items": client.items.order_by("sort_order", "code"),
            "report_for": client.report_for.select_related("region").order_by("code"),
            "used_today": used_today or 0,
            "week": selectors.call_totals(request.user, week),
            "week_filter": week,
            "calls": selectors.recent_calls_of(request.user, client),
            "disable_form": disable_form or DisableForm(),
        },
        status=status,
    )


@manage_required
def client_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _client(pk))


@manage_required
def client_edit(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    form = ClientEditForm.for_client(client, request.POST if request.method == "POST" else None)

    def update(data: dict[str, Any]) -> None:
        services.update_client(
            actor=request.user,
            client=client,
            ips=data["ips"],
            scopes=data["scopes"],
            items=data["items"],
            report_for=data["report_for"],
            rate_limit=data["rate_limit"],
            daily_quota=data["daily_quota"],
            contact=data["contact"],
            org_uscc=data["org_uscc"],
        )

    done = submit(
        request,
        form,
        update,
        done=_client_page(client),
        message="已保存",
        errors=ERROR_FIELDS,
        on_error=lambda exc: client.refresh_from_db(),
    )
    return done or render(request, "gateway/client_form.html", {"form": form, "client": client})


@manage_required
@require_POST
def client_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    return act(
        request,
        lambda: services.rotate_secret(actor=request.user, client=client),
        done=lambda secret: _secret_page(request, client, secret, created=False),
        refused=_client_page(client),
    )


@manage_required
@require_POST
def client_disable(request: HttpRequest, pk: int) -> HttpResponse:
    """Disable with a reason; a form error or a refusal shows the detail page again (400)."""
    client = _client(pk)
    form = DisableForm(request.POST)
    done = submit(
        request,
        form,
        lambda data: services.set_active(
            actor=request.user, client=client, active=False, reason=data["reason"]
        ),
        done=_client_page(client),
        message=f"已停用“{client.name}”，其请求将被拒绝",
        errors=ERROR_FIELDS,
    )
    if done is not None:
        return done
    client.refresh_from_db()
    return _detail(request, client, disable_form=form, status=400)


@manage_required
@require_POST
def client_enable(request: HttpRequest, pk: int) -> HttpResponse:
    client = _client(pk)
    return act(
        request,
        lambda: services.set_active(actor=request.user, client=client, active=True),
        done=_client_page(client),
        message=f"已启用“{client.name}”",
    )
