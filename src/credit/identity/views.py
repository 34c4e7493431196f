"""The real-name login's pages under ``/portal/account/``: start the login, the identity
platform's callback, and sign-out (the "我的" page itself is the portal's,
``credit.portal.views.me``)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from credit.core.errors import CreditError
from credit.identity import oidc, rules, services, session
from credit.identity.session import current_account

logger = logging.getLogger("credit.identity")

#: Status of the page shown while no identity platform is configured.
UNCONFIGURED_STATUS = 503


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "identity/refused.html", {"message": message}, status=status)


def _unconfigured(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/unconfigured.html", status=UNCONFIGURED_STATUS)


@require_GET
def login(request: HttpRequest) -> HttpResponse:
    """实名登录: to the province's identity platform; ``next`` (a portal path, anything else is
    ignored) is where the person returns afterwards."""
    next_url = rules.portal_next(request.GET.get("next"))
    if current_account(request) is not None:
        return redirect(next_url or "portal:me")
    if not oidc.configured():
        return _unconfigured(request)
    try:
        return oidc.begin(request, next_url=next_url)
    except oidc.LoginRefused as exc:
        return _refused(request, exc.message, exc.status)


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """Where the identity platform sends the browser back: the answer is validated, the
    account signed in (a new session key), and the person returned to where they were."""
    if not oidc.configured():
        return _unconfigured(request)
    try:
        answer = oidc.finish(request)
        account = services.sign_in(issuer=oidc.issuer(), claims=answer.claims)
    except oidc.LoginRefused as exc:
        logger.warning("real-name login refused at the callback: %s", exc.code)
        return _refused(request, exc.message, exc.status)
    except CreditError as exc:
        logger.warning("real-name login refused at the callback: %s", exc.code)
        return _refused(request, exc.message, 400)
    session.log_in(request, account)
    return redirect(answer.next_url or "portal:me")


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    """退出: the sign-out is recorded and the session ended."""
    account = current_account(request)
    if account is not None:
        services.sign_out(account=account)
    session.log_out(request)
    messages.success(request, "您已退出实名登录。在公用电脑上使用后，请关闭浏览器。")
    return redirect("portal:home")
