"""Browser security headers that Django does not send itself: Content-Security-Policy and
Permissions-Policy, on every response (staff pages, portal, API, admin, static files).

Django's own middleware sends the others from settings: ``SecurityMiddleware`` sends
``X-Content-Type-Options`` (``SECURE_CONTENT_TYPE_NOSNIFF``), ``Referrer-Policy``
(``SECURE_REFERRER_POLICY``), ``Cross-Origin-Opener-Policy`` and HSTS;
``XFrameOptionsMiddleware`` sends ``X-Frame-Options: DENY``.

The policy allows scripts and styles from the platform's own origin only: no inline
``<script>``, no ``on…=`` handler attributes, no ``<style>`` element or ``style=`` attribute
in a template (``tests/core/test_headers.py`` scans every template), no ``eval``. Page
behaviour lives in static files (``credit/site.js``), styles in the apps' stylesheets. Setting
styles from JavaScript through the CSSOM (``element.style.width = …``, as the Django admin,
htmx and ECharts do) is not restricted by the policy.

Paths that need more get it from :data:`PATH_POLICIES` and nowhere else. A view that sets its
own ``Content-Security-Policy`` header keeps it. In debug mode (development only) Django's
error pages for 404 and 500, which are styled and scripted inline, are sent without a policy.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Policy = Mapping[str, tuple[str, ...]]

#: The policy of every response.
DEFAULT_POLICY: Policy = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    "style-src": ("'self'",),
    "img-src": ("'self'",),
    "font-src": ("'self'",),
    "connect-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'self'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}

#: Directives replaced under a path prefix, first match wins. The interactive API documentation
#: (Swagger UI, served from django-ninja's bundled static files) draws its icons as ``data:``
#: images from its stylesheet.
PATH_POLICIES: tuple[tuple[str, Policy], ...] = (
    ("/api/v1/docs", {"img-src": ("'self'", "data:")}),
)

#: Browser features no page of the platform uses, denied to the pages and to any frame.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


def render_policy(policy: Policy) -> str:
    """``{"script-src": ("'self'",)}`` → ``"script-src 'self'"``."""
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in policy.items())


def policy_for(path: str) -> str:
    """The Content-Security-Policy header value for a request path."""
    for prefix, replaced in PATH_POLICIES:
        if path.startswith(prefix):
            return render_policy({**DEFAULT_POLICY, **replaced})
    return _DEFAULT_HEADER


_DEFAULT_HEADER = render_policy(DEFAULT_POLICY)
_DEBUG_PAGES = frozenset({404, 500})  # Django's technical_404 / technical_500 responses


class SecurityHeadersMiddleware:
    """Adds Content-Security-Policy (per path) and Permissions-Policy to every response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not (settings.DEBUG and response.status_code in _DEBUG_PAGES):
            response.headers.setdefault("Content-Security-Policy", policy_for(request.path))
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
