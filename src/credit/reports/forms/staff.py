"""Forms of the staff pages of credit reports: the queue's filters, a reason for a return or a
revocation, a template's settings and its sections as the designer posts them, and the
service hall's entry (窗口代为申请). They parse and bound the input; the rules live in
:mod:`credit.reports.services` and :mod:`credit.reports.rules`, whose refusals the pages put
on the field their code concerns (:data:`SERVICE_ERROR_FIELDS`)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms

from credit.core.forms import DateField
from credit.core.identifiers import detect
from credit.core.masking import mask_phone
from credit.objections import uploads
from credit.objections.forms import MultipleFileField, file_help
from credit.reports import rules
from credit.reports.constants import (
    ApplicantKind,
    ApplicationStatus,
    Channel,
    MaterialKind,
    Purpose,
    SectionKind,
)
from credit.reports.models import ReportTemplate

#: Service error code → form field (a form's own ``service_fields`` take precedence).
SERVICE_ERROR_FIELDS: dict[str, str] = {
    "reason_required": "reason",
    "template_name": "name",
    "template_code_taken": "code",
    "template_purposes": "purposes",
    "template_period": "period_months",
    "template_validity": "valid_days",
    "template_inactive": "template",
    "template_subject_type": "template",
    "template_purpose": "purpose",
    "purpose_invalid": "purpose",
    "period_invalid": "period_from",
    "applicant_required": "applicant_name",
    "applicant_kind": "applicant_kind",
    "not_department": "applicant_kind",
    "out_of_scope": "identifier",
}

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ApplicationFilterForm(forms.Form):
    """Filters of the application queue (GET); an invalid value is dropped, the others
    apply."""

    q = forms.CharField(
        label="报告编号或主体名称",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "报告编号、企业或个人名称"}),
    )
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *ApplicationStatus.choices]
    )
    channel = forms.ChoiceField(
        label="申请渠道", required=False, choices=[("", "全部"), *Channel.choices]
    )
    issued_from = DateField(label="出具日期自", required=False, widget=DATE)
    issued_to = DateField(label="至", required=False, widget=DATE)
    overdue = forms.BooleanField(label="仅看超期未办", required=False)

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            k: v.strip() if isinstance(v, str) else v
            for k, v in data.items()
            if v not in ("", None, False)
        }


class ReasonForm(forms.Form):
    """The reason of a step (退回、撤销) or the opinion of a pass."""

    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, label: str = "原因", required: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].required = required


# --------------------------------------------------------------------------------------------
# Templates (报告模板)
# --------------------------------------------------------------------------------------------


class TemplateSettingsForm(forms.Form):
    """A template's settings; its sections are posted beside them (:func:`posted_sections`).
    ``code`` is asked only of a new template; the subject type is fixed when it is created."""

    code = forms.SlugField(
        label="模板标识",
        max_length=40,
        help_text="英文字母、数字和连字符，如 general；创建后不能修改，接口请求以它指定模板",
    )
    name = forms.CharField(label="模板名称", max_length=100)
    purposes = forms.MultipleChoiceField(
        label="适用用途", choices=Purpose.choices, widget=forms.CheckboxSelectMultiple
    )
    period_months = forms.IntegerField(
        label="信息时段（月）", min_value=1, max_value=120, initial=36,
        help_text="报告载明出具日之前多少个月内的信息",
    )  # fmt: skip
    valid_days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=366, initial=90)
    auto_issue = forms.BooleanField(
        label="部门核查即时出具",
        required=False,
        help_text="部门为本部门办事通过接口请求时，不经人工审核即时出具",
    )
    review_reissue = forms.BooleanField(
        label="更正后重出须复核",
        required=False,
        initial=True,
        help_text="报告所载信息被更正、撤销或修复后，更正后的报告须复核后出具",
    )
    description = forms.CharField(label="说明", max_length=300, required=False)
    note = forms.CharField(
        label="修订说明",
        max_length=200,
        required=False,
        help_text="保存为新版本时记入版本历史，如“增加行政许可章节”",
    )

    def __init__(self, *args: Any, new: bool = False, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["code"]


def template_initial(template: ReportTemplate) -> dict[str, Any]:
    return {
        "name": template.name,
        "purposes": list(template.purposes),
        "period_months": template.period_months,
        "valid_days": template.valid_days,
        "auto_issue": template.auto_issue,
        "review_reissue": template.review_reissue,
        "description": template.description,
    }


def as_int(value: Any, default: int) -> int:
    try:
        return int(str(value)[:6])
    except (TypeError, ValueError):
        return default


def posted_sections(
    data: Mapping[str, Any], *, subject_type: str, item_fields: Mapping[str, Mapping[str, str]]
) -> list[dict]:
    """The sections as the designer posts them, in the shape a template version stores.

    Per section ``i``: ``s{i}-kind`` (basic / records), ``s{i}-title``, the facts
    ``s{i}-facts`` of a basic section, the items ``s{i}-items`` of a records section and each
    item's fields ``s{i}-f-{item}``. Only facts, items and fields the page offers are read
    (anything else is not a choice and is left out); an unticked item's fields are ignored.
    """
    count = min(max(as_int(data.get("sections"), 0), 0), rules.MAX_SECTIONS + 5)
    facts = rules.facts_for(subject_type)
    getlist = getattr(data, "getlist", lambda key: data.get(key) or [])
    sections: list[dict] = []
    for i in range(count):
        kind = data.get(f"s{i}-kind")
        title = str(data.get(f"s{i}-title", "")).strip()[: rules.MAX_TITLE + 10]
        if kind == SectionKind.BASIC:
            chosen = set(getlist(f"s{i}-facts"))
            sections.append(
                {"kind": kind, "title": title, "facts": [k for k in facts if k in chosen]}
            )
        elif kind == SectionKind.RECORDS:
            chosen = set(getlist(f"s{i}-items"))
            items = []
            for code, fields in item_fields.items():
                if code not in chosen:
                    continue
                wanted = set(getlist(f"s{i}-f-{code}"))
                items.append({"code": code, "fields": [f for f in fields if f in wanted]})
            sections.append({"kind": kind, "title": title, "items": items})
    return sections


def new_section(kind: str, sections: list[dict], subject_type: str) -> dict:
    """A section to add: 基本信息 with every fact, or an empty records section named after
    its place (the user ticks its items)."""
    titles = {s.get("title") for s in sections}
    if kind == SectionKind.BASIC:
        title = "基本信息"
        n = 2
        while title in titles:
            title, n = f"基本信息{n}", n + 1
        return {"kind": kind, "title": title, "facts": list(rules.facts_for(subject_type))}
    n = len(sections) + 1
    title = f"新章节{n}"
    while title in titles:
        n += 1
        title = f"新章节{n}"
    return {"kind": SectionKind.RECORDS, "title": title, "items": []}


#: The designer's buttons that change the sections without saving (``op``).
OPS = ("add_basic", "add_records", "up", "down", "remove")


def edit_sections(sections: list[dict], op: str, *, subject_type: str) -> list[dict]:
    """``sections`` after one of the designer's buttons: add a section, move one up or down,
    remove one (``up-2``: the third section up). An unknown button changes nothing."""
    sections = list(sections)
    name, _, index = op.partition("-")
    if name == "add_basic":
        sections.append(new_section(SectionKind.BASIC, sections, subject_type))
    elif name == "add_records":
        sections.append(new_section(SectionKind.RECORDS, sections, subject_type))
    elif name in ("up", "down", "remove"):
        i = as_int(index, -1)
        if not 0 <= i < len(sections):
            return sections
        if name == "remove":
            sections.pop(i)
        else:
            j = i - 1 if name == "up" else i + 1
            if 0 <= j < len(sections):
                sections[i], sections[j] = sections[j], sections[i]
    return sections


def editor_rows(
    sections: list[dict], *, subject_type: str, item_fields: Mapping[str, Mapping[str, str]],
    item_names: Mapping[str, str],
) -> list[dict[str, Any]]:  # fmt: skip
    """The sections as the designer shows them: each fact and item with its tick, each
    item's fields (an unticked item's fields all ticked, so ticking the item takes them all),
    and the items another section already holds (a catalog item appears in one section)."""
    facts = rules.facts_for(subject_type)
    owner: dict[str, int] = {}
    for n, section in enumerate(sections):
        for entry in section.get("items", []) if section.get("kind") == SectionKind.RECORDS else []:
            owner.setdefault(entry["code"], n)
    rows = []
    for n, section in enumerate(sections):
        row: dict[str, Any] = {
            "index": n,
            "number": n + 1,
            "kind": section.get("kind"),
            "kind_label": SectionKind(section["kind"]).label,
            "title": section.get("title", ""),
            "first": n == 0,
            "last": n == len(sections) - 1,
        }
        if section["kind"] == SectionKind.BASIC:
            chosen = set(section.get("facts", []))
            row["facts"] = [
                {"key": key, "label": label, "checked": key in chosen}
                for key, label in facts.items()
            ]
        else:
            mine = {e["code"]: set(e["fields"]) for e in section.get("items", [])}
            items = []
            for code, fields in item_fields.items():
                checked = code in mine
                elsewhere = owner.get(code)
                items.append(
                    {
                        "code": code,
                        "name": item_names.get(code, code),
                        "checked": checked,
                        "used_in": elsewhere + 1
                        if elsewhere is not None and elsewhere != n
                        else None,
                        "chosen": len(mine.get(code, ())),
                        "total": len(fields),
                        "fields": [
                            {
                                "code": f,
                                "name": label,
                                "checked": f in mine[code] if checked else True,
                            }
                            for f, label in fields.items()
                        ],
                    }
                )
            row["items"] = items
        rows.append(row)
    return rows


def section_summary(
    sections: list[dict], *, subject_type: str, item_names: Mapping[str, str],
    field_names: Mapping[str, Mapping[str, str]],
) -> list[dict[str, Any]]:  # fmt: skip
    """A saved version's sections in words, for its read-only page."""
    facts = rules.facts_for(subject_type)
    out = []
    for n, section in enumerate(sections, start=1):
        if section.get("kind") == SectionKind.BASIC:
            lines = [{"name": "基本信息项", "fields": [facts.get(k, k) for k in section["facts"]]}]
        else:
            lines = [
                {
                    "name": item_names.get(e["code"], e["code"]),
                    "fields": [field_names.get(e["code"], {}).get(f, f) for f in e["fields"]],
                }
                for e in section.get("items", [])
            ]
        out.append({"number": n, "title": section.get("title", ""), "lines": lines})
    return out


# --------------------------------------------------------------------------------------------
# The service hall (窗口代为申请)
# --------------------------------------------------------------------------------------------


class HallForm(forms.Form):
    """An application entered at the service hall or by a department: the subject by its
    USCC (or a person's ID number), the template, purpose and period, who applies, and the
    materials checked at the window."""

    identifier = forms.CharField(
        label="统一社会信用代码或身份证号码",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    template = forms.ModelChoiceField(
        label="报告模板",
        queryset=ReportTemplate.objects.none(),
        empty_label="请选择",
        help_text="企业模板用于企业，个人模板用于个人",
    )
    purpose = forms.ChoiceField(label="报告用途", choices=Purpose.choices)
    purpose_text = forms.CharField(
        label="用途说明", max_length=200, required=False,
        help_text="如项目名称、招标编号（印在报告上）",
    )  # fmt: skip
    period_from = DateField(
        label="信息时段自", required=False, widget=DATE,
        help_text="不填则为模板规定的时段（截至今天）",
    )  # fmt: skip
    period_to = DateField(label="信息时段至", required=False, widget=DATE)
    applicant_kind = forms.ChoiceField(
        label="申请人类型",
        choices=[
            (ApplicantKind.SELF, "本单位（本人）申请"),
            (ApplicantKind.AGENT, "受托代理人"),
            (ApplicantKind.DEPARTMENT, "本部门办事需要（部门申请）"),
        ],
        widget=forms.RadioSelect,
    )
    applicant_name = forms.CharField(label="申请人（经办人）姓名或单位", max_length=100)
    contact = forms.CharField(
        label="联系电话", max_length=30, required=False,
        help_text="仅保存脱敏后的号码，用于核对",
    )  # fmt: skip
    licence = forms.FileField(
        label="营业执照（企业）", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )  # fmt: skip
    identity = forms.FileField(
        label="身份证明（个人）", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )  # fmt: skip
    authorisation = forms.FileField(
        label="授权委托书（代理人）", required=False,
        widget=forms.ClearableFileInput(attrs={"accept": uploads.ACCEPT}),
    )  # fmt: skip
    other = MultipleFileField(label="其他材料", required=False)

    #: The file field of each material kind.
    FILE_FIELDS = {
        "licence": MaterialKind.LICENCE,
        "identity": MaterialKind.IDENTITY,
        "authorisation": MaterialKind.AUTHORISATION,
    }

    def __init__(self, *args: Any, department: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.subject: Any = None
        self.fields["template"].queryset = ReportTemplate.objects.filter(
            is_active=True, current__isnull=False
        ).order_by("subject_type", "code")
        self.fields["template"].label_from_instance = lambda t: (
            f"{t.name}（{'企业' if t.subject_type == 'legal' else '个人'}）"
        )
        self.fields["other"].help_text = file_help()
        if department is None:
            self.fields["applicant_kind"].choices = self.fields["applicant_kind"].choices[:2]
            self.fields["applicant_kind"].initial = ApplicantKind.SELF
        else:
            self.fields["applicant_kind"].initial = ApplicantKind.DEPARTMENT
            self.fields["applicant_name"].initial = department.name

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

    def clean_contact(self) -> str:
        return mask_phone(self.cleaned_data.get("contact", ""))[:40]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if (start is None) != (end is None):
            self.add_error("period_from", "请同时填写信息时段的起止日期，或都不填")
        return data

    def period(self) -> tuple[datetime.date, datetime.date] | None:
        start, end = self.cleaned_data.get("period_from"), self.cleaned_data.get("period_to")
        return (start, end) if start and end else None

    def uploads(self) -> list[uploads.Upload]:
        data = self.cleaned_data
        found = [
            uploads.read_upload(data[name], kind)
            for name, kind in self.FILE_FIELDS.items()
            if data.get(name)
        ]
        found += [uploads.read_upload(f, MaterialKind.OTHER) for f in data.get("other") or []]
        return found
