"""A legal person's public page: basic information masked where personal, and only records
that pass the publicity rule (public_q), each with its public fields and the objection link."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credit.records.models import CreditRecord
from tests.portal.conftest import KEEPER_ADDRESS, KEEPER_NAME

pytestmark = pytest.mark.django_db


def _record_ids(response) -> set[int]:
    profile = response.context["profile"]
    return {r.id for section in profile.sections for r in section.records}


def test_the_hidden_records_really_are_hidden_ones(portal_data):
    hidden = {k: CreditRecord.objects.get(pk=r.pk) for k, r in portal_data.hidden.items()}
    assert hidden["suspended"].status == "suspended"
    assert hidden["expired"].status == "expired"
    assert hidden["unpublished"].publishable is False
    assert hidden["shared"].usage_scope == "shared"


def test_only_records_the_public_may_see_are_shown(client, portal_data):
    response = client.get(f"/portal/subjects/{portal_data.company.pk}/")
    assert response.status_code == 200
    shown = _record_ids(response)
    assert portal_data.current.pk in shown
    assert not shown & {r.pk for r in portal_data.hidden.values()}
    html = response.content.decode()
    assert "常市监罚〔2026〕1号" in html
    for hidden in ("〔2026〕2号", "〔2023〕3号", "〔2026〕4号", "〔2026〕5号"):
        assert f"常市监罚{hidden}" not in html


def test_the_sections_hold_licences_penalties_and_list_entries(client, portal_data):
    profile = client.get(f"/portal/subjects/{portal_data.company.pk}/").context["profile"]
    totals = {s.key: s.total for s in profile.sections}
    assert totals == {
        "licenses": 1,
        "penalties": 1,
        "red_list": 1,
        "black_list": 1,
        "attention_list": 0,
    }
    html = client.get(f"/portal/subjects/{portal_data.company.pk}/").content.decode()
    assert "信用承诺" in html and "暂无" in html


def test_each_record_links_to_an_objection(client, portal_data):
    html = client.get(f"/portal/subjects/{portal_data.company.pk}/").content.decode()
    assert f'href="/objections/new/?record={portal_data.current.pk}"' in html
    assert "异议申诉" in html


def test_fields_are_public_ones_and_personal_ones_masked(client, portal_data):
    profile = client.get(f"/portal/subjects/{portal_data.company.pk}/").context["profile"]
    (penalty,) = next(s for s in profile.sections if s.key == "penalties").records
    fields = dict(penalty.fields)
    assert fields["处罚类别"] == "警告"
    assert fields["法定代表人"] == "张*"  # personal: masked
    assert "法定代表人证件号码" not in fields and "证件号码" not in fields  # sensitive: never
    facts = dict(profile.facts)
    assert facts["法定代表人"] == "张*"
    assert facts["统一社会信用代码"] == portal_data.company.uscc


def test_a_sole_traders_keeper_and_address_are_masked(client, portal_data):
    response = client.get(f"/portal/subjects/{portal_data.sole_trader.pk}/")
    facts = dict(response.context["profile"].facts)
    assert facts["经营者"] == "王**"
    assert facts["注册地址"] == "江苏省常州市天宁区****"
    html = response.content.decode()
    assert KEEPER_NAME not in html and KEEPER_ADDRESS not in html
    assert "13951234567" not in html and "139****4567" in html  # phone in the facts text


def test_anything_but_a_legal_person_is_not_found(client, portal_data):
    missing = max(portal_data.company.pk, portal_data.sole_trader.pk) + 1000
    assert client.get(f"/portal/subjects/{missing}/").status_code == 404
    assert client.get("/portal/subjects/abc/").status_code == 404


def test_the_page_takes_a_fixed_number_of_queries(client, portal_data):
    url = f"/portal/subjects/{portal_data.company.pk}/"
    client.get(url)  # warm the catalog spec caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len(queries) <= 4  # subject, records (item, department, region joined), slack


def test_a_penalty_past_its_minimum_period_offers_repair(client, legal_person):
    """The repair link appears once the minimum publicity period has passed (一般: 3 months);
    the application page checks the rest of the eligibility."""
    from credit.records.publicity import add_months
    from tests.records.factories import penalty

    recent = penalty(legal_person, "SCJG", "常市监罚〔2026〕951号").record  # 2 months ago
    decided = datetime.date.today() - datetime.timedelta(days=120)
    older = penalty(
        legal_person,
        "SCJG",
        "常市监罚〔2026〕952号",
        decision_date=decided.isoformat(),
        valid_to=add_months(decided, 6).isoformat(),
        publicity_end=add_months(decided, 12).isoformat(),
    ).record
    page = client.get(f"/portal/subjects/{legal_person.pk}/").content.decode()
    assert f"/objections/repair/new/?record={older.pk}" in page
    assert f"/objections/repair/new/?record={recent.pk}" not in page
    assert f"/objections/new/?record={recent.pk}" in page
