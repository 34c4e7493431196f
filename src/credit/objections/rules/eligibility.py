"""Repair eligibility (信用修复条件): every reason why a record may not be repaired today, from
the facts the services read about it and the configurable exclusions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from credit.catalog.constants import Category, PublicityMode
from credit.records.constants import RecordStatus, Severity


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


def kind_reasons(facts: RepairFacts, policy: RepairPolicy) -> list[Reason]:
    """The reasons why a record of this kind can never be repaired on the platform, whatever
    its dates and status: not dishonesty (a red list, a licence, a 轻微 penalty), or an item
    the policy excludes (e.g. 失信被执行人, removed by the court). None: repair applies, from
    ``repair_from``. Pure and query-free, so a page can ask it of every row it shows; the
    first reasons of :func:`repair_eligibility`."""
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
    return reasons


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
    reasons = kind_reasons(facts, policy)
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
