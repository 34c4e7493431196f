"""N1 on the public portal: every public page and export, rendered over data that includes a
natural person's records and a sole trader's, shows no clear resident ID number, no clear
name of a person and no clear phone number."""

from __future__ import annotations

import re

import pytest

from credit.portal import services
from credit.records.disclosure import scrub
from credit.subjects.models import LegalPerson
from tests.conftest import response_text
from tests.portal.conftest import PERSON_NAME, PHONE

pytestmark = pytest.mark.django_db

#: An 18-character resident ID number (re.ASCII: a Chinese character next to it is a boundary).
RESIDENT_ID = re.compile(r"\b\d{17}[\dX]\b", re.ASCII)


def _text(response) -> str:
    assert response.status_code == 200, response
    return response_text(response)


def _public_pages(client, data, admin_user) -> dict[str, str]:
    notice = services.create_notice(
        actor=admin_user, kind="notice", title="关于公示信息异议处理的公告", body="详见正文。"
    )
    services.publish_notice(actor=admin_user, notice=notice)
    urls = [
        "/portal/",
        "/portal/search/?q=常州",
        "/portal/search/?q=便利店",
        f"/portal/search/?q={data.sole_trader.uscc}",
        f"/portal/search/?q={data.person_id}",  # refused, and not echoed in clear
        # (A search for a person's name echoes the visitor's own words and finds nothing:
        # test_search.test_natural_persons_are_never_found.)
        f"/portal/subjects/{data.company.pk}/",
        f"/portal/subjects/{data.sole_trader.pk}/",
        "/portal/notices/",
        f"/portal/notices/{notice.pk}/",
    ]
    for kind in ("license", "penalty"):
        urls += [f"/portal/publicity/{kind}/", f"/portal/publicity/{kind}/export.xlsx"]
    for kind in ("red_list", "black_list", "attention_list"):
        urls += [f"/portal/lists/{kind}/", f"/portal/lists/{kind}/export.xlsx"]
    return {url: _text(client.get(url)) for url in urls}


def test_no_public_page_or_export_shows_personal_data_in_clear(client, portal_data, admin_user):
    pages = _public_pages(client, portal_data, admin_user)
    usccs = set(LegalPerson.objects.exclude(uscc=None).values_list("uscc", flat=True))
    for url, text in pages.items():
        numbers = set(RESIDENT_ID.findall(text)) - usccs  # a USCC may be all digits
        assert not numbers, f"{url} shows {numbers}"
        for clear in portal_data.clear_values:
            assert clear not in text, f"{url} shows {clear!r}"
    # The pages did show the people, masked.
    assert "李**" in pages["/portal/publicity/penalty/"]
    assert portal_data.person.id_masked in pages["/portal/publicity/penalty/export.xlsx"]
    assert "王**" in pages[f"/portal/subjects/{portal_data.sole_trader.pk}/"]


def test_free_text_is_scrubbed_of_ids_phones_and_named_people(resident_id_factory):
    number = resident_id_factory()
    text = f"当事人李四海（身份证号{number}，手机139 5123 4567）于某日无证经营。"
    scrubbed = scrub(text, ["李四海"])
    assert number not in scrubbed and number[:3] + "*" * 11 + number[-4:] in scrubbed
    assert "李**" in scrubbed and "李四海" not in scrubbed
    # The phone masked in place (its middle digits are not looked for alone: the generated ID
    # number's last four, kept by its mask, may happen to be the same digits).
    assert "手机139****4567）" in scrubbed and "5123 4567" not in scrubbed
    # Codes that are not resident ID numbers stay as they are.
    assert scrub("统一社会信用代码91320402MA1XXXXX1A") == "统一社会信用代码91320402MA1XXXXX1A"
    assert scrub("罚款 12345 元") == "罚款 12345 元"


def test_objection_pages_show_no_personal_data_in_clear(client, portal_data, admin_user):
    """The public objection and repair forms show the record as the portal does, and the
    tracking page of a natural person's objection shows the applicant masked."""
    from credit.objections import services as objections

    person_penalty = next(
        r for r in portal_data.records if r.natural_person_id and r.item.code == "admin-penalty"
    )
    case = objections.record_offline_objection(
        actor=admin_user,
        record=person_penalty,
        name=PERSON_NAME,
        id_number=portal_data.person_id,
        phone=PHONE,
        reason=f"本人{PERSON_NAME}（身份证号{portal_data.person_id}）未实施该违法行为。",
        files=[],
    )
    client.post("/objections/track/", {"number": case.number, "phone_last4": PHONE[-4:]})
    pages = {
        url: _text(client.get(url))
        for url in (
            f"/objections/new/?record={person_penalty.pk}",
            f"/objections/repair/new/?record={person_penalty.pk}",
            f"/objections/track/{case.number}/",
        )
    }
    assert case.number in pages[f"/objections/track/{case.number}/"]
    for url, text in pages.items():
        assert not RESIDENT_ID.findall(text), url
        for clear in (PERSON_NAME, PHONE, portal_data.person_id):
            assert clear not in text, f"{url} shows {clear!r}"
