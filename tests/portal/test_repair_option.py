"""Credit repair is offered only where the repair rules allow it, by one rule
(:func:`credit.objections.repairs.repair_option`) on the portal's subject page and in the
staff archive: a 失信被执行人 entry (removed by the court, excluded from repair on the
platform) gets no repair link and no repair date, but the reason; a licence or a red-list
entry gets neither; a penalty past its minimum period gets both."""

from __future__ import annotations

import datetime
import re

import pytest

from credit.objections.repairs import repair_option
from credit.records.publicity import add_months
from tests.portal.conftest import a_grade, debtor_entry, licence
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(legal_person) -> dict:
    decided = datetime.date.today() - datetime.timedelta(days=120)
    return {
        "debtor": debtor_entry(legal_person, "（2026）苏04执300号"),
        "penalty": penalty(
            legal_person,
            "SCJG",
            "常市监罚〔2026〕961号",
            decision_date=decided.isoformat(),
            valid_to=add_months(decided, 6).isoformat(),
            publicity_end=add_months(decided, 12).isoformat(),
        ).record,
        "licence": licence(legal_person, "常市监许〔2026〕961号"),
        "red": a_grade(legal_person),
    }


def test_one_rule_says_where_repair_applies(records):
    today = datetime.date.today()
    debtor = repair_option(records["debtor"])
    assert records["debtor"].repair_from is not None  # the record has a date …
    assert not debtor.applies and debtor.excluded and debtor.repair_from is None  # … not shown
    assert not debtor.open_on(today) and "失信被执行人" in debtor.note
    fine = repair_option(records["penalty"])
    assert (
        fine.applies and fine.open_on(today) and fine.repair_from == records["penalty"].repair_from
    )
    for kind in ("licence", "red"):
        option = repair_option(records[kind])
        assert not option.applies and not option.excluded and option.note, kind


def test_the_portal_offers_repair_only_where_it_applies(client, legal_person, records):
    page = client.get(f"/portal/subjects/{legal_person.pk}/").content.decode()
    for kind in ("debtor", "licence", "red"):
        assert f"/objections/repair/new/?record={records[kind].pk}" not in page, kind
    assert f"/objections/repair/new/?record={records['penalty'].pk}" in page
    debtor = page.split(f'data-record="{records["debtor"].pk}"')[1].split("</article>")[0]
    assert 'data-testid="repair-note"' in debtor and "不适用信用修复" in debtor
    assert "失信被执行人" in debtor
    assert page.count('data-testid="repair-note"') == 1  # not on licences or red lists


def test_the_application_page_says_repair_does_not_apply(client, records):
    page = client.get(f"/objections/repair/new/?record={records['debtor'].pk}").content.decode()
    assert "该信息不适用信用修复" in page and 'data-reason="item_excluded"' in page
    assert 'data-testid="repair-form"' not in page


def _cell(page: str, record) -> str:
    match = re.search(rf'<td data-testid="repair-{record.pk}">(.*?)</td>', page, re.S)
    assert match, record
    return match.group(1)


def test_the_staff_archive_shows_a_repair_date_only_where_repair_applies(
    client, admin_user, legal_person, records
):
    client.force_login(admin_user)
    page = client.get(f"/subjects/legal/{legal_person.pk}/").content.decode()
    debtor = _cell(page, records["debtor"])
    assert "不适用信用修复" in debtor and "失信被执行人" in debtor
    assert records["debtor"].repair_from.isoformat() not in debtor
    assert _cell(page, records["penalty"]) == records["penalty"].repair_from.isoformat()
    for kind in ("licence", "red"):
        cell, stored = _cell(page, records[kind]), records[kind].repair_from
        assert "不适用" in cell and not re.search(r"\d{4}-\d\d-\d\d", cell), (kind, stored)
