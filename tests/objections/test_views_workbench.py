"""The staff workbench as a whole: who may open which page (anonymous users, auditors,
department officers)."""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role
from tests.objections.conftest import page_text

pytestmark = pytest.mark.django_db


STAFF_URLS = [
    "/objections/manage/",
    "/objections/manage/export.xlsx",
    "/objections/manage/new/",
    "/objections/manage/stats/",
    "/objections/manage/stats/export.xlsx",
    "/objections/manage/repairs/",
    "/objections/manage/repairs/export.xlsx",
    "/objections/manage/YY20260101AAAAAAAAAA/",
    "/objections/manage/repairs/XF20260101AAAAAAAAAA/",
]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_anonymous_users_are_sent_to_the_login_page(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", STAFF_URLS)
def test_an_auditor_is_refused(client, make_user, url):
    client.force_login(make_user(Role.AUDITOR))
    response = client.get(url)
    assert response.status_code == 403 and "无权访问" in page_text(response)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/objections/manage/", 200),
        ("/objections/manage/export.xlsx", 200),
        ("/objections/manage/new/", 403),
        ("/objections/manage/stats/", 403),
        ("/objections/manage/repairs/", 403),
    ],
)
def test_what_a_department_officer_may_open(client, scjg_officer, url, status):
    client.force_login(scjg_officer)
    assert client.get(url).status_code == status
