"""The development identity provider's pages: its login (a Chinese form listing the demo's
people) and django-oauth-toolkit's authorization endpoint, which takes the person from that
login instead of from ``django.contrib.auth``.

The login keeps the person's account row id in the session (:data:`SESSION_KEY`) for the one
authorization request that follows; that request sets ``request.user`` to the row for itself
only and removes the key. Nobody is ever signed in to the platform this way, and a member of
staff signed in on the same browser is not taken for the person.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.http import require_http_methods
from oauth2_provider.views import AuthorizationView as ToolkitAuthorizationView

from credit.identity.devidp import services
from credit.identity.devidp.forms import LoginForm
from credit.identity.devidp.models import DevIdentity

SESSION_KEY = "devidp_user"


def _authorize_path(value: str) -> str:
    """``value`` when it is this provider's authorization endpoint with its query, else ""."""
    path, _, query = (value or "").partition("?")
    if unquote(path) != reverse("oauth2_provider:authorize") or not query:
        return ""
    return value


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    """开发测试用身份认证平台 · 登录: a made-up person signs in, then the authorization request
    they came from goes on."""
    next_url = _authorize_path(request.POST.get("next") or request.GET.get("next") or "")
    form = LoginForm(request.POST or None, initial={"next": next_url})
    if request.method == "POST" and form.is_valid():
        identity = services.authenticate(
            login=form.cleaned_data["login"], password=form.cleaned_data["password"]
        )
        if identity is None:
            form.add_error(None, "登录名或密码不正确，请对照下方的演示身份重新输入。")
        elif not next_url:
            form.add_error(None, "请从信用常州网站的“实名登录”进入本页。")
        else:
            request.session[SESSION_KEY] = identity.user_id
            return redirect(next_url)
    return render(
        request,
        "devidp/login.html",
        {
            "form": form,
            "identities": DevIdentity.objects.all()[:20],
            "demo_password": services.DEMO_PASSWORD,
        },
    )


class AuthorizationView(ToolkitAuthorizationView):
    """django-oauth-toolkit's authorization endpoint for the person who has just signed in on
    :func:`login` (once); without one, to that login (also for ``prompt=login``)."""

    login_url = reverse_lazy("devidp:login")

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user_id = request.session.get(SESSION_KEY)
        identity = (
            DevIdentity.objects.select_related("user").filter(user_id=user_id).first()
            if isinstance(user_id, int)
            else None
        )
        if identity is None:
            query = urlencode({"next": request.get_full_path()})
            return redirect(f"{reverse('devidp:login')}?{query}")
        request.user = identity.user
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            request.session.pop(SESSION_KEY, None)
