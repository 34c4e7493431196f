"""The objection and repair transition tables (:mod:`credit.objections.rules.transitions`):
every allowed and every forbidden pair, who may do what, the record effects and reasons."""

from __future__ import annotations

import itertools

import pytest

from credit.core.access import Perm
from credit.core.errors import ValidationFailed
from credit.objections import rules
from credit.objections.constants import (
    Action,
    ObjectionStatus,
    RepairAction,
    RepairStatus,
)

S = ObjectionStatus

#: The workflow written out independently of the implementation: (status, action) → target.
EXPECTED = {
    (S.SUBMITTED, Action.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, Action.REFUSE): S.REFUSED,
    (S.SUBMITTED, Action.WITHDRAW): S.WITHDRAWN,
    (S.ACCEPTED, Action.ASSIGN): S.VERIFYING,
    (S.ACCEPTED, Action.WITHDRAW): S.WITHDRAWN,
    (S.VERIFYING, Action.REASSIGN): S.VERIFYING,
    (S.VERIFYING, Action.VERIFY): S.VERIFIED,
    (S.VERIFYING, Action.WITHDRAW): S.WITHDRAWN,
    (S.VERIFIED, Action.RETURN): S.VERIFYING,
    (S.VERIFIED, Action.CORRECT): S.CORRECTED,
    (S.VERIFIED, Action.REVOKE): S.REVOKED,
    (S.VERIFIED, Action.UPHOLD): S.UPHELD,
    (S.VERIFIED, Action.WITHDRAW): S.WITHDRAWN,
    (S.REFUSED, Action.CLOSE): S.CLOSED,
    (S.CORRECTED, Action.CLOSE): S.CLOSED,
    (S.REVOKED, Action.CLOSE): S.CLOSED,
    (S.UPHELD, Action.CLOSE): S.CLOSED,
    (S.WITHDRAWN, Action.CLOSE): S.CLOSED,
}
ACTIONS = [a for a in Action if a != Action.SUBMIT]
PAIRS = list(itertools.product(list(ObjectionStatus), ACTIONS))


@pytest.mark.parametrize(("status", "action"), [p for p in PAIRS if p in EXPECTED])
def test_an_allowed_transition_leads_to_its_target(status, action):
    assert rules.transition(status, action).target == EXPECTED[(status, action)]


@pytest.mark.parametrize(("status", "action"), [p for p in PAIRS if p not in EXPECTED])
def test_a_forbidden_transition_is_refused_with_a_chinese_message(status, action):
    with pytest.raises(ValidationFailed) as raised:
        rules.transition(status, action)
    assert raised.value.code == "transition_forbidden"
    assert ObjectionStatus(status).label in raised.value.message
    assert Action(action).label in raised.value.message
    assert raised.value.details == {"status": status, "action": action}


def test_the_table_has_exactly_the_expected_pairs():
    table = {
        (status, row.action): row.target
        for row in rules.TRANSITIONS.values()
        for status in row.sources
    }
    assert table == EXPECTED


def test_an_unknown_action_is_refused():
    with pytest.raises(ValidationFailed) as raised:
        rules.transition(S.SUBMITTED, "delete")
    assert raised.value.code == "transition_unknown"


def test_closed_is_final_and_every_status_is_reachable():
    assert rules.allowed_actions(S.CLOSED) == []
    reachable = {S.SUBMITTED} | {row.target for row in rules.TRANSITIONS.values()}
    assert reachable == set(ObjectionStatus)


def test_who_may_do_what():
    by_action = {row.action: row.perm for row in rules.TRANSITIONS.values()}
    assert by_action.pop(Action.VERIFY) == Perm.OBJECTION_VERIFY
    assert set(by_action.values()) == {Perm.OBJECTION_HANDLE}


def test_record_effects_of_the_transitions():
    effects = {row.action: row.effect for row in rules.TRANSITIONS.values()}
    assert effects[Action.ACCEPT] == rules.Effect.SUSPEND
    assert effects[Action.CORRECT] == rules.Effect.CORRECT
    assert effects[Action.REVOKE] == rules.Effect.REVOKE
    assert effects[Action.UPHOLD] == rules.Effect.RESTORE
    withdraw = rules.TRANSITIONS[Action.WITHDRAW]
    assert withdraw.effect_from(S.SUBMITTED) == rules.Effect.NONE  # never suspended
    assert withdraw.effect_from(S.VERIFYING) == rules.Effect.RESTORE


def test_reasons_required_and_public():
    for action in (Action.REFUSE, Action.CORRECT, Action.REVOKE, Action.UPHOLD):
        row = rules.TRANSITIONS[action]
        assert row.reason_required and row.reason_public
    assert rules.TRANSITIONS[Action.VERIFY].reason_required
    assert not rules.TRANSITIONS[Action.VERIFY].reason_public  # internal opinion
    assert not rules.TRANSITIONS[Action.ACCEPT].reason_required


@pytest.mark.parametrize(
    ("status", "action", "target"),
    [
        (RepairStatus.SUBMITTED, RepairAction.GRANT, RepairStatus.GRANTED),
        (RepairStatus.SUBMITTED, RepairAction.REFUSE, RepairStatus.REFUSED),
    ],
)
def test_repair_transitions_allowed(status, action, target):
    row = rules.transition(status, action, rules.REPAIR_TRANSITIONS)
    assert row.target == target and row.perm == Perm.REPAIR_REVIEW


@pytest.mark.parametrize(
    ("status", "action"),
    list(
        itertools.product(
            [RepairStatus.GRANTED, RepairStatus.REFUSED], [RepairAction.GRANT, RepairAction.REFUSE]
        )
    ),
)
def test_repair_transitions_forbidden(status, action):
    with pytest.raises(ValidationFailed) as raised:
        rules.transition(status, action, rules.REPAIR_TRANSITIONS)
    assert raised.value.code == "transition_forbidden"
    assert RepairStatus(status).label in raised.value.message
