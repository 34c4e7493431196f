"""Forms of the assessment pages (绩效考核): the list's filters, opening an assessment, the
publish button's visibility, a unit's self-scores (自评) with evidence, the credit office's
review (评审), a rubric's copy and one indicator's edit, and a district's self-check run.

Forms check what a person typed (a period that parses, a number in range, JSON that is an
object); the rules of the domain are the services'. Every message is Chinese."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms

from credit.assessment import rules
from credit.assessment.constants import (
    AppliesTo,
    AssessmentStatus,
    IndicatorKind,
    Method,
    Visibility,
)
from credit.assessment.models import Evidence, Indicator, Score
from credit.assessment.periods import PeriodError, parse_period, period_code
from credit.core.forms import DateField, FilterForm
from credit.objections import uploads

POINTS_ERRORS = {
    "invalid": "请填写数字，如 2 或 1.5",
    "max_digits": "分值过大",
    "max_decimal_places": "分值最多保留两位小数",
    "max_whole_digits": "分值过大",
}


def clean_period(text: str) -> str:
    """The canonical code of a period typed as ``2026q4`` or `` 2026 ``; a Chinese error."""
    try:
        return period_code(parse_period(text))
    except PeriodError as exc:
        raise forms.ValidationError(str(exc)) from exc


class AssessmentFilterForm(FilterForm):
    """Filters of the assessments list (GET): year and status."""

    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *AssessmentStatus.choices]
    )


class OpenForm(forms.Form):
    """Open the city's assessment of a period (发起考核)."""

    period = forms.CharField(
        label="考核周期",
        max_length=10,
        help_text="季度如 2026Q4，年度如 2026",
        widget=forms.TextInput(attrs={"placeholder": "2026Q4"}),
    )
    visibility = forms.ChoiceField(
        label="公布范围", choices=Visibility.choices, initial=Visibility.INTERNAL
    )
    self_due = DateField(
        label="自评截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "请填写有效日期，如 2027-01-15"},
    )

    def clean_period(self) -> str:
        return clean_period(self.cleaned_data["period"])


class PublishForm(forms.Form):
    """The publish button: to staff only, or also on the portal."""

    visibility = forms.ChoiceField(label="公布范围", choices=Visibility.choices)


class SelfCheckRunForm(forms.Form):
    """Run a district's self-check for a period (开展自评检查); a city-wide manager also
    chooses the district (``regions``: code → name)."""

    period = forms.CharField(
        label="检查周期",
        max_length=10,
        help_text="季度如 2026Q4，年度如 2026",
        widget=forms.TextInput(attrs={"placeholder": "2026Q4"}),
    )

    def __init__(self, *args: Any, regions: list[tuple[str, str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if regions:
            self.fields["region"] = forms.ChoiceField(label="辖市区", choices=regions)

    def clean_period(self) -> str:
        return clean_period(self.cleaned_data["period"])


class CopyForm(forms.Form):
    """Copy a rubric to a new version of its year, or to another year."""

    year = forms.IntegerField(
        label="新版本的年度",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="留空则为同一年度的新版本",
        error_messages={"invalid": "请填写四位年份，如 2027"},
    )


def _bounds(indicator: Indicator) -> tuple[Decimal, Decimal]:
    """The points a unit may give or be given for ``indicator``: 0…max, deductions −max…0."""
    if indicator.kind == IndicatorKind.DEDUCTION:
        return -indicator.points, Decimal(0)
    return Decimal(0), indicator.points


def _points_field(indicator: Indicator, *, label: str, initial: Any) -> forms.DecimalField:
    low, high = _bounds(indicator)
    hint = f"{low}～{high}" if indicator.kind == IndicatorKind.DEDUCTION else f"0～{high}"
    return forms.DecimalField(
        label=label,
        required=False,
        max_digits=6,
        decimal_places=2,
        initial=initial,
        help_text=f"可填 {hint} 分",
        error_messages=POINTS_ERRORS,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": str(low), "max": str(high)}),
    )


def _check_bounds(form: forms.Form, name: str, indicator: Indicator) -> None:
    value = form.cleaned_data.get(name)
    if value is None:
        return
    low, high = _bounds(indicator)
    if not low <= value <= high:
        if indicator.kind == IndicatorKind.DEDUCTION:
            text = f"扣分项“{indicator.name}”应填 {low} 到 0 之间的分值（负数表示扣分）"
        else:
            text = f"“{indicator.name}”的分值应在 0 到 {high} 之间"
        form.add_error(name, text)


class SelfScoreForm(forms.Form):
    """A unit's self-scores: for every manual indicator its points, a note, one new evidence
    file and the evidence to remove. ``scores`` are the unit's :class:`Score` rows of the
    manual indicators (with their indicator and evidence)."""

    def __init__(self, *args: Any, scores: list[Score], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.score_rows = scores
        for s in scores:
            i = s.indicator
            self.fields[f"points_{i.pk}"] = _points_field(
                i, label=f"{i.code} {i.name} 自评得分", initial=s.self_points
            )
            self.fields[f"note_{i.pk}"] = forms.CharField(
                label="自评说明",
                required=False,
                max_length=2000,
                initial=s.self_note,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
            self.fields[f"file_{i.pk}"] = forms.FileField(
                label="上传佐证材料",
                required=False,
                help_text="PDF、JPG 或 PNG",
                widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
            )
            evidence = list(s.evidence.all())
            if evidence:
                self.fields[f"remove_{i.pk}"] = forms.MultipleChoiceField(
                    label="删除佐证材料",
                    required=False,
                    choices=[(str(e.pk), e.name) for e in evidence],
                    widget=forms.CheckboxSelectMultiple,
                )

    def rows(self) -> list[dict[str, Any]]:
        """The form's rows for the template: the score and its bound fields."""
        out = []
        for s in self.score_rows:
            i = s.indicator.pk
            out.append(
                {
                    "score": s,
                    "indicator": s.indicator,
                    "points": self[f"points_{i}"],
                    "note": self[f"note_{i}"],
                    "file": self[f"file_{i}"],
                    "remove": self[f"remove_{i}"] if f"remove_{i}" in self.fields else None,
                    "evidence": list(s.evidence.all()),
                }
            )
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for s in self.score_rows:
            _check_bounds(self, f"points_{s.indicator.pk}", s.indicator)
        return data

    def scores(self) -> dict[int, tuple[Decimal | None, str]]:
        """indicator id → (points, note), as :func:`save_self_scores` takes them."""
        d = self.cleaned_data
        return {
            s.indicator.pk: (d.get(f"points_{s.indicator.pk}"), d.get(f"note_{s.indicator.pk}", ""))
            for s in self.score_rows
        }

    def uploads(self) -> list[tuple[Score, Any]]:
        """(score, uploaded file) of every file chosen."""
        return [
            (s, self.cleaned_data[f"file_{s.indicator.pk}"])
            for s in self.score_rows
            if self.cleaned_data.get(f"file_{s.indicator.pk}")
        ]

    def removals(self) -> list[Evidence]:
        """The evidence ticked for removal (only the form's own scores' evidence)."""
        out = []
        for s in self.score_rows:
            ticked = set(self.cleaned_data.get(f"remove_{s.indicator.pk}") or ())
            out += [e for e in s.evidence.all() if str(e.pk) in ticked]
        return out


class ReviewForm(forms.Form):
    """The credit office's review of a unit: final points and a comment per indicator
    (prefilled with the points the unit has now), and an overall comment."""

    comment = forms.CharField(
        label="总体评审意见",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, scores: list[Score], comment: str = "", **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.score_rows = scores
        self.fields["comment"].initial = comment
        for s in scores:
            i = s.indicator
            if s.final_points is not None:
                current = s.final_points
            elif i.method == Method.MANUAL:
                current = s.self_points
            else:
                current = s.auto_points
            self.fields[f"final_{i.pk}"] = _points_field(
                i, label=f"{i.code} {i.name} 评审得分", initial=current
            )
            self.fields[f"comment_{i.pk}"] = forms.CharField(
                label="评审意见",
                required=False,
                max_length=2000,
                initial=s.review_comment,
                widget=forms.Textarea(attrs={"rows": 1}),
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "score": s,
                "indicator": s.indicator,
                "final": self[f"final_{s.indicator.pk}"],
                "comment": self[f"comment_{s.indicator.pk}"],
                "evidence": list(s.evidence.all()),
            }
            for s in self.score_rows
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for s in self.score_rows:
            _check_bounds(self, f"final_{s.indicator.pk}", s.indicator)
        return data

    def scores(self) -> dict[int, tuple[Decimal | None, str]]:
        d = self.cleaned_data
        return {
            s.indicator.pk: (
                d.get(f"final_{s.indicator.pk}"),
                d.get(f"comment_{s.indicator.pk}", ""),
            )
            for s in self.score_rows
        }


class IndicatorForm(forms.Form):
    """One indicator of an unused rubric: name, points, how it is scored (the metric and the
    formula as JSON, checked with :func:`credit.assessment.rules.validate_formula`), the
    monitoring point, the criteria and whom it applies to."""

    name = forms.CharField(label="名称", max_length=200)
    points = forms.DecimalField(
        label="分值",
        min_value=0,
        max_digits=6,
        decimal_places=2,
        error_messages={**POINTS_ERRORS, "min_value": "分值不能为负数"},
    )
    method = forms.ChoiceField(label="评分方式", choices=Method.choices)
    metric = forms.ChoiceField(label="监测指标", required=False)
    formula = forms.CharField(
        label="计分公式（JSON）",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text='如 {"type": "ratio", "full_at": 100}；自评项可留空',
    )
    monitoring_point = forms.CharField(label="监测点", max_length=300, required=False)
    criteria = forms.CharField(
        label="评分标准", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    applies_to = forms.ChoiceField(label="适用对象", choices=AppliesTo.choices)

    def __init__(
        self, *args: Any, indicator: Indicator, metric_choices: list[tuple[str, str]], **kwargs
    ) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": indicator.name,
                "points": indicator.points,
                "method": indicator.method,
                "metric": indicator.metric,
                "formula": json.dumps(indicator.formula, ensure_ascii=False)
                if indicator.formula
                else "",
                "monitoring_point": indicator.monitoring_point,
                "criteria": indicator.criteria,
                "applies_to": indicator.applies_to,
            },
        )
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        self.fields["metric"].choices = [("", "（无，自评项）"), *metric_choices]

    def clean_formula(self) -> dict:
        text = (self.cleaned_data.get("formula") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise forms.ValidationError(
                f"计分公式不是有效的 JSON（第{exc.lineno}行第{exc.colno}列），请检查引号和括号"
            ) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError('计分公式应为 JSON 对象，如 {"type": "ratio"}')
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        method, formula = data.get("method"), data.get("formula")
        if method == Method.AUTO:
            if not data.get("metric"):
                self.add_error("metric", "自动计算的指标须选择监测指标")
            if formula is not None and data.get("points") is not None:
                for error in rules.validate_formula(
                    formula, points=data["points"], kind=self.indicator.kind
                ):
                    self.add_error("formula", error)
        return data

    def changes(self) -> dict[str, Any]:
        """The fields as :func:`credit.assessment.services.rubrics.update_indicator` takes them."""
        d = self.cleaned_data
        return {
            "name": d["name"],
            "points": d["points"],
            "method": d["method"],
            "metric": d.get("metric") or "",
            "formula": d.get("formula") or {},
            "monitoring_point": d.get("monitoring_point", ""),
            "criteria": d.get("criteria", ""),
            "applies_to": d["applies_to"],
        }
