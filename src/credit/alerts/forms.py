"""Forms of the warning pages: the list's filters, acknowledging and closing a warning, and a
rule. Choices show Chinese names; the rules of a rule are the service's
(:func:`credit.alerts.services.save_rule`), whose refusals land on the field they concern."""

from __future__ import annotations

from typing import Any

from django import forms

from credit.alerts.constants import Comparison, Level, MetricCode, Period, Status, Subject
from credit.alerts.models import WarningRule
from credit.core.forms import DateField
from credit.core.models import Department, Region

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WarningFilterForm(forms.Form):
    """The list's filters (GET). An invalid value is shown on the form and left out."""

    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("live", "未关闭（待处理和已确认）"), *Status.choices],
    )
    level = forms.ChoiceField(label="级别", required=False, choices=[("", "全部"), *Level.choices])
    rule = forms.ChoiceField(label="规则", required=False)
    region = forms.ChoiceField(label="区划", required=False)
    department = forms.ChoiceField(label="部门", required=False)
    date_from = DateField(label="预警日期自", required=False, widget=_DATE)
    date_to = DateField(label="至", required=False, widget=_DATE)

    def __init__(
        self,
        *args: Any,
        rules: list[WarningRule],
        regions: list[Region],
        departments: list[Department],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [("", "全部"), *((r.code, r.name) for r in rules)]
        self.fields["region"].choices = [("", "全部"), *((r.code, r.name) for r in regions)]
        self.fields["department"].choices = [
            ("", "全部"),
            *((d.code, d.name) for d in departments),
        ]
        # A choice with one option narrows nothing (a department officer's own department).
        for name, options in (("region", regions), ("department", departments)):
            if len(options) < 2:
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filters given (an invalid one is shown on the form and left out)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {k: v for k, v in data.items() if v not in (None, "")}

    def labels(self) -> list[tuple[str, str]]:
        """The filters applied, in words, for the export."""
        words = []
        for key, value in self.filters().items():
            field = self.fields[key]
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
            words.append((field.label, str(shown)))
        return words


class AcknowledgeForm(forms.Form):
    note = forms.CharField(
        label="确认说明",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="可选：已安排谁核实、何时反馈",
    )
    service_fields = {"note_too_long": "note"}


class CloseForm(forms.Form):
    reason = forms.CharField(
        label="关闭原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="必填：核实和处理的情况，例如已督促部门补报",
        error_messages={"required": "请填写关闭原因"},
    )
    service_fields = {"reason_required": "reason", "note_too_long": "reason"}


class RuleForm(forms.Form):
    """A warning rule. The code is fixed once the rule exists."""

    code = forms.SlugField(
        label="规则标识",
        max_length=64,
        help_text="小写字母、数字和连字符，如 district-dishonesty-surge；保存后不能修改",
    )
    name = forms.CharField(label="规则名称", max_length=100)
    metric = forms.ChoiceField(label="预警指标", choices=MetricCode.choices)
    subject = forms.ChoiceField(label="预警对象", choices=Subject.choices)
    comparison = forms.ChoiceField(label="比较方式", choices=Comparison.choices)
    threshold = forms.DecimalField(
        label="阈值",
        required=False,
        max_digits=14,
        decimal_places=4,
        help_text="与下一项二选一：固定的比较值（及时率填百分数，如 90）",
    )
    ratio_to_average = forms.DecimalField(
        label="前12个周期平均值的倍数",
        required=False,
        max_digits=8,
        decimal_places=4,
        help_text="与上一项二选一：与该指标自身前12个周期平均值的倍数比较，如 1.5",
    )
    period = forms.ChoiceField(
        label="统计周期",
        choices=Period.choices,
        initial=Period.MONTH,
        help_text="按评估当天所在的日、月、季度或年统计",
    )
    level = forms.ChoiceField(label="预警级别", choices=Level.choices, initial=Level.WARNING)
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    description = forms.CharField(
        label="说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    service_fields = {
        "invalid_code": "code",
        "name_required": "name",
        "unknown_metric": "metric",
        "subject_not_allowed": "subject",
        "invalid_comparison": "comparison",
        "threshold_or_ratio": "threshold",
        "invalid_threshold": "threshold",
        "ratio_not_allowed": "ratio_to_average",
        "invalid_ratio": "ratio_to_average",
        "invalid_period": "period",
        "invalid_level": "level",
    }

    def __init__(self, *args: Any, rule: WarningRule | None = None, **kwargs: Any) -> None:
        if rule is not None:
            kwargs.setdefault(
                "initial",
                {
                    "code": rule.code,
                    "name": rule.name,
                    "metric": rule.metric,
                    "subject": rule.subject,
                    "comparison": rule.comparison,
                    "threshold": rule.threshold,
                    "ratio_to_average": rule.ratio_to_average,
                    "period": rule.period,
                    "level": rule.level,
                    "is_active": rule.is_active,
                    "description": rule.description,
                },
            )
        super().__init__(*args, **kwargs)
        if rule is not None:
            self.fields["code"].disabled = True
