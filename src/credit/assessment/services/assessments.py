"""Writes of assessments (考核): opening one for a period, computing its automatic items,
units' self-scores (自评) with evidence (佐证材料), closing self-scoring, the credit office's
review (评审) and publication (公布), a district's self-check (自评检查) and the daily job.

Status: 自评中 (open) → 评审中 (reviewing) → 已公布 (published). Every write locks the
assessment row (``select_for_update``) before it reads its status, checks the scope rule of
:mod:`credit.assessment.selectors` first and writes its audit entry in its transaction.
Computing measures each platform metric once for every unit (``metrics.measure``) and writes
the scores and the units' totals in bulk, so its query count does not grow with the units.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.assessment import metrics, rules
from credit.assessment.constants import (
    AppliesTo,
    AssessmentStatus,
    IndicatorKind,
    Method,
    PeriodKind,
    UnitKind,
    UnitStatus,
    Visibility,
)
from credit.assessment.models import Assessment, Evidence, Indicator, Score, Unit
from credit.assessment.periods import PeriodError, parse_period, period_code, period_text
from credit.assessment.selectors import acting, is_own_unit, may_manage
from credit.assessment.services.rubrics import copy_rubric, rubric_for
from credit.core import audit
from credit.core.access import Perm
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department, Region
from credit.objections import uploads

ZERO = Decimal("0")
#: The most evidence files one score keeps.
MAX_EVIDENCE = 10
NOTE_LIMIT = 2000


# --- checks ------------------------------------------------------------------------------


def _require_manage(actor: Any, target: Assessment | Region | None) -> None:
    if not may_manage(actor, target):
        raise PermissionDenied(
            "您没有组织本范围考核的权限（发起、计算、评审、公布）", code="permission_denied"
        )


def _require_self(actor: Any, unit: Unit, assessment: Assessment) -> None:
    """The self-scoring rule: 填报本单位的考核自评, the unit its own, the assessment open,
    the unit's self-score not submitted."""
    p = acting(actor)
    p.require(Perm.ASSESSMENT_SELF)
    if not is_own_unit(p, unit):
        raise PermissionDenied("只能填报本单位的考核自评", code="not_own_unit")
    if assessment.status != AssessmentStatus.OPEN:
        raise ValidationFailed(
            f"{period_text(assessment.period)}考核已结束自评，不能再修改自评",
            code="self_scoring_closed",
        )
    if unit.status != UnitStatus.PENDING:
        raise ValidationFailed(f"{unit.name}已提交自评，不能再修改", code="self_submitted")


def _locked(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("rubric").get(pk=assessment.pk)


def _locked_unit(unit: Unit) -> tuple[Assessment, Unit]:
    assessment = _locked(Assessment(pk=unit.assessment_id))
    found = Unit.objects.select_for_update().get(pk=unit.pk)
    found.assessment = assessment
    return assessment, found


def _span(assessment: Assessment):
    return parse_period(assessment.period)


def applies(indicator: Indicator, kind: str) -> bool:
    """Whether ``indicator`` applies to a unit of ``kind``."""
    return indicator.applies_to in (AppliesTo.ALL, kind)


# --- opening -----------------------------------------------------------------------------


def _units_of(owner_region: Region | None) -> list[Unit]:
    """The units assessed (unsaved): the city's departments and districts, or a district's
    departments and itself."""
    departments = Department.objects.filter(is_active=True, is_data_provider=True)
    if owner_region is None:
        departments = departments.filter(kind=Department.Kind.CITY)
        districts = list(
            Region.objects.filter(is_active=True, level=Region.Level.DISTRICT).order_by(
                "sort_order", "code"
            )
        )
    else:
        departments = departments.filter(region=owner_region).exclude(
            kind=Department.Kind.CREDIT_OFFICE
        )
        districts = [owner_region]
    units = [
        Unit(
            kind=UnitKind.DEPARTMENT,
            department=d,
            region_id=d.region_id,
            name=d.name,
            sort_order=i,
        )
        for i, d in enumerate(departments.order_by("sort_order", "code"), start=1)
    ]
    units += [
        Unit(kind=UnitKind.DISTRICT, region=r, name=r.name, sort_order=i)
        for i, r in enumerate(districts, start=1)
    ]
    return units


@transaction.atomic
def open_assessment(
    *,
    actor: Any,
    period: str,
    owner_region: Region | None = None,
    visibility: str = Visibility.INTERNAL,
    self_due: datetime.date | None = None,
) -> Assessment:
    """Open the assessment of ``period`` (``2026Q4`` or ``2026``) of the city's departments
    and districts, or of the district ``owner_region``'s departments and itself (its
    self-check), with the latest rubric of the period's year (a district without a rubric of
    its own copies the city's). Creates the units and their scores and computes the
    automatic items. ``assessment_exists`` when the period is already opened."""
    _require_manage(actor, owner_region)
    try:
        span = parse_period(period)
    except PeriodError as e:
        raise ValidationFailed(str(e), code="invalid_period") from e
    if visibility not in Visibility.values:
        raise ValidationFailed("公布范围无效", code="invalid_visibility")
    code = period_code(span)
    if self_due is not None and self_due < span.start:
        raise ValidationFailed("自评截止日期不能早于考核周期开始", code="invalid_self_due")
    if Assessment.objects.filter(period=code, owner_region=owner_region).exists():
        raise ValidationFailed(
            f"{_scope_text(owner_region)}{period_text(code)}考核已经发起",
            code="assessment_exists",
        )
    rubric = rubric_for(span.start.year, owner_region)
    if rubric is None and owner_region is not None:
        city = rubric_for(span.start.year, None)
        if city is not None:
            rubric = copy_rubric(actor=actor, rubric=city, owner_region=owner_region)
    if rubric is None:
        raise ValidationFailed(
            f"{span.start.year}年度还没有考核细则，请先导入或复制考核细则",
            code="rubric_missing",
        )
    assessment = Assessment.objects.create(
        period=code,
        kind=PeriodKind.QUARTER if span.kind == "quarter" else PeriodKind.YEAR,
        start=span.start,
        end=span.end,
        owner_region=owner_region,
        rubric=rubric,
        visibility=visibility,
        self_due=self_due,
        opened_by_id=acting(actor).user_id,
    )
    units = _units_of(owner_region)
    for u in units:
        u.assessment = assessment
    Unit.objects.bulk_create(units)
    indicators = [i for i in rubric.indicators.all() if i.kind != IndicatorKind.SECTION]
    Score.objects.bulk_create(
        [Score(unit=u, indicator=i) for u in units for i in indicators if applies(i, u.kind)]
    )
    kinds = defaultdict(int)
    for u in units:
        kinds[u.kind] += 1
    audit.record(
        "assessment.opened",
        actor=actor,
        obj=assessment,
        after={
            "period": code,
            "owner_region": owner_region.pk if owner_region else None,
            "rubric": rubric.pk,
            "departments": kinds[UnitKind.DEPARTMENT],
            "districts": kinds[UnitKind.DISTRICT],
            "visibility": visibility,
            "self_due": self_due.isoformat() if self_due else None,
        },
    )
    return compute(actor=actor, assessment=assessment)


def _scope_text(owner_region: Region | None) -> str:
    return f"{owner_region.name}自评检查" if owner_region else "全市"


# --- computing ---------------------------------------------------------------------------


@transaction.atomic
def compute(*, actor: Any, assessment: Assessment) -> Assessment:
    """Compute every automatic indicator of every unit: each metric measured once for all
    the units it applies to, rank formulas ranked among the units of the same kind; then the
    units' totals and ranks. A reviewed unit's automatic items follow the new points unless
    the reviewer set them. Refused once published."""
    _require_manage(actor, assessment)
    assessment = _locked(assessment)
    if assessment.status == AssessmentStatus.PUBLISHED:
        raise ValidationFailed("考核结果已公布，不能重新计算", code="assessment_published")
    span = _span(assessment)
    now = timezone.now()
    units = {u.pk: u for u in assessment.units.all()}
    targets = {pk: metrics.target_of(u) for pk, u in units.items()}
    scores = list(
        Score.objects.filter(unit__assessment=assessment, indicator__method=Method.AUTO)
        .select_related("indicator")
        .order_by("id")
    )
    by_metric: dict[str, list[Score]] = defaultdict(list)
    for s in scores:
        by_metric[s.indicator.metric].append(s)
    for code, group in by_metric.items():
        wanted = list(dict.fromkeys(targets[s.unit_id] for s in group))
        measured = metrics.measure(code, wanted, span)
        higher = metrics.get(code).higher_is_better
        by_indicator: dict[int, list[Score]] = defaultdict(list)
        for s in group:
            by_indicator[s.indicator_id].append(s)
        for ind_scores in by_indicator.values():
            indicator = ind_scores[0].indicator
            ranks: dict[int, int | None] = {}
            ranked: dict[str, int] = {}
            if rules.needs_rank(indicator.formula):
                for kind in UnitKind.values:
                    values = {
                        s.pk: _value(measured.get(targets[s.unit_id]))
                        for s in ind_scores
                        if units[s.unit_id].kind == kind
                    }
                    found = rules.competition_rank(values, higher_is_better=higher)
                    ranks.update(found)
                    ranked[kind] = sum(1 for r in found.values() if r is not None)
            for s in ind_scores:
                m = measured.get(targets[s.unit_id])
                value = _value(m)
                kind = units[s.unit_id].kind
                points = rules.points_for(
                    indicator.formula,
                    value,
                    points=indicator.points,
                    kind=indicator.kind,
                    rank=ranks.get(s.pk),
                    ranked=ranked.get(kind),
                )
                s.value = None if value is None else value.quantize(Decimal("0.0001"))
                s.facts = {
                    "numerator": m.numerator if m else None,
                    "denominator": m.denominator if m else None,
                    "text": m.text if m else "",
                    **({"rank": ranks.get(s.pk), "ranked": ranked.get(kind)} if ranks else {}),
                    **({"final_override": True} if s.facts.get("final_override") else {}),
                }
                s.auto_points = points
                if units[s.unit_id].status == UnitStatus.REVIEWED and not s.facts.get(
                    "final_override"
                ):
                    s.final_points = points
                s.computed_at = now
    Score.objects.bulk_update(
        scores, ["value", "facts", "auto_points", "final_points", "computed_at"], batch_size=500
    )
    assessment.computed_at = now
    assessment.save(update_fields=["computed_at"])
    _totals(assessment)
    audit.record(
        "assessment.computed",
        actor=actor,
        obj=assessment,
        after={"units": len(units), "scores": len(scores), "metrics": sorted(by_metric)},
    )
    return assessment


def _value(m: metrics.Measure | None) -> Decimal | None:
    if m is None or m.value is None:
        return None
    return Decimal(m.value)


def _totals(assessment: Assessment) -> None:
    """Every unit's totals from its scores, and the ranks per unit kind (by the final score
    once reviewed, else the self score); one read, one bulk write."""
    units = {u.pk: u for u in assessment.units.all()}
    sums: dict[int, dict[str, Decimal]] = {
        pk: {"auto": ZERO, "manual": ZERO, "final": ZERO} for pk in units
    }
    for unit_id, method, auto, own, final in Score.objects.filter(
        unit__assessment=assessment
    ).values_list("unit_id", "indicator__method", "auto_points", "self_points", "final_points"):
        total = sums[unit_id]
        if method == Method.AUTO:
            total["auto"] += auto or ZERO
        else:
            total["manual"] += own or ZERO
        total["final"] += final or ZERO
    for pk, u in units.items():
        total = sums[pk]
        u.auto_score = rules.quantize(total["auto"])
        u.self_score = rules.quantize(total["auto"] + total["manual"])
        u.final_score = rules.quantize(total["final"]) if u.status == UnitStatus.REVIEWED else None
    for kind in UnitKind.values:
        values = {
            pk: (u.final_score if u.status == UnitStatus.REVIEWED else u.self_score)
            for pk, u in units.items()
            if u.kind == kind
        }
        for pk, rank in rules.competition_rank(values, higher_is_better=True).items():
            units[pk].rank = rank
    Unit.objects.bulk_update(
        list(units.values()), ["auto_score", "self_score", "final_score", "rank"], batch_size=500
    )


# --- self-scoring ------------------------------------------------------------------------


def _check_points(indicator: Indicator, points: Decimal | None, label: str) -> Decimal | None:
    if points is None:
        return None
    try:
        value = Decimal(str(points))
    except ArithmeticError as e:
        raise ValidationFailed(f"{label}“{indicator.name}”的分数无效", code="invalid_points") from e
    if not value.is_finite():
        raise ValidationFailed(f"{label}“{indicator.name}”的分数无效", code="invalid_points")
    value = rules.quantize(value)
    if indicator.kind == IndicatorKind.DEDUCTION:
        low, high = -indicator.points, ZERO
    else:
        low, high = ZERO, indicator.points
    if not low <= value <= high:
        raise ValidationFailed(
            f"{label}“{indicator.code} {indicator.name}”的分数应在 {low} 至 {high} 之间",
            code="points_out_of_range",
            details={"indicator": indicator.pk, "min": str(low), "max": str(high)},
        )
    return value


def _scores_of(unit: Unit, indicator_ids) -> dict[int, Score]:
    found = {
        s.indicator_id: s
        for s in Score.objects.select_for_update(of=("self",))
        .filter(unit=unit, indicator_id__in=list(indicator_ids))
        .select_related("indicator")
    }
    missing = set(indicator_ids) - set(found)
    if missing:
        raise ValidationFailed(
            "所填指标不属于本单位的考核",
            code="unknown_indicator",
            details={"indicators": sorted(missing)},
        )
    return found


@transaction.atomic
def save_self_scores(
    *, actor: Any, unit: Unit, scores: dict[int, tuple[Decimal | None, str]]
) -> Unit:
    """Save the unit's self-scores of manual items: ``indicator id → (points, note)``; points
    0 … the item's points (a deduction −points … 0), None to clear. The unit's totals and the
    ranks follow."""
    assessment, unit = _locked_unit(unit)
    _require_self(actor, unit, assessment)
    found = _scores_of(unit, scores)
    changed = {}
    for indicator_id, (points, note) in scores.items():
        s = found[indicator_id]
        if s.indicator.method != Method.MANUAL:
            raise ValidationFailed(
                f"“{s.indicator.name}”由平台自动计算，不需要自评", code="not_manual"
            )
        s.self_points = _check_points(s.indicator, points, "自评")
        s.self_note = (note or "").strip()[:NOTE_LIMIT]
        changed[s.indicator.code] = None if s.self_points is None else str(s.self_points)
    Score.objects.bulk_update(list(found.values()), ["self_points", "self_note"])
    _totals(assessment)
    unit.refresh_from_db()
    audit.record("assessment.self_saved", actor=actor, obj=unit, after={"scores": changed})
    return unit


@transaction.atomic
def add_evidence(*, actor: Any, score: Score, uploaded: Any) -> Evidence:
    """Attach a file (PDF, JPG or PNG by content, size-limited) to a manual self-score of the
    actor's own unit while it may self-score. ``uploaded`` is a Django upload or an
    :class:`credit.objections.uploads.Upload`."""
    unit = Unit.objects.get(pk=score.unit_id)
    assessment, unit = _locked_unit(unit)
    _require_self(actor, unit, assessment)
    score = Score.objects.select_related("indicator").get(pk=score.pk)
    if score.indicator.method != Method.MANUAL:
        raise ValidationFailed("自动计算的指标不需要佐证材料", code="not_manual")
    if score.evidence.count() >= MAX_EVIDENCE:
        raise ValidationFailed(
            f"每项指标最多上传 {MAX_EVIDENCE} 个佐证材料", code="attachment_too_many"
        )
    upload = uploaded if isinstance(uploaded, uploads.Upload) else uploads.read_upload(uploaded)
    checked = uploads.check_file(upload)
    evidence = Evidence.objects.create(
        score=score,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        data=checked.data,
        uploaded_by_id=acting(actor).user_id,
    )
    audit.record(
        "assessment.evidence_added",
        actor=actor,
        obj=evidence,
        after={
            "unit": unit.pk,
            "indicator": score.indicator.code,
            "name": evidence.name,
            "size": evidence.size,
            "sha256": evidence.sha256,
        },
    )
    return evidence


@transaction.atomic
def remove_evidence(*, actor: Any, evidence: Evidence) -> None:
    """Remove a file of a self-score of the actor's own unit while it may self-score."""
    evidence = Evidence.objects.select_related("score__indicator").get(pk=evidence.pk)
    assessment, unit = _locked_unit(Unit.objects.get(pk=evidence.score.unit_id))
    _require_self(actor, unit, assessment)
    audit.record(
        "assessment.evidence_removed",
        actor=actor,
        obj=evidence,
        before={
            "unit": unit.pk,
            "indicator": evidence.score.indicator.code,
            "name": evidence.name,
            "sha256": evidence.sha256,
        },
    )
    evidence.delete()


@transaction.atomic
def submit_self(*, actor: Any, unit: Unit) -> Unit:
    """Submit the unit's self-score (提交自评): every manual item scored."""
    assessment, unit = _locked_unit(unit)
    _require_self(actor, unit, assessment)
    missing = list(
        Score.objects.filter(
            unit=unit, indicator__method=Method.MANUAL, self_points__isnull=True
        ).values_list("indicator__code", "indicator__name")
    )
    if missing:
        raise ValidationFailed(
            "以下指标尚未自评：" + "、".join(f"{c} {n}" for c, n in missing),
            code="self_incomplete",
            details={"indicators": [c for c, _ in missing]},
        )
    unit.status = UnitStatus.SUBMITTED
    unit.submitted_by_id = acting(actor).user_id
    unit.submitted_at = timezone.now()
    unit.save(update_fields=["status", "submitted_by", "submitted_at"])
    audit.record(
        "assessment.self_submitted",
        actor=actor,
        obj=unit,
        after={"self_score": str(unit.self_score) if unit.self_score is not None else None},
    )
    return unit


@transaction.atomic
def close_self_scoring(*, actor: Any, assessment: Assessment) -> Assessment:
    """End self-scoring (自评中 → 评审中); units that did not submit are reviewed as they are."""
    _require_manage(actor, assessment)
    assessment = _locked(assessment)
    if assessment.status != AssessmentStatus.OPEN:
        raise ValidationFailed("只有自评中的考核可以结束自评", code="not_open")
    pending = list(
        assessment.units.filter(status=UnitStatus.PENDING).values_list("name", flat=True)
    )
    assessment.status = AssessmentStatus.REVIEWING
    assessment.save(update_fields=["status"])
    audit.record(
        "assessment.closed",
        actor=actor,
        obj=assessment,
        before={"status": AssessmentStatus.OPEN},
        after={"status": AssessmentStatus.REVIEWING, "not_submitted": pending},
    )
    return assessment


# --- review and publication --------------------------------------------------------------


@transaction.atomic
def review_unit(
    *,
    actor: Any,
    unit: Unit,
    scores: dict[int, tuple[Decimal | None, str]],
    comment: str,
) -> Unit:
    """The credit office's score of a unit (评审): per indicator the final points (None keeps
    the computed points of an automatic item, the self-score of a manual one) and a comment;
    the unit reviewed; totals and ranks recomputed. Only while the assessment is 评审中."""
    assessment, unit = _locked_unit(unit)
    _require_manage(actor, assessment)
    if assessment.status != AssessmentStatus.REVIEWING:
        raise ValidationFailed("考核不在评审阶段，不能评审", code="not_reviewing")
    _scores_of(unit, scores)  # every indicator belongs to the unit
    all_scores = list(
        Score.objects.select_for_update(of=("self",))
        .filter(unit=unit)
        .select_related("indicator")
        .order_by("id")
    )
    changed = {}
    for s in all_scores:
        points, note = scores.get(s.indicator_id, (None, ""))
        given = _check_points(s.indicator, points, "评审")
        if given is not None:
            s.final_points = given
            if s.indicator.method == Method.AUTO:
                s.facts = {**s.facts, "final_override": True}
        else:
            kept = s.auto_points if s.indicator.method == Method.AUTO else s.self_points
            s.final_points = kept if kept is not None else ZERO
            if s.facts.get("final_override"):
                s.facts = {k: v for k, v in s.facts.items() if k != "final_override"}
        s.review_comment = (note or "").strip()[:NOTE_LIMIT]
        changed[s.indicator.code] = str(s.final_points)
    Score.objects.bulk_update(all_scores, ["final_points", "facts", "review_comment"])
    unit.status = UnitStatus.REVIEWED
    unit.reviewed_by_id = acting(actor).user_id
    unit.reviewed_at = timezone.now()
    unit.review_comment = (comment or "").strip()[:NOTE_LIMIT]
    unit.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_comment"])
    _totals(assessment)
    unit.refresh_from_db()
    audit.record(
        "assessment.reviewed",
        actor=actor,
        obj=unit,
        after={"final_score": str(unit.final_score), "scores": changed, "comment": comment},
    )
    return unit


@transaction.atomic
def publish(*, actor: Any, assessment: Assessment, visibility: str) -> Assessment:
    """Publish the results (公布): every unit reviewed (``units_not_reviewed`` names those
    left); ranks final; shown internally or also on the portal (``visibility``)."""
    _require_manage(actor, assessment)
    assessment = _locked(assessment)
    if visibility not in Visibility.values:
        raise ValidationFailed("公布范围无效", code="invalid_visibility")
    if assessment.status != AssessmentStatus.REVIEWING:
        raise ValidationFailed("只有评审中的考核可以公布", code="not_reviewing")
    left = list(
        assessment.units.exclude(status=UnitStatus.REVIEWED)
        .order_by("kind", "sort_order")
        .values_list("name", flat=True)
    )
    if left:
        shown = "、".join(left[:10]) + (f"等{len(left)}个单位" if len(left) > 10 else "")
        raise ValidationFailed(
            f"以下单位尚未评审，不能公布：{shown}",
            code="units_not_reviewed",
            details={"units": left},
        )
    _totals(assessment)
    assessment.status = AssessmentStatus.PUBLISHED
    assessment.visibility = visibility
    assessment.published_at = timezone.now()
    assessment.published_by_id = acting(actor).user_id
    assessment.save(update_fields=["status", "visibility", "published_at", "published_by"])
    audit.record(
        "assessment.published",
        actor=actor,
        obj=assessment,
        after={"visibility": visibility, "units": assessment.units.count()},
    )
    return assessment


# --- a district's self-check and the job -------------------------------------------------


@transaction.atomic
def run_self_check(*, actor: Any, region: Region, period: str) -> Assessment:
    """A district's self-check (自评检查) of ``period``: its own assessment of its
    departments and itself opened, or the existing one recomputed."""
    _require_manage(actor, region)
    try:
        code = period_code(parse_period(period))
    except PeriodError as e:
        raise ValidationFailed(str(e), code="invalid_period") from e
    found = Assessment.objects.filter(owner_region=region, period=code).first()
    if found is not None:
        return compute(actor=actor, assessment=found)
    return open_assessment(actor=actor, period=code, owner_region=region)


def compute_due(today: datetime.date | None = None) -> list[Assessment]:
    """The daily job: every open assessment whose period has started recomputed (as the
    system), each in its own transaction."""
    today = today or timezone.localdate()
    done = []
    for assessment in Assessment.objects.filter(
        status=AssessmentStatus.OPEN, start__lte=today
    ).order_by("start", "id"):
        done.append(compute(actor=None, assessment=assessment))
    return done
