"""The one scope rule (selectors): who manages an assessment, whose unit is whose, which
assessments, units and rankings each role reads before and after publication."""

from __future__ import annotations

import pytest

from credit.assessment import selectors
from credit.assessment.constants import UnitKind, Visibility
from credit.assessment.services import assessments as services
from credit.core.models import Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened(users, mini_rubric):
    return services.open_assessment(actor=None, period="2025Q4")


def _publish(assessment, users):
    reviewer = users["reviewer"]
    services.close_self_scoring(actor=reviewer, assessment=assessment)
    for unit in assessment.units.all():
        services.review_unit(actor=reviewer, unit=unit, scores={}, comment="")
    return services.publish(actor=reviewer, assessment=assessment, visibility=Visibility.INTERNAL)


def test_who_manages_the_city_assessment_and_a_self_check(users):
    tianning = Region.objects.get(code="320402")
    manage_city = {name: selectors.may_manage(u, None) for name, u in users.items()}
    assert {n for n, ok in manage_city.items() if ok} == {"admin", "reviewer"}
    manage_tianning = {name: selectors.may_manage(u, tianning) for name, u in users.items()}
    assert {n for n, ok in manage_tianning.items() if ok} == {"admin", "reviewer", "tianning"}
    assert selectors.may_manage(None, None)  # the system


def test_whose_unit_is_whose(opened, users):
    scjg = opened.units.get(department__code="SCJG")
    tianning = opened.units.get(kind=UnitKind.DISTRICT, region_id="320402")
    own = {
        name: (selectors.is_own_unit(u, scjg), selectors.is_own_unit(u, tianning))
        for name, u in users.items()
    }
    assert own == {
        "admin": (False, False),
        "reviewer": (False, False),
        "leader": (False, False),
        "auditor": (False, False),
        "scjg": (True, False),
        "sw": (False, False),
        "tianning": (False, True),
        "zhonglou": (False, False),
        "tnq_scjg": (False, False),
    }


def test_before_publication_a_unit_reads_only_itself_and_no_ranking(opened, users):
    def names(user):
        return [r["unit"] for r in selectors.results_rows(user, opened)]

    assert names(users["scjg"]) == ["常州市市场监督管理局"]
    assert names(users["tianning"]) == ["天宁区"]
    assert names(users["leader"]) == []
    assert names(users["tnq_scjg"]) == []
    assert len(names(users["reviewer"])) == 31
    assert [r["rank"] for r in selectors.results_rows(users["scjg"], opened)] == [None]
    assert selectors.results_rows(users["reviewer"], opened)[0]["rank"] == 1
    assert not selectors.ranking_visible(users["leader"], opened)
    assert not selectors.ranking_visible(users["scjg"], opened)
    assert selectors.ranking_visible(users["reviewer"], opened)
    scjg = opened.units.get(department__code="SCJG")
    assert selectors.unit_for(users["scjg"], opened, scjg.pk) == scjg
    assert selectors.unit_for(users["sw"], opened, scjg.pk) is None
    assert selectors.unit_for(users["leader"], opened, scjg.pk) is None


def test_after_publication_everyone_with_the_permission_reads_the_ranking(opened, users):
    published = _publish(opened, users)
    for name in ("leader", "scjg", "tianning", "auditor"):
        assert selectors.ranking_visible(users[name], published), name
        rows = selectors.results_rows(users[name], published)
        assert len(rows) == 31 and rows[0]["rank"] == 1, name
    # The detail of a unit stays its own (or the city-wide readers').
    sw = published.units.get(department__code="SW")
    assert selectors.unit_for(users["scjg"], published, sw.pk) is None
    assert selectors.unit_for(users["leader"], published, sw.pk) == sw


def test_which_assessments_each_sees(opened, users):
    tianning = Region.objects.get(code="320402")
    check = services.run_self_check(actor=users["tianning"], region=tianning, period="2025Q4")

    def seen(user):
        return {(a.period, a.owner_region_id) for a in selectors.assessments_for(user)}

    city, own = ("2025Q4", None), ("2025Q4", "320402")
    assert seen(users["reviewer"]) == {city, own}
    assert seen(users["tianning"]) == {city, own}
    assert seen(users["zhonglou"]) == {city}
    assert seen(users["tnq_scjg"]) == {city, own}  # its unit is in the self-check
    assert seen(users["scjg"]) == {city}
    assert selectors.assessment_by_period(users["scjg"], "2025q4") == opened
    assert selectors.assessment_by_period(users["scjg"], "2025Q4", "320402") is None
    assert selectors.assessment_by_period(users["tianning"], "2025Q4", "320402") == check
    assert selectors.assessment_by_period(users["scjg"], "nonsense") is None
    assert selectors.assessment_for(users["zhonglou"], check.pk) is None


def test_the_unit_tree_sums_sections_and_counts_lost_points(opened, users):
    scjg = opened.units.get(department__code="SCJG")
    tree = selectors.unit_tree(scjg)
    assert [(n.indicator.code, n.max_points, n.points, n.lost) for n in tree] == [
        ("1", 10, 0, 10),
        ("2", 3, None, 3),
        ("3", 2, 0, 0),
    ]
    district = opened.units.get(kind=UnitKind.DISTRICT, region_id="320402")
    assert [n.indicator.code for n in selectors.unit_tree(district)[0].children] == ["1.1", "1.3"]
