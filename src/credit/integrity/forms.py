"""Forms of the government integrity pages (政务诚信). They parse and bound the input; the rules
live in :mod:`credit.integrity.services` and :mod:`credit.integrity.selectors`.

- :class:`ArchiveFilterForm`: the filters of the civil servants' archive list (GET);
- :class:`IdSearchForm`: finding one archive by ID number (POST: ID numbers never go into
  addresses, where logs and browser histories would keep them);
- :class:`RuleVersionForm`: a new version of the score rules, copied from the current one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from credit.core.forms import DateField, FilterForm
from credit.core.identifiers import detect, normalize_code
from credit.integrity.constants import Grade
from credit.integrity.selectors.stats import UNSCORED

#: 身份类型 (code table cs_identity_type of 公务人员基础信息).
IDENTITY_TYPES: tuple[str, ...] = ("公务员", "参照公务员法管理人员", "其他")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ArchiveFilterForm(FilterForm):
    """Filters of the archive list (GET); an invalid value is dropped, the others apply. The
    district and unit choices are those of the reader's scope (the view passes them)."""

    region = forms.ChoiceField(label="区划", required=False)
    unit = forms.ChoiceField(label="工作单位", required=False)
    grade = forms.ChoiceField(
        label="等级",
        required=False,
        choices=[("", "全部"), *((g, g) for g in Grade.values), (UNSCORED, "未计分")],
    )
    identity_type = forms.ChoiceField(
        label="身份类型",
        required=False,
        choices=[("", "全部"), *((t, t) for t in IDENTITY_TYPES)],
    )
    name = forms.CharField(
        label="姓名",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "姓名中的字"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        regions: Iterable[tuple[str, str]] = (),
        units: Iterable[tuple[Any, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["region"].choices = [("", "全部"), *regions]
        self.fields["unit"].choices = [
            ("", "全部"),
            *((str(pk), label) for pk, label in units),
            ("none", "未关联单位"),
        ]


class IdSearchForm(forms.Form):
    """One civil servant's archive by the ID number (posted, never in an address)."""

    id_number = forms.CharField(
        label="身份证号",
        max_length=30,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": "18位居民身份证号码",
                "spellcheck": "false",
            }
        ),
    )

    def clean_id_number(self) -> str:
        number = normalize_code(self.cleaned_data["id_number"])
        if detect(number) != "resident_id":
            raise forms.ValidationError("请输入正确的18位居民身份证号码（末位可以是X）")
        return number


class RuleVersionForm(forms.Form):
    """A new version of the score rules (评分规则版本): its code, name, effective date and note,
    and the points and months of each line of the version it copies (``lines``: the current
    version's :class:`~credit.integrity.models.ScoreRule` rows, each line's fields named
    ``points_<id>`` and ``months_<id>``; an empty months: counted while the record is valid)."""

    code = forms.SlugField(
        label="版本标识",
        max_length=64,
        help_text="小写英文字母、数字和连字符，如 cz-2027；创建后不能修改",
    )
    name = forms.CharField(label="版本名称", max_length=200)
    effective_from = DateField(
        label="施行日期",
        widget=DATE,
        help_text="该日及以后的得分按本版本计算；须晚于现有各版本的施行日期",
    )
    note = forms.CharField(
        label="修订说明", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, data: Any = None, *, lines: Iterable[Any] = (), **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.lines = list(lines)
        for rule in self.lines:
            self.fields[f"points_{rule.pk}"] = forms.IntegerField(
                label=f"{rule.label} 分值",
                initial=rule.points,
                min_value=-1000,
                max_value=1000,
                widget=forms.NumberInput(attrs={"class": "num"}),
            )
            self.fields[f"months_{rule.pk}"] = forms.IntegerField(
                label=f"{rule.label} 计分期限（月）",
                initial=rule.months,
                required=False,
                min_value=0,
                max_value=600,
                widget=forms.NumberInput(attrs={"class": "num"}),
            )

    def line_rows(self) -> list[dict[str, Any]]:
        """The lines with their bound fields, for the page's table."""
        return [
            {"rule": rule, "points": self[f"points_{rule.pk}"], "months": self[f"months_{rule.pk}"]}
            for rule in self.lines
        ]

    def changes(self) -> dict[int, dict[str, int | None]]:
        """Line id → its (possibly edited) points and months, from valid data."""
        data = self.cleaned_data
        return {
            rule.pk: {"points": data[f"points_{rule.pk}"], "months": data[f"months_{rule.pk}"]}
            for rule in self.lines
        }


# --------------------------------------------------------------------------------------------
# The annual collection (年度归集任务) and the government dishonesty records (政务失信记录)
# --------------------------------------------------------------------------------------------


class CollectionFilterForm(FilterForm):
    """Filters of the annual collection's task list (GET): the year (those with tasks, and
    this year), status, district and a part of the unit's name."""

    year = forms.TypedChoiceField(label="归集年度", coerce=int, required=False)
    status = forms.ChoiceField(label="状态", required=False)
    region = forms.ChoiceField(label="区划", required=False)
    q = forms.CharField(
        label="单位",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "单位名称中的字"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        years: Iterable[int] = (),
        statuses: Iterable[tuple[str, str]] = (),
        regions: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["year"].choices = [(y, f"{y}年度") for y in years]
        self.fields["status"].choices = [("", "全部"), *statuses]
        self.fields["region"].choices = [("", "全部"), *regions]


class CollectionOpenForm(forms.Form):
    """Opening the annual collection of a year (下达年度归集任务): the year and the deadline."""

    year = forms.IntegerField(label="归集年度", min_value=2000, max_value=2100)
    deadline = DateField(
        label="截止日期",
        widget=DATE,
        help_text="各单位在此日期前报送上一年度的公务人员基础信息、考核结果、党员评议和处理信息",
    )


class GovernmentFilterForm(FilterForm):
    """Filters of the staff list of 政务失信记录 (GET)."""

    item = forms.ChoiceField(label="类别", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    type = forms.ChoiceField(label="失信类型", required=False)
    region = forms.ChoiceField(label="区划", required=False)
    date_from = DateField(label="认定日期自", required=False, widget=DATE)
    date_to = DateField(label="至", required=False, widget=DATE)
    q = forms.CharField(
        label="主体或文书号",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "失信主体名称、认定文书号"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        items: Iterable[tuple[str, str]] = (),
        statuses: Iterable[tuple[str, str]] = (),
        types: Iterable[str] = (),
        regions: Iterable[tuple[str, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["item"].choices = [("", "全部"), *items]
        self.fields["status"].choices = [("", "全部"), *statuses]
        self.fields["type"].choices = [("", "全部"), *((t, t) for t in types)]
        self.fields["region"].choices = [("", "全部"), *regions]


class RevokeForm(forms.Form):
    """The unified revocation of a 政务失信记录: the reason and the document it rests on."""

    reason = forms.CharField(
        label="撤销原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="如：认定文书已被依法撤销、失信行为已纠正并经认定单位确认等",
    )
    document_no = forms.CharField(
        label="撤销依据文号",
        max_length=100,
        required=False,
        help_text="可不填；有撤销决定等文书的请填写其文号",
    )
    service_fields = {
        "reason_required": "reason",
        "reason_too_long": "reason",
        "document_no_too_long": "document_no",
    }


class RevocationFilterForm(FilterForm):
    """Filters of the revocation list (GET): exchange status and a name or document number."""

    exchange_status = forms.ChoiceField(label="上报状态", required=False)
    q = forms.CharField(
        label="主体或文号",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "失信主体名称、认定或撤销文号"}),
    )

    def __init__(
        self, data: Any = None, *, statuses: Iterable[tuple[str, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["exchange_status"].choices = [("", "全部"), *statuses]
