"""The dataset catalogue (:mod:`credit.dashboard.datasets`): filters from a query (refused in
Chinese when they name what does not exist), the tenant pinning of every run, every dataset
for every role that may see the dashboards, and no number counting another tenant's data."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credit.core.access import Kind, Perm, Principal
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.dashboard import datasets, facts
from credit.dashboard.datasets import Filters, effective_filters
from tests.dashboard.conftest import at

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
CHINESE = re.compile(r"[\u4e00-\u9fff]")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --------------------------------------------------------------------------------------------
# Filters from a query
# --------------------------------------------------------------------------------------------


def test_filters_from_a_query(db):
    filters = Filters.from_query(
        {
            "region": " 320402 ",
            "department": "TNQ-SCJG",
            "item": "admin-penalty",
            "from": "2026-01",
            "to": "2026-03",
        }
    )
    assert filters == Filters(
        region="320402",
        department="TNQ-SCJG",
        item="admin-penalty",
        start=datetime.date(2026, 1, 1),
        end=datetime.date(2026, 3, 1),
    )
    assert Filters.from_query({}) == Filters()
    assert Filters.from_query({"region": "", "from": "  "}) == Filters()
    assert filters.as_query(severity="serious", public=None) == {
        "region": "320402",
        "department": "TNQ-SCJG",
        "item": "admin-penalty",
        "from": "2026-01",
        "to": "2026-03",
        "severity": "serious",
    }


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ({"region": "3204\x0002"}, "region", "区划代码中有无法处理的字符（控制字符 NUL）"),
        ({"item": "\ud800"}, "item", "无效的代理字符 U+D800"),
        ({"from": "2026-13"}, "from", "起始月份"),
        ({"from": "2026/01"}, "from", "起始月份"),
        ({"to": "1999-12"}, "to", "截止月份"),
        ({"to": "二〇二六年一月"}, "to", "截止月份"),
        ({"from": "2026-05", "to": "2026-04"}, "from", "不能晚于"),
        ({"region": "999999"}, "region", "区划代码“999999”不存在"),
        ({"department": "NO-SUCH"}, "department", "部门编码“NO-SUCH”不存在"),
        ({"item": "no-such-item"}, "item", "目录项“no-such-item”不存在"),
    ],
)
def test_bad_filters_are_refused_in_chinese(query, field, words):
    with pytest.raises(ValidationFailed) as refused:
        Filters.from_query(query)
    assert words in refused.value.message
    assert CHINESE.search(refused.value.message)
    assert refused.value.details["field"] == field
    assert refused.value.status == 422


QUERY_VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["320402", "TNQ-SCJG", "admin-penalty", "2026-01", "2026-00", "0000-01"]),
    st.sampled_from(["\x00", "320402\x00", "\ud800", "2026-01\n", "２０２６-０１", "a" * 5000]),
    st.from_regex(r"\A\d{4}-\d{2}\Z", fullmatch=True),
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    query=st.dictionaries(
        st.sampled_from(["region", "department", "item", "from", "to", "other"]), QUERY_VALUES
    )
)
def test_filters_from_any_text_are_filters_or_a_validation_failure(db, query):
    try:
        filters = Filters.from_query(query)
    except ValidationFailed as refused:
        assert CHINESE.search(refused.message)
    else:
        assert isinstance(filters, Filters)


# --------------------------------------------------------------------------------------------
# Tenant pinning
# --------------------------------------------------------------------------------------------


def _principal(user) -> Principal:
    return user.as_principal()


def test_the_city_sees_what_it_asks_for(staff):
    asked = Filters(region="320404", department="ZLQ-SCJG")
    for who in ("admin", "office", "leader", "auditor"):
        assert effective_filters(_principal(staff[who]), asked) == asked


def test_a_district_administrator_is_pinned_to_its_district(staff):
    tianning = _principal(staff["tianning"])
    assert effective_filters(tianning, Filters()).region == "320402"
    assert effective_filters(tianning, Filters(region="320402")).region == "320402"
    pinned = effective_filters(tianning, Filters(department="TNQ-SCJG", item="admin-penalty"))
    assert (pinned.region, pinned.department, pinned.item) == (
        "320402",
        "TNQ-SCJG",
        "admin-penalty",
    )
    with pytest.raises(PermissionDenied) as refused:
        effective_filters(tianning, Filters(region="320404"))
    assert refused.value.message == "您只能查看本辖市区的统计"


def test_a_department_officer_is_pinned_to_its_department(staff):
    officer = _principal(staff["tnq_officer"])
    assert effective_filters(officer, Filters()).department == "TNQ-SCJG"
    assert effective_filters(officer, Filters(department="TNQ-SCJG")).department == "TNQ-SCJG"
    city = _principal(staff["city_officer"])
    assert effective_filters(city, Filters(region="320402")).department == "SCJG"
    with pytest.raises(PermissionDenied) as refused:
        effective_filters(officer, Filters(department="ZLQ-SCJG"))
    assert refused.value.message == "您只能查看本部门的统计"
    with pytest.raises(PermissionDenied):
        effective_filters(city, Filters(department="TNQ-SCJG"))


def test_a_principal_without_a_tenant_is_refused(db):
    nobody = Principal(kind=Kind.STAFF, perms=frozenset({Perm.DASHBOARD_VIEW}), departments=None)
    with pytest.raises(PermissionDenied) as refused:
        effective_filters(nobody, Filters())
    assert "没有数据范围" in refused.value.message
    with pytest.raises(PermissionDenied):
        datasets.run("collection_summary", nobody)


def test_runs_are_pinned_as_the_filters_are(staff):
    with pytest.raises(PermissionDenied):
        datasets.run("legal_by_kind", staff["tianning"], Filters(region="320404"))
    with pytest.raises(PermissionDenied):
        datasets.run("collection_trend", staff["tnq_officer"], Filters(department="SCJG"))


# --------------------------------------------------------------------------------------------
# Who may run what
# --------------------------------------------------------------------------------------------

DASHBOARD_ROLES = ["admin", "office", "leader", "auditor", "tianning", "zhonglou", "tnq_officer",
                   "city_officer"]  # fmt: skip


def test_the_catalogue(staff):
    codes = [d.code for d in datasets.catalogue(staff["admin"])]
    assert len(codes) == len(set(codes)) >= 20
    assert {"district_overview", "collection_summary", "legal_by_kind", "warnings_open"} <= set(
        codes
    )
    for dataset in datasets.catalogue(staff["admin"]):
        assert dataset.group in datasets.GROUPS
        assert set(dataset.charts) <= set(datasets.CHART_TYPES)
        assert CHINESE.search(dataset.title) and CHINESE.search(dataset.description)
    assert [d.code for d in datasets.catalogue(staff["leader"])] == codes
    with pytest.raises(NotFound) as missing:
        datasets.get("no_such_dataset")
    assert missing.value.message == "数据集“no_such_dataset”不存在"


@pytest.fixture
def city(make_record, make_company, make_person, staff, settings):
    """Data of several tenants: 天宁区 (TNQ-SCJG), 钟楼区 (ZLQ-SCJG) and the city's market
    supervision (SCJG), with a batch of each today, a check and an objection."""
    from credit.objections import services as objections
    from credit.objections.uploads import Upload
    from credit.sanctions import services as sanctions

    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    companies = {d: make_company(d, capital=200) for d in ("320402", "320404")}
    make_person("320402")
    month_ago = TODAY - datetime.timedelta(days=30)
    made = {}
    for dept, district in (("TNQ-SCJG", "320402"), ("ZLQ-SCJG", "320404"), ("SCJG", "320402")):
        made[dept] = make_record(
            "admin-penalty", dept, companies[district], decided=month_ago, arrived=at(month_ago),
            severity="general", publicity_end=TODAY + datetime.timedelta(days=300),
        )  # fmt: skip
        make_record(
            "dishonest-judgment-debtor", dept, companies[district], decided=month_ago,
            valid_to=TODAY + datetime.timedelta(days=300),
        )  # fmt: skip
        _batch(dept)
    objections.record_offline_objection(
        actor=staff["admin"],
        record=made["TNQ-SCJG"],
        name="李四",
        id_number=companies["320402"].uscc,
        phone="13812345678",
        reason="该处罚已撤销。",
        files=[Upload("证明.pdf", PDF, "")],
    )
    sanctions.run_check(
        principal=staff["tnq_officer"], identifier=companies["320402"].uscc, reason="资格审查"
    )
    facts.refresh()
    return companies


def _batch(department: str):
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.ingest.models import Batch

    dept = Department.objects.get(code=department)
    return Batch.objects.create(
        item=CatalogItem.objects.get(code="admin-penalty"),
        item_version=1,
        department=dept,
        region_id=dept.region_id,
        channel=Batch.Channel.API,
        status="done",
        total=1,
        inserted=1,
    )


def _numbers(user, filters: Filters | None = None) -> dict[str, list]:
    """Every dataset's rows for ``user`` (without the note, which says when)."""
    return {d.code: datasets.run(d.code, user, filters).rows for d in datasets.catalogue(user)}


@pytest.mark.parametrize("who", DASHBOARD_ROLES)
def test_every_dataset_runs_for_every_role_that_sees_the_dashboards(city, staff, who):
    user = staff[who]
    catalogue = datasets.catalogue(user)
    assert len(catalogue) >= 20
    for dataset in catalogue:
        for filters in (Filters(), Filters(item="admin-penalty", start=TODAY.replace(day=1))):
            result = datasets.run(dataset.code, user, filters)
            body = result.as_json()
            assert body["code"].startswith(dataset.code)
            assert [c["key"] for c in body["columns"]] == [k for k, _ in result.columns]
            for row in result.rows:
                assert set(row) - {"_key", "_link", "_filter"} <= {k for k, _ in result.columns}


def test_district_administrators_see_their_district_only(city, staff, make_record, make_company):
    before = _numbers(staff["tianning"])
    summary = {r["metric"]: r["value"] for r in before["collection_summary"]}
    assert summary["归集数据量"] == 2  # TNQ-SCJG's two records, not 钟楼区's nor the city's
    assert summary["今日批次"] == 1
    districts = {r["_key"]: r for r in before["district_overview"]}
    assert districts["320402"]["black_in_force"] == 1
    assert districts["320404"]["black_in_force"] == 0
    # More of 钟楼区 (its department, its companies, even about a 天宁区 company) and of the
    # city's department: nothing of 天宁区's administrator's numbers moves.
    zhonglou = make_company("320404", capital=50, kind="sole_trader")
    make_record("admin-penalty", "ZLQ-SCJG", city["320402"], decided=TODAY, severity="serious")
    make_record("admin-penalty", "ZLQ-SCJG", zhonglou, decided=TODAY, severity="serious")
    make_record("a-grade-taxpayer", "SCJG", city["320402"], decided=TODAY)
    _batch("ZLQ-SCJG")
    facts.refresh()
    assert _numbers(staff["tianning"]) == before
    # …while 钟楼区's administrator's do.
    after = {r["metric"]: r["value"] for r in _numbers(staff["zhonglou"])["collection_summary"]}
    assert after["归集数据量"] == 4


def test_a_department_officer_sees_its_department_only(city, staff, make_record, make_company):
    for who, own in (("tnq_officer", 2), ("city_officer", 2)):
        numbers = _numbers(staff[who])
        summary = {r["metric"]: r["value"] for r in numbers["collection_summary"]}
        assert (summary["归集数据量"], summary["来源部门"]) == (own, 1), who
        ranking = [r["_key"] for r in numbers["collection_by_department"]]
        assert ranking == [staff[who].department.code]
    before = {who: _numbers(staff[who]) for who in ("tnq_officer", "city_officer")}
    # Other departments report more (about companies the officers already count).
    make_record("admin-penalty", "ZLQ-SCJG", city["320402"], decided=TODAY, severity="serious")
    make_record("admin-penalty", "TNQ-FG", city["320402"], decided=TODAY, severity="minor")
    make_record("a-grade-taxpayer", "SW", city["320404"], decided=TODAY)
    _batch("ZLQ-SCJG")
    _batch("SW")
    facts.refresh()
    for who, numbers in before.items():
        assert _numbers(staff[who]) == numbers, who


def test_the_leader_sees_every_number_of_the_city_read_only(city, staff):
    leader, admin = _numbers(staff["leader"]), _numbers(staff["admin"])
    assert set(leader) == set(admin)

    def plain(rows: list) -> list:
        return [{k: v for k, v in row.items() if k != "_link"} for row in rows]

    assert {k: plain(v) for k, v in leader.items()} == {k: plain(v) for k, v in admin.items()}
    # Its links open the dashboard's own lists and warnings, never a page to manage data.
    open_to_leader = (reverse("dashboard:index"), reverse("alerts:list"))
    for code, rows in leader.items():
        for row in rows:
            link = row.get("_link")
            assert link is None or link.startswith(open_to_leader), (code, link)
    batches = {r["metric"]: r["_link"] for r in leader["collection_summary"]}
    assert batches["今日批次"] is None
    assert {r["metric"]: r["_link"] for r in admin["collection_summary"]}["今日批次"]


def test_without_the_dashboard_permission_nothing_runs(city):
    """API clients hold no dashboard permission (no scope gives it), nor does the anonymous."""
    client = Principal(
        kind=Kind.CLIENT,
        name="某审批系统",
        perms=frozenset({Perm.SANCTIONS_CHECK, Perm.WARNING_VIEW}),
        city_wide=True,
        departments=None,
    )
    for actor in (client, None):
        assert datasets.catalogue(actor) == []
        for code in datasets.REGISTRY:
            with pytest.raises(PermissionDenied) as refused:
                datasets.run(code, actor)
            assert "查看" in refused.value.message or "权限" in refused.value.message


def test_the_warnings_panel_needs_the_warning_permission(city):
    viewer = Principal(
        kind=Kind.STAFF, perms=frozenset({Perm.DASHBOARD_VIEW}), city_wide=True, departments=None
    )
    codes = {d.code for d in datasets.catalogue(viewer)}
    assert "warnings_open" not in codes and "collection_summary" in codes
    with pytest.raises(PermissionDenied):
        datasets.run("warnings_open", viewer)
    assert datasets.run("collection_summary", viewer).rows
