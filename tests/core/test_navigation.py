"""The staff menu and breadcrumb (credit.core.navigation): one table of pages grouped by task,
shown to each role as far as it may open them, and a way back from every staff page."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from credit.accounts.roles import PEOPLE_ROLES, Role
from credit.core.access import Perm
from credit.core.navigation import GROUPS, MENU, Entry, Link, current_link, links_for, menu_for
from tests.access.test_matrix import OK, PAGES, STAFF, _kwargs, _url_patterns, public
from tests.access.test_matrix import world as matrix_world  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

#: Menu pages anyone may open, signed in or not (shown to the roles that need them).
OPEN_PAGES = {"api-1:openapi-view"}
#: Staff pages outside the staff layout: the big screen fills a wall display (1920×1080).
WITHOUT_LAYOUT = {"dashboard:screen"}


def test_every_row_names_a_group_a_label_and_help():
    names = [entry.url_name for entry in MENU]
    assert len(names) == len(set(names))
    for entry in MENU:
        assert entry.group in GROUPS, entry
        assert entry.label and entry.help, entry
        assert all(isinstance(p, Perm) for p in entry.perms), entry


def test_a_row_whose_page_is_not_installed_is_left_out(admin_user):
    rows = (
        Entry("system", "尚未上线", "nowhere:page", (), "…"),
        Entry("system", "用户管理", "accounts:users", (Perm.USER_MANAGE,), "…"),
    )
    assert [link.label for link in links_for(admin_user, entries=rows)] == ["用户管理"]


@pytest.mark.parametrize("role", PEOPLE_ROLES)
def test_the_menu_holds_what_the_role_may_open_and_nothing_else(make_user, role):
    """Every entry shown opens for the role; every entry it does not hold refuses it."""
    user = make_user(role, region="320402" if role == Role.DISTRICT_ADMIN else "320400")
    client = Client()
    client.force_login(user)
    shown = {link.url_name: link.url for link in links_for(user, is_staff=user.is_staff)}
    for name, url in shown.items():
        response = client.get(url)
        assert response.status_code == 200, (role, name, response.status_code)
    for entry in MENU:
        if entry.url_name in shown or entry.url_name in OPEN_PAGES or entry.own_department:
            continue
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch:  # a page not installed yet
            continue
        status = client.get(url).status_code
        assert status in (302, 403), (role, entry.url_name, status)


def test_menus_by_role(make_user):
    def labels(user) -> set[str]:
        return {
            link.label for group in menu_for(user, is_staff=user.is_staff) for link in group.links
        }

    officer = labels(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    assert {"数据报送", "报送批次", "本部门数据质量", "异议办理"} <= officer
    assert not {"数据质量排名", "用户管理", "接口调用方", "窗口异议登记", "管理后台"} & officer
    auditor = labels(make_user(Role.AUDITOR))
    assert {"接口调用统计", "接口调用明细", "管理后台"} <= auditor
    assert not {"接口调用方", "本部门数据质量", "数据报送"} & auditor
    leader = {link.url_name for g in menu_for(make_user(Role.LEADER)) for link in g.links}
    assert {"dashboard:index", "alerts:list"} <= leader
    assert leader <= {
        "dashboard:index", "dashboard:screen", "alerts:list", "alerts:rules", "boards:catalogue",
        "catalog:list", "sanctions:measures",  # what is collected, and the measures: reading
        # the assessment results, the quality reports and how both are scored
        "assessment:index", "assessment:quality", "assessment:rubrics", "assessment:metrics",
    }  # fmt: skip


def test_the_page_of_a_link_is_its_own_or_the_longest_prefix_or_its_apps():
    def link(name: str, url: str) -> Link:
        return Link(Entry("reporting", name, name, (), ""), url)

    links = [
        link("ingest:upload", "/ingest/"),
        link("ingest:batches", "/ingest/batches/"),
        link("objections:manage", "/objections/manage/"),
        link("objections:repairs", "/objections/manage/repairs/"),
    ]
    assert current_link(links, "/ingest/batches/", "ingest:batches").url_name == "ingest:batches"
    assert current_link(links, "/ingest/batches/7/", "ingest:batch").url_name == "ingest:batches"
    assert current_link(links, "/ingest/quality/", "ingest:quality").url_name == "ingest:upload"
    repair = current_link(links, "/objections/manage/repairs/XF1/", "objections:repair_detail")
    assert repair.url_name == "objections:repairs"
    assert current_link(links, "/objections/track/", "objections:track").url_name == (
        "objections:manage"
    )
    assert current_link(links, "/catalog/", "catalog:list") is None


def _trail(page: str) -> str | None:
    found = re.search(r'<nav class="trail"[^>]*>(.*?)</nav>', page, re.S)
    return found.group(1) if found else None


def test_the_breadcrumb_names_the_group_the_entry_and_the_page(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    trail = _trail(client.get("/ingest/batches/").content.decode())
    assert trail.startswith('<a href="/">工作台</a><a href="/#nav-reporting">数据报送</a>')
    assert '<span aria-current="page">报送批次</span>' in trail
    trail = _trail(client.get("/ingest/quality/TNQ-SCJG/").content.decode())
    assert '<span aria-current="page">本部门数据质量</span>' in trail
    assert _trail(client.get("/").content.decode()) is None  # the workbench is the start


def test_the_menu_marks_the_current_group_and_page(client, admin_user):
    client.force_login(admin_user)
    page = client.get("/sanctions/checks/").content.decode()
    menu = page[page.index('data-testid="menu"') : page.index("</nav>")]
    assert '<details class="menu-group current">\n      <summary>名单管理</summary>' in menu
    assert '<a href="/sanctions/checks/" aria-current="page">核查记录</a>' in menu


def test_every_staff_page_has_a_breadcrumb_back_to_the_workbench(request, admin_user):
    """Every page of the permission matrix an administrator opens as a page (not a download,
    not the public site) shows the breadcrumb, starting at the workbench."""
    world = request.getfixturevalue("matrix_world")  # the matrix's objects of 天宁区
    client = Client()
    client.force_login(admin_user)
    patterns = dict(_url_patterns())
    seen = 0
    for name, (method, rule) in sorted(PAGES.items()):
        if method != "GET" or rule is public or name.startswith(("portal:", "captcha")):
            continue
        if name in WITHOUT_LAYOUT:
            continue
        if rule(STAFF[0]) != OK:
            continue
        response = client.get(reverse(name, kwargs=_kwargs(world, name, patterns[name])))
        if response.status_code != 200 or not response.content.startswith(b"<!DOCTYPE html>"):
            continue  # a download or a fragment of a page
        trail = _trail(response.content.decode())
        assert trail and trail.startswith('<a href="/">工作台</a>'), name
        seen += 1
    assert seen >= 40


def test_the_public_site_and_the_login_page_have_no_staff_menu(client, admin_user):
    assert 'data-testid="menu"' not in client.get("/accounts/login/").content.decode()
    client.force_login(admin_user)
    assert 'data-testid="menu"' not in client.get("/portal/").content.decode()
    assert 'data-testid="menu"' in client.get("/catalog/").content.decode()


def test_a_page_adds_its_own_title_as_the_last_step(rf, admin_user):
    from django.template import engines
    from django.urls import resolve

    request = rf.get("/ingest/batches/7/")
    request.user = admin_user
    request.resolver_match = resolve("/ingest/batches/7/")
    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block crumb %}批次 7{% endblock %}'
    )
    trail = _trail(template.render({}, request))
    assert trail == (
        '<a href="/">工作台</a><a href="/#nav-reporting">数据报送</a>'
        '<a href="/ingest/batches/">报送批次</a><span class="here">批次 7</span>'
    )
