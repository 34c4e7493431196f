"""User management for administrators (a district administrator manages its own district)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from credit.accounts import selectors, services
from credit.accounts.forms import NewUserForm
from credit.accounts.roles import Role
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.errors import CreditError
from credit.core.forms import add_service_error


@perm_required(Perm.USER_MANAGE)
def users(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role") or None
    q = (request.GET.get("q") or "").strip()[:50] or None
    form = NewUserForm(request.POST or None, principal=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.create_user(
                actor=request.user,
                username=data["username"],
                password=data["password"],
                role=data["role"],
                region=data["region"],
                department=data["department"],
                real_name=data["real_name"],
            )
        except CreditError as exc:
            add_service_error(form, exc, {})
        else:
            messages.success(request, f"已创建用户 {user.username}（{user.role_label}）")
            return redirect("accounts:users")
    page = Paginator(selectors.users_for(request.user, role=role, q=q), 30)
    return render(
        request,
        "accounts/users.html",
        {
            "page": page.get_page(request.GET.get("page")),
            "form": form,
            "roles": Role.choices,
            "role": role,
            "q": q or "",
        },
    )
