"""Tests of the subjects API: ``POST /api/v1/subjects/search``."""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role

pytestmark = pytest.mark.django_db

URL = "/api/v1/subjects/search"


@pytest.fixture
def api_client(client, make_user):
    client.force_login(make_user(Role.CITY_REVIEWER))
    return client


def test_search_api_requires_a_signed_in_user(client, legal_person):
    response = client.post(URL, {"q": legal_person.uscc}, content_type="application/json")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_search_api_finds_a_legal_person_by_uscc(api_client, legal_person):
    response = api_client.post(URL, {"q": legal_person.uscc}, content_type="application/json")

    assert response.status_code == 200
    body = response.json()
    assert body["natural_persons"] == []
    assert body["legal_persons"] == [
        {
            "id": legal_person.pk,
            "uscc": legal_person.uscc,
            "name": legal_person.name,
            "kind": "organisation",
            "region": "320402",
            "industry": "",
            "status": "active",
        }
    ]


def test_search_api_returns_natural_persons_with_the_masked_id_only(api_client, natural_person):
    person, number = natural_person

    response = api_client.post(URL, {"q": number}, content_type="application/json")

    assert response.status_code == 200
    assert number not in response.content.decode()
    body = response.json()
    assert body["legal_persons"] == []
    assert body["natural_persons"] == [
        {
            "id": person.pk,
            "name": person.name,
            "id_type": "resident_id",
            "id_masked": person.id_masked,
            "region": "320402",
        }
    ]


def test_search_api_by_an_inactive_user_is_refused(client, make_user, legal_person):
    user = make_user(Role.CITY_ADMIN)
    client.force_login(user)
    user.is_active = False
    user.save(update_fields=["is_active"])

    response = client.post(URL, {"q": legal_person.uscc}, content_type="application/json")

    assert response.status_code in (401, 403)
    assert legal_person.name not in response.content.decode()


def test_search_api_takes_the_id_number_in_the_body_not_the_url(api_client, natural_person):
    _, number = natural_person
    assert api_client.get(URL, {"q": number}).status_code == 405
