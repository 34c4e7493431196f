"""Grade distributions of the civil servants' archive (credit.integrity.selectors.stats): counts
per district and per unit within the reader's scope, and the dashboard's dataset of grade
counts per district (no person)."""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def archives(make_civil_servant):
    """Scored as the platform scores them: 市场监管局 (city) A (500) and B (490), 税务局 (city) B,
    天宁区市场监管局 C (450) and one not scored yet, 钟楼区市场监管局 D (300)."""
    return {
        "scjg_a": make_civil_servant("SCJG", grade="A"),
        "scjg_b": make_civil_servant("SCJG", grade="B"),
        "sw_b": make_civil_servant("SW", grade="B"),
        "tnq_c": make_civil_servant("TNQ-SCJG", grade="C"),
        "tnq_none": make_civil_servant("TNQ-SCJG", recompute=False),
        "zlq_d": make_civil_servant("ZLQ-SCJG", grade="D"),
    }


def _by_key(rows):
    return {r["key"]: {g: r[g] for g in ("A", "B", "C", "D", "none", "total")} for r in rows}


def test_per_district_the_city_units_first_then_the_districts(archives, make_user):
    from credit.integrity.selectors.stats import grade_distribution

    rows = grade_distribution(make_user(Role.CITY_ADMIN), "region")
    assert [r["label"] for r in rows] == ["常州市（市级单位）", "天宁区", "钟楼区"]
    assert _by_key(rows) == {
        "320400": {"A": 1, "B": 2, "C": 0, "D": 0, "none": 0, "total": 3},
        "320402": {"A": 0, "B": 0, "C": 1, "D": 0, "none": 1, "total": 2},
        "320404": {"A": 0, "B": 0, "C": 0, "D": 1, "none": 0, "total": 1},
    }


def test_per_unit_in_the_departments_order(archives, make_user):
    from credit.core.models import Department
    from credit.integrity.selectors.stats import grade_distribution

    rows = grade_distribution(make_user(Role.CITY_ADMIN), "unit")
    assert [r["label"] for r in rows] == [
        "市场监管局",
        "税务局",
        "天宁区市场监管局",
        "钟楼区市场监管局",
    ]
    scjg = str(Department.objects.get(code="SCJG").pk)
    assert _by_key(rows)[scjg] == {"A": 1, "B": 1, "C": 0, "D": 0, "none": 0, "total": 2}


def test_civil_servants_of_no_known_unit_are_counted_apart(archives, make_user):
    from credit.integrity.models import CivilServant
    from credit.integrity.selectors.stats import grade_distribution

    CivilServant.objects.filter(pk=archives["sw_b"].pk).update(unit=None)
    rows = grade_distribution(make_user(Role.CITY_ADMIN), "unit")
    assert rows[-1]["label"] == "未关联单位" and rows[-1]["key"] == ""
    assert rows[-1]["B"] == 1


@pytest.mark.parametrize(
    ("role", "region", "department", "expected"),
    [
        (Role.DISTRICT_ADMIN, "320402", None, {"320402": 2}),
        (Role.ORG_HR, "320400", "SCJG", {"320400": 2}),
        (Role.ORG_HR, "320400", "ZZB", {"320400": 3, "320402": 2, "320404": 1}),
        (Role.ORG_HR, "320402", "TNQ-ZZB", {"320402": 2}),
        (Role.DEPT_OFFICER, "320400", "SCJG", {}),
        (Role.LEADER, "320400", None, {}),
    ],
)
def test_the_counts_stay_within_the_readers_scope(
    archives, make_user, role, region, department, expected
):
    from credit.integrity.selectors.stats import grade_distribution

    reader = make_user(role, region=region, department=department)
    rows = grade_distribution(reader, "region")
    assert {r["key"]: r["total"] for r in rows} == expected


def test_three_queries_whatever_the_number_of_civil_servants(
    archives, make_user, make_civil_servant, django_assert_max_num_queries
):
    from credit.integrity.selectors.stats import grade_distribution

    hr = make_user(Role.ORG_HR, region="320402", department="TNQ-ZZB")
    with django_assert_max_num_queries(3):
        grade_distribution(hr, "unit")
    for _ in range(5):
        make_civil_servant("TNQ-FG", grade="B")
    with django_assert_max_num_queries(3):
        rows = grade_distribution(hr, "unit")
    assert sum(r["total"] for r in rows) == 7


def test_an_unknown_grouping_is_refused(make_user):
    from credit.integrity.selectors.stats import grade_distribution

    with pytest.raises(ValueError):
        grade_distribution(make_user(Role.CITY_ADMIN), "grade")  # type: ignore[arg-type]


def test_grade_counts_of_a_queryset(archives, make_user):
    from credit.integrity.selectors import civil_servants_for
    from credit.integrity.selectors.stats import grade_counts

    counts = grade_counts(civil_servants_for(make_user(Role.CITY_ADMIN)))
    assert counts == {"A": 1, "B": 2, "C": 1, "D": 1, "none": 1, "total": 6}


# --------------------------------------------------------------------------------------------
# The dashboard's dataset
# --------------------------------------------------------------------------------------------


def test_the_dashboard_dataset_counts_grades_per_district_without_persons(archives, make_user):
    from credit.dashboard import datasets

    admin = make_user(Role.CITY_ADMIN)
    result = datasets.run("integrity_grades", admin)
    assert [c for c, _ in result.columns] == ["region", "A", "B", "C", "D"]
    rows = {r["_key"]: r for r in result.rows}
    assert rows["320400"]["region"] == "市级单位"
    assert (rows["320400"]["A"], rows["320400"]["B"]) == (1, 2)
    assert (rows["320402"]["C"], rows["320404"]["D"]) == (1, 1)
    assert rows["320402"]["_link"] == "/integrity/distribution/"
    names = {cs.natural_person.name for cs in archives.values()}
    assert not names & {str(v) for r in result.rows for v in r.values()}


def test_the_dashboard_dataset_is_pinned_like_every_dataset(archives, make_user):
    from credit.dashboard import datasets

    tianning = datasets.run("integrity_grades", make_user(Role.DISTRICT_ADMIN, "320402")).rows
    assert [(r["_key"], r["C"]) for r in tianning] == [("320402", 1)]
    leader = datasets.run("integrity_grades", make_user(Role.LEADER)).rows
    assert {r["_key"] for r in leader} == {"320400", "320402", "320404"}
    assert all(r["_link"] is None for r in leader)  # the leader opens no archive
    officer = make_user(Role.DEPT_OFFICER, "320402", "TNQ-SCJG")
    assert [(r["_key"], r["C"]) for r in datasets.run("integrity_grades", officer).rows] == [
        ("320402", 1)
    ]
