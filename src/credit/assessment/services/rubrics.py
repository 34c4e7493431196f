"""Writes of rubrics (考核细则): the seeded city rubric's import, a new version copied from
another, an indicator's edit.

A rubric is versioned data: an assessment scores with the rubric it was opened with, so a
version that an assessment has used is never edited (:func:`ensure_editable`); a change is a
copy (:func:`copy_rubric`) edited before use. :func:`rubric_for` picks the latest version of a
year for the city or a district's self-check.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max

from credit.assessment import metrics, rules
from credit.assessment.constants import AppliesTo, IndicatorKind, Method
from credit.assessment.models import Indicator, Rubric
from credit.assessment.selectors import acting, may_manage, own_district
from credit.core import audit
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Region

RUBRIC_FILE = Path(__file__).resolve().parent.parent / "data" / "rubric.json"

#: The indicator columns :func:`update_indicator` may change.
EDITABLE = (
    "name",
    "points",
    "formula",
    "criteria",
    "monitoring_point",
    "applies_to",
    "metric",
    "method",
)
MAX_POINTS = Decimal("1000")


class RubricFileError(ValidationFailed):
    """The rubric file is invalid; ``problems`` lists why (nothing was imported)."""

    code = "rubric_file_invalid"

    def __init__(self, problems: list[str]):
        super().__init__(
            f"考核细则文件有 {len(problems)} 处问题，未导入", details={"problems": problems}
        )
        self.problems = problems


def is_used(rubric: Rubric) -> bool:
    """Whether an assessment has scored with ``rubric`` (it is then never edited)."""
    return rubric.assessments.exists()


def ensure_editable(rubric: Rubric) -> None:
    """Refuse (``rubric_used``) to change a rubric an assessment has used."""
    if is_used(rubric):
        raise ValidationFailed(
            f"“{rubric}”已用于考核，不能修改；请复制为新版本后修改",
            code="rubric_used",
        )


def rubric_for(year: int, owner_region: Region | None = None) -> Rubric | None:
    """The latest version of ``year``'s rubric of the city (``owner_region`` None) or of a
    district's self-check."""
    return Rubric.objects.filter(year=year, owner_region=owner_region).order_by("-version").first()


# --- the file ----------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return found if found.is_finite() else None


def check_indicator(data: dict[str, Any], where: str) -> list[str]:
    """The problems of one indicator's values (Chinese; [] when it is valid): kind, method,
    points, applies_to, the metric of an automatic indicator and its formula."""
    problems: list[str] = []
    kind, method = data.get("kind"), data.get("method")
    if kind not in IndicatorKind.values:
        problems.append(f"{where}：类型“{kind}”无效")
    if method not in Method.values:
        problems.append(f"{where}：评分方式“{method}”无效")
    if (kind == IndicatorKind.SECTION) != (method == Method.SUM):
        problems.append(f"{where}：考核内容（分组）的评分方式必须是下级指标合计，指标不能是")
    points = _decimal(data.get("points"))
    if points is None or points < 0 or points > MAX_POINTS:
        problems.append(f"{where}：分值应为 0 至 1000 之间的数")
    if data.get("applies_to", AppliesTo.ALL) not in AppliesTo.values:
        problems.append(f"{where}：适用对象“{data.get('applies_to')}”无效")
    if method == Method.AUTO:
        code = data.get("metric") or ""
        if code not in metrics.METRICS:
            problems.append(f"{where}：监测指标“{code}”不存在")
        if points is not None and kind in (
            IndicatorKind.ITEM,
            IndicatorKind.BONUS,
            IndicatorKind.DEDUCTION,
        ):
            for error in rules.validate_formula(
                data.get("formula") or {}, points=points, kind=kind
            ):
                problems.append(f"{where}：{error}")
    elif data.get("metric") and data.get("metric") not in metrics.METRICS:
        problems.append(f"{where}：监测指标“{data.get('metric')}”不存在")
    return problems


def check_tree(nodes: list[dict[str, Any]], prefix: str = "") -> list[str]:
    """The problems of a tree of indicator dicts: each indicator valid, codes unique, a
    section's points the sum of its children's."""
    problems: list[str] = []
    seen: set[str] = set()

    def walk(items: list[dict[str, Any]], parent: dict[str, Any] | None) -> None:
        for data in items:
            code = str(data.get("code") or "").strip()
            where = f"指标“{code or data.get('name', '?')}”"
            if not code or len(code) > 20:
                problems.append(f"{where}：编号不能为空，最多20个字符")
            elif code in seen:
                problems.append(f"{where}：编号重复")
            seen.add(code)
            if not str(data.get("name") or "").strip():
                problems.append(f"{where}：名称不能为空")
            problems.extend(check_indicator(data, where))
            children = data.get("children") or []
            if data.get("kind") == IndicatorKind.SECTION:
                if not children:
                    problems.append(f"{where}：考核内容（分组）下没有指标")
                total = sum((_decimal(c.get("points")) or Decimal(0) for c in children), Decimal(0))
                if _decimal(data.get("points")) != total:
                    problems.append(f"{where}：分值应等于下级指标分值之和 {total}")
            elif children:
                problems.append(f"{where}：只有考核内容（分组）可以有下级指标")
            walk(children, data)

    walk(nodes, None)
    return problems


def _create_tree(rubric: Rubric, nodes: list[dict[str, Any]]) -> int:
    order = 0

    def walk(items: list[dict[str, Any]], parent: Indicator | None) -> None:
        nonlocal order
        for data in items:
            order += 1
            indicator = Indicator.objects.create(
                rubric=rubric,
                parent=parent,
                code=str(data["code"]).strip(),
                name=str(data["name"]).strip(),
                kind=data["kind"],
                points=Decimal(str(data["points"])),
                method=data["method"],
                metric=data.get("metric") or "",
                formula=data.get("formula") or {},
                monitoring_point=data.get("monitoring_point") or "",
                criteria=data.get("criteria") or "",
                applies_to=data.get("applies_to") or AppliesTo.ALL,
                sort_order=order,
            )
            walk(data.get("children") or [], indicator)

    walk(nodes, None)
    return order


def _normal_tree(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The file's indicators as compared with the stored ones."""
    return [
        {
            "code": str(d["code"]).strip(),
            "name": str(d["name"]).strip(),
            "kind": d["kind"],
            "points": Decimal(str(d["points"])),
            "method": d["method"],
            "metric": d.get("metric") or "",
            "formula": d.get("formula") or {},
            "monitoring_point": d.get("monitoring_point") or "",
            "criteria": d.get("criteria") or "",
            "applies_to": d.get("applies_to") or AppliesTo.ALL,
            "children": _normal_tree(d.get("children") or []),
        }
        for d in nodes
    ]


def _stored_tree(rubric: Rubric) -> list[dict[str, Any]]:
    """The stored indicators of ``rubric`` as :func:`_normal_tree` gives the file's."""
    by_parent: dict[int | None, list[Indicator]] = {}
    for ind in rubric.indicators.order_by("sort_order", "id"):
        by_parent.setdefault(ind.parent_id, []).append(ind)

    def walk(parent_id: int | None) -> list[dict[str, Any]]:
        return [
            {
                "code": i.code,
                "name": i.name,
                "kind": i.kind,
                "points": i.points,
                "method": i.method,
                "metric": i.metric,
                "formula": i.formula,
                "monitoring_point": i.monitoring_point,
                "criteria": i.criteria,
                "applies_to": i.applies_to,
                "children": walk(i.pk),
            }
            for i in by_parent.get(parent_id, [])
        ]

    return walk(None)


@transaction.atomic
def import_rubric(path: Path | None = None, *, actor: Any = None) -> Rubric:
    """Load the city rubric file (default ``data/rubric.json``: 2026, version 1). Idempotent:
    a version of that (city, year, version) that no assessment has used is replaced by the
    file's when they differ (an unchanged one is left with its indicators' ids); a used one
    is left as it is and returned. Audited (``rubric.imported``) when it is created or
    replaced."""
    doc = json.loads(Path(path or RUBRIC_FILE).read_text(encoding="utf-8"))
    problems = []
    year, version = doc.get("year"), doc.get("version", 1)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        problems.append("年度应为 2000 至 2100 之间的整数")
    if not isinstance(version, int) or not 1 <= version <= 999:
        problems.append("版本应为正整数")
    if not str(doc.get("name") or "").strip():
        problems.append("考核细则名称不能为空")
    problems.extend(check_tree(doc.get("indicators") or []))
    if not doc.get("indicators"):
        problems.append("考核细则没有指标")
    if problems:
        raise RubricFileError(problems)
    found = (
        Rubric.objects.select_for_update()
        .filter(owner_region=None, year=year, version=version)
        .first()
    )
    if found is not None and is_used(found):
        return found
    values = {
        "name": doc["name"].strip(),
        "basis": doc.get("basis", ""),
        "note": doc.get("note", ""),
    }
    if found is None:
        found = Rubric.objects.create(owner_region=None, year=year, version=version, **values)
        replaced = False
    elif all(getattr(found, k) == v for k, v in values.items()) and _stored_tree(
        found
    ) == _normal_tree(doc["indicators"]):
        return found  # unchanged: nothing written
    else:
        for name, value in values.items():
            setattr(found, name, value)
        found.save()
        found.indicators.all().delete()
        replaced = True
    count = _create_tree(found, doc["indicators"])
    audit.record(
        "rubric.imported",
        actor=actor,
        obj=found,
        after={"year": year, "version": version, "indicators": count, "replaced": replaced},
    )
    return found


# --- versions and edits ------------------------------------------------------------------


def _require_manage(actor: Any, owner_region: Region | None) -> None:
    if not may_manage(actor, owner_region):
        raise PermissionDenied(
            "您没有组织本范围考核的权限（考核细则、计算、评审、公布）",
            code="permission_denied",
        )


@transaction.atomic
def copy_rubric(
    *, actor: Any, rubric: Rubric, year: int | None = None, owner_region: Region | None = None
) -> Rubric:
    """A new version of ``rubric`` for ``year`` (default: the same year) and ``owner_region``
    (the city when None): the next version number of that (owner, year), every indicator
    copied with its tree. The actor manages the target's scope."""
    _require_manage(actor, owner_region)
    year = year or rubric.year
    if not 2000 <= year <= 2100:
        raise ValidationFailed("年度应为 2000 至 2100 之间", code="invalid_year")
    last = (
        Rubric.objects.select_for_update()
        .filter(year=year, owner_region=owner_region)
        .aggregate(v=Max("version"))["v"]
    )
    name = rubric.name
    if rubric.year != year:
        name = name.replace(str(rubric.year), str(year))
    if owner_region is not None and rubric.owner_region_id != owner_region.pk:
        name = f"{owner_region.name}自评检查：{name}"[:200]
    new = Rubric.objects.create(
        year=year,
        version=(last or 0) + 1,
        owner_region=owner_region,
        name=name,
        basis=rubric.basis,
        note=rubric.note,
        created_by_id=acting(actor).user_id,
    )
    mapping: dict[int, Indicator] = {}
    for old in rubric.indicators.order_by("sort_order", "id"):
        copied = Indicator.objects.create(
            rubric=new,
            parent=mapping.get(old.parent_id) if old.parent_id else None,
            code=old.code,
            name=old.name,
            kind=old.kind,
            points=old.points,
            method=old.method,
            metric=old.metric,
            formula=old.formula,
            monitoring_point=old.monitoring_point,
            criteria=old.criteria,
            applies_to=old.applies_to,
            sort_order=old.sort_order,
        )
        mapping[old.pk] = copied
    audit.record(
        "rubric.copied",
        actor=actor,
        obj=new,
        after={
            "from": rubric.pk,
            "year": year,
            "version": new.version,
            "owner_region": owner_region.pk if owner_region else None,
            "indicators": len(mapping),
        },
    )
    return new


@transaction.atomic
def copy_for_own_district(*, actor: Any, year: int) -> Rubric:
    """The city's latest rubric of ``year`` copied as the self-check rubric (自评检查细则) of
    ``actor``'s own district. ``PermissionDenied`` for anyone but a district's administrator
    (the city chooses a district when it runs a check, and uses the city's rubric);
    ``ValidationFailed`` when the city's rubric of that year is not imported yet."""
    district = own_district(actor)
    if district is None:
        raise PermissionDenied(
            "只有辖市区管理员可以建立本辖区的自评检查细则", code="not_a_district"
        )
    city = rubric_for(year, None)
    if city is None:
        raise ValidationFailed(
            f"{year}年的全市考核细则尚未导入，请联系市信用办", code="city_rubric_missing"
        )
    return copy_rubric(actor=actor, rubric=city, owner_region=district)


@transaction.atomic
def update_indicator(*, actor: Any, indicator: Indicator, **fields: Any) -> Indicator:
    """Change an indicator of a rubric not yet used (``rubric_used`` otherwise): name, points,
    formula, criteria, monitoring point, applies_to, metric, method — validated as the file is
    (the formula by :func:`credit.assessment.rules.validate_formula`; a section's points stay
    the sum of its children, so an item's points change its sections' with it)."""
    rubric = Rubric.objects.select_for_update().get(pk=indicator.rubric_id)
    _require_manage(actor, rubric.owner_region)
    ensure_editable(rubric)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ValidationFailed(
            "不能修改的字段：" + "、".join(sorted(unknown)), code="invalid_field"
        )
    indicator = Indicator.objects.get(pk=indicator.pk)
    before = {name: _plain(getattr(indicator, name)) for name in fields}
    data = {
        "code": indicator.code,
        "kind": indicator.kind,
        **{name: getattr(indicator, name) for name in EDITABLE},
        **fields,
    }
    if (
        indicator.kind == IndicatorKind.SECTION
        and "points" in fields
        and _decimal(fields["points"]) != indicator.points
    ):
        raise ValidationFailed(
            "考核内容（分组）的分值是下级指标分值之和，请修改下级指标", code="section_points"
        )
    if data.get("method") != Method.AUTO and indicator.kind != IndicatorKind.SECTION:
        data["metric"] = data.get("metric") or ""
    if not str(data.get("name") or "").strip():
        raise ValidationFailed("名称不能为空", code="invalid_indicator")
    problems = check_indicator(data, f"指标“{indicator.code}”")
    if problems:
        raise ValidationFailed("；".join(problems), code="invalid_indicator")
    old_points = indicator.points
    for name, value in fields.items():
        if name == "points":
            value = rules.quantize(Decimal(str(value)))
        elif name in ("name", "criteria", "monitoring_point", "metric"):
            value = (value or "").strip()
        elif name == "formula":
            value = value or {}
        setattr(indicator, name, value)
    indicator.save()
    delta = indicator.points - old_points
    if delta:
        parent_id = indicator.parent_id
        while parent_id:
            parent = Indicator.objects.get(pk=parent_id)
            parent.points += delta
            parent.save(update_fields=["points"])
            parent_id = parent.parent_id
    audit.record(
        "indicator.updated",
        actor=actor,
        obj=indicator,
        before=before,
        after={name: _plain(getattr(indicator, name)) for name in fields},
    )
    return indicator


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value
