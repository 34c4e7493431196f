"""Pure rules of objections (异议) and credit repair (信用修复): the state machines as data,
the working-day deadlines with their sources, repair eligibility, and the submitter's
identifiers. Nothing here reads the database; the services feed it facts.

The objection workflow (A4; who does what is the ``perm`` of each row):

::

    submitted ──accept──▶ accepted ──assign──▶ verifying ──verify──▶ verified
        │   (record suspended, 停发)            ▲  │ reassign           │ │ │
        └─refuse──▶ refused                     └──┴──── return ─────────┘ │ │
                                   correct / revoke / uphold ◀─────────────┘ │
    submitted | accepted | verifying | verified ──withdraw──▶ withdrawn      │
    refused | corrected | revoked | upheld | withdrawn ──close──▶ closed ◀───┘

The **source department verifies** (``verify``: its finding and opinion, only for a task
assigned to its own department) and the **credit office decides** (``correct``, ``revoke``,
``uphold``), as the credit office accepted the case and answers the submitter; the decision
applies the department's finding (谁认定、谁修复: the correction is the department's data,
entered by the credit office after the department's verification). The credit office may also
record a verification received on paper.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from credit.catalog.constants import Category, PublicityMode
from credit.core.access import Perm
from credit.core.errors import ValidationFailed
from credit.core.identifiers import IdentifierError, normalize_code, parse_resident_id, parse_uscc
from credit.objections.constants import (
    DECIDED,
    SUSPENDING,
    Action,
    ObjectionStatus,
    RepairAction,
    RepairStatus,
    SubmitterKind,
)
from credit.records.constants import RecordStatus, Severity

S = ObjectionStatus

# --------------------------------------------------------------------------------------------
# The objection state machine
# --------------------------------------------------------------------------------------------


class Effect:
    """What a transition does to the objected record (through ``credit.records.services``)."""

    NONE = ""
    SUSPEND = "suspend"  # change_status(SUSPENDED): 停发 everywhere at once
    RESTORE = "restore"  # change_status(ACTIVE): publication restored
    REVOKE = "revoke"  # change_status(REVOKED)
    CORRECT = "correct"  # correct_record: new version, old kept, active again
    REPAIR = "repair"  # change_status(REPAIRED)


@dataclass(frozen=True)
class Transition:
    """One row of a transition table: ``action`` moves a case from any of ``sources`` to
    ``target``, by a holder of ``perm``. ``reason_required``: the actor must say why (the
    ``reason_label`` names it on forms); ``reason_public``: the reason is shown to the
    submitter on the tracking page. ``effect`` is what happens to the record; a ``restore``
    from a status that does not suspend the record does nothing."""

    action: str
    sources: frozenset[str]
    target: str
    perm: Perm
    reason_required: bool = False
    reason_label: str = "说明"
    reason_public: bool = False
    effect: str = Effect.NONE

    def effect_from(self, status: str) -> str:
        """The record effect when leaving ``status`` (restore only what was suspended)."""
        if self.effect == Effect.RESTORE and status not in SUSPENDING:
            return Effect.NONE
        return self.effect


def _t(action, sources, target, perm, **kwargs) -> Transition:
    return Transition(action, frozenset(sources), target, perm, **kwargs)


H, V = Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY

#: The objection workflow as data. A pair (status, action) not in this table is forbidden.
TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(Action.ACCEPT, {S.SUBMITTED}, S.ACCEPTED, H, effect=Effect.SUSPEND),
        _t(
            Action.REFUSE,
            {S.SUBMITTED},
            S.REFUSED,
            H,
            reason_required=True,
            reason_label="不予受理理由",
            reason_public=True,
        ),
        _t(Action.ASSIGN, {S.ACCEPTED}, S.VERIFYING, H),
        _t(
            Action.REASSIGN,
            {S.VERIFYING},
            S.VERIFYING,
            H,
            reason_required=True,
            reason_label="改派原因",
        ),
        _t(
            Action.VERIFY,
            {S.VERIFYING},
            S.VERIFIED,
            V,
            reason_required=True,
            reason_label="核实意见",
        ),
        _t(
            Action.RETURN,
            {S.VERIFIED},
            S.VERIFYING,
            H,
            reason_required=True,
            reason_label="退回原因",
        ),
        _t(
            Action.CORRECT,
            {S.VERIFIED},
            S.CORRECTED,
            H,
            reason_required=True,
            reason_label="处理结果",
            reason_public=True,
            effect=Effect.CORRECT,
        ),
        _t(
            Action.REVOKE,
            {S.VERIFIED},
            S.REVOKED,
            H,
            reason_required=True,
            reason_label="处理结果",
            reason_public=True,
            effect=Effect.REVOKE,
        ),
        _t(
            Action.UPHOLD,
            {S.VERIFIED},
            S.UPHELD,
            H,
            reason_required=True,
            reason_label="处理结果",
            reason_public=True,
            effect=Effect.RESTORE,
        ),
        _t(
            Action.WITHDRAW,
            {S.SUBMITTED, *SUSPENDING},
            S.WITHDRAWN,
            H,
            reason_required=True,
            reason_label="撤回说明",
            reason_public=True,
            effect=Effect.RESTORE,
        ),
        _t(Action.CLOSE, {S.REFUSED, S.WITHDRAWN, *DECIDED}, S.CLOSED, H),
    )
}

#: Actions that decide an objection, by the status they lead to.
DECISIONS = {Action.CORRECT: S.CORRECTED, Action.REVOKE: S.REVOKED, Action.UPHOLD: S.UPHELD}
#: Statuses whose result the submitter is told (tracking page and SMS).
NOTIFIED = frozenset({S.REFUSED, S.WITHDRAWN, *DECIDED})


def transition(status: str, action: str, table: dict[str, Transition] | None = None) -> Transition:
    """The row that allows ``action`` in ``status``; otherwise ``ValidationFailed``
    (``transition_unknown`` for an action that does not exist, ``transition_forbidden`` for
    one the status does not allow), with a Chinese message naming both."""
    table = TRANSITIONS if table is None else table
    row = table.get(action)
    if row is None:
        raise ValidationFailed(f"未知的操作：{action}", code="transition_unknown")
    if status not in row.sources:
        labels = _labels(table)
        raise ValidationFailed(
            f"当前状态为“{labels['status'].get(status, status)}”，不能执行"
            f"“{labels['action'].get(action, action)}”",
            code="transition_forbidden",
            details={"status": status, "action": action},
        )
    return row


def allowed_actions(status: str, table: dict[str, Transition] | None = None) -> list[Transition]:
    """The rows allowed in ``status``, in table order (what a detail page offers)."""
    table = TRANSITIONS if table is None else table
    return [row for row in table.values() if status in row.sources]


def _labels(table: dict[str, Transition]) -> dict[str, dict[str, str]]:
    if table is REPAIR_TRANSITIONS:
        return {"status": dict(RepairStatus.choices), "action": dict(RepairAction.choices)}
    return {"status": dict(ObjectionStatus.choices), "action": dict(Action.choices)}


# --------------------------------------------------------------------------------------------
# The repair state machine
# --------------------------------------------------------------------------------------------

R = RepairStatus

REPAIR_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t(
            RepairAction.GRANT,
            {R.SUBMITTED},
            R.GRANTED,
            Perm.REPAIR_REVIEW,
            reason_required=True,
            reason_label="审核意见",
            reason_public=True,
            effect=Effect.REPAIR,
        ),
        _t(
            RepairAction.REFUSE,
            {R.SUBMITTED},
            R.REFUSED,
            Perm.REPAIR_REVIEW,
            reason_required=True,
            reason_label="不予修复理由",
            reason_public=True,
        ),
    )
}


# --------------------------------------------------------------------------------------------
# Deadlines (办理时限), in working days
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deadline:
    """A working-day limit (工作日) and the rule it comes from, in force from
    ``effective_from``. ``verified`` is False where the number has not been checked against
    the rule's text ([to verify])."""

    key: str
    label: str
    working_days: int
    counted_from: str
    source: str
    verified: bool
    effective_from: datetime.date = datetime.date(2019, 1, 1)


#: Every limit the workflow applies. A changed rule is a new row with its effective date.
DEADLINES: tuple[Deadline, ...] = (
    Deadline(
        "objection.accept",
        "异议受理审查",
        3,
        "收到异议申请之日",
        "《江苏省社会信用条例》异议处理：收到申请后3个工作日内决定是否受理 [to verify]",
        verified=False,
    ),
    Deadline(
        "objection.verify",
        "来源部门核实",
        10,
        "转交来源部门之日",
        "信息提供单位核实异议信息的时限（10个工作日） [to verify]",
        verified=False,
    ),
    Deadline(
        "objection.total",
        "异议办结",
        15,
        "受理之日",
        "异议自受理之日起15个工作日内办结并告知申请人 [to verify]",
        verified=False,
    ),
    Deadline(
        "repair.review",
        "信用修复审核",
        5,
        "收到修复申请之日",
        "《信用修复管理办法》（国家发展改革委令第36号，2026-04-01施行）办理时限 [to verify]",
        verified=False,
        effective_from=datetime.date(2026, 4, 1),
    ),
    Deadline(
        "repair.review",
        "信用修复审核",
        5,
        "收到修复申请之日",
        "《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令第58号）[to verify]",
        verified=False,
        effective_from=datetime.date(2023, 5, 1),
    ),
)


def deadline(key: str, on: datetime.date, table: Iterable[Deadline] = DEADLINES) -> Deadline:
    """The limit ``key`` in force on ``on`` (the latest row effective on or before it; the
    earliest row for a date before every row). ``KeyError`` for an unknown key."""
    rows = sorted((d for d in table if d.key == key), key=lambda d: d.effective_from)
    if not rows:
        raise KeyError(key)
    found = rows[0]
    for row in rows:
        if row.effective_from <= on:
            found = row
    return found


def overdue_days(due: datetime.date | None, today: datetime.date) -> int:
    """Calendar days past ``due`` (0 when not due yet or no deadline)."""
    if due is None or today <= due:
        return 0
    return (today - due).days


# --------------------------------------------------------------------------------------------
# Repair eligibility (信用修复条件)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepairFacts:
    """What eligibility needs to know about a record and its subject."""

    item_code: str
    item_name: str
    category: str
    publicity_mode: str
    severity: str
    status: str
    repair_from: datetime.date | None
    #: Decision dates of the same subject's other serious penalties (not revoked).
    other_serious_penalties: tuple[datetime.date, ...] = ()


@dataclass(frozen=True)
class RepairPolicy:
    """The configurable exclusions: catalog items never repairable on the platform (e.g.
    失信被执行人, removed by the court), and the repeat-offence bar: another serious penalty of
    the same subject within ``repeat_years`` years (0 turns it off) [to verify the number]."""

    excluded_items: frozenset[str] = frozenset()
    repeat_years: int = 3


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple[Reason, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def as_dict(self) -> dict:
        return {
            "eligible": self.eligible,
            "reasons": [{"code": r.code, "message": r.message} for r in self.reasons],
        }


#: List kinds whose entries are dishonesty (失信) and may be repaired.
REPAIRABLE_LISTS = frozenset({Category.BLACK_LIST, Category.ATTENTION_LIST})
STATUS_LABELS = dict(RecordStatus.choices)


def is_penalty(category: str, publicity_mode: str) -> bool:
    """A 行政处罚-like item: 双公示 whose publicity is decided by severity."""
    return category == Category.DOUBLE_PUBLICITY and publicity_mode == PublicityMode.SEVERITY


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The same calendar day ``years`` earlier (29 February → 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def repair_eligibility(
    facts: RepairFacts, policy: RepairPolicy, today: datetime.date
) -> Eligibility:
    """Every reason why the record may not be repaired today (none: eligible).

    Under 《信用修复管理办法》 (NDRC Order 36, 2026-04-01): a penalty of severity 一般 or 严重,
    or an entry of a black or attention list, may be repaired once its minimum publicity
    period has passed (``repair_from``), while it is published (status active: a suspended
    record is under objection, and an expired, revoked or repaired one is no longer
    published). Red lists are not dishonesty; 轻微 penalties are not published (nothing to
    repair). Items listed in the policy are excluded, and a subject with another serious
    penalty in the last ``repeat_years`` years is barred [to verify].
    """
    reasons: list[Reason] = []
    penalty = is_penalty(facts.category, facts.publicity_mode)
    if facts.category == Category.RED_LIST:
        reasons.append(Reason("red_list", "红名单属于守信激励信息，不适用信用修复"))
    elif penalty:
        if facts.severity not in (Severity.GENERAL, Severity.SERIOUS):
            reasons.append(
                Reason(
                    "severity_not_repairable",
                    "轻微失信的行政处罚信息原则上不公示，无需申请信用修复",
                )
            )
    elif facts.category not in REPAIRABLE_LISTS:
        reasons.append(
            Reason(
                "kind_not_repairable",
                f"“{facts.item_name}”不属于失信信息，不适用信用修复"
                "（可修复的是一般、严重失信行政处罚信息和黑名单、重点关注名单信息）",
            )
        )
    if facts.item_code in policy.excluded_items:
        reasons.append(
            Reason(
                "item_excluded",
                f"“{facts.item_name}”按规定不在本平台办理信用修复（由认定机关依法移出）",
            )
        )
    if facts.status != RecordStatus.ACTIVE:
        label = STATUS_LABELS.get(facts.status, facts.status)
        reasons.append(
            Reason("status_not_active", f"该信息当前状态为“{label}”，不在公示中，无需或不能修复")
        )
    if facts.repair_from is None:
        reasons.append(Reason("no_repair_date", "该信息没有可申请修复的日期（不适用按期修复）"))
    elif today < facts.repair_from:
        reasons.append(
            Reason(
                "minimum_period",
                f"最短公示期未满，自 {facts.repair_from:%Y年%m月%d日} 起方可申请信用修复",
            )
        )
    if policy.repeat_years > 0:
        since = years_before(today, policy.repeat_years)
        recent = sorted(d for d in facts.other_serious_penalties if since <= d <= today)
        if recent:
            reasons.append(
                Reason(
                    "repeat_offence",
                    f"该主体近 {policy.repeat_years} 年内另有严重失信行政处罚"
                    f"（最近一次决定日期 {recent[-1]:%Y-%m-%d}），暂不能申请信用修复",
                )
            )
    return Eligibility(tuple(reasons))


# --------------------------------------------------------------------------------------------
# The submitter's identifiers
# --------------------------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_PHONE_PREFIX = re.compile(r"^(?:\+?86|0086)")


def normalize_phone(value: str) -> str:
    """A mainland mobile number as 11 digits (``+86``, spaces and hyphens dropped);
    ``ValidationFailed`` (``phone_invalid``) otherwise. Landlines cannot receive codes."""
    text = normalize_code(value or "", remove_hyphens=True)
    text = _PHONE_PREFIX.sub("", text) if len(text) > 11 else text
    if not _MOBILE.match(text):
        raise ValidationFailed(
            "请填写正确的11位手机号码（用于接收验证码和办理结果）", code="phone_invalid"
        )
    return text


def parse_submitter_id(value: str) -> tuple[str, str]:
    """``(kind, number)`` for a resident ID number (GB 11643, natural person) or a USCC
    (GB 32100, organisation); ``ValidationFailed`` with the identifier's own Chinese message
    when it is neither."""
    text = normalize_code(value or "")
    if not text:
        raise ValidationFailed("请填写身份证号码或统一社会信用代码", code="id_required")
    first: IdentifierError | None = None
    if text[:17].isdigit():
        try:
            return SubmitterKind.NATURAL, parse_resident_id(text).number
        except IdentifierError as exc:
            first = exc
    try:
        return SubmitterKind.LEGAL, parse_uscc(text).code
    except IdentifierError as exc:
        shown = first or exc
        raise ValidationFailed(
            f"证件号码不正确：{shown.message}", code="id_invalid", details={"reason": shown.code}
        ) from None
