"""Roles and permissions, checked as a matrix, and data scope (tenancy)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from credit.accounts.models import User
from credit.accounts.roles import PEOPLE_ROLES, ROLE_PERMS, Perm, Role
from credit.core.access import data_scope, has_perm, perms_of, require
from credit.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db

EXPECTED = {
    Role.CITY_ADMIN: set(Perm),
    Role.CITY_REVIEWER: {
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
        # Credit reports: the credit office reviews, issues and designs the templates.
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
    },
    Role.DEPT_OFFICER: {
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
        # Its department's report applications: entered for its procedures, never reviewed.
        Perm.REPORT_VIEW,
        Perm.REPORT_ENTER,
        Perm.COMMITMENT_VIEW,
        Perm.COMMITMENT_ENTER,
        Perm.COMMITMENT_REVIEW,
        Perm.ASSESSMENT_VIEW,
        Perm.ASSESSMENT_SELF,
    },
    Role.DISTRICT_ADMIN: {
        Perm.CATALOG_VIEW,
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
    },
    # 组织人事: its unit's civil servants' archives, and the unit's reporting of them.
    Role.ORG_HR: {
        Perm.CATALOG_VIEW,
        Perm.CATALOG_TEMPLATE,
        Perm.RECORD_VIEW,
        Perm.RECORD_SUBMIT,
        Perm.INTEGRITY_VIEW,
    },
    Role.AUDITOR: {
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
    },
    # Leaders: the dashboards, warnings and assessment results of the city, read-only (and the
    # catalog's terms).
    Role.LEADER: {Perm.CATALOG_VIEW, Perm.DASHBOARD_VIEW, Perm.WARNING_VIEW, Perm.ASSESSMENT_VIEW},
    # A service account holds its API client's scopes instead (tests/gateway).
    Role.API_CLIENT: set(),
}


@pytest.mark.parametrize("role", list(PEOPLE_ROLES))
@pytest.mark.parametrize("perm", list(Perm))
def test_permission_matrix(make_user, role, perm):
    user = make_user(role)
    assert has_perm(user, perm) is (perm in EXPECTED[role])
    if perm in EXPECTED[role]:
        require(user, perm)
    else:
        with pytest.raises(PermissionDenied) as err:
            require(user, perm)
        assert err.value.code == "permission_denied"
        assert err.value.details == {"permission": str(perm)}


def test_the_role_table_is_the_one_tested():
    assert {r: set(p) for r, p in ROLE_PERMS.items()} == EXPECTED


def test_the_auditor_is_read_only():
    writes = {
        Perm.CATALOG_MANAGE,
        Perm.RECORD_SUBMIT,
        Perm.RECORD_REVIEW,
        Perm.SANCTIONS_CHECK,
        Perm.MEASURE_MANAGE,
        Perm.API_CLIENT_MANAGE,
        Perm.USER_MANAGE,
        Perm.CONFIG_MANAGE,
        Perm.REPORT_ENTER,
        Perm.REPORT_REVIEW,
        Perm.REPORT_TEMPLATE,
        Perm.REPORT_REQUEST,
        Perm.INTEGRITY_MANAGE,
        Perm.COMMITMENT_ENTER,
        Perm.COMMITMENT_REVIEW,
        Perm.COMMITMENT_MANAGE,
    }
    assert not writes & set(ROLE_PERMS[Role.AUDITOR])


def test_civil_servants_archives_are_no_one_elses_business():
    """The archives are read by the credit office, district administrators and 组织人事
    officers only: not by departments' data officers, auditors or leaders (A1, privacy)."""
    readers = {role for role, perms in ROLE_PERMS.items() if Perm.INTEGRITY_VIEW in perms}
    assert readers == {Role.CITY_ADMIN, Role.CITY_REVIEWER, Role.DISTRICT_ADMIN, Role.ORG_HR}


def test_anonymous_and_inactive_users_hold_nothing(make_user):
    assert perms_of(AnonymousUser()) == frozenset()
    assert perms_of(None) == frozenset()
    user = make_user(Role.CITY_ADMIN)
    user.is_active = False
    assert perms_of(user) == frozenset()


@pytest.mark.parametrize(
    ("role", "region", "department", "scope"),
    [
        (Role.CITY_ADMIN, "320400", None, {"region": None, "department": None}),
        (Role.CITY_REVIEWER, "320400", None, {"region": None, "department": None}),
        (Role.AUDITOR, "320400", None, {"region": None, "department": None}),
        (Role.DISTRICT_ADMIN, "320402", None, {"region": "320402", "department": None}),
        (Role.DEPT_OFFICER, "320400", "SCJG", {"region": None, "department": "SCJG"}),
        (Role.DEPT_OFFICER, "320402", "TNQ-SCJG", {"region": None, "department": "TNQ-SCJG"}),
        (Role.ORG_HR, "320400", "ZZB", {"region": None, "department": "ZZB"}),
    ],
)
def test_data_scope_by_role(make_user, role, region, department, scope):
    assert data_scope(make_user(role, region=region, department=department)) == scope


def test_database_requires_a_department_for_officers_and_a_region_for_district_admins():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x1", role=Role.DEPT_OFFICER)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x2", role=Role.DISTRICT_ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="x3", role=Role.ORG_HR)
