"""The portal session of a real-name account, for every app's public pages.

The session keeps only the account's id (:data:`SESSION_KEY`). Signing in rotates the session
key (no fixation); signing out flushes the whole session. Nothing here touches
``django.contrib.auth``: a real-name account is never ``request.user``.

Other apps use::

    from credit.identity.session import account_required, current_account

    @account_required                      # no account: to the real-name login, then back
    def my_reports(request):
        account = current_account(request)  # a PublicAccount (or None on an open page)
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from credit.identity import selectors
from credit.identity.models import PublicAccount

SESSION_KEY = "public_account"
_CACHE = "_public_account"


def current_account(request: HttpRequest) -> PublicAccount | None:
    """The real-name account signed in on this request's session, or None (read once per
    request)."""
    if not hasattr(request, _CACHE):
        session = getattr(request, "session", None)
        pk = session.get(SESSION_KEY) if session is not None else None
        setattr(request, _CACHE, selectors.account_by_id(pk) if pk is not None else None)
    return getattr(request, _CACHE)


def login_url(next_url: str = "") -> str:
    """The real-name login, returning to ``next_url`` (a portal path) afterwards."""
    url = reverse("identity:login")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def account_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A portal view for signed-in real-name accounts; anyone else is sent to the real-name
    login with ``next`` set to the page asked for."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if current_account(request) is None:
            return redirect(login_url(request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapped


def log_in(request: HttpRequest, account: PublicAccount) -> None:
    """Bind ``account`` to the session under a new session key."""
    request.session.cycle_key()
    request.session[SESSION_KEY] = account.pk
    setattr(request, _CACHE, account)


def log_out(request: HttpRequest) -> None:
    """End the session: the account, and whatever else the session held, is gone."""
    request.session.flush()
    setattr(request, _CACHE, None)
