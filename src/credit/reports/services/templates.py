"""Report templates (报告模板): the catalog items and public fields a template may use, saving a
new version, enabling and disabling."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from credit.catalog.constants import SubjectType
from credit.catalog.models import CatalogItem
from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import ValidationFailed
from credit.records.disclosure import public_fields
from credit.reports import rules
from credit.reports.constants import (
    Purpose,
)
from credit.reports.models import (
    ReportTemplate,
    TemplateVersion,
)


def usable_items(subject_type: str) -> dict[str, dict[str, str]]:
    """The catalog items a template for ``subject_type`` may use and their public fields
    (code → name): active items of that subject type (or both)."""
    items = CatalogItem.objects.filter(
        is_active=True, subject_type__in=[subject_type, SubjectType.BOTH]
    ).order_by("sort_order", "code")
    return {i.code: {f.code: f.name for f in public_fields(i)} for i in items}


@transaction.atomic
def save_template(
    *,
    actor: Any,
    template: ReportTemplate | None = None,
    code: str = "",
    name: str,
    subject_type: str,
    purposes: Iterable[str],
    period_months: int,
    valid_days: int,
    auto_issue: bool = False,
    review_reissue: bool = True,
    description: str = "",
    sections: list[dict],
    note: str = "",
) -> TemplateVersion:
    """Create a template or save a new version of one (报告模板): the sections are checked
    against the catalog (only active items and their public fields); the previous versions
    stay as they were, so reports issued from them keep saying what they said."""
    p = principal_of(actor)
    p.require(Perm.REPORT_TEMPLATE)
    if subject_type not in ("legal", "natural"):
        raise ValidationFailed("主体类型只能是企业或个人", code="template_subject_type")
    purposes = sorted(set(purposes))
    if not purposes or any(x not in Purpose.values for x in purposes):
        raise ValidationFailed("请至少选择一种适用用途", code="template_purposes")
    if not 1 <= int(period_months) <= 120:
        raise ValidationFailed("信息时段应为1至120个月", code="template_period")
    if not 1 <= int(valid_days) <= 366:
        raise ValidationFailed("有效期应为1至366天", code="template_validity")
    problems = rules.check_sections(
        sections, subject_type=subject_type, item_fields=usable_items(subject_type)
    )
    if problems:
        raise ValidationFailed(
            "；".join(problems[:5]), code="template_sections", details={"problems": problems}
        )
    fields = {
        "name": name.strip()[:100],
        "subject_type": subject_type,
        "purposes": purposes,
        "period_months": int(period_months),
        "valid_days": int(valid_days),
        "auto_issue": bool(auto_issue),
        "review_reissue": bool(review_reissue),
        "description": description.strip()[:300],
    }
    if not fields["name"]:
        raise ValidationFailed("请填写模板名称", code="template_name")
    if template is None:
        if ReportTemplate.objects.filter(code=code).exists():
            raise ValidationFailed(f"模板标识“{code}”已被使用", code="template_code_taken")
        template = ReportTemplate.objects.create(code=code, created_by_id=p.user_id, **fields)
        before: dict[str, Any] = {}
        number = 1
    else:
        template = ReportTemplate.objects.select_for_update().get(pk=template.pk)
        before = {"version": template.current.version if template.current else 0}
        for key, value in fields.items():
            setattr(template, key, value)
        last = template.versions.order_by("-version").values_list("version", flat=True).first()
        number = (last or 0) + 1
    version = TemplateVersion.objects.create(
        template=template,
        version=number,
        sections=sections,
        note=note.strip()[:200],
        created_by_id=p.user_id,
    )
    template.current = version
    template.save()
    audit.record(
        "report_template.saved",
        actor=actor,
        obj=template,
        before=before,
        after={"version": number, "sections": len(sections), **fields},
    )
    return version


@transaction.atomic
def set_template_active(*, actor: Any, template: ReportTemplate, active: bool) -> None:
    principal_of(actor).require(Perm.REPORT_TEMPLATE)
    ReportTemplate.objects.filter(pk=template.pk).update(is_active=active)
    audit.record(
        "report_template.enabled" if active else "report_template.disabled",
        actor=actor,
        obj=template,
    )
