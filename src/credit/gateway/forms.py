"""Forms of the gateway's staff pages: API clients and the call-log filters."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from credit.catalog.constants import UsageScope
from credit.catalog.models import CatalogItem
from credit.core.forms import DateField
from credit.core.inputs import INTEGER_MAX
from credit.core.models import Department
from credit.gateway.models import ApiClient
from credit.gateway.scopes import ITEM_SCOPES_BY_KIND, SCOPES
from credit.gateway.selectors import (
    CALLER_ANONYMOUS,
    CALLER_LABELS,
    CALLER_STAFF,
    MAX_DAYS,
    STATUS_FILTERS,
    CallFilter,
)

#: Which form field a service error belongs to (by its code); others go above the form.
ERROR_FIELDS = {
    "client_exists": "name",
    "client_kind_unknown": "kind",
    "client_department_required": "department",
    "ip_invalid": "ips",
    "ip_required": "ips",
    "scope_unknown": "scopes",
    "scope_department_only": "scopes",
    "item_scope_exceeded": "items",
    "report_for_needs_push": "report_for",
    "report_for_inactive": "report_for",
    "limit_invalid": "rate_limit",
    "reason_required": "reason",
    "org_uscc_invalid": "org_uscc",
}

_ORG_USCC_HELP = (
    "运行该系统的机构的统一社会信用代码。第三方机构凭它使用信息主体的授权获取信用报告"
    "（授权书上写明的被授权方代码须与此一致）"
)


def _grantable_items():
    """Catalog items that some kind of client may be granted (never 授权查询)."""
    granted = set().union(*ITEM_SCOPES_BY_KIND.values())
    return CatalogItem.objects.filter(is_active=True, usage_scope__in=granted).order_by(
        "sort_order", "code"
    )


class _ItemChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CatalogItem) -> str:
        return f"{obj.name}（{obj.get_usage_scope_display()}）"


class _DepartmentChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name}（{obj.region.name}）"


class GrantForm(forms.Form):
    """What a client may do: networks, scopes, catalog items and limits."""

    ips = forms.CharField(
        label="允许的来源地址",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一个 IP 地址或网段，如 10.1.2.0/24",
    )
    scopes = forms.MultipleChoiceField(
        label="接口权限",
        choices=[(code, f"{s.label}（{code}）") for code, s in SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    items = _ItemChoice(
        label="可访问的目录项",
        queryset=CatalogItem.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            f"第三方机构只能访问“{UsageScope.PUBLIC.label}”的目录项；"
            f"“{UsageScope.RESTRICTED.label}”的目录项不向接口调用方开放"
        ),
    )
    report_for = _DepartmentChoice(
        label="可代报的其他部门",
        queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=(
            "默认只能报送所属部门的数据。仅在市信用办确认后勾选（如省级数据回流、辖市区平台），"
            "需同时授予“推送本部门信用数据”接口权限；授权记入审计日志"
        ),
    )
    rate_limit = forms.IntegerField(
        label="每秒请求上限", min_value=1, max_value=INTEGER_MAX, initial=50
    )
    daily_quota = forms.IntegerField(
        label="每日调用配额", min_value=1, max_value=INTEGER_MAX, initial=100_000
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = _grantable_items()
        self.fields["report_for"].queryset = Department.objects.filter(
            is_active=True
        ).select_related("region")

    def clean_ips(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["ips"].splitlines() if line.strip()]


class ClientCreateForm(GrantForm):
    name = forms.CharField(label="名称", max_length=100, help_text="如 市市场监管局审批系统")
    kind = forms.ChoiceField(label="类型", choices=ApiClient.Kind.choices)
    department = forms.ModelChoiceField(
        label="所属部门",
        queryset=Department.objects.none(),
        required=False,
        help_text="部门业务系统必填",
    )
    contact = forms.CharField(label="联系人及电话", max_length=100, required=False)
    org_uscc = forms.CharField(
        label="机构统一社会信用代码", max_length=18, required=False, help_text=_ORG_USCC_HELP
    )

    field_order = [
        "name",
        "kind",
        "department",
        "org_uscc",
        "contact",
        "ips",
        "scopes",
        "items",
        "report_for",
        "rate_limit",
        "daily_quota",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)


class ClientEditForm(GrantForm):
    org_uscc = forms.CharField(
        label="机构统一社会信用代码", max_length=18, required=False, help_text=_ORG_USCC_HELP
    )
    contact = forms.CharField(label="联系人及电话", max_length=100, required=False)

    field_order = [
        "org_uscc",
        "contact",
        "ips",
        "scopes",
        "items",
        "report_for",
        "rate_limit",
        "daily_quota",
    ]

    @classmethod
    def for_client(cls, client: ApiClient, data=None) -> ClientEditForm:
        initial = {
            "org_uscc": client.org_uscc,
            "contact": client.contact,
            "ips": "\n".join(client.allowed_ips),
            "scopes": client.scopes,
            "items": list(client.items.all()),
            "report_for": list(client.report_for.all()),
            "rate_limit": client.rate_limit,
            "daily_quota": client.daily_quota,
        }
        return cls(data, initial=initial)


class DisableForm(forms.Form):
    reason = forms.CharField(
        label="停用原因", max_length=200, widget=forms.TextInput(attrs={"placeholder": "必填"})
    )


class ClientFilterForm(forms.Form):
    q = forms.CharField(label="名称或访问密钥", max_length=100, required=False)
    active = forms.ChoiceField(
        label="状态", choices=[("", "全部"), ("1", "启用"), ("0", "停用")], required=False
    )


class CallFilterForm(forms.Form):
    """Date range (Beijing dates, both included), client, department and status."""

    start = DateField(label="开始日期", widget=forms.DateInput(attrs={"type": "date"}))
    end = DateField(label="结束日期", widget=forms.DateInput(attrs={"type": "date"}))
    client = forms.ChoiceField(label="接口调用方", required=False)
    department = forms.ModelChoiceField(
        label="部门", queryset=Department.objects.none(), required=False, empty_label="全部"
    )
    status = forms.ChoiceField(
        label="状态码",
        required=False,
        choices=[
            ("", "全部"),
            ("2xx", "成功（2xx）"),
            ("3xx", "重定向（3xx）"),
            ("4xx", "客户端错误（4xx）"),
            ("5xx", "服务端错误（5xx）"),
            *[(code, code) for code in STATUS_FILTERS if code.isdigit()],
        ],
    )

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        data = data.copy() if data is not None else {}
        if not data.get("start"):
            data["start"] = (today - datetime.timedelta(days=6)).isoformat()
        if not data.get("end"):
            data["end"] = today.isoformat()
        super().__init__(data, **kwargs)
        self.fields["client"].choices = [
            ("", "全部"),
            (CALLER_STAFF, CALLER_LABELS[CALLER_STAFF]),
            (CALLER_ANONYMOUS, CALLER_LABELS[CALLER_ANONYMOUS]),
            *[(str(pk), name) for pk, name in ApiClient.objects.values_list("pk", "name")],
        ]
        self.fields["department"].queryset = Department.objects.all()

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", "结束日期不能早于开始日期")
            elif (end - start).days >= MAX_DAYS:
                self.add_error("start", f"统计区间至多 {MAX_DAYS} 天")
        return data

    def to_filter(self) -> CallFilter:
        data = self.cleaned_data
        department = data.get("department")
        return CallFilter(
            start=data["start"],
            end=data["end"],
            client=data.get("client") or "",
            department=department.pk if department else None,
            status=data.get("status") or "",
        )

    def labels(self) -> dict[str, str]:
        """The filter as people read it (for the export's summary sheet)."""
        data = self.cleaned_data
        choices = dict(self.fields["client"].choices)
        statuses = dict(self.fields["status"].choices)
        return {
            "开始日期": data["start"].isoformat(),
            "结束日期": data["end"].isoformat(),
            "接口调用方": choices.get(data.get("client") or "", "全部"),
            "部门": str(data["department"]) if data.get("department") else "全部",
            "状态码": statuses.get(data.get("status") or "", "全部"),
        }
