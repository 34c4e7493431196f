"""Staff pages of the push for the credit office: subscriptions (list, create, edit, disable)
and the delivery log (filters, pagination, Excel export, manual re-send). Writes go through
:mod:`credit.events.services`; a refusal is shown on the form."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.catalog.constants import LIST_KIND_LABELS
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.core.http import EXPORT_LIMIT, found, xlsx_download
from credit.core.models import Region
from credit.events import selectors, services
from credit.events.forms import DeliveryFilterForm, SubscriptionForm
from credit.events.models import Delivery

manage_required = perm_required(Perm.API_CLIENT_MANAGE)


@manage_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    qs = selectors.subscriptions_for(request.user).order_by("-created_at", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    regions = dict(Region.objects.values_list("code", "name"))
    for sub in page:
        sub.list_kind_labels = [LIST_KIND_LABELS.get(k, k) for k in sub.list_kinds]
        sub.region_names = [regions.get(code, code) for code in sub.regions]
    return render(request, "events/subscription_list.html", {"page": page})


@manage_required
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    done = submit(
        request,
        form,
        lambda data: services.create_subscription(
            actor=request.user,
            client=data["client"],
            name=data["name"],
            url=data["url"],
            event_types=data["event_types"],
            list_kinds=data["list_kinds"],
            regions=data["regions"],
            subject=data["subject"],
            is_active=data["is_active"],
        ),
        done="push:subscriptions",
        message="推送订阅已登记",
        with_code=False,
    )
    return done or render(
        request, "events/subscription_form.html", {"form": form, "title": "登记推送订阅"}
    )


@manage_required
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sub = found(selectors.subscription_for(request.user, pk))
    initial = {
        "name": sub.name,
        "url": sub.url,
        "event_types": sub.event_types,
        "list_kinds": sub.list_kinds,
        "regions": sub.regions,
        "subject": sub.legal_person.uscc if sub.legal_person_id else "",
        "is_active": sub.is_active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial, editing=True)
    done = submit(
        request,
        form,
        lambda data: services.update_subscription(
            actor=request.user,
            subscription=sub,
            name=data["name"],
            url=data["url"],
            event_types=data["event_types"],
            list_kinds=data["list_kinds"],
            regions=data["regions"],
            # A natural person is not shown on the form: an empty field keeps it.
            subject=None if sub.natural_person_id and not data["subject"] else data["subject"],
            is_active=data["is_active"],
        ),
        done="push:subscriptions",
        message="推送订阅已保存",
        with_code=False,
    )
    return done or render(
        request,
        "events/subscription_form.html",
        {"form": form, "title": f"修改推送订阅：{sub.name}", "subscription": sub},
    )


@require_POST
@manage_required
def subscription_disable(request: HttpRequest, pk: int) -> HttpResponse:
    sub = found(selectors.subscription_for(request.user, pk))
    return act(
        request,
        lambda: services.delete_subscription(actor=request.user, subscription=sub),
        done="push:subscriptions",
        message=f"推送订阅“{sub.name}”已停用",
    )


def _filtered(request: HttpRequest) -> tuple[DeliveryFilterForm, QuerySet[Delivery]]:
    form = DeliveryFilterForm(request.GET or None)
    qs = selectors.deliveries_for(request.user)
    if form.is_valid():
        data = form.cleaned_data
        qs = selectors.filter_deliveries(
            qs,
            subscription=data["subscription"].pk if data["subscription"] else None,
            client=data["client"].pk if data["client"] else None,
            event_type=data["event_type"],
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    return form, qs.order_by("-created_at", "-id")


@manage_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    page.object_list = selectors.with_events(page.object_list)
    return render(request, "events/delivery_list.html", {"form": form, "page": page})


@manage_required
def delivery_export(request: HttpRequest) -> HttpResponse:
    _, qs = _filtered(request)
    headers = [
        "编号", "订阅", "接口调用方", "事件类型", "事件编号", "事件内容", "状态",
        "发送次数", "人工重发", "最近状态码", "最近错误", "最近发送", "送达时间", "创建时间",
    ]  # fmt: skip

    def rows():
        for start in range(0, EXPORT_LIMIT, _CHUNK):  # the events of a thousand at a time
            chunk = selectors.with_events(qs[start : min(start + _CHUNK, EXPORT_LIMIT)])
            yield from map(_export_row, chunk)
            if len(chunk) < _CHUNK:
                return

    return xlsx_download(
        f"推送记录_{timezone.localdate():%Y%m%d}.xlsx", [("推送记录", headers, rows())]
    )


_CHUNK = 1000


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def _export_row(d: Delivery) -> list:
    return [
        d.pk,
        d.subscription.name,
        d.subscription.client.name,
        d.event_type_label,
        str(d.event.event_id) if d.event is not None else "",
        d.event_summary,
        d.get_status_display(),
        d.attempts,
        d.resends,
        d.last_status,
        d.last_error,
        _when(d.last_attempt_at),
        _when(d.delivered_at),
        _when(d.created_at),
    ]


@require_POST
@manage_required
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    delivery = found(selectors.delivery_for(request.user, pk))
    return act(
        request,
        lambda: services.resend(actor=request.user, delivery=delivery),
        done="push:deliveries",
        message=f"推送记录 {pk} 已重新排队发送",
    )
