"""The dashboard's pages and endpoints: the staff page and the wall screen, a dataset as JSON
and as Excel, the map's values by region code, the lists behind the numbers (with their
export and their empty states), the refresh command and the periodic job — and no answer
of 500 whatever the query string."""

from __future__ import annotations

import io
import json
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from credit.dashboard import datasets, facts
from credit.dashboard.layout import PANELS
from credit.dashboard.models import Snapshot
from credit.dashboard.views.lists import RECORD_HEADERS, SUBJECT_HEADERS
from tests.dashboard.conftest import at

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
DISTRICTS = {"320402", "320404", "320411", "320412", "320413", "320481"}


@pytest.fixture
def scene(make_record, make_company, make_person):
    """A company in 天宁区 with a penalty and a black-list entry, a natural person's penalty
    in 武进区, all refreshed into the facts."""
    company = make_company("320402", capital=800, name="常州市看板测试有限公司")
    person = make_person("320412")
    made = {
        "penalty": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            company,
            decided=TODAY,
            arrived=at(TODAY, 9),
            severity="serious",
            publicity_end=TODAY.replace(year=TODAY.year + 1),
        ),
        "entry": make_record(
            "dishonest-judgment-debtor", "TNQ-SCJG", company, decided=TODAY, arrived=at(TODAY, 9)
        ),
        "natural": make_record(
            "admin-penalty",
            "WJQ-SCJG",
            person,
            decided=TODAY,
            arrived=at(TODAY, 9),
            severity="general",
        ),
    }
    facts.refresh()
    return {"company": company, "person": person, **made}


@pytest.fixture
def as_user(staff):
    def login(who: str) -> Client:
        client = Client()
        client.force_login(staff[who])
        return client

    return login


# --------------------------------------------------------------------------------------------
# The staff page and the wall screen
# --------------------------------------------------------------------------------------------


def test_the_staff_page_shows_every_panel_with_its_export(scene, as_user):
    response = as_user("admin").get(reverse("dashboard:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "信用监管一张图" in html
    assert "vendor/echarts.min.js" in html and "vendor/maps/changzhou.json" in html
    for panel in PANELS:
        assert f'data-dataset="{panel.dataset}"' in html, panel.dataset
        assert reverse("dashboard:data_xlsx", args=[panel.dataset]) in html
    assert "统计截至" in html
    assert reverse("dashboard:screen") in html


def test_the_screen_is_a_page_of_its_own(scene, as_user):
    response = as_user("leader").get(reverse("dashboard:screen") + "?region=320402")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<body class="screen">' in html
    assert "常州市信用监管一张图 · 天宁区" in html
    assert 'data-refresh="300"' in html
    assert "导出 Excel" not in html  # a wall has no one to click downloads
    assert 'data-dataset="district_overview"' in html


def test_the_page_says_when_the_facts_were_never_computed(as_user):
    Snapshot.objects.all().delete()
    html = as_user("admin").get(reverse("dashboard:index")).content.decode()
    assert "统计快照尚未生成" in html


def test_a_district_administrator_sees_its_district_named_and_pinned(scene, as_user):
    client = as_user("tianning")
    html = client.get(reverse("dashboard:index")).content.decode()
    assert "信用监管一张图 · 天宁区" in html
    assert '<select name="region" disabled>' in html
    refused = client.get(reverse("dashboard:index") + "?region=320404").content.decode()
    assert "您只能查看本辖市区的统计" in refused


def test_a_bad_filter_is_said_on_the_page(as_user):
    response = as_user("admin").get(reverse("dashboard:index") + "?from=2026-13&region=320402")
    assert response.status_code == 200
    assert "起始月份应为“年-月”，如 2026-01" in response.content.decode()


# --------------------------------------------------------------------------------------------
# The data endpoints
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted({p.dataset for p in PANELS}))
def test_each_panel_has_its_data_as_json_and_as_excel(scene, as_user, code):
    client = as_user("admin")
    response = client.get(reverse("dashboard:data", args=[code]))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"code", "title", "unit", "columns", "rows", "note", "empty_text"}
    assert body["code"] == code
    labels = [c["label"] for c in body["columns"]]
    assert all(c.keys() == {"key", "label"} for c in body["columns"])
    download = client.get(reverse("dashboard:data_xlsx", args=[code]))
    assert download.status_code == 200
    assert download["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(download.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == labels
    assert len(rows) == len(body["rows"]) + 1


def test_the_json_follows_the_filters(scene, as_user):
    client = as_user("admin")
    url = reverse("dashboard:data", args=["collection_summary"])
    every = {r["metric"]: r["value"] for r in client.get(url).json()["rows"]}
    mine = {r["metric"]: r["value"] for r in client.get(url + "?region=320402").json()["rows"]}
    assert every["归集数据量"] == 3
    assert mine["归集数据量"] == 2  # the 武进区 person's penalty is not 天宁区's


def test_the_map_is_keyed_by_region_code_for_six_districts(scene, as_user):
    response = as_user("admin").get(reverse("dashboard:map") + "?metric=black_in_force")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"metric", "label", "regions", "names", "note"}
    assert body["metric"] == "black_in_force" and body["label"] == "黑名单（有效）"
    assert set(body["regions"]) == DISTRICTS
    assert set(body["names"].values()) == DISTRICTS
    assert body["names"]["天宁区"] == "320402"
    tianning = body["regions"]["320402"]
    assert tianning["name"] == "天宁区" and tianning["value"] == 1
    assert (
        tianning["link"].startswith(reverse("dashboard:index"))
        and "region=320402" in (tianning["link"])
    )
    assert body["regions"]["320404"]["value"] == 0
    default = as_user("admin").get(reverse("dashboard:map")).json()
    assert default["metric"] == "legal_persons"
    assert default["regions"]["320402"]["value"] >= 1


def test_bad_requests_have_json_answers(scene, as_user):
    client = as_user("admin")
    bad = client.get(reverse("dashboard:data", args=["lists_in_force"]) + "?to=2026-99")
    assert bad.status_code == 422
    assert bad.json()["code"] == "validation_failed"
    assert bad.json()["details"] == {"field": "to"}
    assert "截止月份" in bad.json()["message"]
    missing = client.get(reverse("dashboard:data", args=["no_such_dataset"]))
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "dataset_not_found",
        "message": "数据集“no_such_dataset”不存在",
        "details": {},
    }
    assert client.get(reverse("dashboard:data_xlsx", args=["no_such_dataset"])).status_code == 404
    metric = client.get(reverse("dashboard:map") + "?metric=nope")
    assert metric.status_code == 422 and "地图指标" in metric.json()["message"]
    other = as_user("tianning").get(
        reverse("dashboard:data", args=["legal_by_kind"]) + "?region=320404"
    )
    assert other.status_code == 403
    assert other.json()["message"] == "您只能查看本辖市区的统计"


def test_the_json_is_bounded_in_queries(scene, as_user, django_assert_max_num_queries):
    client = as_user("admin")
    for code in ("collection_summary", "legal_by_capital", "credit_trend", "district_overview"):
        with django_assert_max_num_queries(20):
            assert client.get(reverse("dashboard:data", args=[code])).status_code == 200


# --------------------------------------------------------------------------------------------
# The lists behind the numbers
# --------------------------------------------------------------------------------------------


def test_a_number_opens_the_records_it_counts(scene, staff, as_user):
    client = as_user("admin")
    result = datasets.run("lists_in_force", staff["admin"])
    row = next(r for r in result.rows if r["_key"] == "black_list")
    assert row["entries"] == 1
    response = client.get(row["_link"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "黑名单 · 有效期内" in html
    assert "共 1 条" in html
    assert scene["entry"].document_no in html
    assert scene["penalty"].document_no not in html


def test_the_records_list_masks_natural_persons(scene, as_user):
    html = as_user("leader").get(reverse("dashboard:records")).content.decode()
    person = scene["person"]
    assert person.name not in html
    assert person.id_masked in html
    assert "常州市看板测试有限公司" in html
    assert "自然人的姓名和证件号码已脱敏" in html


def test_the_lists_export_what_they_show(scene, as_user, make_record):
    # Reported by the city's bureau about a 天宁区 company: listed under 天宁区, as counted.
    city = make_record("dishonest-judgment-debtor", "SCJG", scene["company"], decided=TODAY)
    facts.refresh()
    client = as_user("admin")
    records = client.get(reverse("dashboard:records_xlsx") + "?region=320402&category=black_list")
    sheet = openpyxl.load_workbook(io.BytesIO(records.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == RECORD_HEADERS
    assert sorted(r[4] for r in rows[1:]) == sorted([scene["entry"].document_no, city.document_no])
    assert {r[5]: r[6] for r in rows[1:]} == {"天宁区市场监管局": "天宁区", "市场监管局": "天宁区"}
    subjects = client.get(reverse("dashboard:subjects_xlsx") + "?region=320402&capital=3")
    sheet = openpyxl.load_workbook(io.BytesIO(subjects.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == SUBJECT_HEADERS
    assert [r[0] for r in rows[1:]] == ["常州市看板测试有限公司"]


def test_the_lists_say_why_they_are_empty(as_user):
    client = as_user("admin")
    records = client.get(reverse("dashboard:records") + "?region=320481")
    assert records.status_code == 200
    assert "没有符合条件的信用记录" in records.content.decode()
    subjects = client.get(reverse("dashboard:subjects") + "?region=320481&kind=sole_trader")
    assert subjects.status_code == 200
    assert "没有符合条件的法人主体" in subjects.content.decode()


def test_the_lists_refuse_bad_filters_in_chinese(as_user):
    client = as_user("admin")
    for url, words in (
        (reverse("dashboard:records") + "?severity=huge", "严重程度“huge”不存在"),
        (reverse("dashboard:records") + "?arrived=2026-1", "入库月份应为“年-月”"),
        (reverse("dashboard:subjects") + "?capital=9", "注册资本区间“9”不存在"),
        (reverse("dashboard:subjects_xlsx") + "?kind=x", "主体类别“x”不存在"),
    ):
        response = client.get(url)
        assert response.status_code == 422, url
        assert words in response.content.decode(), url
    refused = as_user("tnq_officer").get(reverse("dashboard:records") + "?department=SCJG")
    assert refused.status_code == 403
    assert "您只能查看本部门的统计" in refused.content.decode()


def test_the_records_list_is_bounded_in_queries(scene, as_user, django_assert_max_num_queries):
    client = as_user("admin")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard:records")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard:subjects")).status_code == 200


# --------------------------------------------------------------------------------------------
# The refresh: command and periodic job
# --------------------------------------------------------------------------------------------


def test_the_refresh_command_says_what_it_did(scene):
    out = io.StringIO()
    call_command("dashboard", "refresh", stdout=out)
    text = out.getvalue()
    assert text.startswith("统计快照已刷新：3 条信用记录，统计日 ")
    assert str(TODAY) in text
    assert Snapshot.objects.get().records == 3


def test_the_periodic_job_refreshes_every_ten_minutes(scene, make_record):
    from procrastinate.contrib.django import app

    from credit.dashboard import tasks

    schedules = {name: p.cron for (name, _), p in app.periodic_registry.periodic_tasks.items()}
    assert schedules["dashboard.refresh"] == f"*/{facts.REFRESH_MINUTES} * * * *"
    make_record("admin-license", "SCJG", scene["company"], decided=TODAY)
    assert tasks.refresh(timestamp=0) == 4
    assert Snapshot.objects.get().records == 4


# --------------------------------------------------------------------------------------------
# Hostile query strings
# --------------------------------------------------------------------------------------------

HOSTILE = [
    "region=%00",
    "region=3204%0002",
    "department=%ED%A0%80",
    "item=" + "a" * 3000,
    "from=9999-99&to=0000-00",
    "from=2026-01&from=2027-01",
    "to=-1",
    "region[]=320402",
    "department=' OR 1=1--",
    "item=<script>alert(1)</script>",
    "page=-1",
    "page=abc",
    "page=99999999999999999999",
    "capital=-1",
    "age=7",
    "status=%E2%80%AE",
    "arrived=2026-02-30",
    "arrived_from=2026-13",
    "severity=none&dishonest=1&public=1&in_force=1",
    "metric=../../etc/passwd",
    "metric=",
    "kind=" + quote("法人"),
    "subject_type=robot",
    "region=320400",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_no_query_string_makes_a_server_error(scene, as_user, query):
    urls = [
        reverse("dashboard:index"),
        reverse("dashboard:screen"),
        reverse("dashboard:map"),
        reverse("dashboard:data", args=["district_overview"]),
        reverse("dashboard:data", args=["legal_by_age"]),
        reverse("dashboard:data_xlsx", args=["credit_trend"]),
        reverse("dashboard:records"),
        reverse("dashboard:records_xlsx"),
        reverse("dashboard:subjects"),
        reverse("dashboard:subjects_xlsx"),
    ]
    for who in ("admin", "tianning", "tnq_officer"):
        client = as_user(who)
        for url in urls:
            response = client.get(f"{url}?{query}")
            assert response.status_code < 500, (who, url, query, response.status_code)
            if response["Content-Type"].startswith("application/json"):
                json.loads(response.content)


def test_the_city_as_a_region_means_the_whole_city(scene, as_user):
    client = as_user("admin")
    url = reverse("dashboard:data", args=["collection_summary"])
    every = client.get(url).json()["rows"]
    city = client.get(url + "?region=320400").json()["rows"]
    assert [r["value"] for r in city] == [r["value"] for r in every]
