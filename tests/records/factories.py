"""Payload builders for records of the 行政处罚 (admin-penalty) catalog item."""

from __future__ import annotations

import datetime
from typing import Any

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.records.publicity import add_months
from credit.records.services import UpsertResult, upsert_record
from credit.subjects.models import LegalPerson

PENALTY = "admin-penalty"
#: Decided two months ago: within its publicity period (一般: 3 months to a year).
DECIDED = datetime.date.today() - datetime.timedelta(days=60)


def _common(department: Department, document_no: str) -> dict[str, Any]:
    return {
        "document_no": document_no,
        "violation_type": "未按规定公示年度报告",
        "violation_facts": "当事人未在规定期限内报送年度报告。",
        "penalty_basis": "《企业信息公示暂行条例》第十条",
        "penalty_category": "警告",
        "penalty_content": "警告",
        "decision_date": DECIDED.isoformat(),
        "valid_to": add_months(DECIDED, 6).isoformat(),
        "publicity_end": add_months(DECIDED, 12).isoformat(),
        "authority": department.name,
        "authority_uscc": department.uscc,
        "source_dept": department.name,
        "source_dept_uscc": department.uscc,
        "info_usage_scope": "社会公开",
        "severity": "一般",
    }


def legal_payload(
    subject: LegalPerson, department: Department, document_no: str, **changes: Any
) -> dict[str, Any]:
    """A valid penalty payload about a legal person."""
    payload = {
        "subject_name": subject.name,
        "subject_category": "法人及非法人组织",
        "uscc": subject.uscc,
        "legal_rep": "张三",
        **_common(department, document_no),
    }
    payload.update(changes)
    return payload


def natural_payload(
    name: str, id_number: str, department: Department, document_no: str, **changes: Any
) -> dict[str, Any]:
    """A valid penalty payload about a natural person (resident ID in clear, as sent)."""
    payload = {
        "subject_name": name,
        "subject_category": "自然人",
        "id_type": "居民身份证",
        "id_number": id_number,
        **_common(department, document_no),
    }
    payload.update(changes)
    return payload


def penalty(
    subject: LegalPerson, department_code: str, document_no: str, **changes: Any
) -> UpsertResult:
    """Upsert a penalty about a legal person from the department with this code."""
    department = Department.objects.get(code=department_code)
    return upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code=PENALTY),
        department=department,
        subject=subject,
        payload=legal_payload(subject, department, document_no, **changes),
    )
