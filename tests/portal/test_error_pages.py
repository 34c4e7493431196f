"""The error pages: a citizen on a public page (the portal, the public objection, repair and
tracking pages, a check certificate) gets the portal's layout and a way back to 信用常州's
home; a civil servant on a staff page gets the staff layout and a way back to the workbench.
A refusal says which permission is missing and who can help, never the permission's code."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import RequestFactory

from credit.accounts.roles import Role
from credit.core.access import Perm
from credit.portal.views import errors

pytestmark = pytest.mark.django_db

PORTAL_HOME = "返回信用常州首页"
WORKBENCH = "返回工作台"


def _is_portal(html: str) -> bool:
    return PORTAL_HOME in html and WORKBENCH not in html and 'class="masthead"' in html


def _is_staff(html: str) -> bool:
    return WORKBENCH in html and PORTAL_HOME not in html and 'class="topbar"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/portal/no-such-page/",
        "/portal/subjects/999999999/",
        "/portal/notices/999999999/",
        "/portal/publicity/parking/",
        "/objections/no-such-page/",
        "/objections/track/YY2026/extra/",
        "/sanctions/certificates/not-a-token/",
    ],
)
def test_a_missing_public_page_has_the_portals_layout(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.content.decode()
    assert _is_portal(html), url
    assert "页面不存在" in html


@pytest.mark.parametrize("url", ["/objections/new/", "/objections/repair/new/?record=abc"])
def test_an_application_without_its_record_leads_back_to_the_portal(client, url):
    response = client.get(url)
    assert response.status_code == 404 and _is_portal(response.content.decode())


@pytest.mark.parametrize(
    "url", ["/no-such-page/", "/catalog/no-such-item/", "/objections/manage/YY000/"]
)
def test_a_missing_staff_page_has_the_staff_layout(client, admin_user, url):
    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 404
    assert _is_staff(response.content.decode()), url


def test_a_staff_page_under_the_portal_keeps_the_staff_layout(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/portal/manage/notices/999999999/edit/")
    assert response.status_code == 404 and _is_staff(response.content.decode())


def test_a_refusal_names_the_permission_in_chinese_and_who_can_help(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER))
    response = client.get("/accounts/users/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "您没有“管理用户”的权限" in html
    assert "请联系本单位管理员或市信用办" in html
    assert Perm.USER_MANAGE.value not in html and "<code>" not in html
    assert _is_staff(html)


@pytest.mark.parametrize(
    ("path", "portal"),
    [
        ("/portal/search/", True),
        ("/objections/repair/new/", True),
        ("/sanctions/certificates/abc/", True),
        ("/objections/manage/", False),
        ("/portal/manage/notices/", False),
        ("/sanctions/checks/", False),
        ("/ingest/batches/", False),
    ],
)
def test_the_handlers_choose_the_layout_by_path(admin_user, path, portal):
    request = RequestFactory().get(path)
    request.user = admin_user
    refused = errors.permission_denied(request, PermissionDenied("x"))
    bad = errors.bad_request(request, SuspiciousOperation("x"))
    assert (refused.status_code, bad.status_code) == (403, 400)
    for response in (refused, bad):
        html = response.content.decode()
        assert _is_portal(html) if portal else _is_staff(html), path
    if not portal:
        assert "请联系本单位管理员或市信用办" in refused.content.decode()
