"""The demo's performance assessment (绩效考核, ``credit seed-demo``): the city rubric, the
assessment of the last complete quarter published with a public ranking, the current quarter
open for self-scoring, 天宁区's self-check and the data-quality reports of the last complete
month — through the services, so every step is audited as it would be in use.

- **Last complete quarter** (:func:`credit.assessment.periods.previous_quarter`): first its
  reporting history (:data:`HISTORY`, batches re-sent through the ingest pipeline and dated in
  the quarter's months, since the demo's other batches all arrive on the day it is loaded);
  then opened with visibility 向社会公示 and computed from the demo's batches, records,
  objections and checks; every unit self-scores its manual items (市场监管局 as ``scjg``, 天宁区
  as ``tianning``, the others as the system; points and notes vary by unit, the first units
  attach a generated PDF) and submits; ``reviewer`` closes self-scoring, reviews every unit
  (halving one item of the units in :data:`REVIEW_CUTS`, with a comment) and publishes: both
  rankings, departments and districts, on the staff pages and the portal.
- **Current quarter**: opened and computed, nobody has submitted; 市场监管局 and 天宁区 have
  saved half of their self-scores, so the self-scoring page shows a draft.
- **天宁区's self-check** (自评检查) of the last complete quarter, on its own copy of the rubric.
- **Quality reports** (数据质量报告) of the last complete month for every department, district
  and the city (:func:`credit.assessment.services.quality.generate_month`).

Idempotent: a second run finds both assessments and the self-check, and regenerates the
month's reports (one per month and scope), changing nothing else.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Callable
from decimal import Decimal

#: The units whose self-scores the credit office lowers in the demo review (by department
#: code or district code), with the comment it leaves.
REVIEW_CUTS: dict[str, str] = {
    "SCJG": "佐证材料中的工作方案未见印发文号，该项按一半计分。",
    "320412": "部分佐证材料为工作计划而非完成情况，该项按一半计分。",
}
#: The units that save part of their self-scores in the current quarter (no one submits).
DRAFTING: tuple[str, ...] = ("SCJG", "320402")
#: The district whose self-check the demo runs (天宁区).
SELF_CHECK_REGION = "320402"
#: How many manual scores of the published quarter carry a generated PDF as evidence.
EVIDENCE_FILES = 4

#: The last quarter's reporting (历史报送): (department, catalog item, channel, the months of the
#: quarter it reported in (0–2), rows per batch spoiled so that they are rejected). The demo's
#: batches are otherwise all received on the day it is loaded, after the quarter. Items whose
#: stored payloads hold no masked value only, so a re-sent row is unchanged (a 双公示 row's
#: masked ID number would be rejected, or update the record without it).
HISTORY: tuple[tuple[str, str, str, tuple[int, ...], int], ...] = (
    ("SW", "major-tax-violation", "api", (0, 1, 2), 0),
    ("HG", "customs-dishonest", "upload", (0, 1, 2), 1),
    ("HG", "customs-aeo", "upload", (0, 2), 0),
    ("YJ", "work-safety-blacklist", "cli", (1,), 2),
    ("FY", "dishonest-judgment-debtor", "api", (0, 1, 2), 0),
)
HISTORY_PREFIX = "演示历史报送-"
HISTORY_ROWS = 6

#: Fractions of an item's points a unit gives itself, from diligent to lax units.
_SHARES = (
    Decimal("1"),
    Decimal("0.9"),
    Decimal("0.8"),
    Decimal("0.75"),
    Decimal("0.6"),
    Decimal("0.5"),
)


def seed_assessment(*, report: Callable[[str], None] | None = print) -> dict[str, int]:
    """Load the demo's assessments and quality reports (see the module's docstring); returns
    counts. Does nothing (returns ``{}``) before the demo accounts exist."""
    from credit.accounts.models import User
    from credit.alerts.periods import span_of
    from credit.assessment.constants import AssessmentStatus, Visibility
    from credit.assessment.models import Assessment
    from credit.assessment.periods import parse_period, period_code, previous_quarter
    from credit.assessment.services import assessments, quality, rubrics
    from credit.core.models import Region

    say = report or (lambda line: None)
    admin = User.objects.filter(username="admin").first()
    if admin is None:
        return {}
    today = datetime.date.today()
    rubrics.import_rubric(actor=None)

    # The last complete quarter: the whole flow up to a public ranking.
    previous = previous_quarter(today)
    published = Assessment.objects.filter(owner_region=None, period=previous).first()
    if published is None:
        _history(parse_period(previous))
        published = assessments.open_assessment(
            actor=admin,
            period=previous,
            visibility=Visibility.PUBLIC,
            self_due=parse_period(previous).end + datetime.timedelta(days=14),
        )
    reviewer = User.objects.filter(username="reviewer").first() or admin
    if published.status == AssessmentStatus.OPEN:
        _self_score_all(published)
        published = assessments.close_self_scoring(actor=reviewer, assessment=published)
    if published.status == AssessmentStatus.REVIEWING:
        _review_all(reviewer, published)
        published = assessments.publish(
            actor=reviewer, assessment=published, visibility=Visibility.PUBLIC
        )

    # The current quarter: open, computed, two units drafting their self-scores.
    current = period_code(span_of("quarter", today))
    ongoing = Assessment.objects.filter(owner_region=None, period=current).first()
    if ongoing is None:
        ongoing = assessments.open_assessment(
            actor=admin,
            period=current,
            visibility=Visibility.PUBLIC,
            self_due=parse_period(current).end + datetime.timedelta(days=14),
        )
        for unit in ongoing.units.select_related("department"):
            if _unit_key(unit) in DRAFTING:
                _self_score(_officer_of(unit), unit, partial=True)

    # 天宁区's self-check of the last complete quarter.
    region = Region.objects.filter(code=SELF_CHECK_REGION).first()
    self_check = None
    if region is not None:
        self_check = Assessment.objects.filter(owner_region=region, period=previous).first()
        if self_check is None:
            district_admin = User.objects.filter(username="tianning").first() or admin
            self_check = assessments.run_self_check(
                actor=district_admin, region=region, period=previous
            )

    # The quality reports of the last complete month, which has its own reporting history
    # (the batches of HISTORY's first month, re-sent in it).
    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    _history(span_of("month", month))
    reports = quality.generate_month(month, actor=None)

    counts = _counts(published, ongoing, self_check, reports)
    finals = [u.final_score for u in published.units.all() if u.final_score is not None]
    say(
        "绩效考核：{p} 已公布（{d} 个部门、{r} 个辖市区，最终得分 {lo}～{hi} 分），"
        "{c} 自评中，天宁区自评检查 {s} 个单位；{m} 数据质量报告 {q} 份".format(
            p=published.period,
            d=counts["published_departments"],
            r=counts["published_districts"],
            lo=min(finals, default="-"),
            hi=max(finals, default="-"),
            c=ongoing.period,
            s=counts["self_check_units"],
            m=month.strftime("%Y-%m"),
            q=counts["quality_reports"],
        )
    )
    return counts


def _history(span) -> int:
    """The batches of a quarter or a month (:data:`HISTORY`; a month takes the quarter's first
    month's): each department re-sends, through the
    ingest pipeline and on the channel it uses, a few of its records of the item (list items
    of companies, whose payloads hold no masked field: they are unchanged in the library),
    some spoiled so they are rejected; each
    batch is then dated to the 10th of its month, when it would have arrived — the one write of
    this demo outside the services, as the bulk loader dates its records. Returns the batches
    made (none when they exist)."""
    from django.utils import timezone

    from credit.ingest.models import Batch
    from credit.ingest.pipeline import ingest_payloads
    from credit.records.models import CreditRecord

    marker = f"{HISTORY_PREFIX}{span.start:%Y%m}"
    if Batch.objects.filter(file_name__startswith=marker).exists():
        return 0
    from credit.assessment.services.quality import add_months

    starts = [m for m in (add_months(span.start, n) for n in range(3)) if m < span.end]
    made = 0
    for department, item, channel, months, spoiled in HISTORY:
        records = CreditRecord.objects.filter(
            item__code=item, department__code=department, legal_person__isnull=False
        ).order_by("pk")
        pool = [r.payload for r in records[: HISTORY_ROWS * 3]]
        for month in (m for m in months if m < len(starts)):
            chunk = pool[month * HISTORY_ROWS : (month + 1) * HISTORY_ROWS] or pool[:HISTORY_ROWS]
            rows = [dict(row) for row in chunk]
            if not rows:
                continue
            for row in rows[:spoiled]:
                row["uscc"] = "91320400MA1XXXXXXX"  # a wrong check character: rejected
            batch = ingest_payloads(
                actor=None, rows=rows, item_code=item, department_code=department, channel=channel
            )
            day = starts[month].replace(day=10)
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            Batch.objects.filter(pk=batch.pk).update(
                file_name=f"{marker}-{department}-{item}-{month + 1}",
                created_at=at,
                started_at=at,
                progress_at=at,
                finished_at=at + datetime.timedelta(minutes=1),
            )
            made += 1
    return made


def _unit_key(unit) -> str:
    """A unit's stable key: its department's code, or its district's code."""
    return unit.department.code if unit.department_id else unit.region_id


def _officer_of(unit):
    """The demo account that self-scores ``unit``: 市场监管局's officer (``scjg``) or 天宁区's
    administrator (``tianning``); None (the system) for the other units, which have no demo
    account (the credit office's administrator self-scores only its own department)."""
    from credit.accounts.models import User

    username = {"SCJG": "scjg", "320402": "tianning"}.get(_unit_key(unit))
    return User.objects.filter(username=username).first() if username else None


def _share(*parts: str) -> int:
    """A stable number 0…9999 from ``parts`` (the demo's points are fixed per unit and item)."""
    digest = hashlib.sha256(":".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") % 10_000


def _manual_scores(unit) -> list:
    from credit.assessment.constants import Method

    return list(
        unit.scores.filter(indicator__method=Method.MANUAL)
        .select_related("indicator")
        .order_by("indicator__sort_order", "indicator_id")
    )


def _points_for(unit, score) -> tuple[Decimal, str]:
    """The points and note ``unit`` gives itself on ``score``'s manual indicator: a diligent
    unit scores most items in full, a lax one about half; bonus items are claimed by few,
    deductions admitted by few."""
    from credit.assessment.constants import IndicatorKind

    indicator = score.indicator
    key = _unit_key(unit)
    diligence = _share("unit", key) % 3  # 0 diligent, 1 average, 2 lax
    roll = _share("item", key, indicator.code)
    top = indicator.points
    if indicator.kind == IndicatorKind.BONUS:
        if roll % 4 or diligence == 2:
            return Decimal("0.00"), "本期暂无可申报的创新举措。"
        points = (top * _SHARES[roll % 3]).quantize(Decimal("0.01"))
        return points, f"{indicator.name}：形成了可复制的经验做法，已被上级部门转发。"
    if indicator.kind == IndicatorKind.DEDUCTION:
        if roll % 5:
            return Decimal("0.00"), "本期无扣分情形。"
        points = -(top * Decimal("0.5")).quantize(Decimal("0.01"))
        return points, f"{indicator.name}：本期有1起情形，已整改。"
    share = _SHARES[min(len(_SHARES) - 1, diligence * 2 + roll % 2)]
    points = (top * share).quantize(Decimal("0.01"))
    if share == 1:
        return points, f"{indicator.name}：已全部完成，工作方案和台账见佐证材料。"
    return points, f"{indicator.name}：已基本完成，部分工作仍在推进中。"


def _self_score(actor, unit, *, partial: bool = False) -> None:
    """Save the unit's self-scores (half of them when ``partial``); a few with a PDF."""
    from credit.assessment.services import assessments

    manual = _manual_scores(unit)
    if partial:
        manual = manual[: max(1, len(manual) // 2)]
    if not manual:
        return
    assessments.save_self_scores(
        actor=actor,
        unit=unit,
        scores={s.indicator_id: _points_for(unit, s) for s in manual},
    )


def _self_score_all(assessment) -> None:
    """Every pending unit self-scores every manual item and submits — as its demo account
    where there is one, else as the system — and the first units' first manual item carries
    a PDF as evidence."""
    from credit.assessment.constants import UnitStatus
    from credit.assessment.services import assessments

    attached = 0
    for unit in assessment.units.filter(status=UnitStatus.PENDING).select_related("department"):
        actor = _officer_of(unit)
        _self_score(actor, unit)
        if attached < EVIDENCE_FILES:
            for score in _manual_scores(unit)[:1]:
                if not score.evidence.exists():
                    assessments.add_evidence(
                        actor=actor, score=score, uploaded=_evidence_file(unit, score)
                    )
                    attached += 1
        assessments.submit_self(actor=actor, unit=unit)


def _review_all(reviewer, assessment) -> None:
    """The credit office reviews every unit: it keeps the self-scores except for the units in
    :data:`REVIEW_CUTS`, whose first claimed manual item it halves with a comment."""
    from credit.assessment.constants import UnitStatus
    from credit.assessment.services import assessments

    units = assessment.units.exclude(status=UnitStatus.REVIEWED).select_related("department")
    for unit in units:
        cut = REVIEW_CUTS.get(_unit_key(unit))
        scores: dict[int, tuple[Decimal | None, str]] = {}
        if cut:
            claimed = [s for s in _manual_scores(unit) if s.self_points and s.self_points > 0]
            if claimed:
                score = claimed[-1]
                scores[score.indicator_id] = (
                    (score.self_points / 2).quantize(Decimal("0.01")),
                    cut,
                )
        comment = "经评审，调整部分自评分。" if scores else "经评审，自评情况属实。"
        assessments.review_unit(actor=reviewer, unit=unit, scores=scores, comment=comment)


def _evidence_file(unit, score):
    """A one-page PDF (佐证材料) naming the unit, the indicator and the note, as an upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(
        f"{score.indicator.name}佐证材料.pdf",
        evidence_pdf(
            title=f"{unit.name}  {score.indicator.name}",
            lines=[
                "佐证材料（演示）",
                f"考核周期：{unit.assessment.period}",
                f"自评说明：{score.self_note or '见工作台账'}",
            ],
        ),
        content_type="application/pdf",
    )


def evidence_pdf(*, title: str, lines: list[str]) -> bytes:
    """A small A4 PDF in the shipped CJK font: ``title`` then ``lines``."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from credit.reports.pdf import fonts

    fonts.register()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    height = A4[1]
    page.setFont(fonts.BOLD, 16)
    page.drawString(60, height - 80, title[:40])
    page.setFont(fonts.REGULAR, 11)
    for n, line in enumerate(lines):
        page.drawString(60, height - 120 - n * 20, line[:60])
    page.showPage()
    page.save()
    return buffer.getvalue()


def _counts(published, ongoing, self_check, reports) -> dict[str, int]:
    from credit.assessment.constants import UnitKind

    return {
        "published_departments": published.units.filter(kind=UnitKind.DEPARTMENT).count(),
        "published_districts": published.units.filter(kind=UnitKind.DISTRICT).count(),
        "current_units": ongoing.units.count(),
        "self_check_units": self_check.units.count() if self_check is not None else 0,
        "quality_reports": len(reports),
    }
