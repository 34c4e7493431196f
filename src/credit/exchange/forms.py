"""Forms of the exchange pages (数据交换). They parse and bound the input; the rules live in
:mod:`credit.exchange.services` (tenant, mapping against the item) and the adapters.

- :class:`JobFilterForm`, :class:`RunFilterForm`, :class:`DeliveryFilterForm`: list filters (GET);
- :class:`PartnerForm`: a new partner or its settings (the connection URL kept when left blank);
- :class:`ChannelForm`: a channel of a partner, its field mapping as JSON validated by the
  partner's adapter (:func:`credit.exchange.adapters.database.validate_mapping`);
- :class:`ReconcileForm`: the period of a reconciliation.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from typing import Any

from django import forms

from credit.core.forms import DateField, FilterForm
from credit.exchange.constants import (
    Content,
    DeliveryStatus,
    Direction,
    PartnerKind,
    Period,
    RunStatus,
)
from credit.exchange.services.partners import is_secret

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
#: The partner kinds offered on the partner form (each has an adapter).
AVAILABLE_KINDS = list(PartnerKind.choices)
#: A channel that never ran (filter value of the jobs page).
NEVER = "never"
#: Where a run comes from (``Run.trigger``) → its Chinese name.
TRIGGER_LABELS = {"job": "定时", "schedule": "定时", "cli": "命令行", "page": "页面"}
#: Partner codes a page's address already uses (``/exchange/partners/new/``).
RESERVED_CODES = frozenset({"new"})


def _all(choices: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return [("", "全部"), *choices]


class JobFilterForm(FilterForm):
    """Filters of the jobs page: partner, direction, result of the last run."""

    partner = forms.ChoiceField(label="交换伙伴", required=False)
    direction = forms.ChoiceField(label="方向", required=False, choices=_all(Direction.choices))
    result = forms.ChoiceField(
        label="上次结果",
        required=False,
        choices=_all([*RunStatus.choices, (NEVER, "未运行")]),
    )

    def __init__(
        self, data: Any = None, *, partners: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["partner"].choices = _all(partners)


class RunFilterForm(FilterForm):
    """Filters of the run history: partner, direction, result, trigger and dates."""

    partner = forms.ChoiceField(label="交换伙伴", required=False)
    direction = forms.ChoiceField(label="方向", required=False, choices=_all(Direction.choices))
    status = forms.ChoiceField(label="结果", required=False, choices=_all(RunStatus.choices))
    trigger = forms.ChoiceField(
        label="触发方式",
        required=False,
        choices=_all([("job", "定时"), ("cli", "命令行"), ("page", "页面")]),
    )
    date_from = DateField(label="开始日期自", required=False, widget=DATE)
    date_to = DateField(label="至", required=False, widget=DATE)

    def __init__(
        self, data: Any = None, *, partners: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["partner"].choices = _all(partners)


class DeliveryFilterForm(FilterForm):
    """Filters of a channel's deliveries: status and key."""

    status = forms.ChoiceField(label="状态", required=False, choices=_all(DeliveryStatus.choices))
    key = forms.CharField(
        label="幂等键",
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "记录编号-版本"}),
    )


class PartnerForm(forms.Form):
    """A partner: its code (fixed once created), name, kind, tenant (the regions the user
    manages) and connection. The URL may carry a password: it is never shown again, and left
    blank when editing it keeps the one stored."""

    code = forms.SlugField(
        label="伙伴标识",
        max_length=40,
        help_text="小写英文字母、数字和连字符，如 js-province；创建后不能修改",
    )
    name = forms.CharField(label="名称", max_length=100)
    kind = forms.ChoiceField(
        label="交换方式",
        choices=AVAILABLE_KINDS,
        help_text="中间库填写数据库连接地址；数据文件（本地目录、SFTP、FTP、RabbitMQ）、"
        "REST 接口和 WebService 填写 JSON 连接配置",
    )
    region = forms.ChoiceField(label="所属区划")
    url = forms.CharField(
        label="数据库连接地址",
        max_length=500,
        required=False,
        widget=forms.TextInput(
            attrs={"placeholder": "mysql+pymysql://用户:密码@主机:3306/库名", "spellcheck": "false"}
        ),
        help_text="SQLAlchemy 连接地址；密码保存后不再显示，修改时留空则保持不变",
    )
    schema = forms.CharField(
        label="模式（schema）", max_length=100, required=False, help_text="可不填"
    )
    files_config = forms.CharField(
        label="连接配置（JSON）",
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
        help_text='中间库以外的方式必填。数据文件如 {"transport": "sftp", "host": "10.0.0.8", '
        '"port": 22, "user": "czxy", "password": "…", "path": "/exchange", '
        '"message_code": "XZCF", "format": "xml", "zip": true}；REST 如 {"base_url": '
        '"https://…", "auth": "credit-hmac", "key": "…", "secret": "…"}；WebService 如 '
        '{"wsdl": "https://…?wsdl", "auth": "credit-hmac", "key": "…", "secret": "…"}'
        "（各项见 docs/exchange.md）。密码、密钥和令牌保存后不再显示，修改时不写则保持不变",
    )
    note = forms.CharField(label="说明", max_length=300, required=False)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    def __init__(
        self,
        data: Any = None,
        *,
        regions: Iterable[tuple[str, str]] = (),
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.editing = editing
        self.fields["region"].choices = list(regions)
        if editing:
            self.fields["code"].disabled = True
            self.fields["code"].required = False
            self.fields["code"].help_text = "创建后不能修改"

    def clean_code(self) -> str:
        code = (self.cleaned_data.get("code") or "").strip()
        if not self.editing and code.lower() in RESERVED_CODES:
            raise forms.ValidationError(
                f"伙伴标识不能为“{code}”：该词已用于“新建交换伙伴”的页面地址，请换一个标识，"
                "如 js-province"
            )
        return code

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        if url and "://" not in url:
            raise forms.ValidationError(
                "连接地址格式不正确，应为 方言+驱动://用户:密码@主机:端口/库名"
            )
        return url

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind = data.get("kind")
        self.files: dict[str, Any] | None = None
        if kind == PartnerKind.DATABASE and not data.get("url") and not self.editing:
            self.add_error("url", "请填写数据库连接地址，如 mysql+pymysql://用户@主机:3306/库名")
        if kind and kind != PartnerKind.DATABASE:
            text = (data.get("files_config") or "").strip()
            if not text and not self.editing:
                self.add_error("files_config", "请填写连接配置（JSON 对象）")
            elif text:
                try:
                    parsed = json.loads(text)
                except ValueError:
                    parsed = None
                if not isinstance(parsed, dict):
                    self.add_error(
                        "files_config",
                        '连接配置应为 JSON 对象，如 {"transport": "local", …}',
                    )
                else:
                    self.files = parsed
        return data

    def config(self, current: dict[str, Any] | None = None) -> dict[str, Any]:
        """The partner's ``config`` from the form: a database partner's URL (the stored one
        kept when left blank), another partner's JSON settings (the stored secrets kept when
        the new settings leave them out)."""
        if self.cleaned_data.get("kind") != PartnerKind.DATABASE:
            if self.files is None:
                return dict(current or {})
            config = dict(self.files)
            for key, value in (current or {}).items():
                if is_secret(key) and key not in config and value:
                    config[key] = value
            return config
        config = dict(current or {})
        if self.cleaned_data.get("url"):
            config["url"] = self.cleaned_data["url"]
        if self.cleaned_data.get("schema"):
            config["schema"] = self.cleaned_data["schema"]
        else:
            config.pop("schema", None)
        return config


class ChannelForm(forms.Form):
    """A channel of a partner: the catalog item, direction, what it exchanges (交换内容), period,
    the department whose data an inbound channel collects, and the mapping as JSON (an
    object). ``validator(direction, mapping, item, content) -> list[str]`` is the adapter's
    check; its messages show on the mapping."""

    item = forms.ChoiceField(label="目录项")
    direction = forms.ChoiceField(label="方向", choices=Direction.choices)
    content = forms.ChoiceField(
        label="交换内容",
        choices=Content.choices,
        initial=Content.RECORDS,
        required=False,
        help_text="异议和更正结果、资源目录只能上报；其字段代码见 docs/exchange.md“交换内容”",
    )
    period = forms.ChoiceField(label="周期", choices=Period.choices, initial=Period.DAILY)
    department = forms.ChoiceField(
        label="数据提供部门", required=False, help_text="下发、采集通道必填：数据以该部门名义入库"
    )
    mapping = forms.CharField(
        label="字段映射（JSON）",
        widget=forms.Textarea(attrs={"rows": 10, "spellcheck": "false", "class": "code"}),
        help_text=(
            '如 {"table": "xzcf", "key_column": "record_key", "fields": {"CF_WSH": '
            '"decision_no"}}；字段映射的键是对方表的列名，值是本平台目录项的字段代码'
        ),
    )
    is_active = forms.BooleanField(label="启用", required=False, initial=True)

    #: The mapping's example per partner kind (docs/exchange.md has each in full).
    MAPPING_HELP = {
        PartnerKind.FILES: '如 {"fields": {"CF_WSH": "document_no", "ZT": "_record.status"}}；'
        "键是对方文件的元素名或列名，值是本平台目录项的字段代码",
        PartnerKind.REST: '上报如 {"path": "/credit/records", "fields": {"cf_wsh": '
        '"document_no"}}，拉取如 {"path": "/credit/lists", "items": "records", "key_field": '
        '"id", "fields": {"tyshxydm": "uscc"}}；键是对方 JSON 的名称',
        PartnerKind.SOAP: '如 {"operation": "ReportRecords", "item": "对方目录项", '
        '"department": "对方部门编码", "fields": {"CF_WSH": "document_no"}}（仅上报）',
    }

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str = PartnerKind.DATABASE,
        items: Iterable[tuple[Any, str]] = (),
        departments: Iterable[tuple[Any, str]] = (),
        item_of: Any = None,
        validator: Any = None,
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["item"].choices = [(str(pk), label) for pk, label in items]
        if kind in self.MAPPING_HELP:
            self.fields["mapping"].help_text = self.MAPPING_HELP[kind]
        self.fields["department"].choices = [
            ("", "（上报通道不需要）"),
            *((str(pk), label) for pk, label in departments),
        ]
        self.item_of = item_of
        self.validator = validator
        if editing:
            for name in ("item", "direction", "content"):
                self.fields[name].disabled = True
                self.fields[name].required = False

    def clean_mapping(self) -> dict[str, Any]:
        raw = self.cleaned_data["mapping"].strip()
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                f"字段映射不是有效的 JSON（第{exc.lineno}行第{exc.colno}列），请检查引号和逗号"
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('字段映射应为 JSON 对象，以 { 开头，如 {"table": "xzcf"}')
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        direction = data.get("direction")
        if direction and direction != Direction.UP and not data.get("department"):
            self.add_error("department", "下发、采集通道请选择数据提供部门")
        content = data.get("content") or Content.RECORDS
        if direction and direction != Direction.UP and content != Content.RECORDS:
            self.add_error("content", f"{Content(content).label}只能上报，请把方向选为“上报”")
            return data
        item = self.item_of(data.get("item")) if self.item_of and data.get("item") else None
        mapping = data.get("mapping")
        if item is not None and direction and mapping is not None and self.validator:
            for message in self.validator(direction, mapping, item, content):
                self.add_error("mapping", message)
        return data


#: The longest period of one reconciliation (three years), in days.
RECONCILE_MAX_DAYS = 3 * 366


class ReconcileForm(FilterForm):
    """The period of a reconciliation (default: this month so far)."""

    start = DateField(label="开始日期", required=False, widget=DATE)
    end = DateField(label="结束日期", required=False, widget=DATE)

    def period(self, today: datetime.date) -> tuple[datetime.date, datetime.date]:
        """(start, end), both included; a reversed period is put in order, and a period longer
        than three years starts three years before its end (:attr:`shortened` then true)."""
        f = self.filters()
        start = f.get("start") or today.replace(day=1)
        end = f.get("end") or today
        start, end = (start, end) if start <= end else (end, start)
        earliest = end - datetime.timedelta(days=RECONCILE_MAX_DAYS - 1)
        self.shortened = start < earliest
        return max(start, earliest), end
