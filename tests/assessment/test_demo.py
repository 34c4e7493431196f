"""The demo's assessment (issue 19's contract for ``make demo``): the last complete quarter
computed and published with both rankings ranked 1…n, the credit office's review cuts with
their comments, the current quarter open with drafts and no submission, 天宁区's self-check,
the month's quality reports with a PDF and an Excel, and a second run that changes nothing."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from credit.alerts.periods import span_of
from credit.assessment.constants import (
    AssessmentStatus,
    Method,
    ReportScope,
    UnitKind,
    UnitStatus,
    Visibility,
)
from credit.assessment.demo import (
    DRAFTING,
    HISTORY_PREFIX,
    REVIEW_CUTS,
    SELF_CHECK_REGION,
    seed_assessment,
)
from credit.assessment.models import Assessment, Evidence, QualityReport, Score
from credit.assessment.periods import parse_period, period_code, previous_quarter
from credit.core.models import Department, Region
from credit.demo.accounts import ensure_demo_accounts
from credit.ingest.models import Batch
from tests.commitments.factories import make_subject

pytestmark = pytest.mark.django_db


def _competition_ranks_hold(units) -> None:
    """Each unit's rank is one more than the number of its kind scoring strictly more."""
    finals = [u.final_score for u in units]
    for unit in units:
        assert unit.rank == 1 + sum(1 for f in finals if f > unit.final_score), unit.name


def _court_list_entry(subject) -> None:
    """A 失信被执行人 entry of ``subject`` from the court (FY), through the records service:
    what the demo's history re-sends for the court."""
    from credit.catalog.models import CatalogItem
    from credit.records.services import upsert_record

    upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code="dishonest-judgment-debtor"),
        department=Department.objects.get(code="FY"),
        subject=subject,
        payload={
            "debtor_name": subject.name,
            "debtor_category": "法人及非法人组织",
            "uscc": subject.uscc,
            "case_no": f"（2026）苏04执{subject.pk}号",
            "court": "常州市中级人民法院",
            "dishonest_situation": "有履行能力而拒不履行",
            "publish_date": "2026-05-20",
        },
    )


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The demo seeded once for the module inside a transaction that is rolled back at its
    end (each test runs in a savepoint of it), so nothing is committed beside other tests."""
    from django.db import transaction

    with django_db_blocker.unblock(), transaction.atomic():
        ensure_demo_accounts()
        for n in range(2):
            _court_list_entry(make_subject(name=f"常州市考核演示{n}有限公司"))
        lines: list[str] = []
        counts = seed_assessment(report=lines.append)
        yield counts, lines
        transaction.set_rollback(True)


def test_the_last_quarter_is_published_publicly_with_both_rankings(seeded):
    counts, lines = seeded
    today = datetime.date.today()
    published = Assessment.objects.get(owner_region=None, period=previous_quarter(today))
    assert published.status == AssessmentStatus.PUBLISHED
    assert published.visibility == Visibility.PUBLIC
    assert published.computed_at is not None and published.published_at is not None

    departments = list(published.units.filter(kind=UnitKind.DEPARTMENT))
    districts = list(published.units.filter(kind=UnitKind.DISTRICT))
    assert (
        len(departments)
        == Department.objects.filter(
            is_active=True, is_data_provider=True, kind=Department.Kind.CITY
        ).count()
    )
    assert (
        len(districts) == Region.objects.filter(is_active=True, level=Region.Level.DISTRICT).count()
    )
    assert counts["published_departments"] == len(departments) > 1
    assert counts["published_districts"] == len(districts) > 1
    for ranking in (departments, districts):
        assert all(u.status == UnitStatus.REVIEWED for u in ranking)
        assert all(u.final_score is not None for u in ranking)
        assert min(u.rank for u in ranking) == 1
        _competition_ranks_hold(ranking)
    # The self-scores differ by unit: the ranking is not one tie.
    assert len({u.final_score for u in departments}) > 1
    assert any("已公布" in line for line in lines)


def test_the_last_quarter_has_the_courts_reporting_dated_in_its_three_months(seeded):
    span = parse_period(previous_quarter(datetime.date.today()))
    history = Batch.objects.filter(file_name__startswith=f"{HISTORY_PREFIX}{span.start:%Y%m}")
    # Only the court has list entries in this data set: one re-sent batch a month, by API.
    assert {b.department.code for b in history} == {"FY"}
    months = sorted(timezone.localtime(b.created_at).date() for b in history)
    assert months == [span.start.replace(month=span.start.month + m, day=10) for m in range(3)]
    assert {(b.channel, b.total, b.unchanged, b.rejected) for b in history} == {("api", 2, 2, 0)}

    published = Assessment.objects.get(owner_region=None, period=previous_quarter(span.end))
    court = published.units.get(department__code="FY")
    channel = court.scores.get(indicator__metric="reporting_channel")
    monthly = court.scores.get(indicator__metric="monthly_reporting")
    assert (channel.value, channel.auto_points) == (Decimal("2"), Decimal("2.00"))
    assert (monthly.value, monthly.auto_points) == (Decimal("100"), Decimal("3.00"))
    tax = published.units.get(department__code="SW")
    assert tax.scores.get(indicator__metric="reporting_channel").auto_points == Decimal("0.00")


def test_every_manual_item_was_self_scored_and_two_units_were_cut_in_review(seeded):
    published = Assessment.objects.get(
        owner_region=None, period=previous_quarter(datetime.date.today())
    )
    manual = Score.objects.filter(unit__assessment=published, indicator__method=Method.MANUAL)
    assert manual.exists()
    assert not manual.filter(self_points__isnull=True).exists()
    assert not manual.filter(self_note="").exists()
    assert Evidence.objects.filter(score__unit__assessment=published).count() >= 1
    for evidence in Evidence.objects.filter(score__unit__assessment=published):
        assert bytes(evidence.data).startswith(b"%PDF-")
        assert evidence.content_type == "application/pdf"

    for key, comment in REVIEW_CUTS.items():
        unit = published.units.filter(department__code=key).first() or published.units.get(
            region_id=key, kind=UnitKind.DISTRICT
        )
        [cut] = unit.scores.filter(review_comment=comment)
        assert cut.final_points == (cut.self_points / 2).quantize(Decimal("0.01"))
        assert unit.review_comment == "经评审，调整部分自评分。"
    others = published.units.exclude(department__code__in=REVIEW_CUTS).exclude(
        region_id__in=REVIEW_CUTS, kind=UnitKind.DISTRICT
    )
    assert set(others.values_list("review_comment", flat=True)) == {"经评审，自评情况属实。"}


def test_the_current_quarter_is_open_with_drafts_and_nobody_submitted(seeded):
    today = datetime.date.today()
    ongoing = Assessment.objects.get(
        owner_region=None, period=period_code(span_of("quarter", today))
    )
    assert ongoing.status == AssessmentStatus.OPEN
    assert ongoing.computed_at is not None
    assert not ongoing.units.exclude(status=UnitStatus.PENDING).exists()
    drafted = Score.objects.filter(
        unit__assessment=ongoing, indicator__method=Method.MANUAL, self_points__isnull=False
    )
    keys = {s.unit.department.code if s.unit.department_id else s.unit.region_id for s in drafted}
    assert keys == set(DRAFTING)
    # A draft: some manual items of those units still unscored.
    assert Score.objects.filter(
        unit__assessment=ongoing, indicator__method=Method.MANUAL, self_points__isnull=True
    ).exists()


def test_tianning_has_run_its_self_check_and_the_month_has_quality_reports(seeded):
    counts, _ = seeded
    today = datetime.date.today()
    check = Assessment.objects.get(
        owner_region_id=SELF_CHECK_REGION, period=previous_quarter(today)
    )
    assert check.rubric.owner_region_id == SELF_CHECK_REGION
    assert check.units.filter(kind=UnitKind.DISTRICT, region_id=SELF_CHECK_REGION).count() == 1
    assert counts["self_check_units"] == check.units.count()

    month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    reports = QualityReport.objects.filter(month=month)
    assert reports.count() == counts["quality_reports"]
    city = reports.get(scope=ReportScope.CITY)
    assert bytes(city.pdf).startswith(b"%PDF-")
    assert bytes(city.xlsx).startswith(b"PK")  # an Excel workbook is a zip
    assert (
        reports.filter(scope=ReportScope.DISTRICT).count()
        == Region.objects.filter(is_active=True, level=Region.Level.DISTRICT).count()
    )
    for report in reports:
        assert len(bytes(report.pdf)) > 0 and len(bytes(report.xlsx)) > 0


def test_a_second_run_changes_no_assessment(seeded):
    counts, _ = seeded
    before = {a.pk: (a.status, a.published_at, a.units.count()) for a in Assessment.objects.all()}
    finals = sorted(
        Score.objects.filter(unit__assessment__status=AssessmentStatus.PUBLISHED).values_list(
            "pk", "final_points"
        )
    )

    again = seed_assessment(report=None)

    after = {a.pk: (a.status, a.published_at, a.units.count()) for a in Assessment.objects.all()}
    assert after == before
    assert (
        sorted(
            Score.objects.filter(unit__assessment__status=AssessmentStatus.PUBLISHED).values_list(
                "pk", "final_points"
            )
        )
        == finals
    )
    assert again == counts
