"""The staff 红黑榜 (``/integrity/honour/``): tabs, the rule in force with its measures,
filters, the audited Excel export, and who may open it."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from credit.accounts.roles import Role
from credit.core.models import AuditEntry
from tests.conftest import response_text
from tests.integrity.test_honour import (
    TODAY,
    assessment,
    civil_servant,
    dishonesty,
    honour_rule,
)

pytestmark = pytest.mark.django_db

URL = "/integrity/honour/"


def _as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def lists():
    honour_rule("black", measures="取消当年评优评先资格")
    honour_rule("red", measures="评优评先同等条件下优先", published=False)
    black = civil_servant("钱失信", unit="SCJG")
    dishonesty(black, TODAY - datetime.timedelta(days=5), handling="通报批评")
    district = civil_servant("孙区失信", unit="TNQ-SCJG")
    dishonesty(district, TODAY - datetime.timedelta(days=6))
    red = civil_servant("王守信", unit="SCJG", score=520)
    assessment(red, TODAY.year - 1)
    return black, district, red


def test_the_urls_are_named():
    assert reverse("integrity:honour") == URL
    assert reverse("integrity:honour_export") == "/integrity/honour/export.xlsx"


def test_the_red_tab_is_the_default_and_shows_the_rule(lists, make_user):
    page = _as(make_user(Role.CITY_REVIEWER)).get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "王守信" in html and "钱失信" not in html
    assert "评优评先同等条件下优先" in html
    assert "不公示，仅供工作人员查阅" in html
    assert f"{TODAY.year - 1}年度考核优秀" in html


def test_the_black_tab_lists_counts_and_results(lists, make_user):
    html = _as(make_user(Role.CITY_REVIEWER)).get(URL, {"kind": "black"}).content.decode()
    assert "钱失信" in html and "孙区失信" in html
    assert "公务员政务失信记录：通报批评" in html
    assert "取消当年评优评先资格" in html
    assert "王守信" not in html


def test_filters_narrow_the_list(lists, make_user):
    client = _as(make_user(Role.CITY_REVIEWER))
    html = client.get(URL, {"kind": "black", "region": "320402"}).content.decode()
    assert "孙区失信" in html and "钱失信" not in html
    html = client.get(URL, {"kind": "black", "name": "钱"}).content.decode()
    assert "钱失信" in html and "孙区失信" not in html
    # An unknown value is dropped, not an error.
    assert (
        client.get(URL, {"kind": "nonsense", "region": "x" * 300, "page": "zz"}).status_code == 200
    )


def test_an_org_hr_officer_sees_their_unit_only(lists, make_user):
    html = (
        _as(make_user(Role.ORG_HR, department="SCJG")).get(URL, {"kind": "black"}).content.decode()
    )
    assert "钱失信" in html and "孙区失信" not in html


def test_the_export_is_a_workbook_and_an_audited_read(lists, make_user):
    user = make_user(Role.CITY_REVIEWER)
    response = _as(user).get(reverse("integrity:honour_export"), {"kind": "black"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    text = response_text(response)
    assert "钱失信" in text and "通报批评" in text and "取消当年评优评先资格" in text
    entry = AuditEntry.objects.get(event_type="integrity.honour_exported")
    assert entry.actor_id == user.pk and entry.after["rows"] == 2


@pytest.mark.parametrize("role", [Role.DEPT_OFFICER, Role.AUDITOR, Role.LEADER])
def test_roles_without_the_permission_get_403(make_user, role):
    client = _as(make_user(role))
    assert client.get(URL).status_code == 403
    assert client.get(reverse("integrity:honour_export")).status_code == 403


def test_anonymous_is_sent_to_login():
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def test_no_rule_says_so(make_user):
    from credit.integrity.models import HonourRule

    HonourRule.objects.all().delete()
    html = _as(make_user(Role.CITY_ADMIN)).get(URL, {"kind": "black"}).content.decode()
    assert "尚未制定" in html
