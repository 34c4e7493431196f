"""Tests of the staff pages of the base libraries: who may open them and what they show.

Every subject role holds ``subjects.view`` (roles.py), so "no permission" is proven with an
anonymous visitor, an inactive account and a signed-in account whose role grants nothing.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from credit.accounts.models import User
from credit.accounts.roles import Role
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer_client(client, make_user):
    client.force_login(make_user(Role.CITY_REVIEWER))
    return client


def _pages(legal_person, natural_person) -> list[str]:
    return [
        reverse("subjects:search"),
        reverse("subjects:legal", args=[legal_person.pk]),
        reverse("subjects:natural", args=[natural_person[0].pk]),
    ]


def test_pages_redirect_anonymous_visitors_to_login(client, legal_person, natural_person):
    for url in _pages(legal_person, natural_person):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_pages_redirect_an_inactive_user_to_login(client, make_user, legal_person, natural_person):
    user = make_user(Role.CITY_ADMIN)
    User.objects.filter(pk=user.pk).update(is_active=False)
    client.force_login(user)

    for url in _pages(legal_person, natural_person):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login")), url


def test_pages_refuse_a_user_whose_role_grants_no_subject_view(
    client, make_user, legal_person, natural_person
):
    user = make_user(Role.AUDITOR)
    User.objects.filter(pk=user.pk).update(role="")
    client.force_login(user)

    for url in _pages(legal_person, natural_person):
        response = client.get(url)
        assert response.status_code == 403, url
        assert legal_person.name not in response.content.decode(), url


@pytest.mark.parametrize(
    ("role", "region", "department"),
    [
        (Role.CITY_ADMIN, "320400", None),
        (Role.CITY_REVIEWER, "320400", None),
        (Role.DEPT_OFFICER, "320402", "TNQ-SCJG"),
        (Role.DISTRICT_ADMIN, "320404", None),
        (Role.AUDITOR, "320400", None),
    ],
)
def test_every_staff_role_may_search_subjects(
    client, make_user, legal_person, role, region, department
):
    client.force_login(make_user(role, region, department))

    response = client.post(reverse("subjects:search"), {"q": legal_person.uscc})

    assert response.status_code == 200
    assert legal_person.name in response.content.decode()


def test_search_page_shows_the_subject_found_by_uscc(reviewer_client, legal_person):
    response = reviewer_client.post(reverse("subjects:search"), {"q": legal_person.uscc})

    assert response.status_code == 200
    html = response.content.decode()
    assert legal_person.name in html
    assert reverse("subjects:legal", args=[legal_person.pk]) in html


def test_search_page_shows_the_subject_found_by_name(reviewer_client, legal_person):
    response = reviewer_client.post(reverse("subjects:search"), {"q": "测试机械"})

    assert response.status_code == 200
    assert legal_person.name in response.content.decode()


def test_search_page_by_id_number_lists_the_person_masked(reviewer_client, natural_person):
    person, number = natural_person

    response = reviewer_client.post(reverse("subjects:search"), {"q": number})

    html = response.content.decode()
    assert reverse("subjects:natural", args=[person.pk]) in html
    assert person.id_masked in html


def test_legal_person_page_shows_the_file_and_its_crosswalk(reviewer_client, legal_person):
    response = reviewer_client.get(reverse("subjects:legal", args=[legal_person.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert legal_person.name in html
    assert legal_person.uscc[8:17] in html  # derived organisation code
    assert "天宁区" in html


def test_legal_person_page_of_a_missing_subject_is_404(reviewer_client):
    assert reviewer_client.get(reverse("subjects:legal", args=[999_999_999])).status_code == 404


def test_natural_person_page_shows_only_the_masked_id(reviewer_client, natural_person):
    person, number = natural_person

    response = reviewer_client.get(reverse("subjects:natural", args=[person.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert person.name in html
    assert person.id_masked in html
    assert number not in html
    assert number[6:14] not in html  # not even the birth date


def test_legal_person_page_shares_records_across_districts_by_usage_scope(
    client, make_user, legal_person
):
    penalty(legal_person, "TNQ-SCJG", "天市监罚〔2025〕7号")
    penalty(legal_person, "ZLQ-SCJG", "钟市监罚〔2025〕8号")
    penalty(legal_person, "ZLQ-SCJG", "钟市监罚〔2025〕10号", info_usage_scope="授权查询")
    url = reverse("subjects:legal", args=[legal_person.pk])

    client.force_login(make_user(Role.DISTRICT_ADMIN, "320402"))
    tianning = client.get(url).content.decode()
    client.force_login(make_user(Role.CITY_REVIEWER))
    city = client.get(url).content.decode()

    assert "天市监罚〔2025〕7号" in tianning
    assert "钟市监罚〔2025〕8号" in tianning  # 社会公开: shared for use across districts
    assert "钟市监罚〔2025〕10号" not in tianning  # 授权查询 of another district
    assert "天市监罚〔2025〕7号" in city
    assert "钟市监罚〔2025〕10号" in city and "本单位管理" in city  # the city manages it
