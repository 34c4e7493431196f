"""Django admin pages that show personal data (``PersonalDataAdminMixin``): opening a list or
an object's page is an audited read, lists show ID numbers masked only, and whoever may not
see ID numbers cannot read one on an object's page either."""

from __future__ import annotations

import datetime

import pytest

from credit.accounts.roles import Role
from credit.core.models import AuditEntry, Department
from credit.objections import services as objections
from credit.subjects.services import register_natural_person
from tests.portal.conftest import upsert
from tests.records.factories import natural_payload

pytestmark = pytest.mark.django_db

PERSON = "李四海"
PHONE = "13951234567"


def masked(number: str) -> str:
    return number[:3] + "*" * 11 + number[-4:]


@pytest.fixture
def person_id(resident_id_factory) -> str:
    return resident_id_factory("320402", datetime.date(1985, 3, 9))


@pytest.fixture
def person(person_id):
    found, _ = register_natural_person(actor=None, name=PERSON, id_number=person_id)
    return found


@pytest.fixture
def record(person, person_id):
    dept = Department.objects.get(code="SCJG")
    payload = natural_payload(
        PERSON,
        person_id,
        dept,
        "常市监罚〔2026〕801号",
        violation_facts=f"当事人{PERSON}（身份证号{person_id}，手机{PHONE}）无证经营。",
    )
    return upsert("admin-penalty", person, "SCJG", payload)


def _viewed(event: str):
    return AuditEntry.objects.filter(event_type=event).order_by("id")


def test_the_natural_person_list_and_page_are_audited_reads_without_full_id_numbers(
    client, make_user, person, person_id
):
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    listing = client.get("/admin/subjects/naturalperson/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert person_id not in text and masked(person_id) in text
    page = client.get(f"/admin/subjects/naturalperson/{person.pk}/change/")
    assert page.status_code == 200
    assert person_id not in page.content.decode()
    first, second = _viewed("naturalperson.viewed")
    assert (first.actor_id, first.object_id) == (auditor.pk, "")
    assert first.after["channel"] == "admin" and first.after["page"] == "list"
    assert person.pk in first.after["objects"]
    assert (second.actor_id, second.object_id) == (auditor.pk, str(person.pk))
    assert second.after == {"channel": "admin", "page": "change"}
    # A refused page is not a read.
    client.force_login(make_user(Role.CITY_REVIEWER))  # not a role of the admin
    response = client.get(f"/admin/subjects/naturalperson/{person.pk}/change/")
    assert response.status_code in (302, 403)
    assert _viewed("naturalperson.viewed").count() == 2


def test_birth_date_and_division_are_hidden_from_those_who_may_not_see_the_number(
    client, make_user, admin_user, person
):
    """With the masked number's first 3 and last 4 characters they would spell it out."""
    url = f"/admin/subjects/naturalperson/{person.pk}/change/"
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(url).content.decode()
    assert "出生日期" not in page and "发证地行政区划码" not in page
    client.force_login(admin_user)
    page = client.get(url).content.decode()
    assert "出生日期" in page and "发证地行政区划码" in page


def test_a_record_payload_is_masked_for_those_who_may_not_see_id_numbers(
    client, make_user, admin_user, record, person_id
):
    url = f"/admin/records/creditrecord/{record.pk}/change/"
    auditor = make_user(Role.AUDITOR)
    client.force_login(auditor)
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert person_id not in text and PHONE not in text
    assert masked(person_id) in text and "139****4567" in text
    (entry,) = _viewed("creditrecord.viewed")
    assert (entry.actor_id, entry.object_id) == (auditor.pk, str(record.pk))
    client.force_login(admin_user)
    assert person_id in client.get(url).content.decode()
    assert client.get("/admin/records/creditrecord/").status_code == 200
    assert _viewed("creditrecord.viewed").count() == 3


def test_objection_admin_pages_are_audited_like_the_case_pages(
    client, make_user, admin_user, record, person_id
):
    case = objections.record_offline_objection(
        actor=admin_user,
        record=record,
        name=PERSON,
        id_number=person_id,
        phone=PHONE,
        reason="本人未实施该违法行为。",
        files=[],
    )
    client.force_login(admin_user)
    assert client.get("/admin/objections/objection/").status_code == 200
    assert client.get(f"/admin/objections/objection/{case.pk}/change/").status_code == 200
    listed, opened = _viewed("objection.viewed").filter(actor_id=admin_user.pk)
    # Objections committed by other tests on this database may be listed beside it.
    assert case.pk in listed.after["objects"] and listed.after["channel"] == "admin"
    assert opened.object_id == str(case.pk) and opened.after["page"] == "change"
    auditor = make_user(Role.AUDITOR)  # may not handle objections
    client.force_login(auditor)
    assert client.get("/admin/objections/objection/").status_code == 403
    assert not _viewed("objection.viewed").filter(actor_id=auditor.pk).exists()
