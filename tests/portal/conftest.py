"""Portal fixtures: a company, a sole trader and a natural person with public and non-public
records, all written through the real services (``upsert_record``, ``change_status``)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import pytest

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.records.models import CreditRecord
from credit.records.services import change_status, upsert_record
from credit.subjects.models import LegalPerson, NaturalPerson
from credit.subjects.services import register_legal_person, register_natural_person
from tests.records.factories import DECIDED, natural_payload, penalty

TODAY = datetime.date.today()
#: Clear personal data of the fixtures: none of it may appear on a public page.
PERSON_NAME = "李四海"
KEEPER_NAME = "王小明"
REP_NAME = "张三"  # the company's legal representative (tests/conftest.py)
PHONE = "13951234567"
KEEPER_ADDRESS = "江苏省常州市天宁区延陵西路88号3幢201室"


def license_payload(
    subject: LegalPerson | None, department: Department, document_no: str, **changes: Any
) -> dict[str, Any]:
    """A valid 行政许可 payload about a legal person (``subject``)."""
    payload = {
        "subject_name": subject.name if subject else "",
        "subject_category": "个体工商户"
        if subject and subject.kind == "sole_trader"
        else "法人及非法人组织",
        "uscc": subject.uscc if subject else "",
        "legal_rep": subject.legal_representative if subject else "",
        "decision_doc_name": "食品经营许可决定书",
        "document_no": document_no,
        "license_category": "普通",
        "license_cert_name": "食品经营许可证",
        "license_no": f"JY{abs(hash(document_no)) % 10**12:012d}",
        "license_content": "预包装食品销售",
        "license_decision": "准予许可",
        "valid_from": DECIDED.isoformat(),
        "valid_to": (TODAY + datetime.timedelta(days=365 * 3)).isoformat(),
        "authority": department.name,
        "authority_uscc": department.uscc,
        "license_status": "有效",
        "source_dept": department.name,
        "source_dept_uscc": department.uscc,
        "info_usage_scope": "社会公开",
    }
    payload.update(changes)
    return payload


def upsert(code: str, subject: Any, department: str, payload: dict[str, Any]) -> CreditRecord:
    return upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code=code),
        department=Department.objects.get(code=department),
        subject=subject,
        payload=payload,
    ).record


def licence(subject: LegalPerson, document_no: str, **changes: Any) -> CreditRecord:
    dept = Department.objects.get(code="SCJG")
    return upsert(
        "admin-license", subject, "SCJG", license_payload(subject, dept, document_no, **changes)
    )


def debtor_entry(
    subject: LegalPerson | NaturalPerson, case_no: str, *, id_number: str = "", **changes: Any
) -> CreditRecord:
    """A 失信被执行人 (black list) entry from the intermediate court."""
    natural = isinstance(subject, NaturalPerson)
    payload = {
        "debtor_name": subject.name,
        "debtor_category": "自然人" if natural else "法人及非法人组织",
        "case_no": case_no,
        "court": "常州市中级人民法院",
        "dishonest_situation": "有履行能力而拒不履行生效法律文书确定义务",
        "obligation": "支付货款人民币十万元",
        "performance": "全部未履行",
        "publish_date": DECIDED.isoformat(),
    }
    if natural:
        payload["id_number"] = id_number
    else:
        payload.update({"uscc": subject.uscc, "legal_rep": subject.legal_representative})
    payload.update(changes)
    return upsert("dishonest-judgment-debtor", subject, "FY", payload)


def a_grade(subject: LegalPerson) -> CreditRecord:
    """An A级纳税人 (red list) entry from the tax bureau."""
    return upsert(
        "a-grade-taxpayer",
        subject,
        "SW",
        {
            "file_name": "2025年度A级纳税人名单",
            "taxpayer_name": subject.name,
            "taxpayer_id": subject.uscc,
            "evaluation_year": "2025",
            "uscc": subject.uscc,
        },
    )


@dataclass
class PortalData:
    company: LegalPerson
    sole_trader: LegalPerson
    person: NaturalPerson
    person_id: str
    current: CreditRecord
    hidden: dict[str, CreditRecord] = field(default_factory=dict)
    records: list[CreditRecord] = field(default_factory=list)

    @property
    def clear_values(self) -> list[str]:
        """What must never appear on a public page."""
        return [PERSON_NAME, KEEPER_NAME, REP_NAME, PHONE, self.person_id, KEEPER_ADDRESS]


@pytest.fixture
def portal_data(legal_person, uscc_factory, resident_id_factory) -> PortalData:
    """The company (``legal_person``) with a current public penalty, licence, black-list and
    red-list entry, and four penalties the public may not see (suspended, expired, not
    publishable, shared only); a sole trader with a penalty; a natural person with a penalty
    (its free text repeating the name, the ID number and a phone) and a black-list entry."""
    company = legal_person
    current = penalty(company, "SCJG", "常市监罚〔2026〕1号")
    suspended = penalty(company, "SCJG", "常市监罚〔2026〕2号").record
    change_status(actor=None, record=suspended, status="suspended", reason="异议处理中")
    old = TODAY - datetime.timedelta(days=3 * 365)
    expired = penalty(
        company,
        "SCJG",
        "常市监罚〔2023〕3号",
        decision_date=old.isoformat(),
        valid_to=(old + datetime.timedelta(days=180)).isoformat(),
        publicity_end=(old + datetime.timedelta(days=365)).isoformat(),
    ).record
    unpublished = penalty(company, "SCJG", "常市监罚〔2026〕4号", severity="轻微").record
    shared = penalty(company, "SCJG", "常市监罚〔2026〕5号", info_usage_scope="政务共享").record
    records = [
        current.record,
        licence(company, "常市监许〔2026〕1号"),
        debtor_entry(company, "（2026）苏04执100号"),
        a_grade(company),
    ]

    sole_trader, _ = register_legal_person(
        actor=None,
        uscc=uscc_factory("92", "320402"),
        name="常州市天宁区鑫达便利店",
        kind="sole_trader",
        legal_representative=KEEPER_NAME,
        registered_address=KEEPER_ADDRESS,
    )
    records.append(
        penalty(
            sole_trader,
            "SCJG",
            "常市监罚〔2026〕6号",
            subject_category="个体工商户",
            legal_rep=KEEPER_NAME,
            violation_facts=f"经营者{KEEPER_NAME}（电话{PHONE}）销售过期食品。",
        ).record
    )
    records.append(licence(sole_trader, "常市监许〔2026〕2号"))

    person_id = resident_id_factory("320402", datetime.date(1985, 3, 9))
    person, _ = register_natural_person(actor=None, name=PERSON_NAME, id_number=person_id)
    dept = Department.objects.get(code="SCJG")
    records.append(
        upsert(
            "admin-penalty",
            person,
            "SCJG",
            natural_payload(
                PERSON_NAME,
                person_id,
                dept,
                "常市监罚〔2026〕7号",
                violation_facts=f"当事人{PERSON_NAME}（身份证号{person_id}，手机{PHONE}）无证经营。",
                remark=f"联系电话 {PHONE}",
            ),
        )
    )
    records.append(debtor_entry(person, "（2026）苏04执200号", id_number=person_id))
    return PortalData(
        company=company,
        sole_trader=sole_trader,
        person=person,
        person_id=person_id,
        current=current.record,
        hidden={
            "suspended": suspended,
            "expired": expired,
            "unpublished": unpublished,
            "shared": shared,
        },
        records=records,
    )
