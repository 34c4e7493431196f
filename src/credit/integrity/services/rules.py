"""Writes of the score rules (评分规则) and the 红黑榜 rules: the rules file's import and a new
rule version.

The rules are versioned data (the seed says the archive's content grows in later phases): a
change of points or periods is a new version in force from a later date, never an edit of the
version that scored people. Scores as at a date use the version in force then
(:func:`credit.integrity.rules.version_at`); the daily job recomputes everyone computed before
a version came into force (:func:`credit.integrity.services.scoring.due_today`).
"""

from __future__ import annotations

import datetime
import json
import re
from pathlib import Path
from typing import Any

from django.db import transaction

from credit.catalog.models import CatalogItem
from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.integrity import rules
from credit.integrity.models import HonourRule, ScoreItem, ScoreRule, ScoreRuleSet

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "rules.json"

#: A rule line's columns that the file sets (besides its identity: item, field, value).
LINE_COLUMNS = ("label", "points", "date_field", "months", "note", "sort_order")
#: A version's columns that the file sets (besides its code).
RULESET_COLUMNS = (
    "name",
    "effective_from",
    "base",
    "grade_a_min",
    "grade_b_min",
    "grade_c_min",
    "basis",
    "note",
)
HONOUR_COLUMNS = (
    "name",
    "items",
    "min_count",
    "years",
    "require_excellent",
    "published",
    "measures",
    "basis",
)
CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")
#: Bounds of a line's points and period in a new version (a score stays a score).
MAX_POINTS = 1000
MAX_MONTHS = 600


class RulesFileError(ValidationFailed):
    """The rules file is invalid; ``problems`` lists why (nothing was imported)."""

    code = "rules_file_invalid"

    def __init__(self, problems: list[str]):
        super().__init__(
            f"评分规则文件有 {len(problems)} 处问题，未导入", details={"problems": problems}
        )
        self.problems = problems


def read_rules_file(path: str | Path | None = None) -> dict[str, Any]:
    return json.loads(Path(path or RULES_FILE).read_text(encoding="utf-8"))


@transaction.atomic
def import_rules(path: str | Path | None = None, *, actor: Any = None) -> dict[str, int]:
    """Load the rules file (default: the seed's table, ``data/rules.json``): each version by
    its code with its lines by (item, field, value), and the 红黑榜 rules by (kind, effective
    date). Idempotent: a second import changes nothing. A line of a listed version that the
    file no longer has is removed unless it explained a score (then it is kept and counted
    under ``rules_kept``). Audited when anything changed. Returns counts."""
    doc = read_rules_file(path)
    items = {i.code: i for i in CatalogItem.objects.all()}
    problems = rules.check_rules_file(doc, items=items)
    if problems:
        raise RulesFileError(problems)
    counts = dict.fromkeys(
        (
            "rulesets_created",
            "rulesets_updated",
            "rules_created",
            "rules_updated",
            "rules_removed",
            "rules_kept",
            "honour_created",
            "honour_updated",
        ),
        0,
    )
    for data in doc["rulesets"]:
        values = {
            "name": data["name"],
            "effective_from": datetime.date.fromisoformat(data["effective_from"]),
            "base": data.get("base", rules.BASE),
            "grade_a_min": data.get("grade_a_min", rules.GRADE_A_MIN),
            "grade_b_min": data.get("grade_b_min", rules.GRADE_B_MIN),
            "grade_c_min": data.get("grade_c_min", rules.GRADE_C_MIN),
            "basis": data.get("basis", ""),
            "note": data.get("note", ""),
        }
        ruleset = ScoreRuleSet.objects.filter(code=data["code"]).first()
        if ruleset is None:
            ruleset = ScoreRuleSet.objects.create(code=data["code"], **values)
            counts["rulesets_created"] += 1
        elif _assign(ruleset, values):
            ruleset.save()
            counts["rulesets_updated"] += 1
        _import_lines(ruleset, data.get("rules", []), items, counts)
    for data in doc.get("honour", []):
        values = {name: data[name] for name in HONOUR_COLUMNS if name in data}
        when = datetime.date.fromisoformat(data["effective_from"])
        found = HonourRule.objects.filter(kind=data["kind"], effective_from=when).first()
        if found is None:
            HonourRule.objects.create(kind=data["kind"], effective_from=when, **values)
            counts["honour_created"] += 1
        elif _assign(found, values):
            found.save()
            counts["honour_updated"] += 1
    changed = {k: v for k, v in counts.items() if v and k != "rules_kept"}
    if changed:
        audit.record(
            "integrity.rules_imported",
            actor=actor,
            object_type=ScoreRuleSet._meta.label_lower,
            after=counts,
        )
    return counts


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    """Set ``values`` on ``obj``; whether any differed."""
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    return changed


def _import_lines(
    ruleset: ScoreRuleSet, lines: list[dict], items: dict[str, CatalogItem], counts: dict
) -> None:
    existing = {(r.item_id, r.field, r.value): r for r in ruleset.rules.all()}
    seen = set()
    for n, data in enumerate(lines, start=1):
        key = (items[data["item"]].pk, data.get("field", ""), data.get("value", ""))
        seen.add(key)
        values = {
            "label": data["label"],
            "points": data["points"],
            "date_field": data.get("date_field", ""),
            "months": data.get("months"),
            "note": data.get("note", ""),
            "sort_order": n,
        }
        found = existing.get(key)
        if found is None:
            ScoreRule.objects.create(
                ruleset=ruleset, item_id=key[0], field=key[1], value=key[2], **values
            )
            counts["rules_created"] += 1
        elif _assign(found, values):
            found.save()
            counts["rules_updated"] += 1
    for key, line in existing.items():
        if key in seen:
            continue
        if ScoreItem.objects.filter(rule=line).exists():
            counts["rules_kept"] += 1
        else:
            line.delete()
            counts["rules_removed"] += 1


@transaction.atomic
def new_version(
    *,
    actor: Any,
    based_on: ScoreRuleSet,
    code: str,
    name: str,
    effective_from: datetime.date,
    points: dict[int, int] | None = None,
    months: dict[int, int | None] | None = None,
    note: str = "",
) -> ScoreRuleSet:
    """A new rule version in force from ``effective_from``: a copy of ``based_on``'s lines
    with the ``points`` and ``months`` given by line id changed (base and thresholds copied).

    Only the city's credit office (city-wide, 维护政务诚信) issues a version. Its date must lie
    after every existing version's: a version in force once is never rewritten, and history
    before the new date keeps the rules that applied then. The daily job recomputes the
    scores once the date is reached (at once when it already is). Audited with every change.
    """
    principal = principal_of(actor)
    principal.require(Perm.INTEGRITY_MANAGE)
    if not principal.city_wide:
        raise PermissionDenied("只有市信用办可以发布评分规则新版本", code="ruleset_city_only")
    points, months = dict(points or {}), dict(months or {})
    code, name = (code or "").strip(), (name or "").strip()
    if not CODE_PATTERN.match(code):
        raise ValidationFailed(
            "版本标识须为2–64位小写字母、数字或连字符", code="ruleset_code_invalid"
        )
    if not name:
        raise ValidationFailed("请填写版本名称", code="ruleset_name_required")
    # Serialise version issues: the date check below must see every other version.
    list(ScoreRuleSet.objects.select_for_update().values_list("pk", flat=True))
    if ScoreRuleSet.objects.filter(code=code).exists():
        raise ValidationFailed(f"版本标识“{code}”已被使用", code="ruleset_code_taken")
    latest = ScoreRuleSet.objects.order_by("-effective_from").first()
    if latest is not None and effective_from <= latest.effective_from:
        raise ValidationFailed(
            f"新版本的施行日期须晚于现有各版本（最晚为 {latest.effective_from:%Y-%m-%d}）",
            code="ruleset_date_not_after",
        )
    lines = list(based_on.rules.select_related("item").order_by("sort_order", "id"))
    ids = {line.pk for line in lines}
    unknown = sorted((set(points) | set(months)) - ids)
    if unknown:
        raise ValidationFailed(
            f"规则 {', '.join(map(str, unknown))} 不属于版本“{based_on.name}”",
            code="ruleset_line_unknown",
        )
    for line_id, value in points.items():
        if not isinstance(value, int) or isinstance(value, bool) or abs(value) > MAX_POINTS:
            raise ValidationFailed(
                f"分值须为 −{MAX_POINTS} 至 {MAX_POINTS} 的整数（规则 {line_id}）",
                code="ruleset_points_invalid",
            )
    for line_id, value in months.items():
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_MONTHS
        ):
            raise ValidationFailed(
                f"计分期限须为 0 至 {MAX_MONTHS} 个月或不限（规则 {line_id}）",
                code="ruleset_months_invalid",
            )
    created = ScoreRuleSet.objects.create(
        code=code,
        name=name,
        effective_from=effective_from,
        base=based_on.base,
        grade_a_min=based_on.grade_a_min,
        grade_b_min=based_on.grade_b_min,
        grade_c_min=based_on.grade_c_min,
        basis=based_on.basis,
        note=note,
    )
    changes = {}
    copies = []
    for line in lines:
        new_points = points.get(line.pk, line.points)
        new_months = months.get(line.pk, line.months)
        if (new_points, new_months) != (line.points, line.months):
            changes[line.label] = {
                "points": [line.points, new_points],
                "months": [line.months, new_months],
            }
        copies.append(
            ScoreRule(
                ruleset=created,
                item_id=line.item_id,
                label=line.label,
                field=line.field,
                value=line.value,
                points=new_points,
                date_field=line.date_field,
                months=new_months,
                note=line.note,
                sort_order=line.sort_order,
            )
        )
    ScoreRule.objects.bulk_create(copies)
    audit.record(
        "integrity.ruleset_created",
        actor=actor,
        obj=created,
        after={
            "code": code,
            "effective_from": effective_from.isoformat(),
            "based_on": based_on.code,
            "changes": changes,
            "note": note,
        },
    )
    return created
