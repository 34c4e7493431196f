"""The error pages (400, 403, 404) of the whole site, each in the layout of the side it was
asked on: a citizen on a public page — the portal, the public objection, repair and tracking
pages, a check certificate — gets the portal's layout and a way back to 信用常州's home; a
civil servant on a staff page gets the staff layout and a way back to the workbench.

Installed as ``handler400``, ``handler403`` and ``handler404`` in :mod:`credit.urls`. They
render what Django's default handlers render (:mod:`django.views.defaults`), only the
template differs.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views import defaults

from credit.core.inputs import is_public_page


def error_template(request: HttpRequest, name: str) -> str:
    """``portal/<name>`` on a public page (:func:`credit.core.inputs.is_public_page`: the portal,
    the public objection pages, the check certificates), else the staff site's ``<name>``."""
    return f"portal/{name}" if is_public_page(request.path) else name


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.bad_request(
        request, exception, template_name=error_template(request, "400.html")
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.permission_denied(
        request, exception, template_name=error_template(request, "403.html")
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return defaults.page_not_found(
        request, exception, template_name=error_template(request, "404.html")
    )
