"""Writes about users: creating staff accounts and changing their roles."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from credit.accounts.models import OUTSIDE_USERNAME_PREFIX, User
from credit.accounts.roles import CITY_WIDE_ROLES, STAFF_ROLES, Role
from credit.core import audit
from credit.core.access import Perm, principal_of, require
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department, Region

_AUDITED_FIELDS = ["username", "real_name", "role", "region_id", "department_id", "is_active"]


def _snapshot(user: User) -> dict:
    return {f: getattr(user, f) for f in _AUDITED_FIELDS}


def _check_assignment(actor: Any, role: str, region: Region | None, dept: Department | None):
    if role not in Role.values:
        raise ValidationFailed(f"未知角色：{role}", code="role_unknown")
    if role == Role.API_CLIENT:
        raise ValidationFailed(
            "接口调用方的服务账号随接口调用方登记自动创建，不能手工创建或指定",
            code="role_reserved",
        )
    if role == Role.DEPT_OFFICER and dept is None:
        raise ValidationFailed("部门数据报送员必须指定所属部门", code="user_department_required")
    if role == Role.DISTRICT_ADMIN and (region is None or region.parent_id is None):
        raise ValidationFailed("辖市区管理员必须属于一个辖市区", code="user_region_required")
    if dept is not None and region is not None and dept.region_id != region.code:
        raise ValidationFailed("所属部门不在所属区划内", code="user_department_region_mismatch")
    p = principal_of(actor)
    if actor is not None and not p.city_wide:
        # A district administrator manages its own district's department users only.
        if role in CITY_WIDE_ROLES or role == Role.DISTRICT_ADMIN:
            raise PermissionDenied("辖市区管理员只能创建本辖市区的部门用户")
        if region is None or region.code != p.region_id:
            raise PermissionDenied("辖市区管理员只能管理本辖市区的用户")


@transaction.atomic
def create_user(
    *,
    actor: Any,
    username: str,
    password: str,
    role: str,
    region: Region | None = None,
    department: Department | None = None,
    real_name: str = "",
    phone: str = "",
) -> User:
    """Create a staff account. ``actor=None`` means the system (CLI, demo seeding)."""
    if actor is not None:
        require(actor, Perm.USER_MANAGE)
    if department is not None and region is None:
        region = department.region
    _check_assignment(actor, role, region, department)
    if username.startswith(OUTSIDE_USERNAME_PREFIX):
        raise ValidationFailed(
            f"用户名不能以“{OUTSIDE_USERNAME_PREFIX}”开头（保留给开发测试用身份认证平台）",
            code="username_reserved",
        )
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(f"用户名 {username} 已存在", code="user_exists")
    user = User(
        username=username,
        role=role,
        region=region,
        department=department,
        real_name=real_name,
        phone=phone,
        is_staff=role in STAFF_ROLES,
    )
    user.set_password(password)
    user.save()
    audit.record("user.created", actor=actor, obj=user, after=_snapshot(user))
    return user


@transaction.atomic
def change_role(
    *,
    actor: Any,
    user: User,
    role: str,
    region: Region | None = None,
    department: Department | None = None,
) -> User:
    """Change a user's role and membership, audited with before and after."""
    require(actor, Perm.USER_MANAGE)
    if department is not None and region is None:
        region = department.region
    p = principal_of(actor)
    if actor is not None and not p.city_wide and user.region_id != p.region_id:
        raise PermissionDenied("辖市区管理员只能管理本辖市区的用户")
    _check_assignment(actor, role, region, department)
    before = _snapshot(user)
    user.role, user.region, user.department = role, region, department
    user.is_staff = role in STAFF_ROLES or user.is_superuser
    user.save(update_fields=["role", "region", "department", "is_staff"])
    audit.record("user.role_changed", actor=actor, obj=user, before=before, after=_snapshot(user))
    return user
