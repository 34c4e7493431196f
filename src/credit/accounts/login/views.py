"""Pages of the login protection: the login page, the lockout page axes answers with, and the
administrators' list of current lockouts with its unlock button."""

from __future__ import annotations

import math
from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from credit.accounts.login import rules, selectors, services
from credit.accounts.login.forms import LoginForm
from credit.core.access import Perm, principal_of
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.netaddr import client_ip

#: Status of the lockout page (also axes' ``AXES_HTTP_RESPONSE_CODE``).
LOCKED_STATUS = 429


class LoginView(auth_views.LoginView):
    """The staff login page (登录), with the captcha when the protection asks for it."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: dict | None = None
) -> HttpResponse:
    """The answer to a login refused by a lock (``AXES_LOCKOUT_CALLABLE``), for the staff and
    the admin login alike: which lock, until when, whom to ask. Status 429 with
    ``Retry-After``."""
    username = (credentials or {}).get("username") or request.POST.get("username") or None
    state = selectors.login_state(username=username, ip=client_ip(request))
    response = render(
        request,
        "accounts/locked_out.html",
        {"state": state, "cool_off_minutes": int(rules.cool_off().total_seconds() // 60)},
        status=LOCKED_STATUS,
    )
    until = state.locked_until
    seconds = (
        (until - timezone.now()).total_seconds() if until else rules.cool_off().total_seconds()
    )
    response["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


@perm_required(Perm.USER_MANAGE)
def lockouts(request: HttpRequest) -> HttpResponse:
    """Current lockouts (登录锁定) the administrator may lift; POST ``kind`` and ``value``
    unlocks one."""
    if request.method == "POST":
        kind = request.POST.get("kind")
        value = (request.POST.get("value") or "").strip()[:255]
        target = {"account": {"username": value}, "address": {"ip": value}}.get(kind)
        if not value or target is None:
            messages.error(request, "请选择要解除的账号或地址。")
            return redirect("accounts:lockouts")
        try:
            services.unlock_login(actor=request.user, **target)
        except CreditError as exc:
            messages.error(request, exc.message)
        else:
            what = f"账号“{value}”" if kind == "account" else f"地址 {value}"
            messages.success(request, f"已解除{what}的登录锁定，现在可以重新登录。")
        return redirect("accounts:lockouts")
    return render(
        request,
        "accounts/lockouts.html",
        {
            "lockouts": selectors.lockouts_for(request.user),
            "city_wide": principal_of(request.user).city_wide,
            "account_limit": rules.account_limit(),
            "address_limit": rules.address_limit(),
            "cool_off_minutes": int(rules.cool_off().total_seconds() // 60),
        },
    )
