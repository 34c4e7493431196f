"""Staff pages of the push (S4) for the credit office: subscriptions (list, create, edit,
disable) and the delivery log (filters, pagination, Excel export, manual re-send)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from credit.catalog.constants import LIST_CATEGORIES, LIST_KIND_LABELS
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import add_service_error
from credit.core.http import xlsx_response, xlsx_workbook
from credit.core.models import Region
from credit.gateway.models import ApiClient
from credit.sanctions import push
from credit.sanctions.push_models import Delivery, Subscription

manage_required = perm_required(Perm.API_CLIENT_MANAGE)
EXPORT_LIMIT = 100_000


class SubscriptionForm(forms.Form):
    client = forms.ModelChoiceField(
        ApiClient.objects.filter(is_active=True), label="接口调用方", required=False
    )
    name = forms.CharField(label="名称", max_length=100)
    url = forms.CharField(label="接收地址", max_length=500, help_text="须为 https://")
    list_kinds = forms.MultipleChoiceField(
        label="名单类型（不选为全部）",
        choices=[(k, LIST_KIND_LABELS.get(k, k)) for k in LIST_CATEGORIES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label="地区（不选为全部）", choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    subject = forms.CharField(
        label="只订阅一个主体（统一社会信用代码）", max_length=40, required=False
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].choices = [(r.code, r.name) for r in Region.objects.order_by("code")]
        if editing:
            del self.fields["client"]
        else:
            self.fields["client"].required = True


class DeliveryFilterForm(forms.Form):
    subscription = forms.ModelChoiceField(Subscription.objects.all(), label="订阅", required=False)
    client = forms.ModelChoiceField(ApiClient.objects.all(), label="接口调用方", required=False)
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *Delivery.Status.choices], required=False
    )
    date_from = forms.DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


_ERROR_FIELDS = {"url_invalid": "url", "url_scheme_invalid": "url", "subject_not_found": "subject"}


def _service_error(form: forms.Form, exc: CreditError) -> None:
    add_service_error(form, exc, _ERROR_FIELDS, with_code=False)


@manage_required
def subscription_list(request: HttpRequest) -> HttpResponse:
    qs = push.subscriptions_for(request.user).order_by("-created_at", "-id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request, "sanctions/push_subscriptions.html", {"page": page, "labels": LIST_KIND_LABELS}
    )


@manage_required
def subscription_create(request: HttpRequest) -> HttpResponse:
    form = SubscriptionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            push.create_subscription(
                actor=request.user,
                client=data["client"],
                name=data["name"],
                url=data["url"],
                list_kinds=data["list_kinds"],
                regions=data["regions"],
                subject=data["subject"],
                is_active=data["is_active"],
            )
        except CreditError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, "推送订阅已登记")
            return redirect("push:subscriptions")
    return render(request, "sanctions/push_form.html", {"form": form, "title": "登记推送订阅"})


@manage_required
def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sub = push.subscription_for(request.user, pk)
    if sub is None:
        return render(request, "404.html", status=404)
    initial = {
        "name": sub.name,
        "url": sub.url,
        "list_kinds": sub.list_kinds,
        "regions": sub.regions,
        "subject": sub.legal_person.uscc if sub.legal_person_id else "",
        "is_active": sub.is_active,
    }
    form = SubscriptionForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            push.update_subscription(
                actor=request.user,
                subscription=sub,
                name=data["name"],
                url=data["url"],
                list_kinds=data["list_kinds"],
                regions=data["regions"],
                subject=None if sub.natural_person_id and not data["subject"] else data["subject"],
                is_active=data["is_active"],
            )
        except CreditError as exc:
            _service_error(form, exc)
        else:
            messages.success(request, "推送订阅已保存")
            return redirect("push:subscriptions")
    return render(
        request,
        "sanctions/push_form.html",
        {"form": form, "title": f"修改推送订阅：{sub.name}", "subscription": sub},
    )


@require_POST
@manage_required
def subscription_disable(request: HttpRequest, pk: int) -> HttpResponse:
    sub = push.subscription_for(request.user, pk)
    if sub is None:
        return render(request, "404.html", status=404)
    push.delete_subscription(actor=request.user, subscription=sub)
    messages.success(request, f"推送订阅“{sub.name}”已停用")
    return redirect("push:subscriptions")


def _filtered(request: HttpRequest):
    form = DeliveryFilterForm(request.GET or None)
    qs = push.deliveries_for(request.user)
    if form.is_valid():
        data = form.cleaned_data
        qs = push.filter_deliveries(
            qs,
            subscription=data["subscription"].pk if data["subscription"] else None,
            client=data["client"].pk if data["client"] else None,
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    return form, qs.order_by("-created_at", "-id")


@manage_required
def delivery_list(request: HttpRequest) -> HttpResponse:
    form, qs = _filtered(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "sanctions/push_deliveries.html", {"form": form, "page": page})


@manage_required
def delivery_export(request: HttpRequest) -> HttpResponse:
    _, qs = _filtered(request)
    headers = [
        "编号", "订阅", "接口调用方", "事件编号", "变更类型", "名单类型", "主体", "状态",
        "发送次数", "人工重发", "最近状态码", "最近错误", "最近发送", "送达时间", "创建时间",
    ]  # fmt: skip

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    def rows():
        for d in qs[:EXPORT_LIMIT]:
            event = d.event
            subject = event.legal_person.name if event.legal_person_id else "（自然人）"
            yield [
                d.pk,
                d.subscription.name,
                d.subscription.client.name,
                str(event.event_id),
                event.get_kind_display(),
                LIST_KIND_LABELS.get(event.list_kind, event.list_kind),
                subject,
                d.get_status_display(),
                d.attempts,
                d.resends,
                d.last_status,
                d.last_error,
                when(d.last_attempt_at),
                when(d.delivered_at),
                when(d.created_at),
            ]

    content = xlsx_workbook([("推送记录", headers, rows())])
    return xlsx_response(content, f"推送记录_{timezone.localdate():%Y%m%d}.xlsx")


@require_POST
@manage_required
def delivery_resend(request: HttpRequest, pk: int) -> HttpResponse:
    found = push.delivery_for(request.user, pk)
    if found is None:
        return render(request, "404.html", status=404)
    push.resend(actor=request.user, delivery=found)
    messages.success(request, f"推送记录 {pk} 已重新排队发送")
    return redirect("push:deliveries")
