"""Forms of the objection and repair pages. They parse and bound the input; the rules live
in the services, whose refusals the pages put on the field their code concerns
(:data:`SERVICE_ERROR_FIELDS`, through :func:`credit.core.forms.submit`)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone

from credit.catalog.constants import Sensitivity
from credit.catalog.models import FieldSpec
from credit.core.forms import DateField
from credit.core.models import Department
from credit.core.selectors import departments
from credit.objections import uploads
from credit.objections.constants import (
    AttachmentKind,
    Channel,
    Finding,
    ObjectionStatus,
    RepairStatus,
)
from credit.objections.repairs import REQUIRED_FILES
from credit.records.models import CreditRecord

#: Service error code → form field (a form's own ``service_fields`` take precedence).
SERVICE_ERROR_FIELDS: dict[str, str] = {
    "name_required": "name",
    "name_invalid": "name",
    "id_required": "id_number",
    "id_invalid": "id_number",
    "repair_not_subject": "id_number",
    "phone_invalid": "phone",
    "code_missing": "code",
    "code_used": "code",
    "code_expired": "code",
    "code_locked": "code",
    "code_wrong": "code",
    "reason_required": "reason",
    "reason_too_long": "reason",
    "statement_required": "statement",
    "attachment_empty": "files",
    "attachment_too_large": "files",
    "attachment_type": "files",
    "attachment_type_mismatch": "files",
    "attachment_too_many": "files",
    "attachment_required": "files",
    "department_required": "department",
    "due_invalid": "due",
    "finding_required": "finding",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": uploads.ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


def file_help() -> str:
    from credit.objections import conf

    return (
        f"PDF、JPG 或 PNG，每个不超过 {uploads.human_size(conf.max_file_bytes())}，"
        f"全部材料最多 {conf.max_files()} 个"
    )


class ApplicantForm(forms.Form):
    """Step 1: who applies (姓名、证件号码、手机号)."""

    name = forms.CharField(label="申请人姓名（单位名称）", max_length=100)
    id_number = forms.CharField(
        label="身份证号码或统一社会信用代码",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    phone = forms.CharField(
        label="手机号码",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class ObjectionForm(ApplicantForm):
    """Step 2: the code, the reason and the evidence."""

    code = forms.CharField(
        label="短信验证码",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    reason = forms.CharField(
        label="异议理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    files = MultipleFileField(label="证明材料", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = file_help()

    def uploads(self) -> list[uploads.Upload]:
        return [uploads.read_upload(f, AttachmentKind.EVIDENCE) for f in self.cleaned_data["files"]]


class RepairForm(ApplicantForm):
    code = forms.CharField(
        label="短信验证码",
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )
    statement = forms.CharField(
        label="纠正失信行为情况说明",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="说明已履行行政处罚、纠正失信行为的情况",
    )
    commitment = forms.FileField(
        label="信用承诺书",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )
    proof = MultipleFileField(
        label="失信行为纠正证明", required=False, help_text="如缴纳罚款凭证、培训结业证明等"
    )
    other = MultipleFileField(label="其他材料", required=False)
    service_fields = {"attachment_required": "commitment"}

    #: The file field of each attachment kind.
    FILE_FIELDS = {
        AttachmentKind.COMMITMENT: "commitment",
        AttachmentKind.PROOF: "proof",
        AttachmentKind.OTHER: "other",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["other"].help_text = file_help()
        # Checked by the service (with its own message), marked required on the page.
        for kind in REQUIRED_FILES:
            self.fields[self.FILE_FIELDS[kind]].marked_required = True

    def uploads(self) -> list[uploads.Upload]:
        data = self.cleaned_data
        found = []
        if data["commitment"]:
            found.append(uploads.read_upload(data["commitment"], AttachmentKind.COMMITMENT))
        found += [uploads.read_upload(f, AttachmentKind.PROOF) for f in data["proof"]]
        found += [uploads.read_upload(f, AttachmentKind.OTHER) for f in data["other"]]
        return found


class TrackForm(forms.Form):
    number = forms.CharField(label="受理编号（申请编号）", max_length=30)
    phone_last4 = forms.RegexField(
        label="手机号码后四位",
        regex=r"^\d{4}$",
        error_messages={"invalid": "请输入手机号码的后四位数字"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": "4"}
        ),
    )


# --------------------------------------------------------------------------------------------
# Staff
# --------------------------------------------------------------------------------------------


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.name


class OfflineForm(forms.Form):
    """An objection received at the service hall."""

    record = forms.CharField(
        label="异议信息（信用记录编号或决定文书号）",
        max_length=128,
        help_text="在主体档案中可查到记录编号",
    )
    name = forms.CharField(label="申请人姓名（单位名称）", max_length=100)
    id_number = forms.CharField(label="身份证号码或统一社会信用代码", max_length=30)
    phone = forms.CharField(label="手机号码", max_length=20)
    reason = forms.CharField(
        label="异议理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    files = MultipleFileField(label="证明材料（扫描件）", required=False)
    service_fields = {"record_not_active": "record"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = file_help()
        self.found: CreditRecord | None = None

    def clean_record(self) -> str:
        from credit.objections import selectors

        text = self.cleaned_data["record"].strip()
        found = selectors.find_record(text)
        if not found:
            raise forms.ValidationError("未找到该信用记录")
        if len(found) > 1:
            raise forms.ValidationError(
                "该文书号对应多条记录，请填写记录编号："
                + "、".join(f"{r.pk}（{r.department.name}）" for r in found)
            )
        self.found = found[0]
        return text

    def uploads(self) -> list[uploads.Upload]:
        return [uploads.read_upload(f, AttachmentKind.EVIDENCE) for f in self.cleaned_data["files"]]


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="说明", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, label: str = "说明", required: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].required = required


class AssignForm(forms.Form):
    department = DepartmentChoiceField(label="核实部门", queryset=Department.objects.none())
    due = DateField(
        label="核实期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空按10个工作日计算",
    )
    reason = forms.CharField(
        label="说明", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, reason_label: str = "说明", reason_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments()
        self.fields["reason"].label = reason_label
        self.fields["reason"].required = reason_required


class VerifyForm(forms.Form):
    finding = forms.ChoiceField(label="核实结论", choices=Finding.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label="核实意见", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label="退回原因", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    due = DateField(
        label="新的核实期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空按10个工作日计算",
    )


FIELD_PREFIX = "f_"


class DecisionForm(forms.Form):
    """The decision: revoke or uphold with the result text, or correct with the record's
    fields edited (identity numbers are stored masked: left empty they are kept)."""

    result = forms.CharField(
        label="处理结果（告知申请人）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, record: CreditRecord, correct: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.correct = correct
        self.field_codes: list[str] = []
        self.sensitive: set[str] = set()
        if not correct:
            return
        for spec in FieldSpec.objects.filter(item_id=record.item_id).order_by("position"):
            stored = record.payload.get(spec.code)
            stored = "" if stored is None else str(stored)
            sensitive = spec.sensitivity == Sensitivity.SENSITIVE
            long_text = spec.data_type == "text"
            self.fields[FIELD_PREFIX + spec.code] = forms.CharField(
                label=spec.name,
                required=False,
                max_length=spec.max_length or 4000,
                initial="" if sensitive else stored,
                help_text=f"已脱敏存储（{stored}），留空保留原值" if sensitive and stored else "",
                widget=forms.Textarea(attrs={"rows": 2}) if long_text else forms.TextInput(),
            )
            self.field_codes.append(spec.code)
            if sensitive:
                self.sensitive.add(spec.code)

    def changes(self) -> dict[str, str]:
        """The edited fields (empty sensitive ones left out: kept as stored)."""
        out = {}
        for code in self.field_codes:
            value = (self.cleaned_data.get(FIELD_PREFIX + code) or "").strip()
            if code in self.sensitive and not value:
                continue
            out[code] = value
        return out


class RepairReviewForm(forms.Form):
    reason = forms.CharField(
        label="审核意见（告知申请人）", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


# --------------------------------------------------------------------------------------------
# Filters
# --------------------------------------------------------------------------------------------


class DateRangeForm(forms.Form):
    date_from = DateField(
        label="提交日期自", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(label="至", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filters(self) -> dict[str, Any]:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class ObjectionFilterForm(DateRangeForm):
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), ("open", "办理中（未办结）"), *ObjectionStatus.choices],
    )
    channel = forms.ChoiceField(
        label="渠道", required=False, choices=[("", "全部"), *Channel.choices]
    )
    department = forms.ChoiceField(label="部门", required=False)
    overdue = forms.BooleanField(label="仅超期", required=False)
    q = forms.CharField(label="编号或文书号", required=False, max_length=100)
    field_order = ["status", "channel", "department", "overdue", "date_from", "date_to", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", "全部"),
            *((d.code, d.short_name or d.name) for d in departments()),
        ]


class RepairFilterForm(DateRangeForm):
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *RepairStatus.choices]
    )
    department = forms.ChoiceField(label="认定部门", required=False)
    overdue = forms.BooleanField(label="仅超期", required=False)
    q = forms.CharField(label="编号或文书号", required=False, max_length=100)
    field_order = ["status", "department", "overdue", "date_from", "date_to", "q"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [
            ("", "全部"),
            *((d.code, d.short_name or d.name) for d in departments()),
        ]


def month_start(months_back: int = 11, today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    month = today.month - 1 - months_back
    return datetime.date(today.year + month // 12, month % 12 + 1, 1)
