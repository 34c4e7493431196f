"""Roles (角色) of staff users and which role holds which permission.

The permission vocabulary is the kernel's (``credit.core.access.Perm``); a user's principal
(``User.as_principal``) carries its role's permissions and its tenant, and every service
checks that principal, so the admin, the pages, the API and the CLI enforce the same rules.
"""

from __future__ import annotations

from django.db import models

from credit.core.access import PERM_LABELS, Perm

__all__ = [
    "CITY_WIDE_ROLES",
    "PEOPLE_ROLES",
    "PERM_LABELS",
    "ROLE_PERMS",
    "STAFF_ROLES",
    "Perm",
    "Role",
]


class Role(models.TextChoices):
    CITY_ADMIN = "city_admin", "市信用办管理员"
    CITY_REVIEWER = "city_reviewer", "市信用办审核员"
    DEPT_OFFICER = "dept_officer", "部门数据报送员"
    DISTRICT_ADMIN = "district_admin", "辖市区管理员"
    AUDITOR = "auditor", "审计员（只读）"
    #: Leaders (领导): the dashboards and warnings of the whole city, read-only, no personal data.
    LEADER = "leader", "领导（只读）"
    #: Organisation and HR officers (组织人事部门) of a unit: the civil servants' integrity
    #: archive of their unit — of their region when the unit is an organisation, HR or credit
    #: department (credit.integrity.selectors.archive_q) — and the unit's reporting of it.
    ORG_HR = "org_hr", "组织人事部门"
    #: The service account of an API client: its permissions are its scopes' (gateway).
    API_CLIENT = "api_client", "接口调用方"


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
            Perm.DASHBOARD_VIEW,
            Perm.DASHBOARD_DESIGN,
            Perm.WARNING_VIEW,
            Perm.WARNING_HANDLE,
            Perm.REPORT_VIEW,
            Perm.REPORT_ENTER,
            Perm.REPORT_REVIEW,
            Perm.REPORT_TEMPLATE,
            Perm.INTEGRITY_VIEW,
            Perm.INTEGRITY_MANAGE,
            Perm.COMMITMENT_VIEW,
            Perm.COMMITMENT_ENTER,
            Perm.COMMITMENT_REVIEW,
            Perm.COMMITMENT_MANAGE,
            Perm.ASSESSMENT_VIEW,
            Perm.ASSESSMENT_MANAGE,
            Perm.EXCHANGE_VIEW,
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
            Perm.DASHBOARD_VIEW,
            Perm.WARNING_VIEW,
            Perm.REPORT_VIEW,
            Perm.REPORT_ENTER,
            Perm.COMMITMENT_VIEW,
            Perm.COMMITMENT_ENTER,
            Perm.COMMITMENT_REVIEW,
            Perm.ASSESSMENT_VIEW,
            Perm.ASSESSMENT_SELF,
        }
    ),
    Role.DISTRICT_ADMIN: frozenset(
        {
            Perm.CATALOG_VIEW,
            # its district's extension items only (credit.catalog.selectors.check_manages)
            Perm.CATALOG_MANAGE,
            Perm.CATALOG_TEMPLATE,
            Perm.SUBJECT_VIEW,
            Perm.SUBJECT_VIEW_NATURAL,
            Perm.RECORD_VIEW,
            Perm.RECORD_REVIEW,
            Perm.SANCTIONS_CHECK,
            Perm.USER_MANAGE,
            Perm.DASHBOARD_VIEW,
            Perm.WARNING_VIEW,
            Perm.WARNING_HANDLE,
            Perm.REPORT_VIEW,
            Perm.REPORT_ENTER,
            Perm.INTEGRITY_VIEW,
            Perm.INTEGRITY_MANAGE,
            Perm.COMMITMENT_VIEW,
            Perm.COMMITMENT_ENTER,
            Perm.COMMITMENT_REVIEW,
            Perm.ASSESSMENT_VIEW,
            Perm.ASSESSMENT_SELF,
            Perm.ASSESSMENT_MANAGE,
            Perm.EXCHANGE_VIEW,
            Perm.EXCHANGE_MANAGE,
        }
    ),
    Role.ORG_HR: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.CATALOG_TEMPLATE,
            Perm.RECORD_VIEW,
            Perm.RECORD_SUBMIT,
            Perm.INTEGRITY_VIEW,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            Perm.CATALOG_VIEW,
            Perm.SUBJECT_VIEW,
            Perm.SUBJECT_VIEW_NATURAL,
            Perm.RECORD_VIEW,
            Perm.AUDIT_VIEW,
            Perm.DASHBOARD_VIEW,
            Perm.WARNING_VIEW,
            Perm.REPORT_VIEW,
            Perm.COMMITMENT_VIEW,
            Perm.ASSESSMENT_VIEW,
            Perm.EXCHANGE_VIEW,
        }
    ),
    Role.LEADER: frozenset(
        {Perm.CATALOG_VIEW, Perm.DASHBOARD_VIEW, Perm.WARNING_VIEW, Perm.ASSESSMENT_VIEW}
    ),
    # A service account acts only through its API client (credit.gateway builds that
    # principal from the client's scopes); signed in on its own it holds nothing.
    Role.API_CLIENT: frozenset(),
}

#: Roles held by people (the API client role belongs to service accounts that cannot log in).
PEOPLE_ROLES = tuple(role for role in Role if role != Role.API_CLIENT)

#: Roles whose scope is the whole city; the others are limited to their region or department.
CITY_WIDE_ROLES = frozenset({Role.CITY_ADMIN, Role.CITY_REVIEWER, Role.AUDITOR, Role.LEADER})

#: Roles that may open the Django admin (each admin page still checks its own permission).
STAFF_ROLES = frozenset({Role.CITY_ADMIN, Role.AUDITOR})
