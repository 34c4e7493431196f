"""The coverage page, a target's list of what is not covered, the Excel exports and who may
open them: VIEW holders only; the city's figures for the credit office, a district's for its
administrator (whose lists hold its district's subjects only)."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.commitments.constants import Kind
from credit.core.models import AuditEntry
from credit.subjects.constants import LegalPersonStatus
from tests.commitments.test_coverage import (  # noqa: F401 (the fixture sets seeded items aside)
    commit,
    make_company,
    make_item,
    only_the_tests_items,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def data():
    voluntary = make_item(Kind.VOLUNTARY)
    notify = [make_item(Kind.NOTIFY, "JT"), make_item(Kind.NOTIFY, "STHJ")]
    tn = [make_company("320402", name=f"天宁测试企业{i}有限公司") for i in range(3)]
    zl = [make_company("320404", industry="F", name=f"钟楼测试企业{i}有限公司") for i in range(2)]
    commit(voluntary, tn[0])
    commit(voluntary, zl[0])
    commit(notify[0], tn[0])
    make_company("320404", status=LegalPersonStatus.CANCELLED, name="钟楼已注销企业有限公司")
    return {"tn": tn, "zl": zl, "notify": notify}


def login(client, make_user, role, region="320400", **kw):
    user = make_user(role, region, **kw)
    client.force_login(user)
    return user


def sheet_rows(response, title):
    book = load_workbook(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )
    return [list(r) for r in book[title].iter_rows(values_only=True)]


def test_page_shows_the_city_figures(client, make_user, data):
    login(client, make_user, Role.CITY_ADMIN)
    response = client.get(reverse("commitments:coverage"))
    assert response.status_code == 200
    text = response.content.decode()
    assert 'data-testid="figure-voluntary"' in text and 'data-chart="bar"' in text
    fig = {f.target: f for f in response.context["figures"]}
    assert (fig["voluntary"].covered, fig["voluntary"].total) == (2, 5)
    assert (fig["notify"].covered, fig["notify"].total, fig["notify"].met) == (1, 2, False)
    assert response.context["scope"].label == "全市"


def test_uncovered_list_filters_and_export(client, make_user, data):
    user = login(client, make_user, Role.CITY_ADMIN)
    url = reverse("commitments:coverage_uncovered", args=["voluntary"])
    response = client.get(url)
    assert response.status_code == 200
    names = [s.name for s in response.context["page"]]
    assert names == ["天宁测试企业1有限公司", "天宁测试企业2有限公司", "钟楼测试企业1有限公司"]
    response = client.get(url, {"district": "320404", "industry": "F"})
    assert [s.name for s in response.context["page"]] == ["钟楼测试企业1有限公司"]
    # a bad filter value is dropped, not an error
    assert client.get(url, {"district": "999999", "industry": "?"}).status_code == 200
    response = client.get(
        reverse("commitments:coverage_export", args=["voluntary"]), {"district": "320402"}
    )
    assert response.status_code == 200
    rows = sheet_rows(response, "未覆盖的主体")
    assert [r[0] for r in rows[1:]] == ["天宁测试企业1有限公司", "天宁测试企业2有限公司"]
    entry = AuditEntry.objects.filter(event_type="commitment_coverage.exported").get()
    assert entry.actor_id == user.pk and entry.after["rows"] == 2
    items = client.get(reverse("commitments:coverage_uncovered", args=["notify"]))
    assert [i.pk for i in items.context["page"]] == [data["notify"][1].pk]
    full = client.get(reverse("commitments:coverage_export"))
    assert sheet_rows(full, "覆盖率")[1][:3] == ["主动承诺和行业自律型承诺覆盖市场主体", 2, 5]


def test_unknown_target_is_not_found(client, make_user, data):
    login(client, make_user, Role.CITY_ADMIN)
    assert client.get(reverse("commitments:coverage_uncovered", args=["nope"])).status_code == 404
    assert client.get(reverse("commitments:coverage_export", args=["nope"])).status_code == 404
    url = reverse("commitments:coverage_uncovered", args=["voluntary"])
    assert client.get(url, {"page": "abc"}).status_code == 200


def test_district_admin_sees_its_district_only(client, make_user, data):
    login(client, make_user, Role.DISTRICT_ADMIN, "320404")
    response = client.get(reverse("commitments:coverage"))
    fig = {f.target: f for f in response.context["figures"]}
    assert (fig["voluntary"].covered, fig["voluntary"].total) == (1, 2)
    assert fig["notify"].covered == 0  # the notify commitment was recorded in 天宁区
    url = reverse("commitments:coverage_uncovered", args=["voluntary"])
    assert [s.name for s in client.get(url).context["page"]] == ["钟楼测试企业1有限公司"]
    # another district is not a choice: the filter is dropped
    other = client.get(url, {"district": "320402"})
    assert [s.name for s in other.context["page"]] == ["钟楼测试企业1有限公司"]
    rows = sheet_rows(
        client.get(reverse("commitments:coverage_export", args=["voluntary"])), "未覆盖的主体"
    )
    assert [r[0] for r in rows[1:]] == ["钟楼测试企业1有限公司"]


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.DEPT_OFFICER, Role.CITY_REVIEWER])
def test_view_holders_may_open(client, make_user, data, role):
    login(client, make_user, role)
    assert client.get(reverse("commitments:coverage")).status_code == 200
    assert client.get(reverse("commitments:coverage_export")).status_code == 200


@pytest.mark.parametrize("role", [Role.LEADER, Role.ORG_HR])
def test_others_are_refused(client, make_user, data, role):
    login(client, make_user, role, department="ZZB" if role == Role.ORG_HR else None)
    for url in (
        reverse("commitments:coverage"),
        reverse("commitments:coverage_uncovered", args=["voluntary"]),
        reverse("commitments:coverage_export"),
    ):
        assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, data):
    response = client.get(reverse("commitments:coverage"))
    assert response.status_code == 302


def test_dashboard_dataset(make_user, data):
    from credit.dashboard import datasets

    result = datasets.run("commitment_coverage", make_user(Role.CITY_ADMIN))
    assert [(r["_key"], r["ratio"], r["goal"]) for r in result.rows] == [
        ("voluntary", 40.0, 90.0),
        ("notify", 50.0, 100.0),
        ("tolerance", 100.0, 100.0),
        ("repair", 100.0, 100.0),
    ]
    district = datasets.run("commitment_coverage", make_user(Role.DISTRICT_ADMIN, "320404"))
    assert district.rows[0]["ratio"] == 50.0
