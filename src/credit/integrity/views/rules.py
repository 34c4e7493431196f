"""The score rules of the civil servants' integrity archive (评分规则): the versions with their
effective dates (the one in force marked), one version's lines by catalog item with the
红黑榜 rules beside them, and a new version copied from the current one with its points and
months edited (the credit office of the city only).

Rules are versioned data: a version that scored people is never edited; the content grows by a
new version from a date (seed L150). Writes go through :mod:`credit.integrity.services.rules`,
whose refusals the form shows.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for
from credit.core.access import PERM_LABELS, Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.forms import submit
from credit.core.http import found
from credit.integrity.constants import HonourKind
from credit.integrity.forms import RuleVersionForm
from credit.integrity.models import HonourRule, ScoreRule, ScoreRuleSet

#: Service error code → form field.
SERVICE_ERROR_FIELDS = {
    "ruleset_code_invalid": "code",
    "ruleset_code_taken": "code",
    "ruleset_name_required": "name",
    "ruleset_date_not_after": "effective_from",
}


def current_ruleset(today: datetime.date | None = None) -> ScoreRuleSet | None:
    """The version in force today: the latest effective on or before today (before the first
    version takes effect, the first)."""
    today = today or timezone.localdate()
    return (
        ScoreRuleSet.objects.filter(effective_from__lte=today).order_by("-effective_from").first()
        or ScoreRuleSet.objects.order_by("effective_from").first()
    )


def _state(ruleset: ScoreRuleSet, current: ScoreRuleSet | None, today: datetime.date) -> str:
    if current is not None and ruleset.pk == current.pk:
        return "current"
    return "future" if ruleset.effective_from > today else "past"


STATE_LABELS = {"current": "现行", "future": "待施行", "past": "已被替代"}


def _may_create(actor: Any) -> bool:
    p = principal_of(actor)
    return p.has_perm(Perm.INTEGRITY_MANAGE) and p.city_wide


@perm_required(Perm.INTEGRITY_VIEW)
def rule_list(request: HttpRequest) -> HttpResponse:
    """The rule versions, newest first, the one in force marked."""
    today = timezone.localdate()
    current = current_ruleset(today)
    versions = list(ScoreRuleSet.objects.annotate(lines=Count("rules")).order_by("-effective_from"))
    for v in versions:
        v.state = _state(v, current, today)
        v.state_label = STATE_LABELS[v.state]
    return render(
        request,
        "integrity/rules_list.html",
        {
            "versions": versions,
            "current": current,
            "honour_rules": HonourRule.objects.order_by("kind", "-effective_from"),
            "may_create": _may_create(request.user),
        },
    )


def _field_label(item: CatalogItem, code: str) -> str:
    if not code:
        return ""
    rule = spec_for(item).by_code().get(code)
    return rule.name if rule else code


def _groups(ruleset: ScoreRuleSet) -> list[dict[str, Any]]:
    """The version's lines grouped by catalog item, in the lines' order."""
    groups: dict[int, dict[str, Any]] = {}
    for rule in ScoreRule.objects.filter(ruleset=ruleset).select_related("item"):
        group = groups.setdefault(rule.item_id, {"item": rule.item, "lines": []})
        rule.field_label = _field_label(rule.item, rule.field)
        rule.date_label = _field_label(rule.item, rule.date_field)
        group["lines"].append(rule)
    return list(groups.values())


def _honour_rules(ruleset: ScoreRuleSet) -> list[HonourRule]:
    """The 红黑榜 rules in force while ``ruleset`` is: per list, the one in force on its first
    day and those that take effect before the next version does."""
    following = (
        ScoreRuleSet.objects.filter(effective_from__gt=ruleset.effective_from)
        .order_by("effective_from")
        .values_list("effective_from", flat=True)
        .first()
    )
    out = []
    for kind in HonourKind.values:
        rules = list(HonourRule.objects.filter(kind=kind).order_by("effective_from"))
        at_start = [r for r in rules if r.effective_from <= ruleset.effective_from][-1:]
        later = [
            r
            for r in rules
            if r.effective_from > ruleset.effective_from
            and (following is None or r.effective_from < following)
        ]
        out += at_start + later
    return out


@perm_required(Perm.INTEGRITY_VIEW)
def rule_version(request: HttpRequest, code: str) -> HttpResponse:
    """One rule version: base, grade thresholds, its lines by item and the 红黑榜 rules."""
    ruleset = found(ScoreRuleSet.objects.filter(code=code).first())
    today = timezone.localdate()
    current = current_ruleset(today)
    state = _state(ruleset, current, today)
    return render(
        request,
        "integrity/rules_version.html",
        {
            "ruleset": ruleset,
            "state": state,
            "state_label": STATE_LABELS[state],
            "groups": _groups(ruleset),
            "honour_rules": _honour_rules(ruleset),
            "may_create": _may_create(request.user),
        },
    )


def _new_version(actor: Any, form: RuleVersionForm, base: ScoreRuleSet):
    from credit.integrity.services import rules as rule_services

    def action(data: dict[str, Any]) -> ScoreRuleSet:
        changes = form.changes()
        return rule_services.new_version(
            actor=actor,
            based_on=base,
            code=data["code"],
            name=data["name"],
            effective_from=data["effective_from"],
            points={pk: line["points"] for pk, line in changes.items()},
            months={pk: line["months"] for pk, line in changes.items()},
            note=data["note"],
        )

    return action


@perm_required(Perm.INTEGRITY_MANAGE)
def rule_new(request: HttpRequest) -> HttpResponse:
    """A new rule version, copied from the current one: its code, name, effective date and
    note, and each line's points and months. The credit office of the city only (the rules
    score every civil servant of the city)."""
    if not principal_of(request.user).city_wide:
        return render(
            request,
            "403.html",
            {
                "perm_label": PERM_LABELS[Perm.INTEGRITY_MANAGE],
                "reason": (
                    "评分规则适用于全市公务员，只能由市信用办制定新版本；"
                    "辖市区如需调整请联系市信用办。"
                ),
            },
            status=403,
        )
    base = current_ruleset()
    lines = list(base.rules.select_related("item")) if base is not None else []
    for rule in lines:
        rule.field_label = _field_label(rule.item, rule.field)
    form = RuleVersionForm(request.POST or None, lines=lines)
    if base is not None and request.method == "POST":
        response = submit(
            request,
            form,
            _new_version(request.user, form, base),
            done=lambda created: reverse("integrity:rule_version", args=[created.code]),
            message=lambda created: (
                f"已制定评分规则新版本“{created.name}”，自 {created.effective_from:%Y-%m-%d} 起施行"
            ),
            errors=SERVICE_ERROR_FIELDS,
        )
        if response is not None:
            return response
    return render(
        request,
        "integrity/rules_new.html",
        {"form": form, "base": base, "rows": form.line_rows()},
    )


urls = [
    path("rules/", rule_list, name="rules"),
    path("rules/new/", rule_new, name="rule_new"),
    path("rules/<slug:code>/", rule_version, name="rule_version"),
]
