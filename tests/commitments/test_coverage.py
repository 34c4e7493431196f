"""Coverage against the targets (tender lines 441–445) on a small known data set: exact
counts, ratios and whether each target is met; a cancelled company, an expired or returned
commitment and a lapsed black-list record count for nothing; the district's figures; the
daily stored figures (idempotent, audited)."""

from __future__ import annotations

import datetime
import itertools
import uuid

import pytest

from credit.commitments.constants import Channel, Kind, Status, Target
from credit.commitments.models import (
    Commitment,
    CommitmentItem,
    CommitmentItemVersion,
    CoverageFigure,
)
from credit.commitments.selectors import coverage
from credit.core.models import Department, Region
from credit.subjects.constants import LegalPersonKind, LegalPersonStatus
from credit.subjects.models import LegalPerson

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 1)
_n = itertools.count(1)


# --------------------------------------------------------------------------------------------
# Builders (rows made directly: the services are tested elsewhere)
# --------------------------------------------------------------------------------------------


def make_item(kind: str, department: str = "SCJG", *, active: bool = True) -> CommitmentItem:
    n = next(_n)
    item = CommitmentItem.objects.create(
        code=f"cov-{kind}-{n}",
        name=f"测试事项{n}",
        kind=kind,
        department=Department.objects.get(code=department),
        is_active=active,
        sort_order=n,
    )
    CommitmentItemVersion.objects.create(item=item, version=1, template_text="本单位承诺……")
    return item


def make_company(
    region: str = "320402",
    status: str = LegalPersonStatus.ACTIVE,
    industry: str = "C",
    name: str = "",
) -> LegalPerson:
    from credit.core.identifiers import make_uscc

    n = next(_n)
    return LegalPerson.objects.create(
        uscc=make_uscc("91", region, f"{n + 70_000_000:08d}"),
        name=name or f"常州测试企业{n}有限公司",
        kind=LegalPersonKind.ORGANISATION,
        region=Region.objects.get(code=region),
        industry=industry,
        status=status,
    )


def commit(
    item: CommitmentItem,
    company: LegalPerson,
    *,
    status: str = Status.PUBLISHED,
    committed_on: datetime.date = DAY - datetime.timedelta(days=30),
    valid_until: datetime.date | None = None,
    region: str | None = None,
) -> Commitment:
    return Commitment.objects.create(
        number=f"T-{uuid.uuid4().hex[:12]}",
        item=item,
        item_version=item.versions.first(),
        kind=item.kind,
        department=item.department,
        region_id=region or company.region_id,
        legal_person=company,
        promisor_name=company.name,
        promisor_code=company.uscc,
        committed_on=committed_on,
        published_on=committed_on,
        valid_until=valid_until,
        status=status,
        channel=Channel.DEPARTMENT,
    )


def black_list(company: LegalPerson, *, status: str = "active", end: datetime.date | None = None):
    from credit.catalog.models import CatalogItem
    from credit.records.models import CreditRecord

    return CreditRecord.objects.create(
        item=CatalogItem.objects.get(code="work-safety-blacklist"),
        legal_person=company,
        department=Department.objects.get(code="YJ"),
        region_id="320400",
        natural_key=uuid.uuid4().hex,
        payload={"unit_name": company.name},
        decision_date=DAY - datetime.timedelta(days=100),
        publicity_end=end,
        status=status,
        usage_scope="public",
    )


@pytest.fixture(autouse=True)
def only_the_tests_items():
    """The seeded items (``data/items.json``) are set aside: each test counts its own, except
    where it says otherwise."""
    seeded = list(CommitmentItem.objects.filter(is_active=True).values_list("pk", flat=True))
    CommitmentItem.objects.filter(pk__in=seeded).update(is_active=False)
    return seeded


def figures(day: datetime.date = DAY, scope: coverage.Scope = coverage.CITY) -> dict:
    return {f.target: f for f in coverage.compute(day, scope)}


# --------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------


@pytest.fixture
def voluntary_set():
    """10 operating companies, 9 with a voluntary or industry commitment in force; beside
    them a cancelled company with a commitment, a company whose only commitment expired, one
    whose commitment was returned and one with a notify commitment only — those four are
    operating-or-not but uncovered or not counted as the test says."""
    voluntary = make_item(Kind.VOLUNTARY)
    industry = make_item(Kind.INDUSTRY, "JT")
    notify = make_item(Kind.NOTIFY)
    companies = [make_company() for _ in range(10)]
    for i, c in enumerate(companies[:9]):
        commit(voluntary if i % 2 else industry, c)
    commit(voluntary, companies[0])  # two commitments: counted once
    cancelled = make_company(status=LegalPersonStatus.CANCELLED)
    commit(voluntary, cancelled)
    return {
        "companies": companies,
        "cancelled": cancelled,
        "voluntary": voluntary,
        "notify": notify,
    }


# --------------------------------------------------------------------------------------------
# Voluntary and industry commitments: 90 % of operating legal persons
# --------------------------------------------------------------------------------------------


def test_nine_of_ten_operating_companies_meet_the_target(voluntary_set):
    f = figures()[Target.VOLUNTARY]
    assert (f.covered, f.total, f.ratio, f.target_ratio, f.met) == (9, 10, 0.9, 0.9, True)
    uncovered = list(coverage.uncovered(Target.VOLUNTARY, day=DAY))
    assert uncovered == [voluntary_set["companies"][9]]


def test_an_expired_commitment_does_not_cover(voluntary_set):
    last = voluntary_set["companies"][9]
    commit(voluntary_set["voluntary"], last, valid_until=DAY - datetime.timedelta(days=1))
    commit(voluntary_set["notify"], last)  # another kind covers another target
    f = figures()[Target.VOLUNTARY]
    assert (f.covered, f.total) == (9, 10)
    # valid on its last day, and a commitment signed later does not cover an earlier day
    commit(voluntary_set["voluntary"], last, valid_until=DAY)
    assert figures()[Target.VOLUNTARY].covered == 10
    assert figures(DAY - datetime.timedelta(days=31))[Target.VOLUNTARY].covered == 0


def test_commitments_not_in_force_do_not_cover(voluntary_set):
    last = voluntary_set["companies"][9]
    for status in (Status.SUBMITTED, Status.RETURNED, Status.BREACHED, Status.WITHDRAWN):
        commit(voluntary_set["voluntary"], last, status=status)
    assert figures()[Target.VOLUNTARY].covered == 9
    commit(voluntary_set["voluntary"], last, status=Status.FULFILLED)
    f = figures()[Target.VOLUNTARY]
    assert (f.covered, f.total, f.ratio, f.met) == (10, 10, 1.0, True)


def test_eight_of_ten_is_below_target_and_cancelled_companies_are_not_counted(voluntary_set):
    Commitment.objects.filter(legal_person=voluntary_set["companies"][8]).delete()
    make_company(status=LegalPersonStatus.REVOKED)
    f = figures()[Target.VOLUNTARY]
    assert (f.covered, f.total, f.ratio, f.met) == (8, 10, 0.8, False)
    assert voluntary_set["cancelled"] not in coverage.uncovered(Target.VOLUNTARY, day=DAY)


def test_district_figures_and_list_filters(voluntary_set):
    zl = [make_company("320404", industry="F") for _ in range(3)]
    commit(voluntary_set["voluntary"], zl[0])
    district = coverage.Scope(region="320404", label="本辖市区")
    f = figures(scope=district)[Target.VOLUNTARY]
    assert (f.covered, f.total, f.met) == (1, 3, False)
    assert figures()[Target.VOLUNTARY].total == 13
    assert list(coverage.uncovered(Target.VOLUNTARY, scope=district, day=DAY)) == zl[1:]
    # a district filter outside the scope finds nothing; the industry filter narrows
    assert not coverage.uncovered(
        Target.VOLUNTARY, {"district": "320402"}, scope=district, day=DAY
    ).exists()
    city = coverage.uncovered(Target.VOLUNTARY, {"industry": "F"}, day=DAY)
    assert list(city) == zl[1:]
    assert list(coverage.uncovered(Target.VOLUNTARY, {"district": "320402"}, day=DAY)) == [
        voluntary_set["companies"][9]
    ]


# --------------------------------------------------------------------------------------------
# Items: each 告知承诺 item used; each 容缺受理 item applied
# --------------------------------------------------------------------------------------------


def test_eighteen_of_nineteen_notify_items_used_is_not_met(only_the_tests_items):
    """The 19 告知承诺 items of the 证照分离 reform as seeded."""
    CommitmentItem.objects.filter(pk__in=only_the_tests_items).update(is_active=True)
    company = make_company()
    items = list(CommitmentItem.objects.filter(kind=Kind.NOTIFY, is_active=True).order_by("pk"))
    assert len(items) == 19
    for item in items[:18]:
        commit(item, company)
    commit(items[18], company, valid_until=DAY - datetime.timedelta(days=1))  # expired
    make_item(Kind.NOTIFY, active=False)  # an item no longer in use is not counted
    f = figures()[Target.NOTIFY]
    assert (f.covered, f.total, f.ratio, f.met) == (18, 19, 18 / 19, False)
    assert list(coverage.uncovered(Target.NOTIFY, day=DAY)) == [items[18]]
    assert list(
        coverage.uncovered(Target.NOTIFY, {"department": items[18].department_id}, day=DAY)
    ) == [items[18]]
    commit(items[18], company)
    f = figures()[Target.NOTIFY]
    assert (f.covered, f.total, f.ratio, f.met) == (19, 19, 1.0, True)


def test_tolerance_items_and_department_scope():
    a, b, c = (
        make_item(Kind.TOLERANCE, "SCJG"),
        make_item(Kind.TOLERANCE, "JT"),
        make_item(Kind.TOLERANCE, "JT"),
    )
    commit(a, make_company())
    commit(b, make_company("320404"))
    f = figures()[Target.TOLERANCE]
    assert (f.covered, f.total, f.met) == (2, 3, False)
    jt = coverage.Scope(departments=frozenset({b.department_id}), label="本部门")
    f = figures(scope=jt)[Target.TOLERANCE]
    assert (f.covered, f.total) == (1, 2)
    assert list(coverage.uncovered(Target.TOLERANCE, scope=jt, day=DAY)) == [c]
    # a district counts the commitments recorded in it
    tn = coverage.Scope(region="320402")
    assert (
        figures(scope=tn)[Target.TOLERANCE].covered,
        figures(scope=tn)[Target.TOLERANCE].total,
    ) == (1, 3)


def test_nothing_to_cover_is_met():
    f = figures()[Target.TOLERANCE]
    assert (f.covered, f.total, f.ratio, f.met) == (0, 0, 1.0, True)


# --------------------------------------------------------------------------------------------
# Black-listed subjects and repair commitments
# --------------------------------------------------------------------------------------------


def test_black_listed_subjects_with_and_without_repair_commitments():
    repair = make_item(Kind.REPAIR, "FGW")
    voluntary = make_item(Kind.VOLUNTARY)
    listed = [make_company() for _ in range(4)]
    for c in listed:
        black_list(c)
    black_list(listed[0])  # two records: one subject
    commit(repair, listed[0])
    commit(repair, listed[1], status=Status.FULFILLED)
    commit(voluntary, listed[2])  # not a repair commitment
    commit(repair, listed[3], valid_until=DAY - datetime.timedelta(days=1))  # expired
    # not counted: a cancelled listed company, a record repaired or past its publicity, a
    # company with a repair commitment but on no list
    gone = make_company(status=LegalPersonStatus.CANCELLED)
    black_list(gone)
    black_list(make_company(), status="repaired")
    black_list(make_company(), end=DAY - datetime.timedelta(days=1))
    commit(repair, make_company())
    f = figures()[Target.REPAIR]
    assert (f.covered, f.total, f.ratio, f.met) == (2, 4, 0.5, False)
    assert list(coverage.uncovered(Target.REPAIR, day=DAY)) == listed[2:]
    commit(repair, listed[2])
    commit(repair, listed[3])
    f = figures()[Target.REPAIR]
    assert (f.covered, f.total, f.met) == (4, 4, True)
    assert not coverage.uncovered(Target.REPAIR, day=DAY).exists()


def test_unknown_target_is_refused():
    with pytest.raises(ValueError):
        coverage.uncovered("nope")


def test_scope_of_readers(make_user):
    from credit.accounts.roles import Role

    assert coverage.scope_for(make_user(Role.CITY_ADMIN)) == coverage.CITY
    district = coverage.scope_for(make_user(Role.DISTRICT_ADMIN, "320404"))
    assert (district.region, district.departments) == ("320404", None)
    officer = coverage.scope_for(make_user(Role.DEPT_OFFICER, department="JT"))
    assert officer.region is None
    assert officer.departments == frozenset({Department.objects.get(code="JT").pk})


# --------------------------------------------------------------------------------------------
# The daily figures
# --------------------------------------------------------------------------------------------


def test_refresh_stores_the_days_figures_idempotently(voluntary_set):
    from credit.commitments.services.coverage import refresh
    from credit.core.models import AuditEntry

    refresh(DAY)
    refresh(DAY)
    rows = {r.target: r for r in CoverageFigure.objects.filter(day=DAY)}
    assert len(rows) == 4 and CoverageFigure.objects.count() == 4
    assert (rows["voluntary"].covered, rows["voluntary"].total) == (9, 10)
    assert float(rows["voluntary"].target_ratio) == 0.9
    assert (rows["notify"].covered, rows["notify"].total) == (0, 1)
    Commitment.objects.filter(legal_person=voluntary_set["companies"][8]).delete()
    refresh(DAY)
    assert CoverageFigure.objects.get(day=DAY, target="voluntary").covered == 8
    assert [r.day for r in coverage.history(30, until=DAY)] == [DAY] * 4
    entries = AuditEntry.objects.filter(event_type="commitment_coverage.refreshed")
    assert entries.count() == 3 and entries.first().actor_id is None
