"""Forms of the sanctions pages and of the measures file: a measure, a check, the feedback on
one (entry, measure) pair, and the filters of the check list.

Forms only parse and bound the input; the rules live in :mod:`credit.sanctions.services`,
whose :class:`~credit.core.errors.CreditError` codes :data:`SERVICE_ERROR_FIELDS` (and a
form's own ``service_fields``) turn back into the error of the field they concern (the pages
pass it to :func:`credit.core.forms.submit`).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import RegexValidator

from credit.catalog.constants import Category
from credit.catalog.models import CatalogItem
from credit.core.forms import DateField
from credit.core.models import Department
from credit.sanctions.constants import LIST_CATEGORIES, Scenario
from credit.sanctions.models import Check, CheckFeedback, Measure

#: Service error code → the form field it concerns (a code not named: the whole form).
SERVICE_ERROR_FIELDS: dict[str, str] = {
    "list_kind_unknown": "list_kind",
    "scenario_unknown": "scenario",
    "measure_item_kind": "items",
    "id_required": "identifier",
    "reason_required": "reason",
    "action_unknown": "action",
}

LIST_KIND_CHOICES = [(c.value, c.label) for c in Category if c in LIST_CATEGORIES]

measure_code = RegexValidator(
    r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$",
    "措施编号由大写字母、数字和连字符组成，如 B-SX-01",
    code="measure_code",
)


def list_items():
    return CatalogItem.objects.filter(category__in=LIST_CATEGORIES).order_by(
        "category", "sort_order"
    )


class ListItemsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: CatalogItem) -> str:
        return f"{obj.name}（{obj.get_category_display()}）"


class MeasureForm(forms.Form):
    """A measure as the create and edit pages and the measures file give it. With ``measure``
    the form edits it (its code cannot change); without, the code must be new unless
    ``allow_existing`` (the file loader updates measures in place)."""

    code = forms.CharField(label="措施编号", max_length=32, validators=[measure_code])
    list_kind = forms.ChoiceField(label="适用名单类型", choices=LIST_KIND_CHOICES)
    items = ListItemsField(
        label="适用名单",
        queryset=CatalogItem.objects.none(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="不选则适用该类型的全部名单",
    )
    scenarios = forms.MultipleChoiceField(
        label="应用场景", choices=Scenario.choices, widget=forms.CheckboxSelectMultiple
    )
    text = forms.CharField(
        label="措施内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    legal_basis = forms.CharField(
        label="法律政策依据", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    memorandum = forms.CharField(label="联合备忘录", max_length=200, required=False)
    implementing_department = forms.ModelChoiceField(
        label="实施部门",
        queryset=Department.objects.none(),
        to_field_name="code",
        required=False,
        empty_label="（不指定，按实施单位文字）",
    )
    implementing_text = forms.CharField(
        label="实施单位（文字）", max_length=200, required=False, help_text="如“各级财政部门”"
    )
    is_active = forms.BooleanField(label="有效", required=False, initial=True)

    service_fields = {"scenario_unknown": "scenarios"}

    def __init__(
        self,
        *args: Any,
        measure: Measure | None = None,
        allow_existing: bool = False,
        **kwargs: Any,
    ):
        if measure is not None and "initial" not in kwargs:
            kwargs["initial"] = initial_of(measure)
        super().__init__(*args, **kwargs)
        self.measure = measure
        self.allow_existing = allow_existing
        self.fields["items"].queryset = list_items()
        self.fields["implementing_department"].queryset = Department.objects.filter(
            is_active=True
        ).order_by("sort_order", "code")
        if measure is not None:
            self.fields["code"].disabled = True

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if (
            self.measure is None
            and not self.allow_existing
            and Measure.objects.filter(code=code).exists()
        ):
            raise forms.ValidationError(f"措施编号 {code} 已存在", code="measure_exists")
        return code

    def service_kwargs(self) -> dict[str, Any]:
        """The arguments of :func:`credit.sanctions.services.save_measure`."""
        data = self.cleaned_data
        return {
            "code": data["code"],
            "list_kind": data["list_kind"],
            "text": data["text"],
            "legal_basis": data["legal_basis"],
            "scenarios": data["scenarios"],
            "items": list(data["items"]),
            "memorandum": data["memorandum"],
            "implementing_department": data["implementing_department"],
            "implementing_text": data["implementing_text"],
            "is_active": data["is_active"],
        }

    def unchanged(self, measure: Measure | None) -> bool:
        """True when saving would store exactly what ``measure`` holds already."""
        if measure is None:
            return False
        wanted = self.service_kwargs()
        return state_of(measure) == {
            "list_kind": wanted["list_kind"],
            "text": wanted["text"].strip(),
            "legal_basis": wanted["legal_basis"].strip(),
            "memorandum": wanted["memorandum"].strip(),
            "implementing_department": wanted["implementing_department"].code
            if wanted["implementing_department"]
            else None,
            "implementing_text": wanted["implementing_text"].strip(),
            "scenarios": sorted(set(wanted["scenarios"])),
            "items": sorted(i.code for i in wanted["items"]),
            "is_active": wanted["is_active"],
        }


def state_of(measure: Measure) -> dict[str, Any]:
    """What a measure holds, in the form's terms (codes for items and the department)."""
    return {
        "list_kind": measure.list_kind,
        "text": measure.text,
        "legal_basis": measure.legal_basis,
        "memorandum": measure.memorandum,
        "implementing_department": measure.implementing_department.code
        if measure.implementing_department
        else None,
        "implementing_text": measure.implementing_text,
        "scenarios": sorted(measure.scenarios),
        "items": sorted(i.code for i in measure.items.all()),
        "is_active": measure.is_active,
    }


def initial_of(measure: Measure) -> dict[str, Any]:
    state = state_of(measure)
    return {"code": measure.code, **state}


class CheckForm(forms.Form):
    """联合奖惩核查: who is checked, in which scenario, and why."""

    identifier = forms.CharField(
        label="主体代码",
        max_length=40,
        help_text="统一社会信用代码、组织机构代码等原代码，或自然人身份证号码",
    )
    scenario = forms.ChoiceField(
        label="应用场景",
        choices=[("", "全部场景"), *Scenario.choices],
        required=False,
    )
    reason = forms.CharField(
        label="核查事由", max_length=200, help_text="如“政府采购项目供应商资格审查”"
    )


class FeedbackForm(forms.Form):
    """What the department did about one measure for one list entry of a check."""

    record = forms.IntegerField(label="名单记录", widget=forms.HiddenInput)
    measure = forms.CharField(label="措施", max_length=32, widget=forms.HiddenInput)
    action = forms.ChoiceField(label="实施情况", choices=CheckFeedback.Action.choices)
    reason = forms.CharField(
        label="说明",
        max_length=500,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "说明（不适用或免予实施时必填）"}),
    )


class CheckFilterForm(forms.Form):
    """Filters of the check list (GET). Invalid values are ignored, not refused."""

    date_from = DateField(
        label="核查日期自",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = DateField(
        label="至",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    result = forms.ChoiceField(
        label="核查结果", choices=[("", "全部"), *Check.Result.choices], required=False
    )
    scenario = forms.ChoiceField(
        label="应用场景", choices=[("", "全部"), *Scenario.choices], required=False
    )
    department = forms.ChoiceField(label="核查部门", choices=[("", "全部")], required=False)
    feedback = forms.ChoiceField(
        label="反馈",
        choices=[("", "全部"), ("yes", "已反馈"), ("no", "未反馈")],
        required=False,
    )

    def __init__(self, *args: Any, departments: list[Department], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", "全部"),
            *((d.code, d.name) for d in departments),
        ]

    def filters(self) -> dict[str, Any]:
        """The valid filters (an invalid one is dropped, the others still apply)."""
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}


class MeasureFilterForm(forms.Form):
    list_kind = forms.ChoiceField(
        label="名单类型", choices=[("", "全部"), *LIST_KIND_CHOICES], required=False
    )
    scenario = forms.ChoiceField(
        label="应用场景", choices=[("", "全部"), *Scenario.choices], required=False
    )
    active = forms.ChoiceField(
        label="状态", choices=[("", "全部"), ("1", "有效"), ("0", "停用")], required=False
    )
    q = forms.CharField(
        label="关键词",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "编号、内容、依据或备忘录"}),
    )

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in getattr(self, "cleaned_data", {}).items() if v not in ("", None)}
