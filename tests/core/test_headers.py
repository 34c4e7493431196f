"""Security headers on every kind of response, and templates that the policy lets run:
no inline script, no on…= handler, no inline style anywhere in the platform's templates."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from credit.core import headers

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "credit"

#: A <script> element without src= that a browser would run (JSON data blocks are not run).
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*\btype\s*=\s*[\"']application/json)[^>]*>", re.I
)
HANDLER = re.compile(r"<[^>]*\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I)
JS_URL = re.compile(r"""=\s*["']\s*javascript:""", re.I)
INLINE_STYLE = re.compile(r"<style\b|<[^>]*\sstyle\s*=", re.I)


def _directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: sources
        for name, *sources in (part.split() for part in policy.split(";") if part.strip())
    }


def _assert_secure_headers(response) -> None:
    policy = _directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in response["Permissions-Policy"]


def _inline_code(html: str) -> list[str]:
    return [
        m.group(0) for pattern in (INLINE_SCRIPT, HANDLER, JS_URL) for m in pattern.finditer(html)
    ]


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_a_staff_page_carries_the_security_headers(staff_client):
    response = staff_client.get("/")
    assert response.status_code == 200
    _assert_secure_headers(response)


def test_a_portal_page_carries_the_security_headers(client):
    response = client.get("/portal/")
    assert response.status_code == 200
    _assert_secure_headers(response)


def test_an_api_response_carries_the_security_headers(staff_client, client):
    response = staff_client.get("/api/v1/catalog/items")
    assert response.status_code == 200
    _assert_secure_headers(response)
    _assert_secure_headers(client.get("/api/v1/catalog/items"))  # the 401 too


def test_the_admin_login_carries_the_security_headers(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    _assert_secure_headers(response)


def test_an_admin_change_page_runs_no_inline_script(staff_client):
    from credit.catalog.models import CatalogItem

    item = CatalogItem.objects.get(code="admin-penalty")
    response = staff_client.get(f"/admin/catalog/catalogitem/{item.pk}/change/")
    assert response.status_code == 200
    _assert_secure_headers(response)
    assert _inline_code(response.content.decode()) == []


def test_the_api_docs_render_from_local_files_and_only_they_may_use_data_images(staff_client):
    response = staff_client.get("/api/v1/docs")
    assert response.status_code == 200
    _assert_secure_headers(response)
    assert _directives(response)["img-src"] == ["'self'", "data:"]
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/static/ninja/swagger-ui-init.js" in html
    assert "cdn" not in html.lower()
    assert _inline_code(html) == []
    assert '"validatorUrl": null' in html  # no badge fetched from validator.swagger.io
    assert _directives(staff_client.get("/portal/"))["img-src"] == ["'self'"]


def test_static_files_carry_the_policy_too(client):
    response = client.get("/static/credit/site.js")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_a_policy_set_by_a_view_is_kept():
    from django.http import HttpRequest, HttpResponse

    def view(request):
        response = HttpResponse("")
        response["Content-Security-Policy"] = "default-src 'none'"
        return response

    request = HttpRequest()
    request.path = "/somewhere"
    response = headers.SecurityHeadersMiddleware(view)(request)
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert "camera=()" in response["Permissions-Policy"]


def test_debug_error_pages_go_without_a_policy_but_other_debug_pages_keep_it(settings, client):
    settings.DEBUG = True
    missing = client.get("/portal/no-such-page/")
    assert missing.status_code == 404
    assert "Content-Security-Policy" not in missing
    assert "Content-Security-Policy" in client.get("/portal/")


def test_no_template_has_inline_script_handlers_or_styles():
    templates = sorted(SRC.rglob("templates/**/*.html"))
    assert len(templates) > 50
    found = []
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for pattern in (INLINE_SCRIPT, HANDLER, JS_URL, INLINE_STYLE):
            found += [f"{path.relative_to(SRC)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == [], (
        "The Content-Security-Policy (credit.core.headers) blocks these: move scripts and "
        "handlers into static JS (credit/site.js: data-confirm, data-action) and styles into "
        "the app's stylesheet.\n" + "\n".join(found)
    )


def test_the_scan_recognises_what_the_policy_blocks():
    assert _inline_code("<script>alert(1)</script>")
    assert _inline_code('<form onsubmit="return confirm(1)">')
    assert _inline_code('<button hx-on:click="x()">')
    assert _inline_code('<a href="javascript:void(0)">')
    assert not _inline_code('<script src="/static/x.js" defer></script>')
    assert not _inline_code('<script type="application/json" id="s">{}</script>')
    assert not _inline_code('<form data-confirm="确定？" class="inline">')
    assert INLINE_STYLE.search('<div style="width: 1px">')
    assert INLINE_STYLE.search("<style>p {}</style>")
    assert not INLINE_STYLE.search('<link rel="stylesheet" href="/static/a.css">')
