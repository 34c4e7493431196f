"""The caller: a member of staff or an API client, as the platform sees it."""

from __future__ import annotations

from ninja import Field, Router, Schema

from credit.core.access import data_scope
from credit.core.models import Department
from credit.core.schemas import responses

router = Router(tags=["用户"])


class MeOut(Schema):
    username: str
    real_name: str
    role: str
    role_label: str
    region: str | None
    department: str | None
    permissions: list[str]
    scope: dict[str, str | None] = Field(
        ..., description="管理数据的范围：region 辖市区代码、department 部门编码（null 为不限）"
    )


@router.get(
    "/me", response=responses(MeOut), summary="当前用户（或接口调用方）、角色、权限和数据范围"
)
def me(request):
    p = request.auth
    department = (
        Department.objects.filter(pk=p.department_id).values_list("code", flat=True).first()
        if p.department_id
        else None
    )
    return MeOut(
        username=p.username,
        real_name=p.name,
        role=p.labels.get("role", ""),
        role_label=p.labels.get("role_label", ""),
        region=p.region_id,
        department=department,
        permissions=sorted(str(perm) for perm in p.perms),
        scope=data_scope(p),
    )
