"""The user-management page: scoped to the administrator's region, rules from the services."""

import pytest

from credit.accounts.models import User
from credit.accounts.roles import Role
from credit.core.models import AuditEntry, Department

pytestmark = pytest.mark.django_db
URL = "/accounts/users/"


def test_anonymous_and_roles_without_user_management_are_refused(client, make_user):
    assert client.get(URL).status_code == 302
    for role in (Role.DEPT_OFFICER, Role.CITY_REVIEWER, Role.AUDITOR):
        client.force_login(make_user(role))
        assert client.get(URL).status_code == 403


def test_a_district_admin_sees_only_its_districts_users(client, make_user):
    tianning = make_user(Role.DISTRICT_ADMIN, region="320402")
    mine = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    other = make_user(Role.DEPT_OFFICER, region="320404", department="ZLQ-SCJG")
    client.force_login(tianning)
    page = client.get(URL).content.decode()
    assert mine.username in page and other.username not in page
    form = client.get(URL).context["form"]
    assert [v for v, _ in form.fields["role"].choices] == [Role.DEPT_OFFICER]
    assert set(form.fields["department"].queryset.values_list("region_id", flat=True)) == {"320402"}


def test_a_district_admin_creates_a_department_officer_of_its_district(client, make_user):
    tianning = make_user(Role.DISTRICT_ADMIN, region="320402")
    client.force_login(tianning)
    dept = Department.objects.get(code="TNQ-SCJG")
    response = client.post(
        URL,
        {
            "username": "tn-new",
            "real_name": "新报送员",
            "role": Role.DEPT_OFFICER,
            "department": dept.pk,
            "password": "Strong-pass-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="tn-new")
    assert user.region_id == "320402" and user.department == dept
    assert AuditEntry.objects.filter(event_type="user.created", object_id=str(user.pk)).exists()


def test_a_district_admin_cannot_place_a_user_in_another_district(client, make_user):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    other = Department.objects.get(code="ZLQ-SCJG")
    response = client.post(
        URL,
        {
            "username": "zl-new",
            "real_name": "越权",
            "role": Role.DEPT_OFFICER,
            "department": other.pk,
            "password": "Strong-pass-2026",
        },
    )
    assert response.status_code == 200  # the form comes back with the error
    assert not User.objects.filter(username="zl-new").exists()


def test_the_city_admin_sees_everyone_and_gets_service_errors_in_chinese(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        URL,
        {
            "username": "no-dept",
            "real_name": "缺部门",
            "role": Role.DEPT_OFFICER,
            "password": "Strong-pass-2026",
        },
    )
    assert response.status_code == 200
    assert "部门数据报送员必须指定所属部门" in response.content.decode()
    assert not User.objects.filter(username="no-dept").exists()
