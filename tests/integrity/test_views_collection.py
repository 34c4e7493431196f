"""The annual collection's page (/integrity/collection/): each reader sees the tasks of their
scope — the city every unit, a district its departments, a unit's officers their own — with
the status counts, overdue in red, filters, the chart's data beside its table and the Excel
export; the city's credit office opens a year from the page, a refusal shown on the form."""

from __future__ import annotations

import datetime
import json
import re

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.integrity.constants import TaskStatus
from credit.integrity.models import CollectionTask
from credit.integrity.services import collection
from tests.conftest import response_text
from tests.integrity.test_collection import YEAR, at, batch, civil_servant

pytestmark = pytest.mark.django_db

URL = "/integrity/collection/"
OPEN = "/integrity/collection/open/"
EXPORT = "/integrity/collection/export.xlsx"


@pytest.fixture
def office(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def year_opened(office, make_user):
    """The 2025 collection (deadline 28 February) of 市场监管局, 天宁区市场监管局, 天宁区委组织部
    and the sources 人社局 (submitted), 组织部, 机关工委 (late); as at 10 March."""
    civil_servant("SCJG")
    civil_servant("TNQ-SCJG")
    make_user(Role.ORG_HR, region="320402", department="TNQ-ZZB")
    collection.open_year(actor=office, year=YEAR, deadline=datetime.date(YEAR, 2, 28))
    batch("RS", received=at(datetime.date(YEAR, 2, 10)), total=12, rejected=2)
    batch("JGGW", "party-review", received=at(datetime.date(YEAR, 3, 3)), total=4)
    collection.refresh(YEAR, today=datetime.date(YEAR, 3, 10))
    return YEAR


def _count(page: str, key: str) -> int:
    return int(re.search(rf'data-testid="count-{key}">(\d+)<', page).group(1))


def _rows(page: str) -> set[str]:
    return set(re.findall(r'data-testid="task-([A-Z-]+)"', page))


def test_the_city_sees_every_unit_with_counts_and_the_overdue_in_red(client, office, year_opened):
    client.force_login(office)
    page = client.get(URL, {"year": YEAR}).content.decode()

    assert _rows(page) == {"SCJG", "TNQ-SCJG", "TNQ-ZZB", "RS", "ZZB", "JGGW"}
    assert _count(page, "total") == 6
    assert _count(page, "submitted") == 1 and _count(page, "late") == 1
    assert _count(page, "overdue") == 4 and _count(page, "pending") == 0
    assert 'class="tag overdue" data-testid="status">逾期未报送<' in page
    assert 'class="tag done" data-testid="status">已报送<' in page
    assert 'data-chart="bar"' in page
    chart = json.loads(re.search(r'id="collection-chart"[^>]*>(.*?)</script>', page).group(1))
    assert chart["categories"] == ["待报送", "逾期未报送", "逾期报送", "已报送"]
    assert chart["series"][0]["data"] == [0, 4, 1, 1]
    assert 'data-testid="open-form"' in page  # the city's credit office opens years


def test_the_filters_narrow_the_list(client, office, year_opened):
    client.force_login(office)

    def rows(**query) -> set[str]:
        return _rows(client.get(URL, {"year": YEAR, **query}).content.decode())

    assert rows(status=TaskStatus.SUBMITTED) == {"RS"}
    assert rows(status=TaskStatus.LATE) == {"JGGW"}
    assert rows(region="320402") == {"TNQ-SCJG", "TNQ-ZZB"}
    assert rows(q="组织部") == {"ZZB", "TNQ-ZZB"}
    assert rows(status="nonsense", region="<script>") == _rows(
        client.get(URL, {"year": YEAR}).content.decode()
    )  # invalid filters are dropped, the page answers
    empty = client.get(URL, {"year": YEAR, "q": "不存在的单位"}).content.decode()
    assert "没有符合条件的归集任务" in empty


def test_a_year_without_tasks_says_so(client, office):
    client.force_login(office)
    page = client.get(URL).content.decode()
    assert f"{timezone.localdate().year}年度的归集任务尚未下达" in page


def test_a_district_sees_its_departments_and_cannot_open_a_year(client, make_user, year_opened):
    district = make_user(Role.DISTRICT_ADMIN, region="320402")
    client.force_login(district)
    page = client.get(URL, {"year": YEAR}).content.decode()
    assert _rows(page) == {"TNQ-SCJG", "TNQ-ZZB"}
    assert 'data-testid="open-form"' not in page

    response = client.post(OPEN, {"year": YEAR + 1, "deadline": f"{YEAR + 1}-02-28"})
    assert response.status_code == 403
    assert not CollectionTask.objects.filter(year=YEAR + 1).exists()


@pytest.mark.parametrize(
    ("role", "department", "region"),
    [
        (Role.DEPT_OFFICER, "SCJG", "320400"),
        (Role.ORG_HR, "TNQ-ZZB", "320402"),
    ],
)
def test_a_units_officer_sees_only_its_own_task(
    client, make_user, year_opened, role, department, region
):
    client.force_login(make_user(role, region=region, department=department))
    page = client.get(URL, {"year": YEAR}).content.decode()
    assert _rows(page) == {department}
    assert _count(page, "total") == 1


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.LEADER])
def test_roles_without_the_permissions_are_refused(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.get(EXPORT).status_code == 403
    assert client.post(OPEN, {"year": YEAR, "deadline": f"{YEAR}-02-28"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    for url in (URL, EXPORT):
        assert client.get(url).status_code == 302
    assert client.post(OPEN).status_code == 302


def test_the_export_holds_the_filtered_tasks(client, office, year_opened):
    client.force_login(office)
    response = client.get(EXPORT, {"year": YEAR, "region": "320402"})
    assert response.status_code == 200
    text = response_text(response)
    assert "常州市天宁区市场监督管理局" in text and "逾期未报送" in text
    assert "常州市人力资源和社会保障局" not in text


def test_the_city_opens_a_year_from_the_page(client, office, year_opened):
    client.force_login(office)
    year = YEAR + 1
    response = client.post(OPEN, {"year": year, "deadline": f"{year}-02-27"}, follow=True)
    assert response.redirect_chain[-1][0] == f"{URL}?year={year}"
    page = response.content.decode()
    assert f"已下达{year}年度归集任务：新增 6 个单位的任务" in page
    assert CollectionTask.objects.filter(year=year).count() == 6


def test_a_refused_opening_is_shown_on_the_form(client, office, year_opened):
    client.force_login(office)
    response = client.post(OPEN, {"year": YEAR + 1, "deadline": f"{YEAR + 1}-01-15"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "截止日期应在" in page and 'data-testid="open-form"' in page
    assert client.post(OPEN, {"year": "abc", "deadline": "x"}).status_code == 400
    assert not CollectionTask.objects.filter(year=YEAR + 1).exists()
