"""The forms of the push pages: a subscription, and the delivery log's filters."""

from __future__ import annotations

from django import forms

from credit.catalog.constants import LIST_CATEGORIES, LIST_KIND_LABELS
from credit.core.forms import DateField
from credit.core.models import Region
from credit.events import registry
from credit.events.models import Delivery, Subscription
from credit.gateway.models import ApiClient


class SubscriptionForm(forms.Form):
    #: The service's refusals shown on a field (``credit.core.forms.add_service_error``).
    service_fields = {
        "url_invalid": "url",
        "url_scheme_invalid": "url",
        "subject_not_found": "subject",
        "event_types_empty": "event_types",
        "event_type_unknown": "event_types",
        "event_type_not_permitted": "event_types",
    }

    client = forms.ModelChoiceField(
        ApiClient.objects.filter(is_active=True), label="接口调用方", required=False
    )
    name = forms.CharField(label="名称", max_length=100)
    url = forms.CharField(label="接收地址", max_length=500, help_text="须为 https://")
    event_types = forms.MultipleChoiceField(
        label="推送的事件",
        choices=(),
        initial=list(registry.DEFAULT_TYPES),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一种推送的事件"},
        help_text="接口调用方须具备相应的接口权限（名单变更：订阅和拉取红黑名单变更；预警：读取预警）",
    )
    list_kinds = forms.MultipleChoiceField(
        label="名单类型（仅名单变更，不选为全部）",
        choices=[(k, LIST_KIND_LABELS.get(k, k)) for k in LIST_CATEGORIES],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.MultipleChoiceField(
        label="地区（不选为全部）", choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )
    subject = forms.CharField(
        label="只订阅一个主体（仅名单变更，统一社会信用代码）", max_length=40, required=False
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = registry.choices()
        self.fields["regions"].choices = [(r.code, r.name) for r in Region.objects.order_by("code")]
        if editing:
            del self.fields["client"]
        else:
            self.fields["client"].required = True


class DeliveryFilterForm(forms.Form):
    subscription = forms.ModelChoiceField(Subscription.objects.all(), label="订阅", required=False)
    client = forms.ModelChoiceField(ApiClient.objects.all(), label="接口调用方", required=False)
    event_type = forms.ChoiceField(label="事件类型", choices=(), required=False)
    status = forms.ChoiceField(
        label="状态", choices=[("", "全部"), *Delivery.Status.choices], required=False
    )
    date_from = DateField(
        label="起始日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(
        label="截止日期", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", "全部"), *registry.choices()]
