"""View decorators that apply the platform's permissions to pages (the same principal the
services ask)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.core.access.permissions import PERM_LABELS, Perm
from credit.core.access.principal import principal_of


def any_perm_required(*perms: Perm) -> Callable:
    """Login required, then any one of ``perms``; a signed-in user without them gets a
    Chinese 403 page naming the first."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not principal_of(request.user).has_any(perms):
                return render(
                    request,
                    "403.html",
                    {"perm_label": PERM_LABELS[perms[0]], "perm": perms[0]},
                    status=403,
                )
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def perm_required(perm: Perm) -> Callable:
    """Login required, then ``perm``; a signed-in user without it gets a Chinese 403 page."""
    return any_perm_required(perm)
