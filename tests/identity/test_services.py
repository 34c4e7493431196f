"""Signing in and out: accounts created and brought up to date from the claims, the ID number
kept encrypted with the indexes other apps find it by, every step audited."""

from __future__ import annotations

import pytest

from credit.core import crypto
from credit.core.access import ANONYMOUS, principal_of
from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.identity import services
from credit.identity.models import PublicAccount
from credit.objections import cases

pytestmark = pytest.mark.django_db

ISSUER = "https://idp.example.gov.cn"


@pytest.fixture
def person_claims(resident_id_factory):
    number = resident_id_factory()
    sub = f"sub-{number[-6:]}-{len(number)}"
    return {"sub": sub, "name": "吴小花", "id_card": number, "phone_number": "13800001111"}


def test_the_first_login_creates_the_account_with_the_id_number_encrypted(person_claims):
    account = services.sign_in(issuer=ISSUER, claims=person_claims)
    number = person_claims["id_card"]
    stored = PublicAccount.objects.filter(pk=account.pk).values().get()
    assert not any(number in str(value) for key, value in stored.items() if key != "id_cipher")
    assert number.encode() not in bytes(stored["id_cipher"])
    assert services.id_number_of(account) == number
    assert account.id_masked == number[:3] + "*" * 11 + number[-4:]
    assert account.phone_masked == "138****1111"
    assert (account.kind, account.name, account.uscc) == ("person", "吴小花", "")
    assert account.last_login_at is not None
    events = list(
        AuditEntry.objects.filter(object_id=str(account.pk), object_type="identity.publicaccount")
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert events == ["identity.account_created", "identity.login"]
    audited = str(list(AuditEntry.objects.filter(object_id=str(account.pk)).values()))
    assert number not in audited and "吴小花" not in audited


def test_the_indexes_match_the_natural_person_and_the_applicant_of_that_number(person_claims):
    from credit.subjects.services import register_natural_person

    number = person_claims["id_card"]
    account = services.sign_in(issuer=ISSUER, claims=person_claims)
    person, _ = register_natural_person(actor=None, name="吴小花", id_number=number)
    assert account.id_index == person.id_index
    assert services.APPLICANT_PURPOSE == cases.ID_PURPOSE
    assert account.applicant_index == crypto.blind_index(number, purpose=cases.ID_PURPOSE)


def test_a_later_login_updates_the_same_account_instead_of_making_another(person_claims):
    first = services.sign_in(issuer=ISSUER, claims=person_claims)
    renamed = {**person_claims, "name": "吴小华", "phone_number": "13800002222"}
    again = services.sign_in(issuer=ISSUER, claims=renamed)
    assert again.pk == first.pk
    assert PublicAccount.objects.filter(sub=person_claims["sub"]).count() == 1
    assert (again.name, again.phone_masked) == ("吴小华", "138****2222")
    assert again.last_login_at >= first.last_login_at
    update = AuditEntry.objects.get(event_type="identity.account_updated", object_id=str(first.pk))
    assert update.after["changed"] == ["name", "phone_masked"]
    assert (update.before["name"], update.after["name"]) == ("吴**", "吴**")
    unchanged = services.sign_in(issuer=ISSUER, claims=renamed)
    assert (
        AuditEntry.objects.filter(
            event_type="identity.account_updated", object_id=str(unchanged.pk)
        ).count()
        == 1
    )


def test_the_same_subject_of_another_issuer_is_another_account(person_claims):
    one = services.sign_in(issuer=ISSUER, claims=person_claims)
    other = services.sign_in(issuer="https://other.example", claims=person_claims)
    assert one.pk != other.pk


def test_a_company_agent_keeps_the_company(person_claims, uscc_factory):
    uscc = uscc_factory()
    account = services.sign_in(
        issuer=ISSUER,
        claims={**person_claims, "user_type": "company", "uscc": uscc, "org_name": "常州某公司"},
    )
    assert (account.kind, account.uscc, account.org_name) == ("company", uscc, "常州某公司")
    assert account.display_name == "常州某公司经办人 吴**"


def test_claims_without_a_valid_id_number_create_nothing(person_claims):
    with pytest.raises(ValidationFailed):
        services.sign_in(issuer=ISSUER, claims={**person_claims, "id_card": "123"})
    assert not PublicAccount.objects.filter(sub=person_claims["sub"]).exists()


def test_an_account_holds_no_permission_and_signs_out_audited(person_claims):
    account = services.sign_in(issuer=ISSUER, claims=person_claims)
    assert principal_of(account) is ANONYMOUS
    assert not principal_of(account).perms
    services.sign_out(account=account)
    assert AuditEntry.objects.filter(event_type="identity.logout", object_id=str(account.pk))
