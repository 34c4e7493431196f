"""An assessment from opening to publication on a small known data set (the 2025 test
rubric of ``conftest.MINI_RUBRIC``, period 2025Q4): the units opened, the automatic items'
points and the totals exact, self-scoring with evidence, submission, closing, review and
publication — each step refused to whoever may not take it, and audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from credit.assessment import selectors
from credit.assessment.constants import AssessmentStatus, UnitKind, UnitStatus, Visibility
from credit.assessment.models import Assessment, Evidence, Score, Unit
from credit.assessment.services import assessments as services
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department, Region
from credit.objections.uploads import Upload
from tests.assessment import factories as f

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
D = Decimal


def _data() -> None:
    """SCJG: 2 black-list records and 1 API call in 2025Q4, 1 objection overdue; 天宁区's
    市场监管局: 1 black-list record; a record and a call outside the quarter."""
    in_q4 = f.at(datetime.date(2025, 11, 3))
    f.make_record("quality-dishonest", "SCJG", arrived=in_q4)
    f.make_record("quality-dishonest", "SCJG", arrived=in_q4)
    f.make_record("quality-dishonest", "SCJG", arrived=f.at(datetime.date(2025, 9, 30)))
    f.make_record("quality-dishonest", "TNQ-SCJG", arrived=in_q4)
    f.make_call("SCJG", called=f.at(datetime.date(2025, 11, 5)))
    f.make_call("SCJG", called=f.at(datetime.date(2026, 1, 5)))
    f.make_objection("SCJG", verify_due=datetime.date(2025, 11, 10))


def _ids(unit: Unit) -> dict[str, int]:
    return dict(unit.scores.values_list("indicator__code", "indicator_id"))


@pytest.fixture
def opened(users, mini_rubric):
    _data()
    return services.open_assessment(actor=users["reviewer"], period="2025q4")


def test_opening_creates_the_city_departments_and_six_districts(opened):
    assert (opened.period, opened.kind, opened.start, opened.end) == (
        "2025Q4",
        "quarter",
        datetime.date(2025, 10, 1),
        datetime.date(2026, 1, 1),
    )
    city_departments = Department.objects.filter(
        kind=Department.Kind.CITY, is_active=True, is_data_provider=True
    )
    departments = opened.units.filter(kind=UnitKind.DEPARTMENT)
    assert set(departments.values_list("department__code", flat=True)) == set(
        city_departments.values_list("code", flat=True)
    )
    assert departments.count() == 25
    assert list(
        opened.units.filter(kind=UnitKind.DISTRICT).values_list("region_id", flat=True)
    ) == ["320402", "320404", "320411", "320412", "320413", "320481"]
    assert not departments.filter(department__code__in=["FGW", "TNQ-SCJG"]).exists()
    # Scores for the indicators that apply: a district has no 1.2 (departments only).
    scjg = opened.units.get(department__code="SCJG")
    tianning = opened.units.get(kind=UnitKind.DISTRICT, region_id="320402")
    assert sorted(_ids(scjg)) == ["1.1", "1.2", "1.3", "2.1", "3.1"]
    assert sorted(_ids(tianning)) == ["1.1", "1.3", "2.1", "3.1"]
    entry = AuditEntry.objects.get(event_type="assessment.opened", object_id=str(opened.pk))
    assert (entry.after["departments"], entry.after["districts"]) == (25, 6)
    with pytest.raises(ValidationFailed) as err:
        services.open_assessment(actor=None, period="2025Q4")
    assert err.value.code == "assessment_exists"


def test_computing_gives_exact_points_and_totals(opened):
    scjg = opened.units.get(department__code="SCJG")
    points = {
        s.indicator.code: (s.value, s.auto_points)
        for s in scjg.scores.select_related("indicator")
        if s.indicator.method == "auto"
    }
    assert points == {
        "1.1": (D("2.0000"), D("4.00")),
        "1.2": (D("1.0000"), D("1.00")),
        "3.1": (D("1.0000"), D("-0.50")),
    }
    assert (scjg.auto_score, scjg.self_score, scjg.final_score) == (D("4.50"), D("4.50"), None)
    tianning = opened.units.get(kind=UnitKind.DISTRICT, region_id="320402")
    assert (tianning.auto_score, tianning.self_score) == (D("2.00"), D("2.00"))
    sw = opened.units.get(department__code="SW")
    assert sw.auto_score == D("0.00")
    # Ranks among units of the same kind (by the self score before review): 1, then a tie.
    assert (scjg.rank, sw.rank, tianning.rank) == (1, 2, 1)
    assert opened.computed_at is not None
    assert AuditEntry.objects.filter(event_type="assessment.computed").count() == 1


def test_the_whole_flow_with_permissions_and_audit(opened, users):
    scjg = opened.units.get(department__code="SCJG")
    ids = _ids(scjg)
    officer, reviewer = users["scjg"], users["reviewer"]
    # Self-scoring: manual items only, within bounds, only one's own unit.
    with pytest.raises(ValidationFailed) as err:
        services.save_self_scores(actor=officer, unit=scjg, scores={ids["1.1"]: (D(4), "")})
    assert err.value.code == "not_manual"
    with pytest.raises(ValidationFailed) as err:
        services.save_self_scores(actor=officer, unit=scjg, scores={ids["1.3"]: (D(5), "")})
    assert err.value.code == "points_out_of_range"
    sw = opened.units.get(department__code="SW")
    with pytest.raises(PermissionDenied):
        services.save_self_scores(actor=officer, unit=sw, scores={_ids(sw)["1.3"]: (D(1), "")})
    with pytest.raises(ValidationFailed) as err:
        services.submit_self(actor=officer, unit=scjg)
    assert err.value.code == "self_incomplete"
    assert err.value.details["indicators"] == ["1.3", "2.1"]
    unit = services.save_self_scores(
        actor=officer, unit=scjg, scores={ids["1.3"]: (D(3), "已建立机制"), ids["2.1"]: (D(1), "")}
    )
    assert (unit.auto_score, unit.self_score) == (D("4.50"), D("8.50"))
    score = Score.objects.get(unit=scjg, indicator_id=ids["1.3"])
    evidence = services.add_evidence(actor=officer, score=score, uploaded=Upload("机制.pdf", PDF))
    assert (evidence.name, evidence.content_type, evidence.size) == (
        "机制.pdf",
        "application/pdf",
        len(PDF),
    )
    with pytest.raises(ValidationFailed) as err:
        services.add_evidence(actor=officer, score=score, uploaded=Upload("x.pdf", b"not a pdf"))
    assert err.value.code == "attachment_type"
    with pytest.raises(PermissionDenied):
        services.add_evidence(actor=users["sw"], score=score, uploaded=Upload("a.pdf", PDF))
    second = services.add_evidence(actor=officer, score=score, uploaded=Upload("二.pdf", PDF))
    services.remove_evidence(actor=officer, evidence=second)
    assert list(Evidence.objects.filter(score=score).values_list("name", flat=True)) == ["机制.pdf"]
    unit = services.submit_self(actor=officer, unit=scjg)
    assert unit.status == UnitStatus.SUBMITTED
    with pytest.raises(ValidationFailed) as err:
        services.save_self_scores(actor=officer, unit=scjg, scores={ids["1.3"]: (D(4), "")})
    assert err.value.code == "self_submitted"
    # Closing, review and publication are the organiser's.
    with pytest.raises(PermissionDenied):
        services.close_self_scoring(actor=officer, assessment=opened)
    with pytest.raises(PermissionDenied):
        services.close_self_scoring(actor=users["leader"], assessment=opened)
    with pytest.raises(PermissionDenied):
        services.close_self_scoring(actor=users["tianning"], assessment=opened)
    with pytest.raises(ValidationFailed) as err:
        services.review_unit(actor=reviewer, unit=scjg, scores={}, comment="")
    assert err.value.code == "not_reviewing"
    services.close_self_scoring(actor=reviewer, assessment=opened)
    with pytest.raises(PermissionDenied):
        services.review_unit(actor=officer, unit=scjg, scores={}, comment="")
    reviewed = services.review_unit(
        actor=reviewer,
        unit=scjg,
        scores={ids["1.3"]: (D(2), "机制文件未印发")},
        comment="总体良好",
    )
    assert (reviewed.status, reviewed.final_score) == (UnitStatus.REVIEWED, D("7.50"))
    assert dict(reviewed.scores.values_list("indicator__code", "final_points")) == {
        "1.1": D("4.00"),
        "1.2": D("1.00"),
        "1.3": D("2.00"),
        "2.1": D("1.00"),
        "3.1": D("-0.50"),
    }
    with pytest.raises(ValidationFailed) as err:
        services.publish(actor=reviewer, assessment=opened, visibility=Visibility.PUBLIC)
    assert err.value.code == "units_not_reviewed"
    assert len(err.value.details["units"]) == 30
    for other in opened.units.exclude(pk=scjg.pk):
        services.review_unit(actor=reviewer, unit=other, scores={}, comment="")
    with pytest.raises(PermissionDenied):
        services.publish(actor=users["leader"], assessment=opened, visibility=Visibility.PUBLIC)
    published = services.publish(actor=reviewer, assessment=opened, visibility=Visibility.PUBLIC)
    assert (published.status, published.visibility) == (AssessmentStatus.PUBLISHED, "public")
    assert published.published_at is not None
    ranking = selectors.ranking(published, UnitKind.DEPARTMENT)
    assert [(u.name, u.final_score, u.rank) for u in ranking[:2]] == [
        ("常州市市场监督管理局", D("7.50"), 1),
        (ranking[1].name, D("0.00"), 2),
    ]
    districts = selectors.ranking(published, UnitKind.DISTRICT)
    assert [(u.region_id, u.final_score, u.rank) for u in districts[:2]] == [
        ("320402", D("2.00"), 1),
        (districts[1].region_id, D("0.00"), 2),
    ]
    with pytest.raises(ValidationFailed) as err:
        services.compute(actor=reviewer, assessment=published)
    assert err.value.code == "assessment_published"
    events = set(
        AuditEntry.objects.filter(event_type__startswith="assessment.").values_list(
            "event_type", flat=True
        )
    )
    assert events == {
        "assessment.opened",
        "assessment.computed",
        "assessment.self_saved",
        "assessment.evidence_added",
        "assessment.evidence_removed",
        "assessment.self_submitted",
        "assessment.closed",
        "assessment.reviewed",
        "assessment.published",
    }
    submitted = AuditEntry.objects.get(event_type="assessment.self_submitted")
    assert (submitted.actor_id, submitted.object_id) == (officer.pk, str(scjg.pk))


def test_a_district_administrator_self_scores_its_district_unit_only(opened, users):
    tianning = opened.units.get(kind=UnitKind.DISTRICT, region_id="320402")
    zhonglou = opened.units.get(kind=UnitKind.DISTRICT, region_id="320404")
    admin = users["tianning"]
    unit = services.save_self_scores(
        actor=admin, unit=tianning, scores={_ids(tianning)["1.3"]: (D("3.5"), "")}
    )
    assert unit.self_score == D("5.50")
    with pytest.raises(PermissionDenied):
        services.save_self_scores(
            actor=admin, unit=zhonglou, scores={_ids(zhonglou)["1.3"]: (D(1), "")}
        )
    # A district department's officer is not the district unit.
    with pytest.raises(PermissionDenied):
        services.save_self_scores(
            actor=users["tnq_scjg"], unit=tianning, scores={_ids(tianning)["1.3"]: (D(1), "")}
        )


def test_a_reviewer_override_of_an_automatic_item_survives_recomputing(opened, users):
    reviewer = users["reviewer"]
    scjg = opened.units.get(department__code="SCJG")
    services.close_self_scoring(actor=reviewer, assessment=opened)
    ids = _ids(scjg)
    services.review_unit(
        actor=reviewer, unit=scjg, scores={ids["1.2"]: (D(2), "接口已对接")}, comment=""
    )
    # 1.2 still computes to 1 (one call): the reviewer's 2 stays; a new overdue objection
    # moves 3.1, which the reviewer kept.
    f.make_record("quality-dishonest", "SCJG", arrived=f.at(datetime.date(2025, 12, 1)))
    f.make_objection("SCJG", verify_due=datetime.date(2025, 12, 1))
    services.compute(actor=None, assessment=opened)
    scjg.refresh_from_db()
    finals = dict(scjg.scores.values_list("indicator__code", "final_points"))
    assert (finals["1.2"], finals["3.1"]) == (D("2.00"), D("-1.00"))  # kept; followed
    assert scjg.final_score == D("5.00")  # 4 + 2 + 0 + 0 − 1


def test_a_district_self_check_has_its_departments_and_itself(users, mini_rubric):
    region = Region.objects.get(code="320402")
    with pytest.raises(PermissionDenied):
        services.run_self_check(actor=users["zhonglou"], region=region, period="2025Q4")
    check = services.run_self_check(actor=users["tianning"], region=region, period="2025Q4")
    assert check.owner_region_id == "320402"
    assert check.rubric.owner_region_id == "320402"  # its own copy of the city's
    assert sorted(
        check.units.filter(kind=UnitKind.DEPARTMENT).values_list("department__code", flat=True)
    ) == ["TNQ-FG", "TNQ-SCJG", "TNQ-ZZB"]
    assert list(check.units.filter(kind=UnitKind.DISTRICT).values_list("region_id", flat=True)) == [
        "320402"
    ]
    again = services.run_self_check(actor=users["tianning"], region=region, period="2025Q4")
    assert again.pk == check.pk
    assert Assessment.objects.filter(owner_region=region).count() == 1
    # Its department's officer self-scores its own unit in it.
    unit = check.units.get(department__code="TNQ-SCJG")
    services.save_self_scores(
        actor=users["tnq_scjg"], unit=unit, scores={_ids(unit)["1.3"]: (D(4), "")}
    )


def test_open_refuses_a_bad_period_or_a_year_without_rubric(users):
    with pytest.raises(ValidationFailed) as err:
        services.open_assessment(actor=users["admin"], period="2026Q5")
    assert err.value.code == "invalid_period"
    with pytest.raises(ValidationFailed) as err:
        services.open_assessment(actor=users["admin"], period="2031")
    assert err.value.code == "rubric_missing"
    with pytest.raises(PermissionDenied):
        services.open_assessment(actor=users["tianning"], period="2026Q4")


def test_compute_due_recomputes_the_open_assessments_that_started(opened, users):
    services.close_self_scoring(actor=users["reviewer"], assessment=opened)
    assert services.compute_due(datetime.date(2026, 1, 5)) == []
    services.open_assessment(actor=None, period="2026Q4")
    found = services.compute_due(datetime.date(2026, 9, 30))
    assert found == []
    found = services.compute_due(datetime.date(2026, 10, 1))
    assert [a.period for a in found] == ["2026Q4"]


def test_computing_takes_as_many_queries_for_31_units_as_for_4(users, mini_rubric):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    city = services.open_assessment(actor=None, period="2025Q4")
    check = services.run_self_check(
        actor=None, region=Region.objects.get(code="320402"), period="2025Q4"
    )
    counts = []
    for assessment in (city, check):
        with CaptureQueriesContext(connection) as ctx:
            services.compute(actor=None, assessment=assessment)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 20, counts
