"""Pure rules of credit reports: what a template's sections may contain, the period a report
covers, its validity, report numbers and codes, who may approve, and a report's status."""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections.abc import Mapping
from typing import Any

from credit.reports.constants import (
    EXPIRED_LABEL,
    LEGAL_FACTS,
    NATURAL_FACTS,
    ReportStatus,
    SectionKind,
)

#: The most sections and items a template may hold (a report stays a report).
MAX_SECTIONS = 20
MAX_ITEMS = 30
MAX_TITLE = 30
#: Extraction codes: no 0/O, 1/I/L that people misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
VERIFY_CODE_LENGTH = 10
#: The state of a valid report past its validity (not stored: read from ``valid_until``).
EXPIRED = "expired"


def facts_for(subject_type: str) -> dict[str, str]:
    """The basic facts a template may print for ``subject_type`` (key → label)."""
    return LEGAL_FACTS if subject_type == "legal" else NATURAL_FACTS


def check_sections(
    sections: Any, *, subject_type: str, item_fields: Mapping[str, Mapping[str, Any]]
) -> list[str]:
    """The problems of a template's ``sections`` (empty list: valid), in Chinese.

    ``item_fields`` maps each catalog item the template may use (active, for the subject type)
    to its fields the public may read (code → name): a section may choose only those, so a
    report never prints what the publicity rules keep back.
    """
    problems: list[str] = []
    if not isinstance(sections, list) or not sections:
        return ["模板至少需要一个章节"]
    if len(sections) > MAX_SECTIONS:
        problems.append(f"章节不能超过{MAX_SECTIONS}个")
    titles: set[str] = set()
    used_items: set[str] = set()
    allowed_facts = facts_for(subject_type)
    for n, section in enumerate(sections, start=1):
        where = f"第{n}章"
        if not isinstance(section, dict):
            problems.append(f"{where}格式不正确")
            continue
        title = str(section.get("title", "")).strip()
        if not title:
            problems.append(f"{where}缺少标题")
        elif len(title) > MAX_TITLE:
            problems.append(f"{where}标题超过{MAX_TITLE}个字")
        elif title in titles:
            problems.append(f"{where}标题“{title}”重复")
        titles.add(title)
        kind = section.get("kind")
        if kind == SectionKind.BASIC:
            facts = section.get("facts")
            if not isinstance(facts, list) or not facts:
                problems.append(f"{where}（{title}）至少选择一项基本信息")
                continue
            for key in facts:
                if key not in allowed_facts:
                    problems.append(f"{where}（{title}）没有基本信息项“{key}”")
        elif kind == SectionKind.RECORDS:
            items = section.get("items")
            if not isinstance(items, list) or not items:
                problems.append(f"{where}（{title}）至少选择一个目录项")
                continue
            if len(items) > MAX_ITEMS:
                problems.append(f"{where}（{title}）目录项不能超过{MAX_ITEMS}个")
            for entry in items:
                code = entry.get("code") if isinstance(entry, dict) else None
                if code not in item_fields:
                    problems.append(f"{where}（{title}）的目录项“{code}”不存在、已停用或不适用")
                    continue
                if code in used_items:
                    problems.append(f"目录项“{code}”出现在多个章节")
                used_items.add(code)
                fields = entry.get("fields")
                if not isinstance(fields, list) or not fields:
                    problems.append(f"{where}（{title}）的目录项“{code}”至少选择一个字段")
                    continue
                public = item_fields[code]
                for f in fields:
                    if f not in public:
                        problems.append(f"{where}（{title}）的目录项“{code}”没有可公开的字段“{f}”")
        else:
            problems.append(f"{where}（{title}）类型不正确")
    return problems


def default_period(today: datetime.date, months: int) -> tuple[datetime.date, datetime.date]:
    """The period a report covers by default: the ``months`` before ``today``, to today."""
    year, month = divmod(today.month - 1 - months, 12)
    start_year, start_month = today.year + year, month + 1
    day = min(today.day, _days_in(start_year, start_month))
    return datetime.date(start_year, start_month, day), today


def _days_in(year: int, month: int) -> int:
    nxt = datetime.date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - datetime.timedelta(days=1)).day


def check_period(
    start: datetime.date, end: datetime.date, *, today: datetime.date, months: int
) -> str | None:
    """Why a requested period is refused, or None: it must end by today and cover at most the
    template's ``months``."""
    if start > end:
        return "信息时段的起始日期不能晚于截止日期"
    if end > today:
        return "信息时段不能晚于今天"
    earliest, _ = default_period(end, months)
    if start < earliest:
        return f"信息时段不能超过模板规定的{months}个月"
    return None


def new_number(today: datetime.date) -> str:
    """A report number (报告编号): ``XY`` + date + 8 random digits, unguessable enough that
    the number alone reveals nothing (download also needs the extraction code)."""
    return f"XY{today:%Y%m%d}{secrets.randbelow(10**8):08d}"


def reissue_number(first: str, n: int) -> str:
    """The number of the ``n``-th report of an application (n ≥ 2: corrected re-issues)."""
    return first if n <= 1 else f"{first}-{n}"


def new_code(length: int = CODE_LENGTH) -> str:
    """A random code from :data:`CODE_ALPHABET` (提取码, 核验码)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def normalize_code(value: str) -> str:
    return "".join(str(value or "").split()).upper()[:32]


def material_review_refusal(*, reviewer_id: int | None, entered_by_id: int | None) -> str | None:
    """Why this person may not do the material review (初审), or None: who entered an
    application on someone's behalf does not review it."""
    if reviewer_id is not None and reviewer_id == entered_by_id:
        return "录入申请的人员不能审核该申请"
    return None


def approval_refusal(
    *, approver_id: int | None, reviewer_id: int | None, entered_by_id: int | None
) -> str | None:
    """Why this person may not approve the issue (四眼原则), or None."""
    if approver_id is None:
        return "复核须由审核人员完成"
    if approver_id == reviewer_id:
        return "复核人不能是初审人：同一人不能完成两道审核"
    if approver_id == entered_by_id:
        return "录入申请的人员不能复核该申请"
    return None


def authorisation_in_force(
    *,
    valid_from: datetime.date,
    valid_to: datetime.date,
    revoked: bool,
    today: datetime.date,
) -> bool:
    """Whether a subject's authorisation (授权) of a third party holds today: not revoked,
    and today within its period (both days included)."""
    return not revoked and valid_from <= today <= valid_to


def report_state(status: str, valid_until: datetime.date, today: datetime.date) -> str:
    """An issued report's state: its status, or ``expired`` once a valid one is past its
    validity (有效期)."""
    if status == ReportStatus.VALID and valid_until < today:
        return EXPIRED
    return status


def status_label(status: str, valid_until: datetime.date, today: datetime.date) -> str:
    """The status a verifier reads: 已撤销, 已更新, 已过期 or 有效."""
    state = report_state(status, valid_until, today)
    return EXPIRED_LABEL if state == EXPIRED else ReportStatus(state).label


def digest(payload: Any) -> str:
    """A stable digest of a record's content (a correction changes it)."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
