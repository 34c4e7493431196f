"""Every entry point refuses control characters (``credit.core.inputs.InputCheckMiddleware``):
pages answer a Chinese 400 page (the portal's for public pages), the API 422
``invalid_characters`` with a Chinese message — never a 500; the refused API call is logged."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import get_resolver

from credit.accounts.roles import Role
from credit.api import api
from credit.gateway.models import CallLog
from tests.ingest.test_pipeline import HEADERS, _row

pytestmark = pytest.mark.django_db

REFUSED_PAGE = "不允许的字符"


@pytest.fixture
def anonymous(client):
    """The refusal comes before any view, so before authentication too."""
    client.raise_request_exception = False
    return client


@pytest.fixture
def staff(client, admin_user):
    client.raise_request_exception = False
    client.force_login(admin_user)
    return client


def assert_refused_page(response, *, public: bool = False) -> str:
    assert response.status_code == 400, (response.status_code, response.content[:300])
    page = response.content.decode()
    assert REFUSED_PAGE in page and "重试" in page
    assert ("· 信用常州</title>" in page) is public
    return page


def assert_refused_call(response, field: str | None = None, location: str | None = None) -> dict:
    assert response.status_code == 422, (response.status_code, response.content[:300])
    body = response.json()
    assert body["code"] == "invalid_characters"
    assert REFUSED_PAGE in body["message"] and "重试" in body["message"]
    if field is not None:
        assert body["details"]["field"] == field
    if location is not None:
        assert body["details"]["location"] == location
    return body


# --- the cases of the finding ------------------------------------------------------------------


def test_a_nul_in_the_portal_search_gets_the_portals_400_page(client):
    client.raise_request_exception = False
    page = assert_refused_page(client.get("/portal/search/?q=a%00b"), public=True)
    assert "请求参数“q”包含不允许的字符（控制字符 NUL）" in page


def test_a_nul_in_the_public_tracking_page_gets_the_portals_400_page(client):
    client.raise_request_exception = False
    assert_refused_page(client.get("/objections/track/?number=%00"), public=True)
    assert_refused_page(client.get("/objections/track/ab%00c/"), public=True)


@pytest.mark.parametrize(
    "url",
    [
        "/accounts/users/?q=%00",
        "/sanctions/lists/?q=%00",
        "/sanctions/lists/?list_kind=%00&region=x",
        "/sanctions/checks/?q=%00",
        "/catalog/?q=%00",
        "/objections/manage/?q=%00",
        "/portal/manage/notices/?q=%00",
        "/gateway/calls/?path=%00",
    ],
)
def test_a_nul_in_a_staff_list_filter_gets_the_staff_400_page(staff, url):
    assert_refused_page(staff.get(url))


@pytest.mark.parametrize(
    "url",
    [
        "/catalog/ab%00c/",
        "/sanctions/checks/ab%00c/",
        "/sanctions/measures/ab%00c/",
        "/objections/manage/ab%00c/",
        "/ingest/quality/ab%00c/",
    ],
)
def test_a_nul_in_a_path_segment_gets_the_400_page(staff, url):
    page = assert_refused_page(staff.get(url))
    assert "请求地址包含不允许的字符" in page


def test_a_nul_in_a_submitted_form_is_refused_and_line_breaks_are_not(client):
    client.raise_request_exception = False
    refused = client.post("/accounts/login/", {"username": "a\x00b", "password": "pw"})
    page = assert_refused_page(refused)
    assert "请求参数“username”" in page
    accepted = client.post("/accounts/login/", {"username": "a\nb", "password": "pw"})
    assert accepted.status_code == 200  # the login form's own error, not the refusal
    assert REFUSED_PAGE not in accepted.content.decode()


def test_a_nul_in_the_api_search_body_is_refused_422_and_a_line_break_is_not(staff):
    response = staff.post("/api/v1/subjects/search", '{"q": "a\\u0000b"}', "application/json")
    assert_refused_call(response, field="q", location="body")
    response = staff.post("/api/v1/subjects/search", '{"q": "a\\nb"}', "application/json")
    assert response.status_code != 422 or response.json()["code"] != "invalid_characters"


def test_a_nul_in_the_check_query_is_refused_422(staff):
    response = staff.get("/api/v1/sanctions/check?id=91320402MA1X%00&reason=x")
    assert_refused_call(response, field="id", location="query")


def test_a_nul_in_an_api_path_parameter_is_refused_422(staff):
    for url in ("/api/v1/sanctions/checks/ab%00c", "/api/v1/catalog/items/ab%00c"):
        assert_refused_call(staff.get(url), field="path", location="path")


def test_a_lone_surrogate_in_a_pushed_row_is_refused_422_and_nothing_is_ingested(client, make_user):
    from credit.ingest.models import Batch

    client.raise_request_exception = False
    client.force_login(make_user(Role.DEPT_OFFICER, department="SCJG"))
    row = dict(zip(HEADERS, _row(71), strict=True))
    body = json.dumps({"rows": [row, {**row, "行政相对人名称": "\ud800"}]})
    response = client.post("/api/v1/ingest/admin-penalty", body, "application/json")
    assert_refused_call(response, field="rows[1].行政相对人名称", location="body")
    assert "无效的代理字符 U+D800" in response.json()["message"]
    assert not Batch.objects.exists()


def test_a_nul_in_a_json_name_is_refused_with_the_name_escaped(staff):
    response = staff.post("/api/v1/subjects/search", '{"q\\u0000": "x"}', "application/json")
    assert_refused_call(response, field="q\\x00", location="body")


def test_a_nul_in_a_signed_request_header_is_refused_422_and_logged(anonymous):
    headers = {"X-Credit-Key": "ck_\x00abc", "X-Credit-Nonce": "n", "X-Credit-Timestamp": "1"}
    response = anonymous.get("/api/v1/catalog/items", headers=headers)
    body = assert_refused_call(response, field="X-Credit-Key", location="header")
    assert body["message"].startswith("请求头“X-Credit-Key”包含不允许的字符（控制字符 NUL）")
    assert CallLog.objects.get().status == 422


def test_a_nul_in_the_user_agent_refuses_the_login_instead_of_failing_it(anonymous, admin_user):
    response = anonymous.post(
        "/accounts/login/",
        {"username": admin_user.username, "password": "pw"},
        headers={"User-Agent": "Mozilla\x00"},
    )
    page = assert_refused_page(response)
    assert "请求头“User-Agent”包含不允许的字符（控制字符 NUL）" in page


def test_a_nul_in_the_session_cookie_is_refused_on_pages_and_logged_in_the_api(anonymous):
    anonymous.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    page = assert_refused_page(anonymous.get("/catalog/"))
    assert "Cookie“sessionid”包含不允许的字符（控制字符 NUL）" in page
    # The answer drops a cookie that is no session.
    assert anonymous.cookies["sessionid"].value == ""
    anonymous.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert_refused_call(anonymous.get("/api/v1/regions"), field="sessionid", location="cookie")
    assert CallLog.objects.get().path == "/api/v1/regions"


def test_the_refused_call_is_still_in_the_call_log(staff):
    staff.get("/api/v1/catalog/items?q=%00")
    staff.get("/api/v1/catalog/items/ab%00c")
    logged = {c.path: c.status for c in CallLog.objects.all()}
    assert logged == {"/api/v1/catalog/items": 422, "/api/v1/catalog/items/ab\\x00c": 422}


# --- every entry point -----------------------------------------------------------------------

_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _page_routes(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        route = prefix + str(p.pattern)
        if hasattr(p, "url_patterns"):
            if not route.startswith("api/"):
                yield from _page_routes(p, route)
        elif "^" not in route:  # the admin's regex patterns are not ours
            yield route


def _sample(route: str, text: str) -> str:
    """A URL of ``route``: ids 1, other parameters ``text``."""
    return "/" + _CONVERTER.sub(lambda m: "1" if m.group(1) in ("id", "int") else text, route)


PAGE_ROUTES = sorted(set(_page_routes()))
API_OPERATIONS = sorted(
    (method.upper(), path, op)
    for path, ops in api.get_openapi_schema(path_prefix="/api/v1/")["paths"].items()
    for method, op in ops.items()
)
# The enumeration itself must work, or the tests below would silently be empty.
assert "portal/search/" in PAGE_ROUTES and "sanctions/checks/<str:number>/" in PAGE_ROUTES
assert len(API_OPERATIONS) >= 15


def _public(route: str) -> bool:
    """The public's pages: the portal, the objection pages (except their ``manage/``) and the
    checks' certificates."""
    return route.startswith(
        ("portal/", "objections/", "sanctions/certificates/")
    ) and not route.startswith(("portal/manage/", "objections/manage/"))


@pytest.mark.parametrize("route", PAGE_ROUTES)
def test_every_page_refuses_a_nul_in_its_query_string(anonymous, route):
    for method in ("get", "post"):
        response = getattr(anonymous, method)(_sample(route, "x") + "?q=a%00b")
        assert_refused_page(response, public=_public(route))


@pytest.mark.parametrize("route", [r for r in PAGE_ROUTES if re.search(r"<(str|slug|path):", r)])
def test_every_page_with_a_text_path_parameter_refuses_a_nul_in_it(anonymous, route):
    assert_refused_page(anonymous.get(_sample(route, "a%00b")), public=_public(route))


def _api_url(path: str, op: dict, text: str) -> str:
    types = {
        p["name"]: p.get("schema", {}).get("type")
        for p in op.get("parameters", [])
        if p.get("in") == "path"
    }
    return re.sub(r"\{(\w+)\}", lambda m: "1" if types.get(m.group(1)) == "integer" else text, path)


@pytest.mark.parametrize(("method", "path", "op"), API_OPERATIONS, ids=lambda v: str(v)[:60])
def test_every_api_operation_refuses_a_nul_in_its_query_string(anonymous, method, path, op):
    response = anonymous.generic(method, _api_url(path, op, "x") + "?q=a%00b")
    assert_refused_call(response, field="q", location="query")


@pytest.mark.parametrize(
    ("method", "path", "op"),
    [o for o in API_OPERATIONS if o[2].get("requestBody")],
    ids=lambda v: str(v)[:60],
)
def test_every_api_operation_with_a_body_refuses_a_nul_in_it(anonymous, method, path, op):
    body = json.dumps({"q": "a\x00b", "rows": [{"x": "\ud800"}]})
    response = anonymous.generic(method, _api_url(path, op, "x"), body, "application/json")
    assert_refused_call(response, location="body")


TEXT_PATH_OPERATIONS = [o for o in API_OPERATIONS if "%00" in _api_url(o[1], o[2], "%00")]


@pytest.mark.parametrize(("method", "path", "op"), TEXT_PATH_OPERATIONS, ids=lambda v: str(v)[:60])
def test_every_api_operation_with_a_text_path_parameter_refuses_a_nul_in_it(
    anonymous, method, path, op
):
    url = _api_url(path, op, "a%00b")
    assert_refused_call(anonymous.generic(method, url), field="path", location="path")
