"""Forms of the portal: the filters of the publicity lists and the notice editor.

Filters are read leniently: a value that does not parse (a mistyped date, an unknown
department) is dropped and the list shown without it, as a public site should.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

from django import forms

from credit.catalog.models import CodeValue
from credit.core.forms import DateField
from credit.core.models import Department, Region
from credit.portal import constants as c
from credit.portal.constants import NoticeKind
from credit.portal.publicity import ListFilters, list_items

SERVICE_ERROR_FIELDS: dict[str, str | None] = {
    "notice_kind_unknown": "kind",
    "notice_title_required": "title",
    "notice_title_too_long": "title",
    "notice_body_required": "body",
    "notice_body_too_long": "body",
}


def _departments() -> list[tuple[str, str]]:
    return [
        ("", "全部部门"),
        *Department.objects.filter(is_active=True)
        .order_by("region_id", "sort_order", "code")
        .values_list("code", "name"),
    ]


def _regions() -> list[tuple[str, str]]:
    return [
        ("", "全市"),
        *Region.objects.filter(is_active=True)
        .order_by("sort_order", "code")
        .values_list("code", "name"),
    ]


class _ListFilterForm(forms.Form):
    department = forms.ChoiceField(label="决定部门", required=False)
    region = forms.ChoiceField(label="所属区划", required=False)
    date_from = DateField(
        label="决定日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = _departments()
        self.fields["region"].choices = _regions()

    def filters(self) -> ListFilters:
        """The filters that parsed; the others are ignored."""
        self.is_valid()
        data = {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v}
        return ListFilters(**data)

    def describe(self) -> list[str]:
        """The filters in use as the reader would say them (``决定部门：市场监管局``)."""
        out = []
        for name, value in dataclasses.asdict(self.filters()).items():
            if value:
                field = self.fields[name]
                shown = dict(getattr(field, "choices", ())).get(value, value)
                out.append(f"{field.label}：{shown}")
        return out

    def query(self) -> str:
        """The filters as a query string, for the pager and the export link."""
        data = dataclasses.asdict(self.filters())
        return urlencode({k: str(v) for k, v in data.items() if v})


class PublicityFilterForm(_ListFilterForm):
    """Filters of the 行政许可 / 行政处罚 lists; ``category`` is 许可类别 / 处罚类别."""

    category = forms.ChoiceField(required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        spec = c.PUBLICITY_KINDS[kind]
        self.fields["category"].label = spec["category_label"]
        values = CodeValue.objects.filter(table__code=spec["category_field"]).values_list(
            "value", flat=True
        )
        self.fields["category"].choices = [("", "全部"), *((v, v) for v in values)]
        self.fields["date_from"].label = f"{spec['date_label']}自"


class ListEntryFilterForm(_ListFilterForm):
    """Filters of a red, black or attention list; ``item`` narrows it to one list."""

    item = forms.ChoiceField(label="名单", required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            ("", "全部"),
            *list_items(kind).values_list("code", "name"),
        ]
        self.fields["date_from"].label = "列入日期自"
        self.fields["department"].label = "认定部门"


class NoticeForm(forms.Form):
    """A notice as the management pages edit it (plain text; blank lines part paragraphs)."""

    kind = forms.ChoiceField(label="栏目", choices=NoticeKind.choices)
    title = forms.CharField(label="标题", max_length=200)
    source = forms.CharField(label="来源", max_length=100, required=False)
    body = forms.CharField(
        label="正文",
        max_length=50_000,
        widget=forms.Textarea(attrs={"rows": 16}),
        help_text="纯文本，空一行分段；不支持 HTML。",
    )

    def service_kwargs(self) -> dict[str, str]:
        data = self.cleaned_data
        return {k: data[k] for k in ("kind", "title", "body", "source")}
