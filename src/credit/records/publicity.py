"""Publicity rules (公示规则, D5.1): which records the public may see, from when and until when.

One place decides it for every reader. When a record is written, :func:`assess` reads the
policy in force at its decision date (:class:`~credit.records.models.PublicityPolicy`, loaded
as a :class:`Book`) and stores on the record the policy, whether it is published at all
(``publishable``), the publicity window (``publicity_start`` … ``publicity_end``) and the date
from which credit repair may be applied for (``repair_from``). Readers then filter on those
columns and the record's status: :func:`public_q` for public channels (portal, public
exports), :func:`in_force_q` for government sharing (API, checks). A periodic job
(:func:`credit.records.services.expire_publicity`) turns records past their window into
``expired`` so that counts and lists agree with what is shown.

Rules by the item's :class:`~credit.catalog.constants.PublicityMode`:

- ``severity`` (行政处罚): the 失信严重程度 reported, raised to the most serious one implied by
  the decision's 处罚类别 as the policy maps them (a decision with several types takes the
  longest period; see :func:`effective_severity`); neither → 一般. The policy line for that
  severity (an item-specific line overrides the default) says whether it is published and the
  minimum and maximum months from the decision date; a record its line does not publish is
  still shared with departments until its ``valid_to``. A publicity end reported by the
  department is kept when it lies within [minimum, maximum] and otherwise brought to the
  nearest bound; none reported → the maximum.
- ``validity`` (许可, list entries): published from the decision date (or start of validity)
  while valid (end = ``valid_to``, none = no end). An item-specific line with an empty severity
  may set the minimum months before repair can be applied for.
- ``none``: never published on public channels (still shared with departments in force).
"""

from __future__ import annotations

import calendar
import datetime
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db.models import Q

from credit.catalog.constants import Category, PublicityMode, UsageScope
from credit.catalog.rules import split_multi
from credit.records.constants import RecordStatus, Severity

POLICY_FILE = Path(__file__).resolve().parent / "data" / "publicity_policies.json"

#: Severity order: a longer period wins.
RANK = {Severity.NONE: 0, Severity.MINOR: 1, Severity.GENERAL: 2, Severity.SERIOUS: 3}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Line:
    """One policy line: published or not, minimum and maximum months."""

    published: bool
    min_months: int
    max_months: int


@dataclass(frozen=True)
class Policy:
    id: int
    code: str
    name: str
    effective_from: datetime.date
    type_severity: dict[str, str]
    lines: dict[tuple[int | None, str], Line]

    def line(self, item_id: int | None, severity: str) -> Line | None:
        """The item's own line for ``severity`` if there is one, else the default line."""
        return self.lines.get((item_id, severity)) or self.lines.get((None, severity))


@dataclass(frozen=True)
class Book:
    """Every policy, oldest first."""

    policies: tuple[Policy, ...]

    def policy_at(self, day: datetime.date | None) -> Policy | None:
        """The policy in force on ``day``: the latest one effective on or before it. A day
        before the first policy takes the first (the oldest rule is the earliest we apply);
        no day (no decision date) takes the one in force today."""
        if not self.policies:
            return None
        day = day or datetime.date.today()
        found = None
        for policy in self.policies:
            if policy.effective_from <= day:
                found = policy
        return found or self.policies[0]


@dataclass(frozen=True)
class Publicity:
    """The publicity columns of a record."""

    publicity_policy_id: int | None
    severity: str
    publishable: bool
    publicity_start: datetime.date | None
    publicity_end: datetime.date | None
    repair_from: datetime.date | None

    def columns(self) -> dict[str, Any]:
        return {
            "publicity_policy_id": self.publicity_policy_id,
            "publishable": self.publishable,
            "publicity_start": self.publicity_start,
            "publicity_end": self.publicity_end,
            "repair_from": self.repair_from,
        }


def effective_severity(policy: Policy | None, reported: str, penalty_types: Iterable[str]) -> str:
    """The severity that decides the period: the reported one, raised to the most serious one
    the policy maps the decision's penalty types to. Without a reported severity, a type the
    policy does not map (e.g. 罚款) counts as 一般, so 警告 alone is 轻微 but 警告 with 罚款 is
    一般; with neither, 一般."""
    mapping = policy.type_severity if policy else {}
    unmapped = Severity.NONE if reported else Severity.GENERAL
    best = reported or Severity.NONE
    for kind in penalty_types:
        implied = mapping.get(kind, unmapped)
        if RANK.get(implied, 0) > RANK.get(best, 0):
            best = implied
    return best or Severity.GENERAL


def assess(
    book: Book,
    *,
    item_id: int | None,
    mode: str,
    severity: str = "",
    penalty_types: str = "",
    decision_date: datetime.date | None = None,
    valid_from: datetime.date | None = None,
    valid_to: datetime.date | None = None,
    reported_end: datetime.date | None = None,
) -> Publicity:
    """The publicity of one record (pure; see the module docs for the rules)."""
    start = decision_date or valid_from
    policy = book.policy_at(start)
    policy_id = policy.id if policy else None
    if mode == PublicityMode.NONE:
        return Publicity(policy_id, severity, False, start, valid_to, None)
    if mode == PublicityMode.VALIDITY:
        line = policy.lines.get((item_id, Severity.NONE)) if policy else None
        repair = add_months(start, line.min_months) if start and line else start
        return Publicity(policy_id, severity, True, start, valid_to, repair)
    effective = effective_severity(policy, severity, split_multi(penalty_types or ""))
    line = policy.line(item_id, effective) if policy else None
    if line is None:  # no policy at all: published while valid, as a licence would be
        return Publicity(policy_id, effective, True, start, valid_to, start)
    if not line.published:  # shared with departments while valid, never public
        return Publicity(policy_id, effective, False, start, valid_to, None)
    if start is None:
        return Publicity(policy_id, effective, True, None, None, None)
    earliest, latest = add_months(start, line.min_months), add_months(start, line.max_months)
    end = min(max(reported_end or latest, earliest), latest)
    return Publicity(policy_id, effective, True, start, end, earliest)


# --------------------------------------------------------------------------------------------
# The book, read from the database
# --------------------------------------------------------------------------------------------

_CACHE_SECONDS = 10.0
_cache: dict[str, Any] = {}
_lock = threading.Lock()


def load_book() -> Book:
    """Every policy and its lines from the database."""
    from credit.records.models import PublicityPolicy, PublicityRule

    lines: dict[int, dict] = {}
    for rule in PublicityRule.objects.all():
        lines.setdefault(rule.policy_id, {})[(rule.item_id, rule.severity)] = Line(
            rule.published, rule.min_months, rule.max_months
        )
    return Book(
        tuple(
            Policy(
                p.pk,
                p.code,
                p.name,
                p.effective_from,
                dict(p.penalty_type_severity),
                lines.get(p.pk, {}),
            )
            for p in PublicityPolicy.objects.order_by("effective_from")
        )
    )


def current_book() -> Book:
    """The book, cached for a few seconds per process (:func:`forget` after a change)."""
    with _lock:
        cached = _cache.get("book")
        if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
            return cached[1]
    book = load_book()
    with _lock:
        _cache["book"] = (time.monotonic(), book)
    return book


def forget() -> None:
    with _lock:
        _cache.clear()


# --------------------------------------------------------------------------------------------
# What readers filter on
# --------------------------------------------------------------------------------------------


def in_force_q(
    today: datetime.date | None = None, prefix: str = "", *, status: str = RecordStatus.ACTIVE
) -> Q:
    """Records in force for government sharing: active (not suspended, repaired, revoked or
    expired) and not past the end of publicity. (``status``: the same rule for records in
    another status — credit reports print those suspended while an objection is handled.)"""
    today = today or datetime.date.today()
    return Q(**{f"{prefix}status": status}) & (
        Q(**{f"{prefix}publicity_end__isnull": True}) | Q(**{f"{prefix}publicity_end__gte": today})
    )


def public_q(
    today: datetime.date | None = None, prefix: str = "", *, status: str = RecordStatus.ACTIVE
) -> Q:
    """Records the public may see today: in force, of public usage scope, published under
    their policy and already within their publicity window (``status``: see
    :func:`in_force_q`)."""
    today = today or datetime.date.today()
    return (
        in_force_q(today, prefix, status=status)
        & Q(**{f"{prefix}usage_scope": UsageScope.PUBLIC, f"{prefix}publishable": True})
        & (
            Q(**{f"{prefix}publicity_start__isnull": True})
            | Q(**{f"{prefix}publicity_start__lte": today})
        )
    )


def valid_q(today: datetime.date | None = None, prefix: str = "") -> Q:
    """Records in force as a list entry or a licence is: active and within their validity
    (有效期), whatever their publicity window — the joint punishment check, list counts, the
    dashboards and the warnings read this."""
    today = today or datetime.date.today()
    return (
        Q(**{f"{prefix}status": RecordStatus.ACTIVE})
        & (Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": today}))
        & (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": today}))
    )


def dishonest_q(prefix: str = "") -> Q:
    """Dishonesty records (失信记录): entries of the black and attention lists, and records
    with a 失信严重程度 (行政处罚 graded by the publicity policy)."""
    return Q(
        **{f"{prefix}item__category__in": [Category.BLACK_LIST, Category.ATTENTION_LIST]}
    ) | ~Q(**{f"{prefix}severity": ""})


def is_public(record: Any, today: datetime.date | None = None) -> bool:
    """:func:`public_q` for one loaded record."""
    today = today or datetime.date.today()
    return (
        record.status == RecordStatus.ACTIVE
        and record.usage_scope == UsageScope.PUBLIC
        and record.publishable
        and (record.publicity_start is None or record.publicity_start <= today)
        and (record.publicity_end is None or record.publicity_end >= today)
    )


def initial_status(end: datetime.date | None, today: datetime.date | None = None) -> str:
    """The status of a record entering the library: expired when its publicity already ended
    (historic data), else active."""
    today = today or datetime.date.today()
    return RecordStatus.EXPIRED if end is not None and end < today else RecordStatus.ACTIVE


def read_policy_file(path: Path | None = None) -> dict:
    import json

    return json.loads((path or POLICY_FILE).read_text(encoding="utf-8"))


def install_policies(policy_model: Any, rule_model: Any, doc: dict) -> int:
    """Create or update the policies of ``doc`` (default lines only; item lines are kept).
    Takes the model classes so that a migration can pass its historical ones. Returns how
    many policies were written."""
    for p in doc["policies"]:
        policy, _ = policy_model.objects.update_or_create(
            code=p["code"],
            defaults={
                "name": p["name"],
                "document_no": p.get("document_no", ""),
                "effective_from": datetime.date.fromisoformat(p["effective_from"]),
                "penalty_type_severity": p.get("penalty_type_severity", {}),
                "note": p.get("note", ""),
            },
        )
        for line in p["rules"]:
            rule_model.objects.update_or_create(
                policy=policy,
                item=None,
                severity=line["severity"],
                defaults={
                    "published": line["published"],
                    "min_months": line["min_months"],
                    "max_months": line["max_months"],
                },
            )
    forget()
    return len(doc["policies"])
