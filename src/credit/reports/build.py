"""Building what a report says (:class:`~credit.reports.content.ReportContent`) from the
library, at one moment: the subject's basic facts and, per section of the template version,
its records of the chosen catalog items within the period — only records the public may see
(:func:`credit.records.publicity.public_q`) plus those suspended while an objection is handled,
which are printed marked 「异议处理中」 — and only the chosen fields the public may read,
masked as the portal masks them (:mod:`credit.records.disclosure`), except in a natural
person's own report, which shows that person's identifiers in full.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q

from credit.catalog.constants import LIST_CATEGORIES
from credit.catalog.models import CatalogItem
from credit.core import crypto
from credit.core.masking import mask_name
from credit.objections.constants import OPEN
from credit.objections.models import Objection
from credit.records.constants import RecordStatus
from credit.records.disclosure import people_named, public_fields, shown_value
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from credit.reports import rules
from credit.reports.constants import Purpose, SectionKind
from credit.reports.content import ReportContent, ReportSection, iso

#: The issuer printed on every report (出具机构).
ISSUER = "常州市公共信用信息中心"
#: The most records a section prints (a report is not an export; the count is stated).
SECTION_LIMIT = 500


@dataclass(frozen=True)
class Shown:
    """A record a report shows: id, version, content digest, marked under objection."""

    record_id: int
    version: int
    digest: str
    under_objection: bool


@dataclass(frozen=True)
class Request:
    """What to build: the subject, the template version's sections, purpose and period, and
    whether it is a natural person's own report."""

    subject: Any  # LegalPerson or NaturalPerson
    sections: list[dict]
    template_label: str
    purpose: str
    purpose_text: str
    period_from: datetime.date
    period_to: datetime.date
    own_report: bool = False


def _is_legal(subject: Any) -> bool:
    return getattr(subject, "subject_type", "") == "legal"


def subject_code(subject: Any, *, own_report: bool) -> str:
    if _is_legal(subject):
        return subject.uscc or "—"
    if own_report:
        return crypto.decrypt(subject.id_cipher, purpose=crypto.ID_PURPOSE)
    return subject.id_masked


def subject_name(subject: Any, *, own_report: bool) -> str:
    if _is_legal(subject) or own_report:
        return subject.name
    return mask_name(subject.name)


def _facts(subject: Any, keys: list[str], *, own_report: bool) -> tuple[tuple[str, str], ...]:
    labels = rules.facts_for("legal" if _is_legal(subject) else "natural")
    out = []
    for key in keys:
        out.append((labels[key], _fact(subject, key, own_report=own_report) or "—"))
    return tuple(out)


def _fact(subject: Any, key: str, *, own_report: bool) -> str:
    if key == "region":
        return subject.region.name if subject.region_id else ""
    if key == "id_number":
        return subject_code(subject, own_report=own_report)
    if key == "id_type":
        return subject.get_id_type_display()
    if key == "legal_representative":
        return mask_name(subject.legal_representative)
    if key in ("kind", "industry", "status"):
        return getattr(subject, f"get_{key}_display")()
    value = getattr(subject, key, None)
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is None:
        return ""
    if key == "registered_capital":
        return f"{value.normalize():f}"
    if key == "registered_address" and subject.is_sole_trader:
        from credit.core.masking import mask_address

        return mask_address(str(value))
    return str(value)


def _in_period(start: datetime.date, end: datetime.date) -> Q:
    """Records of the period: decided within it; a list entry also when in force during it."""
    decided = Q(decision_date__gte=start, decision_date__lte=end)
    in_force = (
        Q(item__category__in=LIST_CATEGORIES)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=end))
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        & (Q(decision_date__isnull=True) | Q(decision_date__lte=end))
    )
    return decided | in_force


def records_for(req: Request, codes: list[str], today: datetime.date):
    """The subject's records of ``codes`` a report may show, with ``objecting`` set."""
    objecting = Exists(Objection.objects.filter(record=OuterRef("pk"), status__in=OPEN))
    subject_q = (
        Q(legal_person=req.subject) if _is_legal(req.subject) else Q(natural_person=req.subject)
    )
    # Public records, and those that would be public but are suspended while an objection is
    # handled (printed marked 「异议处理中」) — never a record the public may not see.
    shown = public_q(today) | (public_q(today, status=RecordStatus.SUSPENDED) & objecting)
    return (
        CreditRecord.objects.filter(subject_q, item__code__in=codes)
        .filter(_in_period(req.period_from, req.period_to))
        .filter(shown)
        .annotate(objecting=objecting)
        .select_related("item", "department")
        .order_by("-decision_date", "-id")
    )


def build(
    req: Request,
    *,
    number: str,
    issued_on: datetime.date,
    valid_until: datetime.date,
    verify_url: str = "",
    preview: bool = False,
    today: datetime.date | None = None,
) -> tuple[ReportContent, list[Shown]]:
    """The report's content and the records it shows, as the library stands now."""
    today = today or datetime.date.today()
    subject = req.subject
    legal = _is_legal(subject)
    natural_subject = not legal
    sole_trader = legal and subject.is_sole_trader
    names = (subject.legal_representative,) if legal else (subject.name,)
    codes = [
        entry["code"]
        for s in req.sections
        if s.get("kind") == SectionKind.RECORDS
        for entry in s.get("items", [])
    ]
    items = {i.code: i for i in CatalogItem.objects.filter(code__in=codes)}
    by_item: dict[str, list[CreditRecord]] = {}
    for record in records_for(req, codes, today):
        by_item.setdefault(record.item.code, []).append(record)

    sections: list[ReportSection] = []
    shown: list[Shown] = []
    cut: list[str] = []
    sources: set[str] = set()
    if legal and subject.source_department_id:
        sources.add(subject.source_department.name)
    for n, spec in enumerate(req.sections, start=1):
        title = spec["title"]  # numbered by the renderers (一、…), with ``number``
        if spec["kind"] == SectionKind.BASIC:
            facts = _facts(subject, spec["facts"], own_report=req.own_report)
            sections.append(ReportSection(number=n, title=title, facts=facts))
            continue
        entries = [e for e in spec["items"] if e["code"] in items]
        several = len(entries) > 1
        columns: list[str] = ["信息类别"] if several else []
        chosen: list[tuple[CatalogItem, list[Any]]] = []
        for entry in entries:
            item = items[entry["code"]]
            wanted = set(entry["fields"])
            fields = [f for f in public_fields(item) if f.code in wanted]
            chosen.append((item, fields))
            for f in fields:
                if f.name not in columns:
                    columns.append(f.name)
        columns.append("信息来源")
        rows: list[tuple[str, ...]] = []
        marks: list[bool] = []
        for item, fields in chosen:
            found = by_item.get(item.code, [])
            if len(found) > SECTION_LIMIT:
                cut.append(
                    f"{title}的{item.name}共{len(found)}条，本报告列出最近的{SECTION_LIMIT}条"
                )
            for record in found[:SECTION_LIMIT]:
                payload = record.payload or {}
                people = () if req.own_report else people_named(item, payload, *names)
                cells = dict.fromkeys(columns, "")
                if several:
                    cells["信息类别"] = item.name
                for f in fields:
                    if req.own_report:
                        value = str(payload.get(f.code) or "").strip()
                    else:
                        personal = natural_subject or (
                            sole_trader and f.personal_treatment in ("address", "phone")
                        )
                        value = shown_value(f, payload.get(f.code), personal=personal, names=people)
                    cells[f.name] = value
                cells["信息来源"] = record.department.name
                sources.add(record.department.name)
                rows.append(tuple(cells[c] for c in columns))
                marks.append(bool(record.objecting))
                shown.append(
                    Shown(record.pk, record.version, rules.digest(payload), bool(record.objecting))
                )
        sections.append(
            ReportSection(
                number=n,
                title=title,
                items=tuple(i.name for i, _ in chosen),
                columns=tuple(columns),
                rows=tuple(rows),
                marks=tuple(marks),
            )
        )
    purpose = Purpose(req.purpose).label
    if req.purpose_text:
        purpose = f"{purpose}（{req.purpose_text}）"
    notes = [
        "本报告仅载有依法可以公开、并经报告模板选定的信用信息；个人身份信息已按规定脱敏。"
        if not req.own_report
        else "本报告为信息主体本人报告，载有本人完整身份信息，请妥善保管。",
        "标注「异议处理中」的信息正在异议处理，处理结果以核验页面和更正后的报告为准。",
        "本报告以电子签章和数字签名保证完整性，可扫描封面二维码或上传文件在“信用常州”核验。",
        *cut,
    ]
    content = ReportContent(
        number=number,
        title="企业信用报告" if legal else "个人信用报告",
        subject_name=subject_name(subject, own_report=req.own_report),
        subject_code=subject_code(subject, own_report=req.own_report),
        subject_kind="legal" if legal else "natural",
        purpose=purpose,
        template=req.template_label,
        issuer=ISSUER,
        issued_on=iso(issued_on),
        valid_until=iso(valid_until),
        period_from=iso(req.period_from),
        period_to=iso(req.period_to),
        sources=tuple(sorted(sources)),
        sections=tuple(sections),
        verify_url=verify_url,
        watermark=f"信用常州 仅供{Purpose(req.purpose).label}使用",
        notes=tuple(notes),
        preview=preview,
    )
    return content, shown
