"""Forms of the portal's report pages: the application, materials after a return, the
self-service download and an authorisation."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms

from credit.core.forms import DateField
from credit.objections import uploads
from credit.reports import selectors
from credit.reports.constants import ApplicantKind, MaterialKind, Purpose
from credit.reports.models import ReportTemplate

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _file_help() -> str:
    from credit.objections import conf

    return f"PDF、JPG 或 PNG，不超过 {uploads.human_size(conf.max_file_bytes())}"


class TemplateField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReportTemplate) -> str:
        purposes = "、".join(p.label for p in Purpose if p.value in obj.purposes)
        return f"{obj.name}（适用：{purposes}）"


class ApplyForm(forms.Form):
    """An application on the portal: the template, purpose and period; for a company the
    营业执照 and, for an agent (受托代理人), the 授权委托书."""

    template = TemplateField(label="报告模板", queryset=ReportTemplate.objects.none())
    purpose = forms.ChoiceField(label="报告用途", choices=Purpose.choices)
    purpose_text = forms.CharField(
        label="用途说明",
        max_length=200,
        required=False,
        help_text="如：参加某某项目投标、申报某某专项资金",
    )
    period_from = DateField(
        label="信息时段自", required=False, widget=DATE, help_text="不填：按模板规定的时段"
    )
    period_to = DateField(label="信息时段至", required=False, widget=DATE)
    applicant = forms.ChoiceField(
        label="申请人身份",
        choices=[(ApplicantKind.SELF, "本单位经办人"), (ApplicantKind.AGENT, "受托代理人")],
        initial=ApplicantKind.SELF,
        widget=forms.RadioSelect,
    )
    licence = forms.FileField(
        label="营业执照", widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT})
    )
    authorisation = forms.FileField(
        label="授权委托书",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )

    def __init__(self, *args: Any, subject_type: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["template"].queryset = selectors.portal_templates(subject_type)
        self.fields["template"].empty_label = None
        if subject_type == "legal":
            self.fields["licence"].help_text = _file_help()
            self.fields["authorisation"].help_text = "以受托代理人身份申请的须上传；" + _file_help()
        else:
            for name in ("applicant", "licence", "authorisation"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if bool(data.get("period_from")) != bool(data.get("period_to")):
            self.add_error("period_from", "请同时填写信息时段的起止日期，或都不填")
        return data

    @property
    def as_agent(self) -> bool:
        return self.cleaned_data.get("applicant") == ApplicantKind.AGENT

    def period(self) -> tuple[datetime.date, datetime.date] | None:
        start, end = self.cleaned_data.get("period_from"), self.cleaned_data.get("period_to")
        return (start, end) if start and end else None

    def uploads(self) -> list[uploads.Upload]:
        files = []
        for field, kind in (
            ("licence", MaterialKind.LICENCE),
            ("authorisation", MaterialKind.AUTHORISATION),
        ):
            uploaded = self.cleaned_data.get(field)
            if uploaded:
                files.append(uploads.read_upload(uploaded, kind))
        return files


class ResubmitForm(forms.Form):
    """Materials supplied after a return (退回补正)."""

    kind = forms.ChoiceField(label="材料类型", choices=MaterialKind.choices)
    file = forms.FileField(
        label="材料文件", widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _file_help()

    def uploads(self) -> list[uploads.Upload]:
        return [uploads.read_upload(self.cleaned_data["file"], self.cleaned_data["kind"])]


class DownloadForm(forms.Form):
    number = forms.CharField(
        label="报告编号",
        max_length=28,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "XY开头的编号"}),
    )
    code = forms.CharField(
        label="提取码",
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )


class AuthorisationForm(forms.Form):
    grantee_uscc = forms.CharField(label="被授权方统一社会信用代码", max_length=18)
    grantee_name = forms.CharField(label="被授权方名称", max_length=200)
    purpose = forms.ChoiceField(label="授权用途", choices=Purpose.choices)
    valid_from = DateField(label="授权起始日", widget=DATE)
    valid_to = DateField(label="授权截止日", widget=DATE, help_text="授权期限最长一年")
