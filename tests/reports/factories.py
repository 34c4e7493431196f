"""What the report tests share: a template made through the service, an application entered
at the window, the materials' bytes, and how a page is read."""

from __future__ import annotations

import re
from typing import Any

from credit.objections.uploads import Upload
from credit.reports import services
from credit.reports.constants import ApplicantKind

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def licence(kind: str = "licence", name: str = "营业执照.pdf") -> Upload:
    return Upload(name, PDF, kind)


def legal_sections(penalty_fields: list[str] | None = None) -> list[dict]:
    """基本信息 and 行政处罚 (the given fields of admin-penalty, default its first four)."""
    fields = services.usable_items("legal")["admin-penalty"]
    chosen = penalty_fields if penalty_fields is not None else list(fields)[:4]
    return [
        {"kind": "basic", "title": "基本信息", "facts": ["uscc", "kind", "region"]},
        {
            "kind": "records",
            "title": "行政处罚",
            "items": [{"code": "admin-penalty", "fields": chosen}],
        },
    ]


def make_template(actor: Any, *, code: str = "t-staff", subject_type: str = "legal", **changes):
    """A template saved through the service (its first version)."""
    if subject_type == "legal":
        sections = legal_sections()
    else:
        sections = [{"kind": "basic", "title": "基本信息", "facts": ["id_number", "region"]}]
    values = {
        "actor": actor,
        "code": code,
        "name": "企业信用报告（通用）" if subject_type == "legal" else "个人信用报告（通用）",
        "subject_type": subject_type,
        "purposes": ["general", "bidding"],
        "period_months": 36,
        "valid_days": 90,
        "sections": sections,
        **changes,
    }
    return services.save_template(**values).template


def enter(actor: Any, template: Any, subject: Any, **changes):
    """An application entered at the window (with a licence, or an identity document for a
    person); returns (application, extraction code)."""
    kind = "licence" if subject.subject_type == "legal" else "identity"
    values = {
        "actor": actor,
        "template": template,
        "subject": subject,
        "purpose": "general",
        "applicant_name": "张经办",
        "applicant_kind": ApplicantKind.SELF,
        "uploads": [licence(kind, "材料.pdf")],
        **changes,
    }
    return services.enter_application(**values)


def text(response) -> str:
    """The page's text without tags (entities kept as written)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
