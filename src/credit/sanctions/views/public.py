"""The printable check certificate (核查证明), opened by its signed link: the one sanctions page
that needs no login."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from credit.core.errors import NotFound
from credit.sanctions import services
from credit.sanctions.constants import Scenario


def certificate(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link (the checker's system hands it to its user) may print the
    certificate; it shows only what the check returned, natural persons masked."""
    try:
        check = services.check_by_certificate(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return render(
        request,
        "sanctions/certificate.html",
        {
            "check": check,
            "scenario": Scenario(check.scenario).label if check.scenario else "全部场景",
            "checker": check.client.name
            if check.client
            else (check.department.name if check.department else check.user.get_username()),
        },
    )
