"""Builders shared by the integrity tests: civil servants made the way the platform makes
them — a natural person and a 公务人员基础信息 record written through
``records.services.upsert_record``, the archive then synced and scored — and records of every
item the rules score, with valid payloads.

- :func:`make_civil_servant` ``(unit="SCJG", region=None, grade=None, …)``: a civil servant
  of a department (by code); ``unit=None`` with ``region`` for a unit that is no department
  of the platform; ``grade`` "A"–"D" adds records that bring the score into that grade.
- :func:`add_record` ``(person, item_code, **fields)``: a record of an item about the person
  (a civil servant or a natural person), fields overriding the defaults.
- :func:`run_jobs`: run the queued ``integrity.recompute`` jobs as the worker would.
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core import crypto
from credit.core.identifiers import make_resident_id, make_uscc
from credit.core.models import Department, Region
from credit.integrity.models import CivilServant
from credit.integrity.services import scoring
from credit.records.models import CreditRecord
from credit.records.services import upsert_record
from credit.subjects.models import NaturalPerson
from credit.subjects.services import ID_PURPOSE, register_natural_person
from tests.catalog.factories import natural_person_payload

_serial = itertools.count(1)

#: The department that reports each item by default.
REPORTER = {
    "cs-basic": "RS",
    "cs-discipline": "JWJW",
    "cs-accountability": "JWJW",
    "cs-other-handling": "SCJG",
    "admin-penalty": "SCJG",
    "civil-traffic": "GA",
    "cs-personal-matters": "ZZB",
    "dishonest-judgment-debtor": "FY",
    "judgment-debtor": "FY",
    "criminal-judgment": "FY",
    "cs-assessment": "RS",
    "party-review": "JGGW",
    "cs-dishonesty": "FGW",
}
#: Records that bring a fresh civil servant (500) into each grade: (item, fields).
GRADE_RECORDS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "A": [],
    "B": [("cs-other-handling", {})],  # −10 → 490
    "C": [("cs-discipline", {"result": "警告"})],  # −50 → 450
    "D": [("cs-discipline", {"result": "开除"})],  # −200 → 300
}


def today() -> datetime.date:
    return timezone.localdate()


def new_id_number(division: str = "320402") -> str:
    n = next(_serial)
    return make_resident_id(
        division, datetime.date(1970 + n % 30, 1 + n % 12, 1 + n % 28), n % 999 + 1
    )


def id_number_of(person: Any) -> str:
    """The clear ID number of a civil servant or natural person (tests only)."""
    natural = person.natural_person if isinstance(person, CivilServant) else person
    return crypto.decrypt(natural.id_cipher, purpose=ID_PURPOSE)


def make_person(name: str = "", id_number: str = "") -> NaturalPerson:
    person, _ = register_natural_person(
        actor=None, name=name or f"公务员{next(_serial)}", id_number=id_number or new_id_number()
    )
    return person


def make_civil_servant(
    unit: str | None = "SCJG",
    *,
    region: str | None = None,
    grade: str | None = None,
    name: str = "",
    id_number: str = "",
    person: NaturalPerson | None = None,
    post: str = "科长",
    recompute: bool = True,
    **basic: Any,
) -> CivilServant:
    """A civil servant: a natural person with a 公务人员基础信息 record (reported by 人社局, or
    the district's credit office for a unit outside the platform), synced and scored. With
    ``grade``, records that bring the score into it are added first."""
    person = person or make_person(name, id_number)
    if unit is not None:
        dept = Department.objects.get(code=unit)
        uscc, unit_name, reporter = dept.uscc, dept.name, "RS"
    else:
        code = region or "320400"
        uscc = make_uscc("11", code, f"{next(_serial) + 50_000_000:08d}")
        unit_name = f"{Region.objects.get(code=code).name}某事业单位"
        reporter = (
            "RS"
            if code == "320400"
            else Department.objects.filter(region_id=code).order_by("sort_order").first().code
        )
    add_record(
        person,
        "cs-basic",
        department=reporter,
        unit_and_post=f"{unit_name}{post}",
        unit_uscc=uscc,
        **basic,
    )
    for item, fields in GRADE_RECORDS.get(grade or "A", []):
        add_record(person, item, **fields)
    if recompute:
        scoring.recompute(person_ids=[person.pk])
    servant = CivilServant.objects.filter(natural_person=person).first()
    if servant is None:  # not recomputed: synced only
        from credit.integrity.services.archive import sync_from_basic

        servant = sync_from_basic([person.pk])[person.pk]
    return servant


def _defaults(item: str, name: str, number: str, n: int) -> dict[str, Any]:
    day = (today() - datetime.timedelta(days=30)).isoformat()
    year = today().year - 1
    common = {"name": name, "id_number": number}
    unit = {"unit": "常州市市场监督管理局"}
    if item == "cs-basic":
        return {
            **common,
            "gender": "男",
            "political_status": "中共党员",
            "rank": "一级主任科员",
            "identity_type": "公务员",
        }
    if item == "cs-discipline":
        return {
            **common,
            **unit,
            "violation": "违反工作纪律",
            "result": "警告",
            "document_no": f"常纪处〔{year}〕{n}号",
            "decision_date": day,
        }
    if item == "cs-accountability":
        return {
            **common,
            **unit,
            "violation": "履职不力",
            "result": "诫勉",
            "document_no": f"常纪问〔{year}〕{n}号",
            "decision_date": day,
        }
    if item == "cs-other-handling":
        return {
            **common,
            **unit,
            "violation": f"上班迟到（第{n}次）",
            "result": "批评教育",
            "decision_date": day,
        }
    if item == "admin-penalty":
        return natural_person_payload(
            subject_name=name,
            id_number=number,
            document_no=f"常市监处罚〔{year}〕{n}号",
            decision_date=day,
            valid_to=(today() + datetime.timedelta(days=365)).isoformat(),
            publicity_end=(today() + datetime.timedelta(days=300)).isoformat(),
        )
    if item == "civil-traffic":
        return {
            **common,
            "behaviour": f"闯红灯（第{n}次）",
            "decision_date": day,
            "authority": "常州市公安局交通警察支队",
            "severity": "一般",
            "valid_to": (today() + datetime.timedelta(days=365)).isoformat(),
        }
    if item == "cs-personal-matters":
        return {
            **common,
            **unit,
            "violation": "漏报房产",
            "report_year": year - n % 5,
            "result": "责令作出检查",
            "decision_date": day,
        }
    if item == "dishonest-judgment-debtor":
        return {
            "debtor_name": name,
            "debtor_category": "自然人",
            "id_number": number,
            "case_no": f"（{year}）苏0402执{n}号",
            "court": "常州市天宁区人民法院",
            "dishonest_situation": "有履行能力而拒不履行生效法律文书确定义务",
            "publish_date": day,
        }
    if item == "judgment-debtor":
        return {
            "debtor_name": name,
            "debtor_category": "自然人",
            "id_number": number,
            "court": "常州市天宁区人民法院",
            "case_no": f"（{year}）苏0402执{n + 5000}号",
            "decision_date": day,
        }
    if item == "criminal-judgment":
        return {
            **common,
            "document_no": f"（{year}）苏0402刑初{n}号",
            "court": "常州市天宁区人民法院",
            "decision_date": day,
            "result": "判处有期徒刑一年",
        }
    if item in ("cs-assessment", "party-review"):
        return {**common, **unit, "year": year, "result": "优秀"}
    if item == "cs-dishonesty":
        return {
            **common,
            **unit,
            "behaviour": "拖欠企业账款",
            "reason": "未按合同约定付款",
            "document_no": f"常信失〔{year}〕{n}号",
            "decision_date": day,
            "authority": "常州市发展和改革委员会",
        }
    raise ValueError(f"no defaults for {item}")


def add_record(
    person: Any, item_code: str, *, department: str | None = None, **fields: Any
) -> CreditRecord:
    """A record of ``item_code`` about ``person`` (a civil servant or a natural person),
    written through the records service (so the change listener enqueues the recompute);
    ``fields`` override the defaults (None removes one)."""
    natural = person.natural_person if isinstance(person, CivilServant) else person
    payload = _defaults(item_code, natural.name, id_number_of(natural), next(_serial))
    payload.update(fields)
    payload = {k: v for k, v in payload.items() if v is not None}
    result = upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code=item_code),
        department=Department.objects.get(code=department or REPORTER[item_code]),
        subject=natural,
        payload=payload,
    )
    return result.record


def queued(task: str = "integrity.recompute"):
    from procrastinate.contrib.django.models import ProcrastinateJob

    return ProcrastinateJob.objects.filter(task_name=task, status="todo").order_by("id")


_ran: set[int] = set()


def run_jobs() -> int:
    """Run the queued recompute jobs not run yet, as the worker would; how many. (The job
    table is read-only from Django, so the jobs run are remembered here.)"""
    done = 0
    for job in queued():
        if job.pk in _ran:
            continue
        _ran.add(job.pk)
        scoring.recompute(person_ids=job.args["person_ids"])
        done += 1
    return done


def gov_body(name: str = "常州市某某区人民政府某某办公室", division: str = "320402") -> Any:
    """A government body (机关, USCC type 11) of ``division`` in the library."""
    from credit.subjects.services import register_legal_person

    uscc = make_uscc("11", division, f"{next(_serial) + 30_000_000:08d}")
    body, _ = register_legal_person(actor=None, uscc=uscc, name=name, legal_representative="张主任")
    return body


def gov_record(
    body: Any,
    document_no: str,
    *,
    department: str = "FGW",
    decided: datetime.date | None = None,
    **changes: Any,
) -> CreditRecord:
    """A 政务失信记录 of ``body`` reported by ``department`` (a credit office), through the one
    write path; ``changes`` override fields of the payload."""
    payload = {
        "subject_name": body.name,
        "uscc": body.uscc,
        "dishonesty_type": "拖欠企业账款",
        "behaviour": "未按合同约定支付某工程公司工程款",
        "reason": "财政资金未及时到位",
        "document_no": document_no,
        "decision_date": (decided or today() - datetime.timedelta(days=30)).isoformat(),
        "authority": "常州市发展和改革委员会",
        "handling": "限期清偿，已列入督办",
        "accountability": "对分管负责人诫勉谈话",
        **changes,
    }
    return upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code="gov-dishonesty"),
        department=Department.objects.get(code=department),
        subject=body,
        payload=payload,
    ).record
