"""Report templates (报告模板): the list, the designer and its live preview, the version
history with a read-only page per version, and enabling or disabling a template.

The designer (所见即所得) holds the template's settings and its sections in order — add,
rename, move up or down, remove; a basic section ticks the subject's facts, a records section
ticks catalog items and, per item, its public fields — beside the report those sections give
for a demo subject (:func:`credit.reports.html.preview`), refreshed through htmx on every
change. The buttons that change the sections post the page back without saving; 保存为新版本
saves through :func:`credit.reports.services.save_template`, which checks the sections and
keeps every earlier version as it was.

Everyone with ``reports.view`` reads the templates and previews them; ``reports.template``
edits them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as PageDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from credit.catalog.models import CatalogItem
from credit.core.access import Perm, has_perm
from credit.core.access.decorators import perm_required
from credit.core.forms import act, submit
from credit.core.http import found, query_without_page, xlsx_download
from credit.core.identifiers import detect
from credit.core.paging import capped_page
from credit.objections.views.workbench import stamp, time_text
from credit.reports import html, services
from credit.reports.constants import Purpose, SectionKind
from credit.reports.forms.staff import (
    SERVICE_ERROR_FIELDS,
    TemplateSettingsForm,
    as_int,
    edit_sections,
    editor_rows,
    new_section,
    posted_sections,
    section_summary,
    template_initial,
)
from credit.reports.models import ReportTemplate, TemplateVersion
from credit.reports.views import PAGE_SIZE, render_page

SUBJECT_TYPES = {"legal": "企业", "natural": "个人"}
PURPOSE_LABELS = dict(Purpose.choices)


def _subject_type(value: Any) -> str:
    return value if value in SUBJECT_TYPES else "legal"


def _item_names(codes: Any) -> dict[str, str]:
    return dict(CatalogItem.objects.filter(code__in=list(codes)).values_list("code", "name"))


def _templates(request: HttpRequest):
    from credit.reports import selectors

    qs = selectors.templates_for(request.user)
    subject_type = request.GET.get("subject_type", "")
    if subject_type in SUBJECT_TYPES:
        qs = qs.filter(subject_type=subject_type)
    state = request.GET.get("state", "")
    if state in ("active", "inactive"):
        qs = qs.filter(is_active=state == "active")
    return qs.select_related("current__created_by"), subject_type, state


@perm_required(Perm.REPORT_VIEW)
def template_list(request: HttpRequest) -> HttpResponse:
    qs, subject_type, state = _templates(request)
    page = capped_page(qs, request.GET.get("page"), per_page=PAGE_SIZE, cap=1000)
    for template in page:
        template.purpose_labels = "、".join(PURPOSE_LABELS.get(p, p) for p in template.purposes)
    return render_page(
        request,
        "reports/template_list.html",
        {
            "page": page,
            "query": query_without_page(request),
            "subject_type": subject_type,
            "state": state,
            "subject_types": SUBJECT_TYPES,
            "filtered": bool(subject_type or state),
        },
    )


@perm_required(Perm.REPORT_VIEW)
def template_xlsx(request: HttpRequest) -> HttpResponse:
    qs, _, _ = _templates(request)
    headers = [
        "模板标识", "模板名称", "主体类型", "适用用途", "当前版本", "信息时段（月）",
        "有效期（天）", "部门核查即时出具", "更正后重出须复核", "状态", "说明", "最后修订时间",
    ]  # fmt: skip
    rows = (
        [
            t.code,
            t.name,
            SUBJECT_TYPES.get(t.subject_type, t.subject_type),
            "、".join(PURPOSE_LABELS.get(p, p) for p in t.purposes),
            t.current.version if t.current_id else "",
            t.period_months,
            t.valid_days,
            "是" if t.auto_issue else "否",
            "是" if t.review_reissue else "否",
            "启用" if t.is_active else "停用",
            t.description,
            time_text(t.updated_at),
        ]
        for t in qs
    )
    return xlsx_download(f"信用报告模板-{stamp()}.xlsx", [("信用报告模板", headers, rows)])


# --------------------------------------------------------------------------------------------
# The designer
# --------------------------------------------------------------------------------------------


def _initial_from_post(data: Any, form: TemplateSettingsForm) -> dict[str, Any]:
    """The settings as posted, as the unbound form's initial values (a button that only
    changes the sections shows no errors yet)."""
    initial: dict[str, Any] = {}
    for name, field in form.fields.items():
        if name == "purposes":
            initial[name] = data.getlist(name)
        elif field.widget.input_type == "checkbox":
            initial[name] = bool(data.get(name))
        else:
            initial[name] = data.get(name, "")
    return initial


def _demo(value: str, subject_type: str) -> Any:
    """The subject the preview shows, when the user names one (else the demo subject)."""
    from credit.subjects.selectors import legal_person_by_identifier, natural_person_by_id

    value = (value or "").strip()[:30]
    if not value:
        return None
    if subject_type == "natural":
        return natural_person_by_id(value) if detect(value) == "resident_id" else None
    return legal_person_by_identifier(value)


def _preview(data: Any, *, subject_type: str, sections: list[dict], item_fields: dict):
    return html.preview(
        name=str(data.get("name", ""))[:100],
        subject_type=subject_type,
        sections=sections,
        purposes=data.getlist("purposes") if hasattr(data, "getlist") else data["purposes"],
        period_months=as_int(data.get("period_months"), 36),
        valid_days=as_int(data.get("valid_days"), 90),
        item_fields=item_fields,
        subject=_demo(str(data.get("demo", "")), subject_type),
    )


def _designer(request: HttpRequest, template: ReportTemplate | None) -> HttpResponse:
    new = template is None
    source = request.POST if request.method == "POST" else request.GET
    subject_type = template.subject_type if template else _subject_type(source.get("subject_type"))
    may_edit = has_perm(request.user, Perm.REPORT_TEMPLATE)
    item_fields = services.usable_items(subject_type)
    names = _item_names(item_fields)
    if request.method == "POST":
        if not may_edit:
            raise PageDenied
        form = TemplateSettingsForm(request.POST, new=new)
        sections = posted_sections(request.POST, subject_type=subject_type, item_fields=item_fields)
        op = request.POST.get("op", "")
        if op == "save":
            done = submit(
                request,
                form,
                lambda data: services.save_template(
                    actor=request.user,
                    template=template,
                    code=data.get("code", ""),
                    name=data["name"],
                    subject_type=subject_type,
                    purposes=data["purposes"],
                    period_months=data["period_months"],
                    valid_days=data["valid_days"],
                    auto_issue=data["auto_issue"],
                    review_reissue=data["review_reissue"],
                    description=data["description"],
                    sections=sections,
                    note=data["note"],
                ),
                done=lambda version: redirect("reports:template", pk=version.template_id),
                message=lambda version: (
                    f"已保存“{version.template.name}”第{version.version}版，新申请将按此版本出具"
                ),
                errors=SERVICE_ERROR_FIELDS,
                with_code=False,
            )
            if done is not None:
                return done
        else:
            sections = edit_sections(sections, op, subject_type=subject_type)
            form = TemplateSettingsForm(initial=_initial_from_post(request.POST, form), new=new)
        data: Any = request.POST
    else:
        if template is not None:
            form = TemplateSettingsForm(initial=template_initial(template), new=False)
            sections = list(template.current.sections) if template.current_id else []
        else:
            form = TemplateSettingsForm(
                initial={"purposes": [Purpose.GENERAL], "period_months": 36, "valid_days": 90,
                         "review_reissue": True},
                new=True,
            )  # fmt: skip
            sections = [new_section(SectionKind.BASIC, [], subject_type)]
        data = {**form.initial, "demo": ""}
    stale = [
        e["code"]
        for s in sections
        if s.get("kind") == SectionKind.RECORDS
        for e in s.get("items", [])
        if e.get("code") not in item_fields
    ]
    preview = _preview(data, subject_type=subject_type, sections=sections, item_fields=item_fields)
    versions = (
        template.versions.select_related("created_by").order_by("-version") if template else []
    )
    return render_page(
        request,
        "reports/template_designer.html",
        {
            "template": template,
            "new": new,
            "form": form,
            "subject_type": subject_type,
            "subject_label": SUBJECT_TYPES[subject_type],
            "rows": editor_rows(
                sections, subject_type=subject_type, item_fields=item_fields, item_names=names
            ),
            "count": len(sections),
            "stale": stale,
            "preview": preview,
            "demo": str(data.get("demo", ""))[:30],
            "versions": versions,
            "may_edit": may_edit,
        },
        status=400 if request.method == "POST" and request.POST.get("op") == "save" else 200,
    )


@perm_required(Perm.REPORT_TEMPLATE)
def template_new(request: HttpRequest) -> HttpResponse:
    """A new template: 企业 or 个人 (``?subject_type=natural``), starting with 基本信息."""
    return _designer(request, None)


@perm_required(Perm.REPORT_VIEW)
def template_design(request: HttpRequest, pk: int) -> HttpResponse:
    """A template in the designer (read-only without ``reports.template``)."""
    return _designer(request, get_object_or_404(ReportTemplate, pk=pk))


@perm_required(Perm.REPORT_VIEW)
@require_POST
def template_preview(request: HttpRequest) -> HttpResponse:
    """The live preview of the designer's form as posted (an HTML fragment for htmx)."""
    subject_type = _subject_type(request.POST.get("subject_type"))
    item_fields = services.usable_items(subject_type)
    sections = posted_sections(request.POST, subject_type=subject_type, item_fields=item_fields)
    preview = _preview(
        request.POST, subject_type=subject_type, sections=sections, item_fields=item_fields
    )
    return render(request, "reports/_preview.html", {"preview": preview})


@perm_required(Perm.REPORT_VIEW)
def template_version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One saved version, read-only: its sections in words and the report they give now."""
    template = get_object_or_404(ReportTemplate, pk=pk)
    version = found(
        TemplateVersion.objects.filter(template=template, version=number)
        .select_related("created_by")
        .first()
    )
    item_fields = services.usable_items(template.subject_type)
    codes = {
        e["code"] for s in version.sections if s.get("kind") == SectionKind.RECORDS
        for e in s.get("items", [])
    }  # fmt: skip
    field_names = {code: dict(fields) for code, fields in item_fields.items() if code in codes}
    preview = html.preview(
        name=f"{template.name}（第{version.version}版）",
        subject_type=template.subject_type,
        sections=version.sections,
        purposes=list(template.purposes),
        period_months=template.period_months,
        valid_days=template.valid_days,
        item_fields=item_fields,
    )
    return render_page(
        request,
        "reports/template_version.html",
        {
            "template": template,
            "version": version,
            "summary": section_summary(
                version.sections,
                subject_type=template.subject_type,
                item_names=_item_names(codes),
                field_names=field_names,
            ),
            "preview": preview,
            "is_current": template.current_id == version.pk,
        },
    )


def _set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    template = get_object_or_404(ReportTemplate, pk=pk)
    return act(
        request,
        lambda: services.set_template_active(actor=request.user, template=template, active=active),
        done="reports:templates",
        message=f"已{'启用' if active else '停用'}模板“{template.name}”"
        + ("" if active else "；已受理的申请仍按原版本办理"),
    )


@perm_required(Perm.REPORT_TEMPLATE)
@require_POST
def template_enable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, True)


@perm_required(Perm.REPORT_TEMPLATE)
@require_POST
def template_disable(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, False)
