"""The staff pages of the civil servants' integrity archive (公务员诚信档案): who reads which
archives (per role and region), the list's grade counts, filters, query count and Excel
export (ID numbers masked always, names unless the reader may read natural persons in clear),
the search by ID number (posted, audited), one person's archive with its explained score, and
the grade distributions."""

from __future__ import annotations

import datetime
import io
import json
import re

import openpyxl
import pytest

from credit.accounts.roles import Role
from credit.core.models import AuditEntry
from credit.integrity.rules import add_months
from tests.integrity.factories import add_record, make_civil_servant, today

pytestmark = pytest.mark.django_db

#: 赵市监's basic information besides what the factory reports.
BASIC = {
    "ethnicity": "汉族", "birth_month": "1981-02", "work_start": "2003-07-01",
    "education": "大学本科", "degree": "学士", "rank_since": "2020-01-01",
}  # fmt: skip


@pytest.fixture
def world(make_user):
    """Civil servants scored as the platform scores them: 市场监管局 (city: A, 500), 税务局
    (city: B, 490), 天宁区市场监管局 (C, 450, and one not scored yet), 钟楼区市场监管局 (D, 300);
    readers of every kind."""
    from credit.core.identifiers import make_resident_id

    number = make_resident_id("320402", datetime.date(1981, 2, 3), 517)
    people = {
        "scjg": make_civil_servant("SCJG", name="赵市监", id_number=number, **BASIC),
        "sw": make_civil_servant("SW", grade="B", name="钱税务",
                                 identity_type="参照公务员法管理人员"),
        "tnq": make_civil_servant("TNQ-SCJG", grade="C", name="孙天宁"),
        "tnq_new": make_civil_servant("TNQ-SCJG", name="李新人", recompute=False),
        "zlq": make_civil_servant("ZLQ-SCJG", grade="D", name="周钟楼"),
    }  # fmt: skip
    readers = {
        "admin": make_user(Role.CITY_ADMIN),
        "office": make_user(Role.CITY_REVIEWER),
        "tianning": make_user(Role.DISTRICT_ADMIN, "320402"),
        "hr_scjg": make_user(Role.ORG_HR, "320400", "SCJG"),
        "hr_zzb": make_user(Role.ORG_HR, "320400", "ZZB"),
        "hr_rs": make_user(Role.ORG_HR, "320400", "RS"),
        "hr_tnq_zzb": make_user(Role.ORG_HR, "320402", "TNQ-ZZB"),
        "officer": make_user(Role.DEPT_OFFICER, "320400", "SCJG"),
        "auditor": make_user(Role.AUDITOR),
        "leader": make_user(Role.LEADER),
    }
    return {"people": people, "readers": readers, "id_number": number}


def _names(html: str) -> set[str]:
    return set(re.findall(r'href="/integrity/civil-servants/\d+/">([^<]+)</a>', html))


EVERYONE = {"赵市监", "钱税务", "孙天宁", "李新人", "周钟楼"}
SCOPES = [
    ("admin", EVERYONE),
    ("office", EVERYONE),
    ("tianning", {"孙天宁", "李新人"}),
    ("hr_scjg", {"赵市监"}),
    ("hr_zzb", EVERYONE),
    ("hr_rs", EVERYONE),
    ("hr_tnq_zzb", {"孙天宁", "李新人"}),
]


@pytest.mark.parametrize(("who", "expected"), SCOPES)
def test_each_reader_lists_the_archives_of_its_scope(client, world, who, expected):
    client.force_login(world["readers"][who])
    response = client.get("/integrity/")
    assert response.status_code == 200
    html = response.content.decode()
    assert _names(html) == expected
    assert f'data-testid="count-total">{len(expected)}<' in html


@pytest.mark.parametrize(("who", "expected"), SCOPES)
def test_each_reader_opens_the_archives_of_its_scope_only(client, world, who, expected):
    client.force_login(world["readers"][who])
    for person in world["people"].values():
        response = client.get(f"/integrity/civil-servants/{person.pk}/")
        shown = person.natural_person.name in expected
        assert response.status_code == (200 if shown else 404), (who, person.natural_person.name)


@pytest.mark.parametrize("who", ["officer", "auditor", "leader"])
def test_readers_without_the_archive_permission_are_refused(client, world, who):
    client.force_login(world["readers"][who])
    person = world["people"]["scjg"]
    for url in (
        "/integrity/",
        "/integrity/export.xlsx",
        "/integrity/distribution/",
        "/integrity/distribution/export.xlsx",
        f"/integrity/civil-servants/{person.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "查阅公务员诚信档案" in response.content.decode()
    response = client.post("/integrity/search/", {"id_number": world["id_number"]})
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(event_type__startswith="integrity.archive").exists()


def test_anonymous_visitors_are_sent_to_the_login(client, world):
    response = client.get("/integrity/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_missing_archive_is_not_found(client, world):
    client.force_login(world["readers"]["admin"])
    assert client.get("/integrity/civil-servants/999999999/").status_code == 404
    assert client.get("/integrity/civil-servants/99999999999999999999999/").status_code == 404


# --------------------------------------------------------------------------------------------
# The list
# --------------------------------------------------------------------------------------------


def test_the_grade_counts_link_to_the_grade(client, world):
    client.force_login(world["readers"]["admin"])
    html = client.get("/integrity/").content.decode()
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', html))
    assert counts == {"total": "5", "A": "1", "B": "1", "C": "1", "D": "1", "none": "1"}
    assert 'href="/integrity/?grade=D"' in html
    assert _names(client.get("/integrity/?grade=D").content.decode()) == {"周钟楼"}
    assert _names(client.get("/integrity/?grade=none").content.decode()) == {"李新人"}


def test_lowest_score_first_not_scored_last(client, world):
    client.force_login(world["readers"]["admin"])
    html = client.get("/integrity/").content.decode()
    order = re.findall(r'href="/integrity/civil-servants/\d+/">([^<]+)</a>', html)
    assert order == ["周钟楼", "孙天宁", "钱税务", "赵市监", "李新人"]


def test_the_filters(client, world):
    from credit.core.models import Department

    client.force_login(world["readers"]["admin"])

    def names(query: str) -> set[str]:
        return _names(client.get(f"/integrity/?{query}").content.decode())

    sw = Department.objects.get(code="SW").pk
    assert names("region=320402") == {"孙天宁", "李新人"}
    assert names("region=320400") == {"赵市监", "钱税务"}
    assert names(f"unit={sw}") == {"钱税务"}
    assert names("identity_type=参照公务员法管理人员") == {"钱税务"}
    assert names("name=天宁") == {"孙天宁"}
    assert names("region=320402&grade=C") == {"孙天宁"}
    # Counts follow every filter but the grade, so a grade is one click away.
    html = client.get("/integrity/?region=320402&grade=C").content.decode()
    assert 'data-testid="count-none">1<' in html
    # Invalid values are dropped, never a 500.
    assert names("region=999999&grade=Z&unit=abc&identity_type=x") == EVERYONE
    html = client.get("/integrity/?name=不存在的人").content.decode()
    assert "没有符合条件的公务员诚信档案" in html


def test_the_unit_filter_offers_the_units_of_the_scope_only(client, world):
    client.force_login(world["readers"]["tianning"])
    html = client.get("/integrity/").content.decode()
    units = re.search(r'<select name="unit".*?</select>', html, re.S).group(0)
    assert "天宁区市场监管局" in units and "税务局" not in units
    regions = re.search(r'<select name="region".*?</select>', html, re.S).group(0)
    assert "天宁区" in regions and "钟楼区" not in regions


def test_civil_servants_without_a_unit_are_found_by_their_own_filter(client, world):
    from credit.integrity.models import CivilServant

    CivilServant.objects.filter(pk=world["people"]["sw"].pk).update(unit=None)
    client.force_login(world["readers"]["admin"])
    assert _names(client.get("/integrity/?unit=none").content.decode()) == {"钱税务"}


def test_the_list_takes_the_same_queries_for_many_rows(
    client, world, django_assert_max_num_queries
):
    hr = world["readers"]["hr_tnq_zzb"]
    client.force_login(hr)
    for _ in range(31):  # more than a page: the list counts
        make_civil_servant("TNQ-FG", grade="B")
    client.get("/integrity/")  # session and user cached like any page

    with django_assert_max_num_queries(12) as few:
        client.get("/integrity/")
    for _ in range(40):
        make_civil_servant("TNQ-FG", grade="D")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/integrity/?page=3")
    assert response.status_code == 200
    assert "第 3 / 3 页" in response.content.decode()


def test_the_empty_list_says_why(client, make_user):
    client.force_login(make_user(Role.ORG_HR, "320400", "SCJG"))
    html = client.get("/integrity/").content.decode()
    assert "您的查看范围内还没有公务员诚信档案" in html


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


def _rows(response) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    return list(book.worksheets[0].iter_rows(values_only=True))


def test_the_export_masks_id_numbers_always_and_is_audited(client, world):
    client.force_login(world["readers"]["admin"])
    response = client.get("/integrity/export.xlsx?region=320400")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = _rows(response)
    assert rows[0][:2] == ("姓名", "身份证号（脱敏）")
    assert {r[0] for r in rows[1:]} == {"赵市监", "钱税务"}  # the office may read names
    assert world["id_number"] not in response.content.decode("latin-1")
    ids = {r[1] for r in rows[1:]}
    assert all("*" in v for v in ids)
    assert world["people"]["scjg"].natural_person.id_masked in ids
    entry = AuditEntry.objects.get(event_type="integrity.archive_exported")
    assert entry.after["rows"] == 2 and "region=320400" in entry.after["query"]


def test_the_export_masks_names_for_readers_who_may_not_read_persons_in_clear(client, world):
    client.force_login(world["readers"]["hr_scjg"])
    rows = _rows(client.get("/integrity/export.xlsx"))
    assert rows[0][0] == "姓名（脱敏）"
    assert [r[0] for r in rows[1:]] == ["赵**"]
    assert rows[1][8:10] == (500, "A")


# --------------------------------------------------------------------------------------------
# Search by ID number
# --------------------------------------------------------------------------------------------


def test_the_search_by_id_number_is_posted_and_opens_the_archive(client, world):
    client.force_login(world["readers"]["hr_scjg"])
    html = client.get("/integrity/").content.decode()
    assert 'method="post" action="/integrity/search/"' in html
    response = client.post("/integrity/search/", {"id_number": world["id_number"].lower()})
    person = world["people"]["scjg"]
    assert response.status_code == 302
    assert response["Location"] == f"/integrity/civil-servants/{person.pk}/"
    assert world["id_number"] not in response["Location"]
    entry = AuditEntry.objects.get(event_type="integrity.archive_searched")
    assert entry.object_id == str(person.pk) and entry.after == {"found": True}
    assert world["id_number"] not in json.dumps(entry.after)


def test_a_number_outside_the_scope_reads_as_unknown(client, world, resident_id_factory):
    client.force_login(world["readers"]["hr_tnq_zzb"])
    outside = client.post("/integrity/search/", {"id_number": world["id_number"]})
    unknown = client.post("/integrity/search/", {"id_number": resident_id_factory()})
    for response in (outside, unknown):
        assert response.status_code == 200
        assert "没有找到该身份证号的公务员诚信档案" in response.content.decode()
    entries = AuditEntry.objects.filter(event_type="integrity.archive_searched")
    assert [e.after for e in entries] == [{"found": False}, {"found": False}]
    assert {e.object_id for e in entries} == {""}


def test_a_malformed_number_is_a_form_error(client, world):
    client.force_login(world["readers"]["admin"])
    for value in ("", "12345", "32040219810203517X" + "1", "abc"):
        response = client.post("/integrity/search/", {"id_number": value})
        assert response.status_code == 200, value
        assert 'data-testid="search-error"' in response.content.decode()
    assert not AuditEntry.objects.filter(event_type="integrity.archive_searched").exists()
    assert client.get("/integrity/search/").status_code == 405


# --------------------------------------------------------------------------------------------
# One person's archive
# --------------------------------------------------------------------------------------------


def _record(item: str, person, *, department: str = "JWJW", payload: dict, **fields):
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.records.models import CreditRecord

    dept = Department.objects.get(code=department)
    return CreditRecord.objects.create(
        item=CatalogItem.objects.get(code=item),
        natural_person=person,
        department=dept,
        region_id=dept.region_id,
        natural_key=f"{item}-{CreditRecord.objects.count() + 1}",
        document_no=payload.get("document_no", ""),
        payload=payload,
        usage_scope=fields.pop("usage_scope", "restricted"),
        **fields,
    )


@pytest.fixture
def archive(world):
    """赵市监's archive, scored by the platform: a 记过 two months ago (−80, counting), a 警告
    over a year ago (its 12 months over), an 诫勉 since repaired (no longer scored) and last
    year's 优秀 assessment (+20 this year): 440, grade C."""
    from credit.integrity.services import scoring
    from credit.records.models import CreditRecord

    cs = world["people"]["scjg"]
    day = today()
    demerit = add_record(
        cs,
        "cs-discipline",
        result="记过",
        document_no="常纪处〔2026〕7号",
        decision_date=(day - datetime.timedelta(days=60)).isoformat(),
    )
    warning = add_record(
        cs,
        "cs-discipline",
        result="警告",
        document_no="常纪处〔2025〕3号",
        decision_date=(day - datetime.timedelta(days=400)).isoformat(),
    )
    repaired = add_record(
        cs,
        "cs-accountability",
        result="诫勉",
        document_no="常纪问〔2026〕9号",
        decision_date=(day - datetime.timedelta(days=30)).isoformat(),
    )
    add_record(cs, "cs-assessment", year=day.year - 1, result="优秀")
    CreditRecord.objects.filter(pk=repaired.pk).update(status="repaired")
    scoring.recompute(person_ids=[cs.natural_person_id])
    cs.refresh_from_db()
    assert (cs.score, cs.grade) == (440, "C")
    return {"cs": cs, "demerit": demerit, "warning": warning, "repaired": repaired}


def test_the_archive_shows_the_basic_information_with_the_id_number_masked(client, world, archive):
    client.force_login(world["readers"]["hr_scjg"])
    html = client.get(f"/integrity/civil-servants/{archive['cs'].pk}/").content.decode()
    basic = re.search(r'data-testid="basic">(.*?)</dl>', html, re.S).group(1)
    for label in ("姓名", "身份证", "性别", "民族", "出生年月", "参加工作时间", "政治面貌",
                  "最高学历", "最高学位", "现工作单位及职务", "现职务层次", "任现职层次时间",
                  "身份类型", "工作单位统一社会信用代码"):  # fmt: skip
        assert f"<dt>{label}</dt>" in basic, label
    assert "常州市市场监督管理局科长" in basic and "一级主任科员" in basic
    assert world["id_number"] not in html
    assert archive["cs"].natural_person.id_masked in basic


def test_the_archive_shows_the_score_and_explains_every_point_change(client, world, archive):
    client.force_login(world["readers"]["admin"])
    html = client.get(f"/integrity/civil-servants/{archive['cs'].pk}/").content.decode()
    assert 'data-testid="score-value">440<' in html
    assert re.search(r'data-testid="grade">C<', html)
    assert "公务员诚信计分规则（第一版）" in html and "/integrity/rules/cs-score-2026/" in html
    table = re.search(r'data-testid="score-items">(.*?)</table>', html, re.S).group(1)
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == 4
    decided = today() - datetime.timedelta(days=60)
    last = add_months(decided, 12) - datetime.timedelta(days=1)
    for text in ("纪律处分信息", "常纪处〔2026〕7号", f"{decided:%Y-%m-%d}", "【公务员】记过",
                 "-80", f"{last:%Y-%m-%d}", ">计入<"):  # fmt: skip
        assert text in rows[0], text
    assert "公务员考核结果信息" in rows[1] and "+20" in rows[1] and ">计入<" in rows[1]
    assert "常纪处〔2025〕3号" in rows[2] and "计分期限已满" in rows[2] and "不计入" in rows[2]
    assert "常纪问〔2026〕9号" in rows[3] and "记录已信用修复，不再计分" in rows[3]
    assert "【党员】诫勉" in rows[3] and "-70" in rows[3]


def test_the_archive_lists_the_records_by_kind_newest_first(client, world, archive):
    client.force_login(world["readers"]["admin"])
    html = client.get(f"/integrity/civil-servants/{archive['cs'].pk}/").content.decode()
    kinds = re.findall(r'data-testid="timeline-([a-z-]+)"', html)
    assert kinds == ["cs-basic", "cs-discipline", "cs-accountability", "cs-assessment"]
    discipline = re.search(r'data-testid="timeline-cs-discipline">(.*?)</details>', html, re.S)
    text = discipline.group(1)
    assert text.index("常纪处〔2026〕7号") < text.index("常纪处〔2025〕3号")
    assert "违反工作纪律" in text and text.count("影响诚信分") == 1  # the 警告's time is over
    repaired = re.search(r'data-testid="timeline-cs-accountability">(.*?)</details>', html, re.S)
    assert "已修复" in repaired.group(1) and "影响诚信分" not in repaired.group(1)


def test_other_items_appear_as_the_reader_may_use_them(client, world, archive, make_user):
    person = archive["cs"].natural_person
    shared = _record("admin-penalty", person, department="SCJG", usage_scope="shared",
                     payload={"document_no": "常市监罚〔2026〕1号"},
                     decision_date=datetime.date(2026, 1, 5))  # fmt: skip
    hidden = _record("admin-penalty", person, department="SCJG", usage_scope="restricted",
                     payload={"document_no": "常市监罚〔2026〕2号"},
                     decision_date=datetime.date(2026, 1, 6))  # fmt: skip
    client.force_login(world["readers"]["admin"])
    html = client.get(f"/integrity/civil-servants/{archive['cs'].pk}/").content.decode()
    assert shared.document_no in html and hidden.document_no not in html


def test_the_score_history_is_a_line_chart_with_its_table(client, world, archive):
    client.force_login(world["readers"]["admin"])
    html = client.get(f"/integrity/civil-servants/{archive['cs'].pk}/").content.decode()
    data = json.loads(
        re.search(r'<script id="years-chart" type="application/json">(.*?)</script>', html,
                  re.S).group(1)
    )  # fmt: skip
    first = (today() - datetime.timedelta(days=400)).year
    assert data["categories"] == [str(y) for y in range(first, today().year + 1)]
    assert data["series"][0]["data"][-1] == 440
    assert 'data-chart="line" data-source="years-chart"' in html
    table = re.search(r'data-testid="years">(.*?)</table>', html, re.S).group(1)
    assert f"<td>{today().year}</td>" in table and "<td>440</td>" in table


def test_every_view_of_an_archive_is_audited(client, world, archive):
    cs = archive["cs"]
    client.force_login(world["readers"]["hr_scjg"])
    client.get(f"/integrity/civil-servants/{cs.pk}/")
    client.get(f"/integrity/civil-servants/{cs.pk}/")
    entries = AuditEntry.objects.filter(event_type="integrity.archive_read")
    assert entries.count() == 2
    entry = entries.first()
    assert entry.object_type == "integrity.civilservant" and entry.object_id == str(cs.pk)
    assert entry.actor_id == world["readers"]["hr_scjg"].pk
    # A refused read leaves no entry of a read.
    client.force_login(world["readers"]["hr_tnq_zzb"])
    assert client.get(f"/integrity/civil-servants/{cs.pk}/").status_code == 404
    assert AuditEntry.objects.filter(event_type="integrity.archive_read").count() == 2


def test_an_archive_without_score_or_basic_record_still_opens(client, world):
    from credit.integrity.models import CivilServant

    CivilServant.objects.filter(pk=world["people"]["tnq_new"].pk).update(basic_record=None)
    client.force_login(world["readers"]["admin"])
    html = client.get(f"/integrity/civil-servants/{world['people']['tnq_new'].pk}/")
    text = html.content.decode()
    assert html.status_code == 200
    assert "尚未计分" in text and "没有加减分事项" in text and "还没有年度得分" in text
    assert world["people"]["tnq_new"].natural_person.id_masked in text


# --------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------


def _chart(html: str, source: str) -> dict:
    found = re.search(rf'<script id="{source}" type="application/json">(.*?)</script>', html, re.S)
    assert found, source
    return json.loads(found.group(1))


def test_the_distributions_are_stacked_bars_whose_numbers_link_to_the_list(client, world):
    client.force_login(world["readers"]["admin"])
    html = client.get("/integrity/distribution/").content.decode()
    region = _chart(html, "region-chart")
    assert region["categories"] == ["常州市（市级单位）", "天宁区", "钟楼区"]
    assert [s["name"] for s in region["series"]] == ["A 档", "B 档", "C 档", "D 档", "未计分"]
    assert region["series"][3]["data"] == [0, 0, 1]
    assert region["series"][3]["links"][2] == "/integrity/?region=320404&grade=D"
    assert 'data-stack="1" data-source="region-chart"' in html
    unit = _chart(html, "unit-chart")
    assert "天宁区市场监管局" in unit["categories"]
    assert '<a href="/integrity/?region=320402&amp;grade=none">1</a>' in html


def test_the_distribution_of_a_district_and_its_export(client, world):
    client.force_login(world["readers"]["tianning"])
    html = client.get("/integrity/distribution/").content.decode()
    assert _chart(html, "region-chart")["categories"] == ["天宁区"]
    book = openpyxl.load_workbook(
        io.BytesIO(client.get("/integrity/distribution/export.xlsx").content)
    )
    assert book.sheetnames == ["按区划", "按单位"]
    rows = list(book["按区划"].iter_rows(values_only=True))
    assert rows == [
        ("区划", "A 档", "B 档", "C 档", "D 档", "未计分", "合计（人）"),
        ("天宁区", 0, 0, 1, 0, 1, 2),
    ]


def test_the_pages_carry_the_menu_and_breadcrumb(client, world, archive):
    client.force_login(world["readers"]["hr_scjg"])
    html = client.get(f"/integrity/civil-servants/{archive['cs'].pk}/").content.decode()
    crumb = re.search(r'data-testid="breadcrumb">(.*?)</nav>', html, re.S).group(1)
    assert "政务诚信" in crumb and "公务员诚信档案" in crumb and "赵市监" in crumb
    menu = re.search(r'data-testid="menu">(.*?)</nav>', html, re.S).group(1)
    assert "公务员诚信档案" in menu and "评分规则" in menu
