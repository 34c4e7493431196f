"""Enterprise search (企业信用查询): name fragments of two characters, USCC, legacy codes;
natural persons never; pages of 20 with the count capped."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit.portal import selectors
from credit.portal.constants import SEARCH_PAGE_SIZE
from credit.subjects.models import LegalPerson
from credit.subjects.services import register_legal_person, register_natural_person

pytestmark = pytest.mark.django_db


def _names(response) -> list[str]:
    return [hit.name for hit in response.context["outcome"].page]


def test_a_two_character_fragment_finds_names_containing_it(client, legal_person):
    response = client.get("/portal/search/", {"q": "机械"})
    assert response.status_code == 200
    assert _names(response) == [legal_person.name]
    html = response.content.decode()
    assert legal_person.uscc in html and f"/portal/subjects/{legal_person.pk}/" in html
    assert "张*" in html and "张三" not in html  # the legal representative, masked


def test_the_fragment_must_be_adjacent_and_in_order(client, legal_person):
    assert _names(client.get("/portal/search/", {"q": "机械"})) == [legal_person.name]
    # Both bigrams' characters occur in the name, but not as this sequence.
    assert _names(client.get("/portal/search/", {"q": "械机"})) == []
    assert _names(client.get("/portal/search/", {"q": "测试有限"})) == []
    assert _names(client.get("/portal/search/", {"q": "测试机械制造"})) == [legal_person.name]


def test_latin_letters_match_whatever_their_case(client, uscc_factory):
    subject, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="常州ABC科技有限公司")
    assert _names(client.get("/portal/search/", {"q": "abc"})) == [subject.name]
    assert _names(client.get("/portal/search/", {"q": "Bc科"})) == [subject.name]


def test_like_wildcards_in_the_query_are_literal(client, uscc_factory):
    register_legal_person(actor=None, uscc=uscc_factory(), name="常州百分之百贸易有限公司")
    assert _names(client.get("/portal/search/", {"q": "常%"})) == []
    assert _names(client.get("/portal/search/", {"q": "_州"})) == []


def test_a_uscc_finds_its_subject_exactly(client, legal_person):
    response = client.get("/portal/search/", {"q": legal_person.uscc.lower()})
    outcome = response.context["outcome"]
    assert outcome.mode == "code" and [h.id for h in outcome.page] == [legal_person.pk]


def test_a_legacy_code_finds_its_subject(client, uscc_factory):
    subject, _ = register_legal_person(
        actor=None,
        uscc=uscc_factory(),
        name="常州市老字号食品厂",
        legacy={"reg_no": "320402000123456"},
    )
    for code in ("320402000123456", subject.uscc[8:17]):  # 工商注册号, 组织机构代码
        outcome = client.get("/portal/search/", {"q": code}).context["outcome"]
        assert outcome.mode == "code", code
        assert [h.id for h in outcome.page] == [subject.pk], code


def test_a_one_character_query_is_refused_with_a_message(client, legal_person):
    response = client.get("/portal/search/", {"q": "机"})
    outcome = response.context["outcome"]
    assert outcome.page is None
    assert "至少2个字" in response.content.decode()


def test_natural_persons_are_never_found(client, resident_id_factory):
    number = resident_id_factory()
    register_natural_person(actor=None, name="赵钱孙", id_number=number)
    by_name = client.get("/portal/search/", {"q": "赵钱孙"})
    assert _names(by_name) == []
    by_id = client.get("/portal/search/", {"q": number})
    assert by_id.context["outcome"].page is None
    html = by_id.content.decode()
    assert "不提供自然人信息查询" in html
    assert number not in html  # not even echoed back


def test_results_come_twenty_a_page_in_id_order(client, uscc_factory):
    made = [
        register_legal_person(actor=None, uscc=uscc_factory(), name=f"翠竹园艺{n:02d}有限公司")[0]
        for n in range(SEARCH_PAGE_SIZE + 5)
    ]
    first = client.get("/portal/search/", {"q": "翠竹"})
    page = first.context["outcome"].page
    assert (page.count, page.num_pages, page.more) == (25, 2, False)
    assert [h.id for h in page] == [s.pk for s in made[:SEARCH_PAGE_SIZE]]
    assert "page=2" in first.content.decode()
    second = client.get("/portal/search/", {"q": "翠竹", "page": "2"}).context["outcome"].page
    assert [h.id for h in second] == [s.pk for s in made[SEARCH_PAGE_SIZE:]]
    past_the_end = client.get("/portal/search/", {"q": "翠竹", "page": "99"})
    assert past_the_end.context["outcome"].page.number == 2


def test_the_count_stops_at_the_cap(uscc_factory, monkeypatch):
    monkeypatch.setattr(selectors.c, "SEARCH_COUNT_CAP", 3)
    monkeypatch.setattr(selectors.c, "SEARCH_PAGE_SIZE", 2)
    made = [
        register_legal_person(actor=None, uscc=uscc_factory(), name=f"青枫物流{n}有限公司")[0]
        for n in range(5)
    ]
    # Rewritten rows move to the end of the table: physical order is no longer id order.
    LegalPerson.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(status="revoked")
    first = selectors.search_legal_persons("青枫", "1").page
    assert (first.count, first.more, first.total_label, first.num_pages) == (3, True, "3+", 2)
    assert [h.id for h in first] == [made[0].pk, made[1].pk]  # the first matches by id
    second = selectors.search_legal_persons("青枫", "2").page
    assert [h.id for h in second] == [made[2].pk]  # paging stops at the cap
    longer = selectors.search_legal_persons("青枫物流", "1").page
    assert [h.id for h in longer] == [made[0].pk, made[1].pk] and longer.more


def test_a_search_takes_a_bounded_number_of_queries(legal_person):
    with CaptureQueriesContext(connection) as queries:
        selectors.search_legal_persons("常州", "1")
    sql = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]  # the test's transaction
    # Two characters: the capped count and the page's ids from the posting table, the rows.
    assert len(sql) <= 3 and "subjects_namegram" in sql[0]
    with CaptureQueriesContext(connection) as queries:
        selectors.search_legal_persons("常州市", "1")
    sql = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    # Longer: the planner settings, the capped ids, the page's ids beyond the cap, the rows.
    assert len(sql) <= 4 and "plan_cache_mode" in sql[0]


def test_the_name_bigrams_column_follows_the_name(legal_person):
    legal_person.name = "常州Ab"
    legal_person.save()
    stored = LegalPerson.objects.values_list("name_bigrams", flat=True).get(pk=legal_person.pk)
    assert sorted(stored) == ["AB", "州A", "常州"]


def test_the_posting_table_follows_inserts_renames_and_deletions(uscc_factory):
    """The triggers keep subjects_namegram: a name's bigrams on insert, replaced on rename,
    gone with the legal person; a 2-character search pages it in id order, capped."""
    made = [
        register_legal_person(actor=None, uscc=uscc_factory(), name=f"松柏{n:02d}商贸有限公司")[0]
        for n in range(SEARCH_PAGE_SIZE + 3)
    ]
    first, second = (selectors.search_legal_persons("松柏", n).page for n in ("1", "2"))
    assert (first.count, second.count, first.more) == (23, 23, False)
    assert [h.id for h in first] + [h.id for h in second] == [s.pk for s in made]
    renamed = made[0]
    renamed.name = "常州市青松贸易有限公司"
    renamed.save()
    assert renamed.pk not in [h.id for h in selectors.search_legal_persons("松柏", "1").page]
    assert [h.id for h in selectors.search_legal_persons("青松", "1").page] == [renamed.pk]
    gone = made[1].pk
    made[1].identifiers.all().delete()
    made[1].delete()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM subjects_namegram WHERE legal_person_id = %s", [gone])
        assert cursor.fetchone()[0] == 0
    assert selectors.search_legal_persons("松柏", "1").page.count == 21


def test_a_two_character_count_stops_at_the_cap(uscc_factory, monkeypatch):
    from credit.portal import constants

    monkeypatch.setattr(constants, "SEARCH_COUNT_CAP", 5)
    for n in range(7):
        register_legal_person(actor=None, uscc=uscc_factory(), name=f"柏松{n}有限公司")
    page = selectors.search_legal_persons("柏松", "9").page
    assert (page.count, page.more, page.number) == (5, True, 1)


@pytest.mark.parametrize("q", ["青花瓷", "不存在的企业名称", "91320402MA00000000"])
def test_a_search_that_finds_nothing_says_so_and_what_to_try(client, legal_person, q):
    response = client.get("/portal/search/", {"q": q})
    assert response.status_code == 200 and response.context["outcome"].page.count == 0
    html = response.content.decode()
    assert 'data-testid="search-empty"' in html and "没有找到符合条件的主体" in html
    assert "统一社会信用代码" in html.split('data-testid="search-empty"')[1]  # the hint
    assert 'data-testid="search-results"' not in html  # no bare table header


def test_natural_persons_are_not_found_and_the_page_says_so(client, resident_id_factory):
    register_natural_person(actor=None, name="赵钱孙", id_number=resident_id_factory())
    html = client.get("/portal/search/", {"q": "赵钱孙"}).content.decode()
    assert "没有找到符合条件的主体" in html and "不提供自然人信息查询" in html
