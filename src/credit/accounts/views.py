"""User management for administrators (a district administrator manages its own district)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.accounts import selectors, services
from credit.accounts.forms import NewUserForm
from credit.accounts.models import User
from credit.accounts.roles import Role
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import submit


@perm_required(Perm.USER_MANAGE)
def users(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role") or None
    q = (request.GET.get("q") or "").strip()[:50] or None
    form = NewUserForm(request.POST or None, principal=request.user)

    def create(data: dict[str, Any]) -> User:
        return services.create_user(
            actor=request.user,
            username=data["username"],
            password=data["password"],
            role=data["role"],
            region=data["region"],
            department=data["department"],
            real_name=data["real_name"],
        )

    done = submit(
        request,
        form,
        create,
        done="accounts:users",
        message=lambda user: f"已创建用户 {user.username}（{user.role_label}）",
    )
    if done is not None:
        return done
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
