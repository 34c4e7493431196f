"""Staff pages of the gateway: API clients (接口调用方) for the credit office, and the call log
(接口调用日志) with its statistics and Excel export for the credit office and auditors.

A client's secret is shown once, on the page that answers its creation or rotation, with
``Cache-Control: no-store``; it is never stored in the session, a message or a log.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.core.http import EXPORT_LIMIT, xlsx_response
from credit.gateway import calllog, selectors, services
from credit.gateway.forms import (
    ERROR_FIELDS,
    CallFilterForm,
    ClientCreateForm,
    ClientEditForm,
    ClientFilterForm,
    DisableForm,
)
from credit.gateway.models import ApiClient, ApiCounter
from credit.gateway.scopes import SCOPES

manage_required = perm_required(Perm.API_CLIENT_MANAGE)


def call_log_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Login required, then 管理接口调用方 or 查看审计日志; otherwise the Chinese 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.can_view_calls(request.user):
            return render(
                request,
                "403.html",
                {"perm_label": "查看接口调用日志", "perm": "gateway.manage / audit.view"},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------------------------
# API clients
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# The call log
# --------------------------------------------------------------------------------------------


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@call_log_required
def call_stats(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET)
    stats = selectors.call_stats(request.user, form.to_filter()) if form.is_valid() else None
    peak = max((row["calls"] for row in stats["by_day"]), default=0) if stats else 0
    return render(request, "gateway/call_stats.html", {"form": form, "stats": stats, "peak": peak})


@call_log_required
def call_list(request: HttpRequest) -> HttpResponse:
    form = CallFilterForm(request.GET)
    rows, next_before = [], None
    if form.is_valid():
        rows, next_before = selectors.call_page(
            request.user, form.to_filter(), before=_before(request)
        )
    return render(
        request,
        "gateway/call_list.html",
        {
            "form": form,
            "rows": rows,
            "next_before": next_before,
            "paged": _before(request) is not None,
        },
    )


@call_log_required
def call_export(request: HttpRequest) -> HttpResponse:
    """The statistics and the calls of the filter as an Excel workbook."""
    form = CallFilterForm(request.GET)
    if not form.is_valid():
        return render(
            request,
            "gateway/call_list.html",
            {"form": form, "rows": [], "next_before": None, "paged": False},
            status=400,
        )
    f = form.to_filter()
    calls = (
        selectors.calls_for(request.user, f)
        .select_related("client", "user", "department")
        .order_by("-id")[:EXPORT_LIMIT]
    )
    content = calllog.export_xlsx(
        actor=request.user,
        stats=selectors.call_stats(request.user, f),
        calls=calls.iterator(chunk_size=2000),
        filters=form.labels(),
    )
    return xlsx_response(content, f"接口调用统计-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx")
