"""The signed-in user."""

from __future__ import annotations

from ninja import Router, Schema

from credit.accounts.permissions import data_scope, perms_of

router = Router(tags=["用户"])


class MeOut(Schema):
    username: str
    real_name: str
    role: str
    role_label: str
    region: str | None
    department: str | None
    permissions: list[str]
    scope: dict[str, str | None]


@router.get("/me", response=MeOut, summary="当前用户、角色和权限")
def me(request):
    user = request.auth
    return MeOut(
        username=user.username,
        real_name=user.real_name,
        role=user.role,
        role_label=user.role_label,
        region=user.region_id,
        department=user.department.code if user.department_id else None,
        permissions=sorted(str(p) for p in perms_of(user)),
        scope=data_scope(user),
    )
