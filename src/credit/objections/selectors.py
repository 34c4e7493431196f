"""Reads of objections and repair applications, scoped to the acting principal, and the
public views of records and cases.

- The credit office (``objections.handle``) sees every objection; a department officer
  (``objections.verify`` only) sees the objections assigned to its own department.
- Repair applications are seen by the credit office (``objections.repair``).
- The public finds a case only by its number and the phone's last four digits.
"""

from __future__ import annotations

import dataclasses
import datetime
import hmac
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, DateField, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from credit.catalog.constants import Category, PublicityMode
from credit.catalog.models import FieldSpec
from credit.core.access import Perm, has_perm, principal_of, require
from credit.core.errors import PermissionDenied
from credit.core.identifiers import normalize_code
from credit.core.masking import mask_name
from credit.core.models import Department
from credit.objections import rules
from credit.objections.constants import (
    ATTACHMENT_KIND_LABELS,
    OBJECTION_PREFIX,
    OPEN,
    REPAIR_PREFIX,
    Action,
    ObjectionStatus,
    RepairAction,
    RepairStatus,
    SubmitterKind,
)
from credit.objections.models import Objection, RepairApplication
from credit.records.constants import RecordStatus, Severity
from credit.records.disclosure import record_fields
from credit.records.models import CreditRecord
from credit.records.publicity import public_q

BEIJING = ZoneInfo("Asia/Shanghai")
S = ObjectionStatus


# --------------------------------------------------------------------------------------------
# Records as the applicant and the staff see them
# --------------------------------------------------------------------------------------------


def _records() -> QuerySet[CreditRecord]:
    return CreditRecord.objects.select_related(
        "item", "department", "legal_person", "natural_person"
    )


def public_record(pk: Any) -> CreditRecord | None:
    """The record if the public may see it today (:func:`public_q`), else None."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return _records().filter(public_q(), pk=pk).first()


def own_record(pk: Any, account: Any) -> CreditRecord | None:
    """The record if it is in force (active) and its subject is the signed-in real-name
    account's (``credit.identity``): the natural person with the account's ID number, or the
    company whose agent it is — else None. A record the public cannot see (授权查询, e.g. a
    civil servant's 纪律处分) is objected to online by its own subject only, through this."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    mine = Q(natural_person__id_index=account.id_index) if account.id_index else Q(pk__in=[])
    if account.uscc:
        mine |= Q(legal_person__uscc=account.uscc)
    return _records().filter(mine, pk=pk, status=RecordStatus.ACTIVE).first()


def record_by_id(pk: Any) -> CreditRecord | None:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    return _records().filter(pk=pk).first()


def find_record(text: str) -> list[CreditRecord]:
    """Records named by a record id or a decision document number (staff offline entry)."""
    text = (text or "").strip()[:128]
    if not text:
        return []
    if text.isdigit():
        found = record_by_id(text)
        return [found] if found else []
    return list(_records().filter(document_no=text).order_by("-decision_date", "-id")[:20])


def subject_name(record: CreditRecord, *, public: bool) -> str:
    """The record's subject as shown: natural persons' names masked for the public."""
    if record.natural_person_id:
        name = record.natural_person.name
        return mask_name(name) if public else name
    return record.legal_person.name if record.legal_person_id else ""


def record_view(record: CreditRecord, *, public: bool) -> list[tuple[str, str]]:
    """The record's fields as ``(label, value)`` in catalog order: for the public exactly what
    the portal shows (:func:`credit.records.disclosure.record_fields`: public fields only,
    personal ones masked, ID numbers, phones and the people named masked in free text), for
    staff every field as stored (identity numbers are stored masked)."""
    if public:
        return record_fields(record)
    specs = FieldSpec.objects.filter(item_id=record.item_id).order_by("position")
    rows = []
    for spec in specs:
        raw = record.payload.get(spec.code)
        if raw not in (None, ""):
            rows.append((spec.name, str(raw)))
    return rows


def credit_office() -> Department | None:
    """The city's credit office (市信用办), the handler shown before a department verifies."""
    return (
        Department.objects.filter(kind=Department.Kind.CREDIT_OFFICE, region__parent__isnull=True)
        .order_by("sort_order", "code")
        .first()
    )


# --------------------------------------------------------------------------------------------
# Objections
# --------------------------------------------------------------------------------------------


def step_due() -> Case:
    """The deadline of the step the objection waits for (受理、核实或办结), or NULL."""
    return Case(
        When(status=S.SUBMITTED, then=F("accept_due")),
        When(status=S.VERIFYING, then=F("verify_due")),
        When(status__in=[S.ACCEPTED, S.VERIFIED], then=F("due")),
        default=Value(None),
        output_field=DateField(),
    )


def objections_for(principal: Any) -> QuerySet[Objection]:
    """The objections the principal may see: all for the credit office, the ones assigned to
    its department for a department officer; ``PermissionDenied`` for anyone else."""
    qs = Objection.objects.select_related(
        "record__item", "record__department", "department", "handler"
    ).annotate(step_due=step_due())
    p = principal_of(principal)
    if p.has_perm(Perm.OBJECTION_HANDLE):
        return qs
    p.require(Perm.OBJECTION_VERIFY)
    if p.department_id is None:
        return qs.none()
    return qs.filter(department_id=p.department_id)


def objection_for(principal: Any, number: str) -> Objection | None:
    """The objection with ``number`` if the principal may see it (None when missing or not
    visible: existence does not leak)."""
    try:
        return objections_for(principal).filter(number=number).first()
    except PermissionDenied:
        return None


def filter_objections(
    qs: QuerySet[Objection], filters: dict[str, Any], today: datetime.date
) -> QuerySet[Objection]:
    """Narrow by status, channel, department (the handling one, or the record's source
    department before assignment), overdue, date range of receipt and number."""
    if status := filters.get("status"):
        qs = qs.filter(status__in=OPEN) if status == "open" else qs.filter(status=status)
    if channel := filters.get("channel"):
        qs = qs.filter(channel=channel)
    if department := filters.get("department"):
        qs = qs.filter(
            Q(department__code=department)
            | Q(department__isnull=True, record__department__code=department)
        )
    if filters.get("overdue"):
        qs = qs.filter(step_due__lt=today)
    if date_from := filters.get("date_from"):
        qs = qs.filter(created_at__gte=_start_of(date_from))
    if date_to := filters.get("date_to"):
        qs = qs.filter(created_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(number=q.upper()) | Q(record__document_no__icontains=q))
    return qs


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), BEIJING)


def public_handler(case: Objection | RepairApplication) -> str:
    """Who handles the case, as the submitter sees it: a department, never a person (a repair
    application: the credit office)."""
    if isinstance(case, Objection) and case.department_id and case.status == S.VERIFYING:
        return case.department.name
    office = credit_office()
    return office.name if office else "市信用办"


def _public_log(case: Any, labels: dict[str, str], statuses: dict[str, str]) -> list[dict]:
    return [
        {
            "at": t.at,
            "action": labels.get(t.action, t.action),
            "status": statuses.get(t.to_status, t.to_status),
            "department": t.department.name if t.department_id else "申请人",
            "reason": t.reason if t.reason_public else "",
        }
        for t in case.transitions.select_related("department").order_by("at", "id")
    ]


def public_case(case: Objection | RepairApplication) -> dict[str, Any]:
    """What the submitter's tracking page shows of a case: status, handling department, times,
    deadline, the result once it is published, the submitter (a person masked), the public
    part of the step log and the attachments' names."""
    if isinstance(case, Objection):
        shown = {
            "kind": "信用异议",
            "status_label": ObjectionStatus(case.status).label,
            "times": [
                ("提交时间", case.created_at),
                ("受理时间", case.accepted_at),
                ("转部门核实时间", case.assigned_at),
                ("办理完毕时间", case.decided_at),
                ("办结时间", case.closed_at),
            ],
            "due": case.due or case.accept_due,
            "result": case.result if case.status in rules.NOTIFIED or case.closed_at else "",
            "log": _public_log(case, dict(Action.choices), dict(ObjectionStatus.choices)),
        }
    else:
        shown = {
            "kind": "信用修复",
            "status_label": RepairStatus(case.status).label,
            "times": [("申请时间", case.created_at), ("审核时间", case.decided_at)],
            "due": case.due,
            "result": case.decision,
            "log": _public_log(case, dict(RepairAction.choices), dict(RepairStatus.choices)),
        }
    natural = case.submitter_kind == SubmitterKind.NATURAL
    return {
        "case": case,
        "handler": public_handler(case),
        "submitter": mask_name(case.submitter_name) if natural else case.submitter_name,
        "attachments": [
            (a.name, ATTACHMENT_KIND_LABELS.get(a.kind, a.kind))
            for a in case.attachments.only("name", "kind")
        ],
        **shown,
    }


# --------------------------------------------------------------------------------------------
# Repair applications
# --------------------------------------------------------------------------------------------


def repairs_for(principal: Any) -> QuerySet[RepairApplication]:
    require(principal, Perm.REPAIR_REVIEW)
    return RepairApplication.objects.select_related(
        "record__item", "record__department", "reviewer"
    )


def repair_for(principal: Any, number: str) -> RepairApplication | None:
    try:
        return repairs_for(principal).filter(number=number).first()
    except PermissionDenied:
        return None


def filter_repairs(
    qs: QuerySet[RepairApplication], filters: dict[str, Any], today: datetime.date
) -> QuerySet[RepairApplication]:
    if status := filters.get("status"):
        qs = qs.filter(status=status)
    if department := filters.get("department"):
        qs = qs.filter(record__department__code=department)
    if filters.get("overdue"):
        qs = qs.filter(status=RepairStatus.SUBMITTED, due__lt=today)
    if date_from := filters.get("date_from"):
        qs = qs.filter(created_at__gte=_start_of(date_from))
    if date_to := filters.get("date_to"):
        qs = qs.filter(created_at__lt=_start_of(date_to + datetime.timedelta(days=1)))
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(number=q.upper()) | Q(record__document_no__icontains=q))
    return qs


def record_facts(record: CreditRecord) -> rules.RepairFacts:
    """The facts about ``record`` alone (its item, joined, severity, status and repair date;
    no query): what :func:`credit.objections.rules.kind_reasons` needs."""
    return rules.RepairFacts(
        item_code=record.item.code,
        item_name=record.item.name,
        category=record.item.category,
        publicity_mode=record.item.publicity_mode,
        severity=record.severity,
        status=record.status,
        repair_from=record.repair_from,
    )


def repair_facts(record: CreditRecord) -> rules.RepairFacts:
    """The facts :func:`credit.objections.rules.repair_eligibility` needs: the record's own
    (:func:`record_facts`), and the decision dates of the same subject's other serious
    penalties (revoked ones do not count)."""
    subject = (
        Q(legal_person_id=record.legal_person_id)
        if record.legal_person_id
        else Q(natural_person_id=record.natural_person_id)
    )
    others = (
        CreditRecord.objects.filter(
            subject,
            severity=Severity.SERIOUS,
            item__category=Category.DOUBLE_PUBLICITY,
            item__publicity_mode=PublicityMode.SEVERITY,
            decision_date__isnull=False,
        )
        .exclude(pk=record.pk)
        .exclude(status=RecordStatus.REVOKED)
        .values_list("decision_date", flat=True)
    )
    return dataclasses.replace(record_facts(record), other_serious_penalties=tuple(others))


# --------------------------------------------------------------------------------------------
# The public tracking page
# --------------------------------------------------------------------------------------------


def normalize_number(text: str) -> str:
    return normalize_code(text or "", remove_hyphens=True)[:24]


def phone_last4_matches(case: Objection | RepairApplication, phone_last4: str) -> bool:
    """Whether the case's phone ends with ``phone_last4`` (four digits). The tracking page
    asks this only within the limits on wrong tries (:mod:`credit.objections.tracking`)."""
    digits = (phone_last4 or "").strip()
    if len(digits) != 4 or not digits.isdigit():
        return False
    return hmac.compare_digest(case.phone_masked[-4:], digits)


def case_by_number(number: str) -> Objection | RepairApplication | None:
    """The objection or repair application with ``number`` (by its prefix), its record (and an
    objection's department) joined."""
    number = normalize_number(number)
    if number.startswith(OBJECTION_PREFIX):
        qs = Objection.objects.select_related("department")
    elif number.startswith(REPAIR_PREFIX):
        qs = RepairApplication.objects.all()
    else:
        return None
    return qs.select_related("record__item", "record__department").filter(number=number).first()


def cases_of_applicant(
    *, id_index: str = "", uscc: str = "", limit: int = 50
) -> tuple[list[Objection], list[RepairApplication]]:
    """A real-name applicant's own cases, newest first (at most ``limit`` of each kind): the
    objections and repair applications submitted with the identity number whose applicant
    index is ``id_index`` (the ``Submitter.id_index`` of that number) or with the USCC
    ``uscc`` (a company's agent), records joined. For the portal's 我的 page."""
    from credit.core import crypto
    from credit.objections.cases import ID_PURPOSE  # cases imports this module

    indexes = [id_index] if id_index else []
    if uscc:
        indexes.append(crypto.blind_index(uscc, purpose=ID_PURPOSE))
    if not indexes:
        return [], []
    found = [
        list(
            model.objects.filter(id_index__in=indexes)
            .select_related("record__item")
            .order_by("-created_at", "-id")[:limit]
        )
        for model in (Objection, RepairApplication)
    ]
    return found[0], found[1]


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------


def _month_rows(qs: QuerySet, counts: dict[str, Q]) -> list[dict[str, Any]]:
    rows = (
        qs.annotate(month=TruncMonth("created_at", tzinfo=BEIJING))
        .values("month", "record__department__code", "record__department__name")
        .annotate(total=Count("id"), **{k: Count("id", filter=q) for k, q in counts.items()})
        .order_by("-month", "record__department__code")
    )
    return [
        {
            "month": row["month"].astimezone(BEIJING).strftime("%Y-%m"),
            "department": row["record__department__name"],
            "department_code": row["record__department__code"],
            "total": row["total"],
            **{k: row[k] for k in counts},
        }
        for row in rows
    ]


def statistics(
    principal: Any, *, date_from: datetime.date | None = None, date_to: datetime.date | None = None
) -> dict[str, list[dict[str, Any]]]:
    """Objections and repair applications per source department (of the record) and month
    of receipt: objections by outcome (不予受理, 更正, 撤销, 维持, 撤回, kept after closing),
    still open and overdue; repairs by status. Each part only for a principal who may see
    it."""
    may_objections = has_perm(principal, Perm.OBJECTION_HANDLE)
    may_repairs = has_perm(principal, Perm.REPAIR_REVIEW)
    if not (may_objections or may_repairs):
        require(principal, Perm.OBJECTION_HANDLE)
    out: dict[str, list[dict[str, Any]]] = {"objections": [], "repairs": []}
    bounds = {"date_from": date_from, "date_to": date_to}
    today = timezone.localdate()
    if may_objections:
        qs = filter_objections(Objection.objects.annotate(step_due=step_due()), bounds, today)
        counts = {outcome: Q(outcome=outcome) for outcome in sorted(rules.NOTIFIED)}
        counts["open"] = Q(status__in=OPEN)
        counts["overdue"] = Q(status__in=OPEN, step_due__lt=today)
        out["objections"] = _month_rows(qs, counts)
    if may_repairs:
        qs = filter_repairs(RepairApplication.objects.all(), bounds, today)
        out["repairs"] = _month_rows(qs, {s: Q(status=s) for s in RepairStatus.values})
    return out
