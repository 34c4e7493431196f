"""Rubrics (考核细则): the seeded 2026 city rubric adds up (70 points and a 6-point bonus),
its import is idempotent and validated, a rubric is chosen by the period's year, a new
version is a copy, and a rubric an assessment used refuses every edit."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from credit.assessment.constants import IndicatorKind, Method
from credit.assessment.models import Indicator, Rubric
from credit.assessment.services import assessments, rubrics
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Region
from tests.assessment.conftest import MINI_RUBRIC

pytestmark = pytest.mark.django_db


def _city_2026() -> Rubric:
    return Rubric.objects.get(owner_region=None, year=2026, version=1)


def test_the_seeded_rubric_has_70_points_and_a_6_point_bonus():
    rubric = _city_2026()
    top = {i.code: i for i in rubric.indicators.filter(parent=None)}
    assert {c: (i.name, i.points) for c, i in top.items()} == {
        "1": ("组织推进", Decimal("40.00")),
        "2": ("信用信息归集报送", Decimal("30.00")),
        "3": ("创新工作", Decimal("6.00")),
        "4": ("扣分项", Decimal("2.00")),
    }
    items = rubric.indicators.exclude(kind=IndicatorKind.SECTION)
    by_kind: dict[str, Decimal] = {}
    for i in items:
        by_kind[i.kind] = by_kind.get(i.kind, Decimal(0)) + i.points
    assert by_kind == {"item": Decimal(70), "bonus": Decimal(6), "deduction": Decimal(2)}
    # The 江苏 structure: channel 2 (2 / 1 by thresholds), volume 8, timeliness 3 + 3.
    channel = rubric.indicators.get(code="2.1")
    assert (channel.metric, channel.points, channel.formula["steps"]) == (
        "reporting_channel",
        Decimal("2.00"),
        [[2, 2], [1, 1]],
    )
    assert rubric.indicators.get(code="2.2").metric == "reporting_volume"
    assert [(i.metric, i.points) for i in rubric.indicators.get(code="2.3").children.all()] == [
        ("publicity_timeliness", Decimal("3.00")),
        ("monthly_reporting", Decimal("3.00")),
    ]
    # Every item carries the text a unit reads; platform additions are marked.
    assert not items.filter(criteria="").exists()
    assert rubric.indicators.get(code="2.4").criteria.startswith("平台补充（待信用办确认）")
    for ind in items.filter(method=Method.AUTO):
        assert ind.metric and ind.monitoring_point, ind.code


def test_importing_again_changes_nothing_and_is_audited_once():
    before = _city_2026()
    ids = list(before.indicators.values_list("pk", flat=True))
    again = rubrics.import_rubric()
    assert again.pk == before.pk
    assert list(again.indicators.values_list("pk", flat=True)) == ids
    assert (
        AuditEntry.objects.filter(event_type="rubric.imported", object_id=str(again.pk)).count()
        == 1
    )


def test_an_invalid_rubric_file_is_refused_with_every_problem(tmp_path):
    doc = json.loads(json.dumps(MINI_RUBRIC))
    doc["indicators"][0]["points"] = 11  # children add up to 10
    doc["indicators"][0]["children"][0]["metric"] = "no_such_metric"
    doc["indicators"][0]["children"][1]["formula"] = {"type": "thresholds", "steps": [[1, 9]]}
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(rubrics.RubricFileError) as err:
        rubrics.import_rubric(path)
    problems = err.value.problems
    assert any("分值应等于下级指标分值之和 10" in p for p in problems)
    assert any("监测指标“no_such_metric”不存在" in p for p in problems)
    assert any(p.startswith("指标“1.2”") for p in problems)
    assert not Rubric.objects.filter(year=2025).exists()


def test_rubric_for_picks_the_latest_version_of_the_year(users):
    city = _city_2026()
    assert rubrics.rubric_for(2026) == city
    assert rubrics.rubric_for(2031) is None
    v2 = rubrics.copy_rubric(actor=users["admin"], rubric=city)
    assert (v2.year, v2.version) == (2026, 2)
    assert rubrics.rubric_for(2026) == v2
    assert v2.indicators.count() == city.indicators.count()
    # The tree is copied with its parents.
    assert v2.indicators.get(code="2.3.1").parent == v2.indicators.get(code="2.3")
    assert AuditEntry.objects.filter(event_type="rubric.copied", object_id=str(v2.pk)).exists()


def test_a_2027_rubric_does_not_change_a_2026_assessment(users, mini_rubric):
    admin = users["admin"]
    q4 = assessments.open_assessment(actor=admin, period="2026Q4")
    assert q4.rubric == _city_2026()
    r2027 = rubrics.copy_rubric(actor=admin, rubric=q4.rubric, year=2027)
    assert (r2027.year, r2027.version, r2027.name) == (
        2027,
        1,
        _city_2026().name.replace("2026", "2027"),
    )
    volume = r2027.indicators.get(code="2.2")
    rubrics.update_indicator(
        actor=admin, indicator=volume, points=Decimal("9"), name="报送数据量（新）"
    )
    # The 2027 section follows its item; 2026's rubric and assessment are as they were.
    assert r2027.indicators.get(code="2").points == Decimal("31.00")
    assert _city_2026().indicators.get(code="2.2").points == Decimal("8.00")
    q4.refresh_from_db()
    assert q4.rubric_id == _city_2026().pk
    q1 = assessments.open_assessment(actor=admin, period="2027Q1")
    assert q1.rubric == r2027
    score = q1.units.get(department__code="SCJG").scores.get(indicator__code="2.2")
    assert score.indicator.name == "报送数据量（新）"


def test_a_used_rubric_refuses_edits_and_keeps_its_import(users, mini_rubric):
    admin = users["admin"]
    assessments.open_assessment(actor=admin, period="2025Q4")
    item = mini_rubric.indicators.get(code="1.3")
    with pytest.raises(ValidationFailed) as err:
        rubrics.update_indicator(actor=admin, indicator=item, points=Decimal("3"))
    assert err.value.code == "rubric_used"
    item.refresh_from_db()
    assert item.points == Decimal("4.00")
    # Importing the file again leaves the used version as it is.
    before = list(mini_rubric.indicators.values_list("pk", flat=True))
    assert rubrics.import_rubric(rubrics.RUBRIC_FILE).pk == _city_2026().pk
    assert list(mini_rubric.indicators.values_list("pk", flat=True)) == before


def test_updating_an_indicator_validates_the_formula_and_is_audited(users, mini_rubric):
    admin = users["admin"]
    item = mini_rubric.indicators.get(code="1.1")
    with pytest.raises(ValidationFailed) as err:
        rubrics.update_indicator(
            actor=admin, indicator=item, formula={"type": "thresholds", "steps": [[2, 5]]}
        )
    assert err.value.code == "invalid_indicator"
    with pytest.raises(ValidationFailed):
        rubrics.update_indicator(actor=admin, indicator=item, code="9")
    with pytest.raises(ValidationFailed) as err:
        rubrics.update_indicator(actor=admin, indicator=item.parent, points=Decimal("12"))
    assert err.value.code == "section_points"
    updated = rubrics.update_indicator(
        actor=admin, indicator=item, criteria="报送2条以上得4分。", points=Decimal("4")
    )
    assert updated.criteria == "报送2条以上得4分。"
    entry = AuditEntry.objects.get(event_type="indicator.updated", object_id=str(item.pk))
    assert entry.after == {"criteria": "报送2条以上得4分。", "points": "4.00"}


def test_only_who_manages_the_scope_copies_or_edits_a_rubric(users, mini_rubric):
    tianning = Region.objects.get(code="320402")
    with pytest.raises(PermissionDenied):
        rubrics.copy_rubric(actor=users["scjg"], rubric=mini_rubric)
    with pytest.raises(PermissionDenied):
        rubrics.copy_rubric(actor=users["tianning"], rubric=mini_rubric)  # the city's
    with pytest.raises(PermissionDenied):
        rubrics.copy_rubric(actor=users["zhonglou"], rubric=mini_rubric, owner_region=tianning)
    own = rubrics.copy_rubric(actor=users["tianning"], rubric=mini_rubric, owner_region=tianning)
    assert (own.owner_region_id, own.version) == ("320402", 1)
    assert own.name == "天宁区自评检查：2025年度测试考核细则"
    with pytest.raises(PermissionDenied):
        rubrics.update_indicator(
            actor=users["zhonglou"], indicator=own.indicators.get(code="1.3"), name="改"
        )
    assert Indicator.objects.filter(rubric=own, code="1.3", name="工作机制").exists()


def test_a_district_copies_the_city_rubric_of_the_year_as_its_own(users, mini_rubric):
    own = rubrics.copy_for_own_district(actor=users["tianning"], year=mini_rubric.year)
    assert (own.owner_region_id, own.year) == ("320402", mini_rubric.year)
    assert own.indicators.count() == mini_rubric.indicators.count()
    with pytest.raises(PermissionDenied, match="只有辖市区管理员"):
        rubrics.copy_for_own_district(actor=users["admin"], year=mini_rubric.year)
    with pytest.raises(ValidationFailed, match="2099年的全市考核细则尚未导入"):
        rubrics.copy_for_own_district(actor=users["tianning"], year=2099)
