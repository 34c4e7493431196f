"""Checks (联合奖惩核查) and their feedback, and the measures catalogue.

A check resolves the identifier to a subject, lists the subject's list entries in force
that the checker may see, attaches the measures of the scenario, and keeps all of it as a
snapshot under a check number with who checked, when and why. Feedback records what the
department then did for each (entry, measure) pair: applied, not applicable, or exempted —
with a reason for the last two.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import secrets
from collections.abc import Iterable
from typing import Any

from django.core import signing
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core import audit
from credit.core.access import Perm, principal_of, require
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.identifiers import detect
from credit.core.masking import mask_id_number
from credit.core.models import Department
from credit.sanctions import selectors
from credit.sanctions.constants import LIST_CATEGORIES, Scenario, measure_kind_for
from credit.sanctions.models import Check, CheckFeedback, Measure
from credit.subjects.models import NaturalPerson
from credit.subjects.selectors import shown_name

CERTIFICATE_SALT = "credit.sanctions.certificate"
#: How long a certificate link handed to a business system stays valid.
CERTIFICATE_DAYS = 90


def _number() -> str:
    return f"HC{datetime.date.today():%Y%m%d}{secrets.token_hex(4).upper()}"


def _masked_query(identifier: str) -> str:
    return mask_id_number(identifier) if detect(identifier) == "resident_id" else identifier[:40]


def _measure_out(measure: Measure) -> dict[str, Any]:
    return {
        "code": measure.code,
        "kind": measure.kind,
        "text": measure.text,
        "legal_basis": measure.legal_basis,
        "memorandum": measure.memorandum,
        "implementing": measure.implementing_department.name
        if measure.implementing_department
        else measure.implementing_text,
        "scenarios": measure.scenarios,
    }


def _entry_out(entry: selectors.Entry, measures: list[Measure]) -> dict[str, Any]:
    return {
        "record": entry.pk,
        "item": entry.item_code,
        "item_name": entry.item_name,
        "list_kind": entry.list_kind,
        "department": entry.department,
        "document_no": entry.document_no,
        "decision_date": entry.decision_date.isoformat() if entry.decision_date else None,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_to": entry.valid_to.isoformat() if entry.valid_to else None,
        "measures": [_measure_out(m) for m in measures],
    }


def run_check(*, principal: Any, identifier: str, reason: str, scenario: str = "") -> Check:
    """Check a subject; returns the saved :class:`Check` (its ``hits`` are the answer)."""
    require(principal, Perm.SANCTIONS_CHECK)
    identifier = (identifier or "").strip()
    reason = (reason or "").strip()
    if not identifier:
        raise ValidationFailed(
            "请填写主体的统一社会信用代码、原代码或身份证号码", code="id_required"
        )
    if not reason:
        raise ValidationFailed("请填写核查事由（如“政府采购项目资格审查”）", code="reason_required")
    if scenario and scenario not in Scenario.values:
        raise ValidationFailed(
            f"未知的应用场景：{scenario}",
            code="scenario_unknown",
            details={"known": list(Scenario.values)},
        )
    p = principal_of(principal)
    subject = selectors.subject_for(p, identifier)
    natural = isinstance(subject, NaturalPerson)
    hits: list[dict[str, Any]] = []
    if subject is not None:
        entries = selectors.entries_for_check(p, subject)
        measures = selectors.measures_for(entries, scenario)
        hits = [_entry_out(e, measures.get(e.pk, [])) for e in entries]
    if subject is None:
        result, name = Check.Result.NOT_FOUND, ""
    else:
        result = Check.Result.HIT if hits else Check.Result.CLEAN
        name = shown_name(subject, p)
    fields = {
        "user_id": p.user_id,
        "client_id": p.client_id,
        "department_id": p.department_id,
        "query": _masked_query(identifier),
        "legal_person": None if natural or subject is None else subject,
        "natural_person": subject if natural else None,
        "subject_name": name[:200],
        "scenario": scenario,
        "reason": reason[:200],
        "result": result,
        "hits": hits,
    }
    for attempt in range(3):  # a check number collides once in billions: draw again
        try:
            # One statement (its own transaction) unless the read of a person is audited too.
            with transaction.atomic() if natural else contextlib.nullcontext():
                check = _insert_check(fields)
                if natural:
                    audit.record(
                        "naturalperson.checked",
                        actor=p,
                        obj=subject,
                        after={"check": check.number},
                    )
            return check
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


_CHECK_COLUMNS = (
    "user_id", "client_id", "department_id", "query", "legal_person_id", "natural_person_id",
    "subject_name", "scenario", "reason", "result", "hits",
)  # fmt: skip


def _insert_check(fields: dict[str, Any]) -> Check:
    """``Check.objects.create`` as one prepared INSERT (the check service's hot path)."""
    check = Check(number=_number(), checked_at=timezone.now(), **fields)
    values = [getattr(check, c) for c in _CHECK_COLUMNS]
    values[-1] = json.dumps(check.hits, ensure_ascii=False)
    with connection.cursor() as cur:
        cur.execute(_INSERT_CHECK, [check.number, check.checked_at, *values])
        check.pk = cur.fetchone()[0]
    check._state.adding = False
    return check


_INSERT_CHECK = (
    f"INSERT INTO {Check._meta.db_table} (number, checked_at, {', '.join(_CHECK_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(['%s'] * (len(_CHECK_COLUMNS) + 2))}) RETURNING id"
)


def certificate_token(check: Check) -> str:
    return signing.dumps(check.number, salt=CERTIFICATE_SALT)


def certificate_url(check: Check) -> str:
    return reverse("sanctions:certificate", args=[certificate_token(check)])


def check_by_certificate(token: str) -> Check:
    """The check a certificate link names, while the link is valid."""
    try:
        number = signing.loads(token, salt=CERTIFICATE_SALT, max_age=CERTIFICATE_DAYS * 86400)
    except signing.BadSignature:
        raise NotFound("核查证明链接无效或已过期", code="certificate_invalid") from None
    check = Check.objects.filter(number=number).first()
    if check is None:
        raise NotFound("核查证明不存在", code="certificate_invalid")
    return check


@transaction.atomic
def record_feedback(
    *,
    principal: Any,
    number: str,
    measure_code: str,
    record_id: int,
    action: str,
    reason: str = "",
) -> CheckFeedback:
    """What was done about one measure for one entry of a check (replaces an earlier answer
    for the same pair; every answer is audited)."""
    p = principal_of(principal)
    p.require(Perm.SANCTIONS_CHECK)
    check = selectors.check_for(p, number)
    if check is None:
        raise NotFound(f"核查编号 {number} 不存在", code="check_not_found")
    if check.user_id != p.user_id and (
        check.department_id is None or check.department_id != p.department_id
    ):
        raise PermissionDenied("只能反馈本部门的核查", code="feedback_not_yours")
    if action not in CheckFeedback.Action.values:
        raise ValidationFailed(
            f"未知的实施情况：{action}",
            code="action_unknown",
            details={"known": list(CheckFeedback.Action.values)},
        )
    reason = (reason or "").strip()
    if action != CheckFeedback.Action.APPLIED and not reason:
        raise ValidationFailed("“不适用”或“依法免予实施”须说明理由", code="reason_required")
    pairs = {(h["record"], m["code"]) for h in check.hits for m in h["measures"]}
    if (record_id, measure_code) not in pairs:
        raise ValidationFailed(
            "该措施不是本次核查对这条名单记录给出的措施", code="measure_not_in_check"
        )
    measure = Measure.objects.get(code=measure_code)
    feedback, _ = CheckFeedback.objects.update_or_create(
        check_ref=check,
        measure=measure,
        record_id=record_id,
        defaults={"action": action, "reason": reason[:500], "user_id": p.user_id},
    )
    audit.record(
        "check.feedback",
        actor=p,
        obj=check,
        after={"measure": measure_code, "record": record_id, "action": action, "reason": reason},
    )
    return feedback


# --------------------------------------------------------------------------------------------
# The measures catalogue
# --------------------------------------------------------------------------------------------


def _check_measure(list_kind: str, scenarios: Iterable[str], items: list[CatalogItem]) -> None:
    if list_kind not in LIST_CATEGORIES:
        raise ValidationFailed(f"未知的名单类型：{list_kind}", code="list_kind_unknown")
    unknown = [s for s in scenarios if s not in Scenario.values]
    if unknown or not list(scenarios):
        raise ValidationFailed(
            "请选择应用场景" if not unknown else f"未知的应用场景：{'、'.join(unknown)}",
            code="scenario_unknown",
        )
    wrong = [i.name for i in items if i.category != list_kind]
    if wrong:
        raise ValidationFailed(
            f"所选名单不属于该名单类型：{'、'.join(wrong)}", code="measure_item_kind"
        )


@transaction.atomic
def save_measure(
    *,
    actor: Any,
    code: str,
    list_kind: str,
    text: str,
    legal_basis: str,
    scenarios: Iterable[str],
    items: Iterable[CatalogItem] = (),
    memorandum: str = "",
    implementing_department: Department | None = None,
    implementing_text: str = "",
    is_active: bool = True,
) -> Measure:
    """Create or update the measure with ``code`` (audited with before and after)."""
    if actor is not None:
        require(actor, Perm.MEASURE_MANAGE)
    scenarios, items = sorted(set(scenarios)), list(items)
    _check_measure(list_kind, scenarios, items)
    if not text.strip() or not legal_basis.strip():
        raise ValidationFailed("措施内容和法律政策依据都必须填写", code="measure_incomplete")
    measure = Measure.objects.filter(code=code).first()
    before = _measure_out(measure) if measure else None
    if measure is None:
        measure = Measure(code=code, created_by_id=principal_of(actor).user_id)
    measure.kind = measure_kind_for(list_kind)
    measure.list_kind = list_kind
    measure.text = text.strip()
    measure.legal_basis = legal_basis.strip()
    measure.memorandum = memorandum.strip()
    measure.implementing_department = implementing_department
    measure.implementing_text = implementing_text.strip()
    measure.scenarios = scenarios
    measure.is_active = is_active
    measure.save()
    measure.items.set(items)
    audit.record(
        "measure.created" if before is None else "measure.updated",
        actor=actor,
        obj=measure,
        before=before,
        after=_measure_out(measure),
    )
    return measure
