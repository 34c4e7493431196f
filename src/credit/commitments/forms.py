"""Forms of credit commitments (staff pages and the portal). Each reads its input leniently
and leaves the rules to the services (:mod:`credit.commitments.services`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms

from credit.commitments.constants import Channel, Kind, Status
from credit.commitments.models import CommitmentItem
from credit.commitments.services.commitments import FileKind
from credit.core.forms import DateField, FilterForm
from credit.core.identifiers import detect
from credit.objections import uploads
from credit.objections.forms import MultipleFileField, file_help

# --------------------------------------------------------------------------------------------
# Staff pages: the list's filters, a commitment's actions, the entry form, the items
# --------------------------------------------------------------------------------------------

STAFF_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CommitmentFilterForm(FilterForm):
    """Filters of the staff list of commitments (GET). The item and department choices are
    those of the reader's scope (the view passes them)."""

    kind = forms.ChoiceField(label="承诺类型", required=False)
    item = forms.ChoiceField(label="承诺事项", required=False)
    department = forms.ChoiceField(label="承诺部门", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    date_from = DateField(label="承诺日期自", required=False, widget=STAFF_DATE)
    date_to = DateField(label="至", required=False, widget=STAFF_DATE)
    q = forms.CharField(
        label="承诺人",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "名称或统一社会信用代码、承诺编号"}),
    )

    def __init__(
        self,
        data: Any = None,
        *,
        items: Iterable[tuple[Any, str]] = (),
        departments: Iterable[tuple[Any, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", "全部"), *Kind.choices]
        self.fields["status"].choices = [("", "全部"), *Status.choices]
        self.fields["item"].choices = [("", "全部"), *((str(pk), n) for pk, n in items)]
        self.fields["department"].choices = [
            ("", "全部"),
            *((str(pk), n) for pk, n in departments),
        ]


class ReviewForm(forms.Form):
    """The department's review of a submitted commitment: pass, or return with a reason the
    promisor sees."""

    decision = forms.ChoiceField(
        label="审核结果",
        choices=[("pass", "审核通过（公示）"), ("return", "退回")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="退回原因",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回时必填，承诺人将看到",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        data["reason"] = (data.get("reason") or "").strip()
        if data.get("decision") == "return" and not data["reason"]:
            self.add_error("reason", "退回时请填写退回原因")
        return data


class FulfilForm(forms.Form):
    """Recording that a commitment was kept (践诺)."""

    on = DateField(label="践诺日期", required=False, widget=STAFF_DATE, help_text="不填为今天")
    note = forms.CharField(label="说明", max_length=500, required=False)


class BreachForm(forms.Form):
    """Recording a breach (违诺) with its facts: it becomes a 违背信用承诺 record."""

    facts = forms.CharField(
        label="违诺情形",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="将写入“违背信用承诺”记录并公示，请写明事实和依据",
        error_messages={"required": "请填写违诺情形"},
    )
    on = DateField(label="认定日期", required=False, widget=STAFF_DATE, help_text="不填为今天")

    def clean_facts(self) -> str:
        facts = self.cleaned_data["facts"].strip()
        if not facts:
            raise forms.ValidationError("请填写违诺情形")
        return facts


class SuspicionDecisionForm(forms.Form):
    """The department's decision on a suspected breach: confirm (the commitment becomes
    breached) or dismiss, with a note (both audited)."""

    decision = forms.ChoiceField(
        label="核实结果", choices=[("confirm", "确认违诺"), ("dismiss", "排除")]
    )
    note = forms.CharField(
        label="核实意见", max_length=500, error_messages={"required": "请填写核实意见"}
    )

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if not note:
            raise forms.ValidationError("请填写核实意见")
        return note


class CommitmentEntryForm(forms.Form):
    """A commitment entered by a department or the service hall for a company or person: the
    item (of the departments the user manages), the promisor by USCC or ID number, the date,
    who signed, and the signed letter with the other attachments."""

    item = forms.ModelChoiceField(
        label="承诺事项", queryset=CommitmentItem.objects.none(), empty_label="请选择"
    )
    identifier = forms.CharField(
        label="统一社会信用代码或身份证号码",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    committed_on = DateField(label="承诺日期", widget=STAFF_DATE)
    signer_name = forms.CharField(label="签署人", max_length=50)
    channel = forms.ChoiceField(
        label="录入渠道",
        choices=[(c, c.label) for c in (Channel.DEPARTMENT, Channel.HALL)],
        widget=forms.RadioSelect,
        initial=Channel.DEPARTMENT,
    )
    letter = forms.FileField(
        label="签署的承诺书",
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )
    other = MultipleFileField(label="其他附件", required=False)

    def __init__(self, *args: Any, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.subject: Any = None
        if items is not None:
            self.fields["item"].queryset = items
        self.fields["item"].label_from_instance = lambda i: (
            f"{i.name}（{i.department.name}，{i.get_kind_display()}）"
        )
        self.fields["other"].help_text = file_help()

    def clean_identifier(self) -> str:
        from credit.subjects.selectors import legal_person_by_identifier, natural_person_by_id

        value = self.cleaned_data["identifier"].strip()
        if detect(value) == "resident_id":
            self.subject = natural_person_by_id(value)
        else:
            self.subject = legal_person_by_identifier(value)
        if self.subject is None:
            raise forms.ValidationError(
                "平台中没有该统一社会信用代码或身份证号码的主体，请核对后重新输入"
            )
        return value

    def uploads(self) -> list[uploads.Upload]:
        data = self.cleaned_data
        found = [uploads.read_upload(data["letter"], FileKind.LETTER)] if data.get("letter") else []
        found += [uploads.read_upload(f, FileKind.OTHER) for f in data.get("other") or []]
        return found


class ItemFilterForm(FilterForm):
    """Filters of the list of commitment items (GET)."""

    kind = forms.ChoiceField(label="承诺类型", required=False)
    department = forms.ChoiceField(label="承诺部门", required=False)
    verified = forms.ChoiceField(
        label="核实情况",
        required=False,
        choices=[("", "全部"), ("yes", "已核实"), ("no", "待核实")],
    )
    q = forms.CharField(
        label="事项",
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "事项名称或编码"}),
    )

    def __init__(
        self, data: Any = None, *, departments: Iterable[tuple[Any, str]] = (), **kwargs: Any
    ) -> None:
        super().__init__(data, **kwargs)
        self.fields["kind"].choices = [("", "全部"), *Kind.choices]
        self.fields["department"].choices = [
            ("", "全部"),
            *((str(pk), n) for pk, n in departments),
        ]


class ItemVersionForm(forms.Form):
    """A new version of an item's template (承诺书模板), prefilled from the current one."""

    template_text = forms.CharField(
        label="承诺书模板",
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 14}),
        error_messages={"required": "请填写承诺书模板"},
    )
    legal_basis = forms.CharField(label="依据", max_length=500, required=False)
    attachments = forms.CharField(
        label="须提交的附件",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行一项，如：签署的承诺书",
    )
    validity_months = forms.IntegerField(
        label="有效期（月）",
        required=False,
        min_value=1,
        max_value=120,
        help_text="1–120 个月，不填为长期",
    )
    note = forms.CharField(label="修订说明", max_length=300)

    def clean_template_text(self) -> str:
        text = self.cleaned_data["template_text"].strip()
        if not text:
            raise forms.ValidationError("请填写承诺书模板")
        return text

    def clean_attachments(self) -> list[str]:
        lines = [s.strip() for s in self.cleaned_data.get("attachments", "").splitlines()]
        names = [s for s in lines if s]
        if any(len(s) > 100 for s in names):
            raise forms.ValidationError("每项附件名称不超过100个字")
        return names
