"""Creating users and changing roles: rules enforced in the service, audited."""

import pytest

from credit.accounts.roles import Role
from credit.accounts.services import change_role, create_user
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department, Region

pytestmark = pytest.mark.django_db


def region(code):
    return Region.objects.get(code=code)


def dept(code):
    return Department.objects.get(code=code)


def test_city_admin_creates_an_officer_and_the_creation_is_audited(admin_user):
    user = create_user(
        actor=admin_user,
        username="officer1",
        password="pw",
        role=Role.DEPT_OFFICER,
        department=dept("SCJG"),
    )
    assert user.region_id == "320400"  # the department's region
    assert user.check_password("pw")
    assert not user.is_staff
    entry = AuditEntry.objects.get(event_type="user.created", object_id=str(user.pk))
    assert entry.actor == admin_user and entry.after["role"] == "dept_officer"


def test_city_admin_and_auditor_may_open_the_admin_site(admin_user):
    auditor = create_user(
        actor=admin_user, username="aud", password="pw", role=Role.AUDITOR, region=region("320400")
    )
    assert admin_user.is_staff and auditor.is_staff


@pytest.mark.parametrize(
    ("role", "kwargs", "code"),
    [
        (Role.DEPT_OFFICER, {"region": "320400"}, "user_department_required"),
        (Role.DISTRICT_ADMIN, {"region": "320400"}, "user_region_required"),
        (
            Role.DEPT_OFFICER,
            {"region": "320404", "department": "TNQ-SCJG"},
            "user_department_region_mismatch",
        ),
        ("mayor", {"region": "320400"}, "role_unknown"),
    ],
)
def test_invalid_assignments_are_refused_with_a_code(admin_user, role, kwargs, code):
    args = {"region": region(kwargs["region"])}
    if "department" in kwargs:
        args["department"] = dept(kwargs["department"])
    with pytest.raises(ValidationFailed) as err:
        create_user(actor=admin_user, username="x", password="pw", role=role, **args)
    assert err.value.code == code


def test_duplicate_username_is_refused(admin_user):
    create_user(
        actor=admin_user, username="dup", password="pw", role=Role.AUDITOR, region=region("320400")
    )
    with pytest.raises(ValidationFailed) as err:
        create_user(
            actor=admin_user,
            username="dup",
            password="pw",
            role=Role.AUDITOR,
            region=region("320400"),
        )
    assert err.value.code == "user_exists"


def test_a_district_admin_manages_only_its_own_districts_department_users(make_user):
    tianning = make_user(Role.DISTRICT_ADMIN, region="320402")
    user = create_user(
        actor=tianning,
        username="tn-officer",
        password="pw",
        role=Role.DEPT_OFFICER,
        department=dept("TNQ-SCJG"),
    )
    assert user.region_id == "320402"
    with pytest.raises(PermissionDenied):
        create_user(
            actor=tianning,
            username="zl-officer",
            password="pw",
            role=Role.DEPT_OFFICER,
            department=dept("ZLQ-SCJG"),
        )
    with pytest.raises(PermissionDenied):
        create_user(
            actor=tianning,
            username="tn-admin2",
            password="pw",
            role=Role.CITY_ADMIN,
            region=region("320402"),
        )


def test_a_department_officer_cannot_create_users(make_user):
    officer = make_user(Role.DEPT_OFFICER)
    with pytest.raises(PermissionDenied):
        create_user(
            actor=officer, username="x", password="pw", role=Role.AUDITOR, region=region("320400")
        )


def test_changing_a_role_is_audited_with_before_and_after(admin_user, make_user):
    user = make_user(Role.AUDITOR)
    change_role(actor=admin_user, user=user, role=Role.CITY_REVIEWER)
    user.refresh_from_db()
    assert user.role == Role.CITY_REVIEWER and not user.is_staff
    entry = AuditEntry.objects.filter(event_type="user.role_changed").latest("id")
    assert entry.before["role"] == "auditor" and entry.after["role"] == "city_reviewer"


def test_a_district_admin_cannot_change_users_of_another_district(make_user):
    tianning = make_user(Role.DISTRICT_ADMIN, region="320402")
    zhonglou_officer = make_user(Role.DEPT_OFFICER, region="320404", department="ZLQ-SCJG")
    with pytest.raises(PermissionDenied):
        change_role(
            actor=tianning,
            user=zhonglou_officer,
            role=Role.DEPT_OFFICER,
            department=dept("ZLQ-SCJG"),
        )
