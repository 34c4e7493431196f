"""Tests of credit.subjects.selectors: finding a subject by any identifier, scoped search."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import AnonymousUser

from credit.accounts.roles import Role
from credit.core.errors import PermissionDenied
from credit.core.models import AuditEntry
from credit.subjects.selectors import (
    legal_person_by_identifier,
    natural_person_by_id,
    search,
)
from credit.subjects.services import register_legal_person
from tests.subjects.factories import fresh_uscc

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.mark.parametrize(
    "form",
    [
        pytest.param(lambda c: c, id="uscc"),
        pytest.param(lambda c: c.lower(), id="uscc-lower-case"),
        pytest.param(lambda c: c[8:17], id="org-code"),
        pytest.param(lambda c: f"{c[8:16]}-{c[16]}", id="org-code-with-hyphen"),
        pytest.param(lambda c: f"{c[8:16]}\u2014{c[16]}", id="org-code-with-dash"),
        pytest.param(lambda c: c[2:17], id="tax-no"),
    ],
)
def test_legal_person_by_identifier_finds_the_subject_by_any_code(legal_person, form):
    assert legal_person_by_identifier(form(legal_person.uscc)).pk == legal_person.pk


@pytest.mark.parametrize("value", ["", "   ", "000000000"])
def test_legal_person_by_identifier_returns_none_when_nothing_matches(legal_person, value):
    assert legal_person_by_identifier(value) is None


def test_natural_person_by_id_uses_the_blind_index(natural_person):
    person, number = natural_person

    assert natural_person_by_id(number).pk == person.pk
    assert natural_person_by_id(f" {number[:9]} {number[9:]} ").pk == person.pk
    assert natural_person_by_id(number, id_type="passport") is None


def test_search_requires_subject_view_permission(legal_person):
    with pytest.raises(PermissionDenied):
        search(AnonymousUser(), legal_person.uscc)


def test_search_by_an_inactive_user_is_denied(make_user, legal_person):
    user = make_user(Role.CITY_ADMIN)
    user.is_active = False

    with pytest.raises(PermissionDenied):
        search(user, legal_person.uscc)


def test_search_by_uscc_finds_the_legal_person(reviewer, legal_person):
    found = search(reviewer, f" {legal_person.uscc.lower()} ")

    assert [s.pk for s in found["legal_persons"]] == [legal_person.pk]
    assert found["natural_persons"] == []


def test_search_by_name_fragment_finds_legal_persons_by_name(reviewer):
    a, _ = register_legal_person(actor=None, uscc=fresh_uscc(), name="常州市星河精密机械有限公司")
    b, _ = register_legal_person(actor=None, uscc=fresh_uscc(), name="常州星河物业管理有限公司")
    register_legal_person(actor=None, uscc=fresh_uscc(), name="常州市月亮湾餐饮有限公司")

    found = search(reviewer, "星河")

    assert {s.pk for s in found["legal_persons"]} == {a.pk, b.pk}


def test_search_by_id_number_finds_the_natural_person_and_audits_the_look_up(
    reviewer, natural_person
):
    person, number = natural_person

    found = search(reviewer, number)

    assert [p.pk for p in found["natural_persons"]] == [person.pk]
    assert found["legal_persons"] == []
    entry = AuditEntry.objects.get(event_type="naturalperson.looked_up")
    assert entry.actor_id == reviewer.pk
    assert entry.object_type == "subjects.naturalperson"
    assert entry.object_id == str(person.pk)
    assert entry.after == {"found": True}
    assert number not in json.dumps([entry.after, entry.object_repr], ensure_ascii=False)


def test_search_by_unknown_id_number_is_audited_too(reviewer, resident_id_factory):
    number = resident_id_factory()

    found = search(reviewer, number)

    assert found == {"legal_persons": [], "natural_persons": []}
    entry = AuditEntry.objects.get(event_type="naturalperson.looked_up")
    assert entry.actor_id == reviewer.pk
    assert entry.object_id == ""
    assert entry.after == {"found": False}


def test_search_by_legacy_15_digit_id_finds_the_natural_person(reviewer, natural_person):
    person, number = natural_person

    found = search(reviewer, number[:6] + number[8:17])

    assert [p.pk for p in found["natural_persons"]] == [person.pk]


def test_search_never_finds_a_natural_person_by_name(reviewer, natural_person):
    person, _ = natural_person

    found = search(reviewer, person.name)

    assert found["natural_persons"] == []
    assert not AuditEntry.objects.filter(event_type="naturalperson.looked_up").exists()


def test_search_with_blank_query_finds_nothing(reviewer, legal_person):
    assert search(reviewer, "   ") == {"legal_persons": [], "natural_persons": []}


def test_a_value_held_by_two_subjects_under_different_schemes_is_ambiguous(uscc_factory):
    from credit.subjects.models import LegalPersonIdentifier
    from credit.subjects.selectors import legal_person_by_identifier
    from credit.subjects.services import register_legal_person

    a, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="甲公司")
    b, _ = register_legal_person(actor=None, uscc=uscc_factory(), name="乙公司")
    LegalPersonIdentifier.objects.create(legal_person=a, scheme="reg_no", value="320400000012345")
    LegalPersonIdentifier.objects.create(
        legal_person=b, scheme="institution_no", value="320400000012345"
    )
    assert legal_person_by_identifier("320400000012345") is None
    assert legal_person_by_identifier("320400000012345", scheme="reg_no") == a
    assert legal_person_by_identifier("320400000012345", scheme="institution_no") == b


def test_opening_a_natural_persons_file_is_an_audited_read(client, make_user, natural_person):
    from credit.accounts.roles import Role
    from credit.core.models import AuditEntry

    person, number = natural_person
    user = make_user(Role.CITY_REVIEWER)
    client.force_login(user)
    page = client.get(f"/subjects/natural/{person.pk}/").content.decode()
    assert number not in page and person.id_masked in page
    entry = AuditEntry.objects.filter(event_type="naturalperson.viewed").latest("id")
    assert entry.actor == user and entry.object_id == str(person.pk)
