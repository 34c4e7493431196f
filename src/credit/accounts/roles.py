"""Roles (角色) and named permissions, and which role holds which permission.

Permissions are checked in services (``require``), not only in views, so the admin, the pages,
the API and the CLI enforce the same rules. Scope (which region's or department's data a user
sees) is a separate question answered by ``credit.accounts.scope``.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "市信用办管理员"
    CITY_REVIEWER = "city_reviewer", "市信用办审核员"
    DEPT_OFFICER = "dept_officer", "部门数据报送员"
    DISTRICT_ADMIN = "district_admin", "辖市区管理员"
    AUDITOR = "auditor", "审计员（只读）"
    #: The service account of an API client: its permissions are its scopes' (gateway).
    API_CLIENT = "api_client", "接口调用方"


class Perm(StrEnum):
    CATALOG_VIEW = "catalog.view"
    CATALOG_MANAGE = "catalog.manage"
    CATALOG_TEMPLATE = "catalog.template"
    SUBJECT_VIEW = "subjects.view"
    SUBJECT_VIEW_IDENTITY = "subjects.view_identity"
    SUBJECT_VIEW_NATURAL = "subjects.view_natural"
    RECORD_VIEW = "records.view"
    RECORD_SUBMIT = "records.submit"
    RECORD_REVIEW = "records.review"
    USER_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    CONFIG_MANAGE = "core.configure"
    API_CLIENT_MANAGE = "gateway.manage"
    SANCTIONS_CHECK = "sanctions.check"
    MEASURE_MANAGE = "sanctions.manage"
    OBJECTION_HANDLE = "objections.handle"
    OBJECTION_VERIFY = "objections.verify"
    REPAIR_REVIEW = "objections.repair"
    PORTAL_MANAGE = "portal.manage"


PERM_LABELS: dict[Perm, str] = {
    Perm.CATALOG_VIEW: "查看信用信息资源目录",
    Perm.CATALOG_MANAGE: "维护信用信息资源目录",
    Perm.CATALOG_TEMPLATE: "下载数据报送模板",
    Perm.SUBJECT_VIEW: "查询法人和自然人信用档案",
    Perm.SUBJECT_VIEW_IDENTITY: "查看未脱敏的身份证件号码",
    Perm.SUBJECT_VIEW_NATURAL: "查询自然人信用档案（脱敏）",
    Perm.RECORD_VIEW: "查看信用记录",
    Perm.RECORD_SUBMIT: "报送信用数据",
    Perm.RECORD_REVIEW: "审核信用数据",
    Perm.USER_MANAGE: "管理用户",
    Perm.AUDIT_VIEW: "查看审计日志",
    Perm.CONFIG_MANAGE: "维护区划与部门配置",
    Perm.API_CLIENT_MANAGE: "管理接口调用方",
    Perm.SANCTIONS_CHECK: "联合奖惩核查及反馈",
    Perm.MEASURE_MANAGE: "维护联合奖惩措施",
    Perm.OBJECTION_HANDLE: "受理和办结信用异议",
    Perm.OBJECTION_VERIFY: "核实本部门的异议信息",
    Perm.REPAIR_REVIEW: "审核信用修复申请",
    Perm.PORTAL_MANAGE: "维护门户网站新闻和公告",
}

ROLE_PERMS: dict[str, frozenset[Perm]] = {
    Role.CITY_ADMIN: frozenset(Perm),
    Role.CITY_REVIEWER: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.CATALOG_TEMPLATE,
            Perm.SUBJECT_VIEW,
            Perm.SUBJECT_VIEW_NATURAL,
            Perm.RECORD_VIEW,
            Perm.RECORD_REVIEW,
            Perm.SANCTIONS_CHECK,
            Perm.OBJECTION_HANDLE,
            Perm.REPAIR_REVIEW,
            Perm.PORTAL_MANAGE,
        }
    ),
    Role.DEPT_OFFICER: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.CATALOG_TEMPLATE,
            Perm.SUBJECT_VIEW,
            Perm.SUBJECT_VIEW_NATURAL,
            Perm.RECORD_VIEW,
            Perm.RECORD_SUBMIT,
            Perm.SANCTIONS_CHECK,
            Perm.OBJECTION_VERIFY,
        }
    ),
    Role.DISTRICT_ADMIN: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.CATALOG_TEMPLATE,
            Perm.SUBJECT_VIEW,
            Perm.SUBJECT_VIEW_NATURAL,
            Perm.RECORD_VIEW,
            Perm.RECORD_REVIEW,
            Perm.SANCTIONS_CHECK,
            Perm.USER_MANAGE,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.SUBJECT_VIEW,
            Perm.SUBJECT_VIEW_NATURAL,
            Perm.RECORD_VIEW,
            Perm.AUDIT_VIEW,
        }
    ),
    Role.API_CLIENT: frozenset(),  # see credit.accounts.permissions.perms_of
}

#: Roles held by people (the API client role belongs to service accounts that cannot log in).
PEOPLE_ROLES = tuple(role for role in Role if role != Role.API_CLIENT)

#: Roles whose scope is the whole city; the others are limited to their region or department.
CITY_WIDE_ROLES = frozenset({Role.CITY_ADMIN, Role.CITY_REVIEWER, Role.AUDITOR})

#: Roles that may open the Django admin (each admin page still checks its own permission).
STAFF_ROLES = frozenset({Role.CITY_ADMIN, Role.AUDITOR})
