"""The 双公示 lists and the red/black/attention lists: public records only, filters,
pagination, natural persons masked, and the Excel export of the filtered rows."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest

from credit.portal import constants
from tests.portal.conftest import PERSON_NAME, TODAY, licence
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    return [r.id for r in response.context["page"]]


def _sheet(response, title: str) -> list[tuple]:
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book[title].iter_rows(values_only=True))


def test_the_penalty_list_shows_public_penalties_only(client, portal_data):
    response = client.get("/portal/publicity/penalty/")
    assert response.status_code == 200
    ids = set(_ids(response))
    assert portal_data.current.pk in ids
    assert not ids & {r.pk for r in portal_data.hidden.values()}
    assert len(ids) == 3  # the company's, the sole trader's and the natural person's


def test_a_natural_person_shows_with_masked_name_and_id_only(client, portal_data):
    response = client.get("/portal/publicity/penalty/")
    (row,) = [r for r in response.context["page"] if r.subject_id is None]
    assert row.subject_name == "李**"
    assert row.subject_code == portal_data.person.id_masked
    assert row.subject_code.count("*") == 11
    html = response.content.decode()
    assert PERSON_NAME not in html and portal_data.person_id not in html


def test_filters_narrow_the_penalty_list(client, portal_data, uscc_factory):
    from credit.subjects.services import register_legal_person

    other, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="常州市过滤测试有限公司")
    fined = penalty(
        other,
        "TNQ-SCJG",
        "天市监罚〔2026〕9号",
        penalty_category="罚款",
        fine_amount="1.5",
        decision_date=(TODAY - datetime.timedelta(days=20)).isoformat(),
    ).record
    url = "/portal/publicity/penalty/"
    assert _ids(client.get(url, {"department": "TNQ-SCJG"})) == [fined.pk]
    assert _ids(client.get(url, {"region": "320402"})) == [fined.pk]
    assert _ids(client.get(url, {"category": "罚款"})) == [fined.pk]
    assert fined.pk not in _ids(client.get(url, {"category": "警告"}))
    recent = (TODAY - datetime.timedelta(days=30)).isoformat()
    assert _ids(client.get(url, {"date_from": recent})) == [fined.pk]
    assert fined.pk not in _ids(client.get(url, {"date_to": recent}))
    # A value that does not parse is dropped, not an error.
    assert len(_ids(client.get(url, {"date_from": "2026-13-45", "department": "??"}))) == 4


def test_the_license_list_and_its_category_filter(client, portal_data):
    url = "/portal/publicity/license/"
    rows = client.get(url).context["page"]
    assert {r.kind_value for r in rows} == {"普通"} and len(rows) == 2
    special = licence(portal_data.company, "常市监许〔2026〕9号", license_category="特许")
    assert _ids(client.get(url, {"category": "特许"})) == [special.pk]


def test_the_lists_are_paginated(client, legal_person, monkeypatch):
    monkeypatch.setattr(constants, "LIST_PAGE_SIZE", 2)
    made = [penalty(legal_person, "SCJG", f"常市监罚〔2026〕{n}0号").record for n in range(1, 6)]
    first = client.get("/portal/publicity/penalty/")
    page = first.context["page"]
    assert (page.count, page.num_pages) == (5, 3)
    assert "page=2" in first.content.decode()
    seen = _ids(first) + _ids(client.get("/portal/publicity/penalty/", {"page": 2}))
    seen += _ids(client.get("/portal/publicity/penalty/", {"page": 3}))
    assert sorted(seen) == sorted(r.pk for r in made)


def test_an_unknown_kind_is_not_found(client):
    assert client.get("/portal/publicity/parking/").status_code == 404
    assert client.get("/portal/lists/grey_list/").status_code == 404
    assert client.get("/portal/lists/double_publicity/").status_code == 404


def test_the_black_list_shows_entries_of_companies_and_masked_people(client, portal_data):
    response = client.get("/portal/lists/black_list/")
    rows = list(response.context["page"])
    assert {r.subject_name for r in rows} == {portal_data.company.name, "李**"}
    assert PERSON_NAME not in response.content.decode()
    only_court = client.get("/portal/lists/black_list/", {"item": "dishonest-judgment-debtor"})
    assert len(only_court.context["page"]) == 2
    assert (
        len(client.get("/portal/lists/black_list/", {"item": "customs-dishonest"}).context["page"])
        == 0
    )
    red = client.get("/portal/lists/red_list/").context["page"]
    assert [r.subject_name for r in red] == [portal_data.company.name]
    assert client.get("/portal/lists/attention_list/").status_code == 200


def test_the_export_has_the_filtered_rows_masked(client, portal_data):
    response = client.get("/portal/publicity/penalty/export.xlsx", {"department": "SCJG"})
    rows = _sheet(response, "行政处罚公示")
    assert rows[0][:2] == ("行政相对人名称", "统一社会信用代码/证件号码")
    body = rows[1:]
    assert len(body) == 3
    assert {r[2] for r in body} == {
        "常市监罚〔2026〕1号",
        "常市监罚〔2026〕6号",
        "常市监罚〔2026〕7号",
    }
    person = next(r for r in body if r[2] == "常市监罚〔2026〕7号")
    assert person[:2] == ("李**", portal_data.person.id_masked)
    notes = dict(_sheet(response, "说明")[1:])
    assert notes["导出行数"] == "3"
    assert "决定部门：常州市市场监督管理局" in notes["筛选条件"]
    assert "最多导出10000行" in notes["说明"]


def test_the_export_is_capped(client, portal_data, monkeypatch):
    from credit.portal.views import public

    monkeypatch.setattr(public.c, "PUBLIC_EXPORT_LIMIT", 2)
    rows = _sheet(client.get("/portal/publicity/penalty/export.xlsx"), "行政处罚公示")
    assert len(rows) == 3  # the header and two rows


def test_the_list_export(client, portal_data):
    rows = _sheet(client.get("/portal/lists/black_list/export.xlsx"), "黑名单公示")
    assert rows[0][0] == "名单" and len(rows) == 3
    assert {r[1] for r in rows[1:]} == {portal_data.company.name, "李**"}
    assert {r[2] for r in rows[1:]} == {portal_data.company.uscc, portal_data.person.id_masked}


def test_the_home_page_shows_the_latest_public_records(client, portal_data):
    response = client.get("/portal/")
    assert response.status_code == 200
    columns = response.context["columns"]
    assert portal_data.current.pk in {r.id for r in columns["penalty"]}
    assert not {r.id for r in columns["penalty"]} & {r.pk for r in portal_data.hidden.values()}
    assert len(columns["license"]) == 2
    assert [r.subject_name for r in columns["red_list"]] == [portal_data.company.name]
    assert len(columns["black_list"]) == 2
    html = response.content.decode()
    for link in (
        "/portal/publicity/license/",
        "/portal/publicity/penalty/",
        "/portal/lists/red_list/",
        "/portal/lists/black_list/",
        'action="/portal/search/"',
    ):
        assert link in html
