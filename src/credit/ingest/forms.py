"""Forms of the ingest pages: the upload form (a catalog item the principal may submit to, the
department it reports for — its own, or one an API client was granted — the file, and the
batch it corrects when it resubmits rejected rows) and the batch list's filters."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.forms.models import ModelChoiceIterator

from credit.catalog.constants import Category
from credit.catalog.models import CatalogItem
from credit.catalog.selectors import visible_q
from credit.core.forms import DateField
from credit.core.inputs import BIGINT_MAX
from credit.core.models import Department
from credit.ingest import selectors

#: Categories in the order the catalog declares them (双公示 first).
_CATEGORY_ORDER = {c.value: n for n, c in enumerate(Category)}


class _ItemsByCategory(ModelChoiceIterator):
    """The items as ``<optgroup>`` s, one per category (分类), in the catalog's order."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        items = sorted(self.queryset, key=lambda i: _CATEGORY_ORDER.get(i.category, 99))
        for item in items:  # sorted() is stable: sort_order within a category
            groups.setdefault(item.get_category_display(), []).append(self.choice(item))
        yield from groups.items()

    def __len__(self) -> int:
        return len(set(self.queryset.values_list("category", flat=True))) + (
            self.field.empty_label is not None
        )


class CatalogItemField(forms.ModelChoiceField):
    """A catalog item chosen by its Chinese name, grouped by category, its code secondary
    (the option's value and, in brackets, its text)."""

    iterator = _ItemsByCategory

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "code")
        super().__init__(queryset=CatalogItem.objects.none(), **kwargs)

    def label_from_instance(self, obj: CatalogItem) -> str:
        return f"{obj.name}（{obj.code}）"


class DepartmentField(forms.ModelChoiceField):
    """A department by its full name and region."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("to_field_name", "code")
        super().__init__(queryset=Department.objects.none(), **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return f"{obj.name}（{obj.region.name}）"


class UploadForm(forms.Form):
    """What the upload page asks. A principal that may report for one department only finds
    it (and so its region) pre-selected: :attr:`only_department`."""

    item = CatalogItemField(label="目录项")
    department = DepartmentField(label="报送部门")
    file = forms.FileField(label="数据文件", help_text="xlsx、csv、txt、xml 或其 zip 压缩包")
    resubmits = forms.IntegerField(
        label="重新报送的批次",
        required=False,
        min_value=1,
        max_value=BIGINT_MAX,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, principal: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = selectors.submittable_items(principal)
        departments = selectors.submittable_departments(principal)
        self.fields["department"].queryset = departments
        choices = list(departments[:2])
        self.only_department: Department | None = choices[0] if len(choices) == 1 else None
        if self.only_department is not None:
            self.fields["department"].empty_label = None
            self.fields["department"].initial = self.only_department.code

    @property
    def visible(self) -> list[forms.BoundField]:
        return [self[name] for name in ("item", "department", "file")]


class BatchFilterForm(forms.Form):
    """The batch list's filters (GET): catalog item, department (only when the principal sees
    more than one), state and the days received."""

    item = CatalogItemField(label="目录项", required=False, empty_label="全部")
    department = DepartmentField(label="报送部门", required=False, empty_label="全部")
    state = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), *((k, v[0]) for k, v in selectors.BATCH_STATES.items())],
    )
    date_from = DateField(
        label="接收日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, principal: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = CatalogItem.objects.filter(visible_q(principal)).order_by(
            "sort_order", "code"
        )
        departments = selectors.visible_departments(principal)
        self.fields["department"].queryset = departments
        if len(departments[:2]) < 2:  # an officer sees its own department only
            del self.fields["department"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data

    def filters(self) -> dict[str, Any]:
        """The filters that were given and are valid (an invalid one is shown on the form
        and left out, never guessed)."""
        data = getattr(self, "cleaned_data", {})
        keys = ("item", "department", "state", "date_from", "date_to")
        return {k: data[k] for k in keys if k in data and data[k] not in (None, "")}

    def labels(self) -> list[tuple[str, str]]:
        """The filters applied, in words, for the export's first lines."""
        words = []
        for key, value in self.filters().items():
            if isinstance(value, datetime.date):
                shown = value.isoformat()
            elif key == "state":
                shown = selectors.BATCH_STATES[value][0]
            else:
                shown = getattr(value, "name", str(value))
            words.append((self.fields[key].label, shown))
        return words
