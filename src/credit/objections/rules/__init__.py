"""Pure rules of objections (异议) and credit repair (信用修复); nothing here reads the database,
the services feed it facts.

- :mod:`.transitions`: the two state machines as data (who may do what, from which status, with
  what reason and what effect on the record);
- :mod:`.deadlines`: the working-day limits with their sources and effective dates;
- :mod:`.eligibility`: whether a record may be repaired, with every reason it may not;
- :mod:`.applicants`: the applicant's identity number (resident ID or USCC) and mobile number.

Their public names are re-exported here, so callers write ``rules.TRANSITIONS`` or
``rules.repair_eligibility``.
"""

from credit.objections.rules.applicants import normalize_phone, parse_submitter_id
from credit.objections.rules.deadlines import DEADLINES, Deadline, deadline, overdue_days
from credit.objections.rules.eligibility import (
    REPAIRABLE_LISTS,
    Eligibility,
    Reason,
    RepairFacts,
    RepairPolicy,
    is_penalty,
    kind_reasons,
    repair_eligibility,
    years_before,
)
from credit.objections.rules.transitions import (
    DECISIONS,
    NOTIFIED,
    REPAIR_TRANSITIONS,
    TRANSITIONS,
    Effect,
    Transition,
    allowed_actions,
    transition,
)

__all__ = [
    "DEADLINES",
    "DECISIONS",
    "NOTIFIED",
    "REPAIRABLE_LISTS",
    "REPAIR_TRANSITIONS",
    "TRANSITIONS",
    "Deadline",
    "Effect",
    "Eligibility",
    "Reason",
    "RepairFacts",
    "RepairPolicy",
    "Transition",
    "allowed_actions",
    "deadline",
    "is_penalty",
    "kind_reasons",
    "normalize_phone",
    "overdue_days",
    "parse_submitter_id",
    "repair_eligibility",
    "transition",
    "years_before",
]
