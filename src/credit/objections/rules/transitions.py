"""The state machines of objections (异议) and credit repair (信用修复) as data: which action
moves a case from which status to which, by whom, with what reason and what effect on the record.

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

from dataclasses import dataclass

from credit.core.access import Perm
from credit.core.errors import ValidationFailed
from credit.objections.constants import (
    DECIDED,
    SUSPENDING,
    Action,
    ObjectionStatus,
    RepairAction,
    RepairStatus,
)

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
