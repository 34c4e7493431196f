"""A report as HTML (报告的网页版): the same :class:`~credit.reports.content.ReportContent` the
PDF is rendered from, rendered by ``reports/_content.html`` — the template designer's live
preview, and wherever a report is shown on a page rather than printed.

Also the designer's preview itself: the content of a template's unsaved sections built on a
demo subject (示例主体) from the library as it stands, never stored.

What the page shows is what the PDF prints: the cover facts, the numbered sections with
「暂无记录」 where empty, rows under objection marked 「异议处理中」, the period, the sources
and the notes. Nothing is read here beyond the content (and, for the preview, the demo subject
and its records the report may show).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from credit.reports import build, rules
from credit.reports.constants import Purpose, SectionKind
from credit.reports.content import (
    EMPTY,
    UNDER_OBJECTION,
    ReportContent,
    date_zh,
)

#: How long the demo subject of a subject type is remembered (it is looked up by counting).
DEMO_CACHE_SECONDS = 600


def _sections(content: ReportContent) -> list[dict[str, Any]]:
    out = []
    for section in content.sections:
        marked = any(section.marks)
        rows = []
        for i, row in enumerate(section.rows):
            cells = list(row[: len(section.columns)])
            cells += [""] * (len(section.columns) - len(cells))
            rows.append(
                {
                    "n": i + 1,
                    "cells": cells,
                    "marked": i < len(section.marks) and bool(section.marks[i]),
                }
            )
        out.append(
            {
                "heading": section.heading,
                "facts": section.facts,
                "columns": section.columns,
                "rows": rows,
                "marked": marked,
                "span": len(section.columns) + 1 + (1 if marked else 0),
                "empty": section.empty,
            }
        )
    return out


def render_html(content: ReportContent) -> str:
    """The report as an HTML fragment (a ``<article class="report-html">``), styled by
    ``reports/reports.css``."""
    code_label = {"legal": "统一社会信用代码", "natural": "身份证号码"}.get(
        content.subject_kind, "主体代码"
    )
    return render_to_string(
        "reports/_content.html",
        {
            "c": content,
            "code_label": code_label,
            "period": f"{date_zh(content.period_from)} 至 {date_zh(content.period_to)}",
            "issued_on": date_zh(content.issued_on),
            "valid_until": date_zh(content.valid_until),
            "sections": _sections(content),
            "empty_text": EMPTY,
            "mark_text": UNDER_OBJECTION,
        },
    )


# --------------------------------------------------------------------------------------------
# The designer's preview
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    """The designer's preview: the demo subject's name (as the report prints it), the
    content, and the problems of the sections as they would be saved (empty: savable)."""

    subject_label: str
    content: ReportContent | None
    problems: tuple[str, ...]

    @property
    def html(self) -> str:
        return render_html(self.content) if self.content is not None else ""


def demo_subject(subject_type: str) -> Any | None:
    """The subject a template is previewed on: the legal person with the most records (for a
    template of legal persons), the first natural person (for one of natural persons)."""
    from credit.records.models import CreditRecord
    from credit.subjects.models import LegalPerson, NaturalPerson

    key = f"reports:demo-subject:{subject_type}"
    pk = cache.get(key)
    model = LegalPerson if subject_type == "legal" else NaturalPerson
    if pk is not None:
        found = model.objects.filter(pk=pk).first()
        if found is not None:
            return found
    if subject_type == "legal":
        top = (
            CreditRecord.objects.filter(legal_person__isnull=False)
            .values("legal_person")
            .annotate(n=Count("id"))
            .order_by("-n", "legal_person")
            .first()
        )
        found = model.objects.filter(pk=top["legal_person"]).first() if top else None
        found = found or model.objects.order_by("pk").first()
    else:
        found = model.objects.order_by("pk").first()
    if found is not None:
        cache.set(key, found.pk, DEMO_CACHE_SECONDS)
    return found


def buildable(sections: list[dict], *, subject_type: str, item_fields: dict) -> list[dict]:
    """The part of ``sections`` a report can be built from: known facts, usable items and
    their public fields (what the checks would refuse is left out of the preview and listed
    among its problems)."""
    facts = rules.facts_for(subject_type)
    out: list[dict] = []
    for section in sections:
        if section.get("kind") == SectionKind.BASIC:
            keys = [k for k in section.get("facts", []) if k in facts]
            out.append(
                {"kind": SectionKind.BASIC, "title": section.get("title", ""), "facts": keys}
            )
        elif section.get("kind") == SectionKind.RECORDS:
            items = [
                {
                    "code": e["code"],
                    "fields": [f for f in e["fields"] if f in item_fields[e["code"]]],
                }
                for e in section.get("items", [])
                if e.get("code") in item_fields
            ]
            out.append(
                {"kind": SectionKind.RECORDS, "title": section.get("title", ""), "items": items}
            )
    return out


def preview(
    *,
    name: str,
    subject_type: str,
    sections: list[dict],
    purposes: list[str],
    period_months: int,
    valid_days: int,
    item_fields: dict[str, dict[str, str]],
    subject: Any = None,
    today: datetime.date | None = None,
) -> Preview:
    """The report ``sections`` would give for ``subject`` (default: the demo subject), as of
    today, with the problems that would stop the template from being saved."""
    today = today or timezone.localdate()
    problems = tuple(
        rules.check_sections(sections, subject_type=subject_type, item_fields=item_fields)
    )
    subject = subject if subject is not None else demo_subject(subject_type)
    if subject is None:
        return Preview("", None, problems)
    months = period_months if 1 <= period_months <= 120 else 36
    start, end = rules.default_period(today, months)
    valid = [p for p in purposes if p in Purpose.values]
    purpose = Purpose.GENERAL if Purpose.GENERAL in valid or not valid else valid[0]
    request = build.Request(
        subject=subject,
        sections=buildable(sections, subject_type=subject_type, item_fields=item_fields),
        template_label=f"{name or '未命名模板'}（预览）",
        purpose=purpose,
        purpose_text="",
        period_from=start,
        period_to=end,
    )
    days = valid_days if 1 <= valid_days <= 366 else 90
    content, _ = build.build(
        request,
        number="预览",
        issued_on=today,
        valid_until=today + datetime.timedelta(days=days),
        preview=True,
        today=today,
    )
    return Preview(content.subject_name, content, problems)
