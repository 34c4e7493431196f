"""Writes of the alerts app: evaluating the rules (raising and closing warnings), the warning
life cycle (acknowledge, close) and the rules themselves. Every write checks the acting
principal first and is audited in its own transaction.

- :func:`evaluate` — every active rule now: one warning per breach not already live (the key
  names what it is about and, for a metric counted per period, the period), none again for a
  key a person closed since the start of its period; live warnings whose condition no longer
  holds for their key are closed (``条件已解除``). Running it twice creates nothing new. The
  periodic job and ``credit warnings evaluate`` call it as the system (``actor=None``).
- :func:`acknowledge`, :func:`close` — ``alerts.handle`` (确认和关闭预警) within the tenant
  (the warning's region or department); open → acknowledged → closed, open → closed.
- :func:`save_rule`, :func:`deactivate`, :func:`load_default_rules` — the rules are maintained
  by the credit office: ``alerts.handle`` *and* a city-wide tenant (市信用办), because a rule
  raises warnings about every district and department; a district administrator, who also
  handles warnings, may not change what the whole city is warned about.
"""

from __future__ import annotations

import json
import logging
import operator
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from credit.alerts.constants import (
    AUTO_CLOSE_REASON,
    LIVE,
    Comparison,
    Level,
    Period,
    Status,
    Subject,
)
from credit.alerts.metrics import METRICS, Metric, Observation
from credit.alerts.models import Warning, WarningRule
from credit.alerts.periods import day_start, span_of
from credit.core import audit
from credit.core.access import Perm, Principal, principal_of
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.locks import advisory_xact_lock
from credit.core.models import AuditEntry
from credit.events.registry import WARNING_RAISED

logger = logging.getLogger(__name__)

#: The default rules (the issue's five examples), loaded by :func:`load_default_rules`.
DEFAULT_RULES = Path(__file__).resolve().parent / "data" / "rules.json"
#: How many previous periods a ratio rule averages over.
AVERAGE_PERIODS = 12

COMPARE: dict[str, Callable[[Decimal, Decimal], bool]] = {
    Comparison.GT: operator.gt,
    Comparison.GTE: operator.ge,
    Comparison.LT: operator.lt,
    Comparison.LTE: operator.le,
}
#: "the 12 previous periods" in words, per rule period.
PRIOR = {
    Period.DAY: "前12天",
    Period.MONTH: "前12个月",
    Period.QUARTER: "前12个季度",
    Period.YEAR: "前12年",
}
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
_MAX_NOTE = 500


def number(value: Decimal | None) -> str:
    """A value as people read it: 42, 20.5, 85.25 (at most two decimals, no trailing zeros)."""
    if value is None:
        return "—"
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """A breach: the observation, the value it was compared with and the average it came from
    (ratio rules)."""

    observation: Observation
    bound: Decimal
    average: Decimal | None


def warning_key(metric: Metric, observation: Observation) -> str:
    """What a warning is about, for de-duplication: the thing, and the period for a metric
    counted per period."""
    key = observation.entity
    if metric.per_period:
        key = f"{key}@{observation.span.label}"
    return key[:200]


def warning_text(rule: WarningRule, metric: Metric, verdict: Verdict) -> str:
    """What and why, in Chinese, with the value, the threshold or average and the period."""
    o, unit = verdict.observation, metric.unit
    if rule.ratio_to_average is None:
        against = f"阈值{number(verdict.bound)}{unit}"
    else:
        against = (
            f"{PRIOR.get(rule.period, '前12个周期')}平均值{number(verdict.average)}{unit}的"
            f"{number(rule.ratio_to_average)}倍（{number(verdict.bound)}{unit}）"
        )
    label = Comparison(rule.comparison).label
    return f"{o.name}{o.when}{metric.phrase}为{number(o.value)}{unit}，{label}{against}。{o.facts}"


def judge(rule: WarningRule, metric: Metric, today: Any) -> tuple[dict[str, Verdict], set[str]]:
    """Evaluate ``rule`` on ``today`` without writing: the breaches by key and every key that
    was evaluated (a live warning whose key was evaluated and did not breach is closed). A
    ratio rule compares with the average of the metric over the 12 periods before (periods
    without a value left out); with no such average, or an average of 0, it raises nothing."""
    current = span_of(rule.period, today)
    averaging = rule.ratio_to_average is not None
    spans = [*current.before(AVERAGE_PERIODS), current] if averaging else [current]
    history: dict[str, list[Decimal]] = defaultdict(list)
    now: list[Observation] = []
    for o in metric.observe(rule.subject, spans, today):
        if averaging and o.span != current:
            if o.value is not None:
                history[o.entity].append(o.value)
        else:
            now.append(o)
    breaches: dict[str, Verdict] = {}
    evaluated: set[str] = set()
    for o in now:
        if o.value is None:
            continue
        key = warning_key(metric, o)
        evaluated.add(key)
        average = None
        if averaging:
            past = history.get(o.entity)
            if not past:
                continue
            average = sum(past, Decimal(0)) / len(past)
            if average <= 0:
                continue
            bound = rule.ratio_to_average * average
        else:
            bound = rule.threshold
        if COMPARE[rule.comparison](o.value, bound):
            breaches[key] = Verdict(o, bound, average)
    return breaches, evaluated


def _warning_out(w: Warning) -> dict[str, Any]:
    return {
        "rule": w.rule.code,
        "key": w.key,
        "level": w.level,
        "status": w.status,
        "period": w.period_label,
        "value": number(w.value),
        "threshold": number(w.threshold),
        "text": w.text,
    }


#: Rows (or keys) per statement when a rule raises or closes many warnings at once (a first
#: import of historic lists): PostgreSQL takes at most 65,535 parameters a query.
BATCH = 10_000


def _closed_by_people(rule: WarningRule, keys: list[str]) -> dict[str, Any]:
    """Key → when a person last closed a warning of ``rule`` about it (auto-closed ones left
    out), ``BATCH`` keys a query."""
    found: dict[str, Any] = {}
    for start in range(0, len(keys), BATCH):
        found.update(
            Warning.objects.filter(
                rule=rule,
                key__in=keys[start : start + BATCH],
                status=Status.CLOSED,
                auto_closed=False,
            )
            .values_list("key")
            .annotate(last=Max("closed_at"))
            .order_by()
        )
    return found


def _new_warnings(
    rule: WarningRule, metric: Metric, breaches: dict[str, Verdict], live: dict[str, Warning]
) -> list[Warning]:
    """The warnings (unsaved) of the breaches not live already and not closed by a person
    since the start of their period."""
    closed = _closed_by_people(rule, [key for key in breaches if key not in live])
    created = []
    for key, verdict in breaches.items():
        if key in live:
            continue
        o = verdict.observation
        last = closed.get(key)
        if last is not None and last >= day_start(o.span.start):
            continue  # a person closed it in this period: not raised again before the next
        created.append(
            Warning(
                rule=rule,
                level=rule.level,
                region_id=o.region_id,
                department_id=o.department_id,
                legal_person_id=o.legal_person_id,
                natural_person_id=o.natural_person_id,
                key=key,
                period_label=o.span.label,
                text=warning_text(rule, metric, verdict),
                evidence_url=o.evidence_url[:500],
                value=o.value,
                threshold=verdict.bound.quantize(Decimal("0.0001")),
            )
        )
    return created


def _auto_closed(cleared: list[Warning], actor: Any) -> list[AuditEntry]:
    """Close ``cleared`` (条件已解除, by the system) and return their audit entries."""
    now = timezone.now()
    for w in cleared:
        w.status = Status.CLOSED
        w.closed_at = now
        w.closed_by = None
        w.close_reason = AUTO_CLOSE_REASON
        w.auto_closed = True
    Warning.objects.bulk_update(
        cleared,
        ["status", "closed_at", "closed_by", "close_reason", "auto_closed"],
        batch_size=BATCH // 20,
    )
    return [
        audit.entry(
            "warning.closed",
            actor=actor,
            obj=w,
            before={"status": Status.OPEN if w.acknowledged_at is None else Status.ACKNOWLEDGED},
            after={"status": Status.CLOSED, "reason": AUTO_CLOSE_REASON, "automatic": True},
        )
        for w in cleared
    ]


def _apply(
    rule: WarningRule,
    metric: Metric,
    breaches: dict[str, Verdict],
    evaluated: set[str],
    actor: Any,
) -> tuple[int, int]:
    """Write one rule's outcome: create the new warnings, close the cleared ones. Under the
    rule's lock, so two evaluations never raise the same warning twice."""
    with transaction.atomic():
        advisory_xact_lock(f"alerts.rule.{rule.pk}")
        live = {
            w.key: w for w in Warning.objects.select_for_update().filter(rule=rule, status__in=LIVE)
        }
        created = _new_warnings(rule, metric, breaches, live)
        Warning.objects.bulk_create(created, batch_size=BATCH // 20)
        cleared = [w for key, w in live.items() if key in evaluated and key not in breaches]
        entries = [
            audit.entry("warning.raised", actor=actor, obj=w, after=_warning_out(w))
            for w in created
        ] + _auto_closed(cleared, actor)
        AuditEntry.objects.bulk_create(entries, batch_size=BATCH // 20)
        _publish([w.pk for w in created])
    return len(created), len(cleared)


def evaluate(actor: Any = None, *, today: Any = None) -> dict[str, Any]:
    """Evaluate every active rule now (``today``: the evaluation day, default the local date)
    and return ``{"rules", "created", "closed", "failed"}`` (``failed``: the codes of rules
    that could not be evaluated; the others are evaluated regardless). ``actor`` None is the
    system (the periodic job, the CLI); a person needs 确认和关闭预警."""
    if actor is not None:
        principal_of(actor).require(Perm.WARNING_HANDLE)
    today = today or timezone.localdate()
    summary: dict[str, Any] = {"rules": 0, "created": 0, "closed": 0, "failed": []}
    for rule in WarningRule.objects.filter(is_active=True).order_by("code"):
        metric = METRICS.get(rule.metric)
        try:
            if metric is None or rule.subject not in metric.subjects:
                raise ValueError(f"rule {rule.code}: metric {rule.metric} / {rule.subject}")
            breaches, evaluated = judge(rule, metric, today)
            created, closed = _apply(rule, metric, breaches, evaluated, actor)
        except Exception:
            logger.exception("warning rule %s could not be evaluated", rule.code)
            summary["failed"].append(rule.code)
            continue
        summary["rules"] += 1
        summary["created"] += created
        summary["closed"] += closed
    return summary


def _publish(created_ids: list[int]) -> None:
    """Hand the warnings just created to the webhook push (event type ``warning.raised``,
    registered by ``credit.alerts.events``), in the transaction that created them: the
    fan-out job commits or rolls back with the warnings."""
    if not created_ids:
        return
    from credit.events import delivery

    delivery.published(WARNING_RAISED, min(created_ids), max(created_ids))


# --------------------------------------------------------------------------------------------
# The life cycle of one warning
# --------------------------------------------------------------------------------------------


def _handled(actor: Any, warning: Warning) -> tuple[Principal, Warning]:
    """The principal (holding 确认和关闭预警) and the warning locked for the change; a warning
    outside its tenant is "not found", as it is for reading."""
    p = principal_of(actor)
    p.require(Perm.WARNING_HANDLE)
    locked = (
        Warning.objects.select_for_update().select_related("rule").filter(pk=warning.pk).first()
    )
    if locked is None or not p.manages(
        region_id=locked.region_id, department_id=locked.department_id
    ):
        raise NotFound("该预警不存在，或不在您的管理范围内", code="warning_not_found")
    return p, locked


def _note(text: str, *, required: str | None = None) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationFailed(required, code="reason_required", details={"field": "reason"})
    if len(text) > _MAX_NOTE:
        raise ValidationFailed(
            f"说明不能超过{_MAX_NOTE}个字", code="note_too_long", details={"field": "reason"}
        )
    return text


@transaction.atomic
def acknowledge(actor: Any, warning: Warning, note: str = "") -> Warning:
    """Mark an open warning as acknowledged (已确认: someone looks into it), with a note."""
    p, w = _handled(actor, warning)
    if w.status != Status.OPEN:
        raise ValidationFailed(
            f"该预警{w.get_status_display()}，只有待处理的预警可以确认", code="warning_not_open"
        )
    w.acknowledge_note = _note(note)
    w.status = Status.ACKNOWLEDGED
    w.acknowledged_at = timezone.now()
    w.acknowledged_by_id = p.user_id
    w.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "acknowledge_note"])
    audit.record(
        "warning.acknowledged",
        actor=p,
        obj=w,
        before={"status": Status.OPEN},
        after={"status": w.status, "note": w.acknowledge_note},
    )
    return w


@transaction.atomic
def close(actor: Any, warning: Warning, reason: str) -> Warning:
    """Close an open or acknowledged warning (已关闭) with the reason. A warning a person closed
    is not raised again for the same thing before its next period."""
    p, w = _handled(actor, warning)
    if w.status == Status.CLOSED:
        raise ValidationFailed("该预警已关闭，不能再次关闭", code="warning_closed")
    before = w.status
    w.close_reason = _note(reason, required="请填写关闭原因，例如已核实处理的情况")
    w.status = Status.CLOSED
    w.closed_at = timezone.now()
    w.closed_by_id = p.user_id
    w.auto_closed = False
    w.save(update_fields=["status", "closed_at", "closed_by", "close_reason", "auto_closed"])
    audit.record(
        "warning.closed",
        actor=p,
        obj=w,
        before={"status": before},
        after={"status": w.status, "reason": w.close_reason, "automatic": False},
    )
    return w


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


def may_manage_rules(actor: Any) -> bool:
    """The credit office: 确认和关闭预警 with the whole city as its tenant."""
    p = principal_of(actor)
    return p.has_perm(Perm.WARNING_HANDLE) and p.city_wide


def _require_rule_manager(actor: Any) -> None:
    if actor is None:
        return  # the system (default rules, data loads)
    p = principal_of(actor)
    p.require(Perm.WARNING_HANDLE)
    if not p.city_wide:
        raise PermissionDenied(
            "预警规则由市信用办统一维护，请联系市信用办调整", code="rules_city_office_only"
        )


def _decimal(value: Any, field: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(
            f"{label}应为数字", code="invalid_number", details={"field": field}
        ) from None
    if not found.is_finite() or abs(found) >= Decimal("1e10"):
        raise ValidationFailed(f"{label}超出范围", code="invalid_number", details={"field": field})
    return found.quantize(Decimal("0.0001"))


def rule_problems(
    *,
    code: str,
    name: str,
    metric: str,
    subject: str,
    comparison: str,
    threshold: Decimal | None,
    ratio_to_average: Decimal | None,
    period: str,
    level: str,
) -> list[tuple[str, str, str]]:
    """Every problem of a rule as ``(field, code, Chinese message)``; empty when valid."""
    problems = []
    if not _CODE.match(code or ""):
        problems.append(("code", "invalid_code", "规则标识应为2到64位小写字母、数字或连字符"))
    if not (name or "").strip():
        problems.append(("name", "name_required", "请填写规则名称"))
    found = METRICS.get(metric)
    if found is None:
        problems.append(("metric", "unknown_metric", "请选择预警指标"))
    elif subject not in found.subjects:
        allowed = "、".join(Subject(s).label for s in found.subjects)
        problems.append(
            ("subject", "subject_not_allowed", f"指标“{found.label}”只能按{allowed}预警")
        )
    for field, value, choices, label in (
        ("comparison", comparison, Comparison, "比较方式"),
        ("period", period, Period, "统计周期"),
        ("level", level, Level, "预警级别"),
    ):
        if value not in choices.values:
            problems.append((field, f"invalid_{field}", f"请选择{label}"))
    if (threshold is None) == (ratio_to_average is None):
        problems.append(
            ("threshold", "threshold_or_ratio", "阈值和“前12个周期平均值的倍数”须填写且只填写一项")
        )
    if ratio_to_average is not None:
        if found is not None and not found.averageable:
            problems.append(
                (
                    "ratio_to_average",
                    "ratio_not_allowed",
                    f"指标“{found.label}”不能与历史平均值比较，请填写阈值",
                )
            )
        if not Decimal(0) < ratio_to_average <= Decimal(100):
            problems.append(("ratio_to_average", "invalid_ratio", "倍数应大于0且不超过100"))
    bounded = threshold is not None and found is not None
    below = bounded and threshold < found.minimum
    above = bounded and found.maximum is not None and threshold > found.maximum
    if below or above:
        top = f"到{number(found.maximum)}" if found.maximum is not None else "以上"
        problems.append(
            (
                "threshold",
                "invalid_threshold",
                f"阈值应在{number(found.minimum)}{top}（单位：{found.unit}）",
            )
        )
    return problems


def _rule_out(rule: WarningRule) -> dict[str, Any]:
    return {
        "code": rule.code,
        "name": rule.name,
        "metric": rule.metric,
        "subject": rule.subject,
        "comparison": rule.comparison,
        "threshold": number(rule.threshold) if rule.threshold is not None else None,
        "ratio_to_average": number(rule.ratio_to_average)
        if rule.ratio_to_average is not None
        else None,
        "period": rule.period,
        "level": rule.level,
        "is_active": rule.is_active,
        "description": rule.description,
    }


@transaction.atomic
def save_rule(
    *,
    actor: Any,
    code: str,
    name: str,
    metric: str,
    subject: str,
    comparison: str,
    period: str,
    level: str,
    threshold: Any = None,
    ratio_to_average: Any = None,
    is_active: bool = True,
    description: str = "",
    new: bool = False,
) -> WarningRule:
    """Create or update the rule ``code`` (audited with before and after; an unchanged rule is
    left as it is). Exactly one of ``threshold`` and ``ratio_to_average``. ``new``: only
    create — a code already taken is refused (``rule_code_taken``)."""
    _require_rule_manager(actor)
    threshold = _decimal(threshold, "threshold", "阈值")
    ratio_to_average = _decimal(ratio_to_average, "ratio_to_average", "倍数")
    problems = rule_problems(
        code=code,
        name=name,
        metric=metric,
        subject=subject,
        comparison=comparison,
        threshold=threshold,
        ratio_to_average=ratio_to_average,
        period=period,
        level=level,
    )
    if problems:
        field, error, _ = problems[0]
        raise ValidationFailed(
            "；".join(message for _, _, message in problems),
            code=error,
            details={"field": field, "problems": [{"field": f, "code": c} for f, c, _ in problems]},
        )
    rule = WarningRule.objects.select_for_update().filter(code=code).first()
    if new and rule is not None:
        raise ValidationFailed(
            "已有该标识的规则，请换一个标识，或在规则列表中修改该规则",
            code="rule_code_taken",
            details={"field": "code"},
        )
    before = _rule_out(rule) if rule else None
    if rule is None:
        rule = WarningRule(code=code, created_by_id=principal_of(actor).user_id)
    rule.name = name.strip()[:100]
    rule.metric = metric
    rule.subject = subject
    rule.comparison = comparison
    rule.threshold = threshold
    rule.ratio_to_average = ratio_to_average
    rule.period = period
    rule.level = level
    rule.is_active = bool(is_active)
    rule.description = (description or "").strip()
    after = _rule_out(rule)
    if before == after:
        return rule
    rule.save()
    audit.record(
        "warningrule.created" if before is None else "warningrule.updated",
        actor=actor,
        obj=rule,
        before=before,
        after=after,
    )
    return rule


@transaction.atomic
def deactivate(*, actor: Any, rule: WarningRule) -> WarningRule:
    """Stop evaluating a rule (停用); its warnings stay as they are."""
    _require_rule_manager(actor)
    rule = WarningRule.objects.select_for_update().get(pk=rule.pk)
    if not rule.is_active:
        raise ValidationFailed("该规则已停用", code="rule_inactive")
    rule.is_active = False
    rule.save(update_fields=["is_active", "updated_at"])
    audit.record(
        "warningrule.deactivated",
        actor=actor,
        obj=rule,
        before={"is_active": True},
        after={"is_active": False},
    )
    return rule


def load_default_rules(actor: Any = None, *, path: Path = DEFAULT_RULES) -> int:
    """Create the default rules (``data/rules.json``: the issue's five examples) that do not
    exist yet; a rule already there, as the credit office may have changed it, is left alone.
    Idempotent; returns how many were created."""
    _require_rule_manager(actor)
    doc = json.loads(path.read_text(encoding="utf-8"))
    created = 0
    for raw in doc["rules"]:
        if WarningRule.objects.filter(code=raw["code"]).exists():
            continue
        save_rule(actor=actor, **raw)
        created += 1
    return created
