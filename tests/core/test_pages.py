"""Health check, login and the home page."""

import pytest
from django.db import OperationalError

from credit.accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    from credit.core import views

    class Broken:
        def cursor(self):
            raise OperationalError("connection refused")

    monkeypatch.setattr(views, "connection", Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


def test_the_public_is_sent_from_the_home_to_the_portal(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/"
    assert "工作人员登录" in client.get("/portal/").content.decode()


def test_login_page_is_in_chinese_and_logs_in(client, make_user):
    user = make_user(Role.CITY_REVIEWER)
    page = client.get("/accounts/login/").content.decode()
    assert "登录" in page and 'lang="zh-Hans"' in page
    response = client.post("/accounts/login/", {"username": user.username, "password": "pw"})
    assert response.status_code == 302 and response["Location"] == "/"
    bad = client.post("/accounts/login/", {"username": user.username, "password": "wrong"})
    assert "用户名或密码不正确" in bad.content.decode()


def test_home_shows_who_you_are_role_region_and_department(client, make_user):
    user = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG", real_name="李四")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert "李四" in page
    assert "部门数据报送员" in page
    assert "天宁区" in page
    assert "常州市天宁区市场监督管理局" in page
    assert "本部门报送的数据" in page


@pytest.mark.parametrize(
    ("role", "present", "absent"),
    [
        (Role.CITY_ADMIN, ["维护目录", "用户管理", "审计日志", "信用主体查询"], []),
        (
            Role.DEPT_OFFICER,
            ["信用信息资源目录", "信用主体查询"],
            ["维护目录", "用户管理", "审计日志"],
        ),
        (Role.AUDITOR, ["审计日志", "信用信息资源目录"], ["维护目录", "用户管理"]),
        (Role.DISTRICT_ADMIN, ["信用信息资源目录"], ["维护目录", "审计日志"]),
    ],
)
def test_home_links_only_what_the_role_may_do(client, make_user, role, present, absent):
    client.force_login(make_user(role))
    page = client.get("/").content.decode()
    for text in present:
        assert text in page, text
    for text in absent:
        assert text not in page, text


def test_api_docs_and_schema_are_served(client, admin_user):
    assert client.get("/api/v1/openapi.json").status_code == 200
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "/static/ninja/" in docs.content.decode()  # served locally, no CDN
