"""Who reads which archive (``selectors.archive_q``): one rule for staff and API clients —
the city's credit office everything; a district's administrator or credit office, and an
organisation or HR department, its region (the city's: everything); any other unit its own
civil servants; without 查阅公务员诚信档案 nothing."""

from __future__ import annotations

import pytest

from credit.accounts.roles import Role
from credit.core.models import Department
from credit.gateway import services as gateway
from credit.gateway.models import ApiClient
from credit.integrity import selectors
from credit.integrity.models import CivilServant
from tests.integrity.factories import make_civil_servant

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return {
        "city_scjg": make_civil_servant("SCJG"),
        "city_sw": make_civil_servant("SW"),
        "tnq_scjg": make_civil_servant("TNQ-SCJG"),
        "zlq_scjg": make_civil_servant("ZLQ-SCJG"),
    }


def seen(actor, people) -> set[str]:
    visible = set(
        CivilServant.objects.filter(selectors.archive_q(actor)).values_list("pk", flat=True)
    )
    return {name for name, cs in people.items() if cs.pk in visible}


ALL = {"city_scjg", "city_sw", "tnq_scjg", "zlq_scjg"}


@pytest.mark.parametrize(
    ("role", "region", "department", "expected"),
    [
        (Role.CITY_ADMIN, "320400", None, ALL),
        (Role.CITY_REVIEWER, "320400", None, ALL),
        (Role.DISTRICT_ADMIN, "320402", None, {"tnq_scjg"}),
        (Role.ORG_HR, "320400", "ZZB", ALL),  # the city's organisation department
        (Role.ORG_HR, "320400", "RS", ALL),  # the city's HR bureau
        (Role.ORG_HR, "320402", "TNQ-ZZB", {"tnq_scjg"}),  # 天宁区委组织部: its district
        (Role.ORG_HR, "320402", "TNQ-FG", {"tnq_scjg"}),  # 天宁区信用办: its district
        (Role.ORG_HR, "320400", "SCJG", {"city_scjg"}),  # a unit: its own civil servants
        (Role.ORG_HR, "320402", "TNQ-SCJG", {"tnq_scjg"}),
        (Role.DEPT_OFFICER, "320400", "SCJG", set()),  # no permission to read archives
        (Role.AUDITOR, "320400", None, set()),
        (Role.LEADER, "320400", None, set()),
    ],
)
def test_staff_read_the_archives_of_their_scope(
    make_user, people, role, region, department, expected
):
    user = make_user(role, region=region, department=department)
    assert seen(user, people) == expected
    for name, cs in people.items():
        assert (selectors.civil_servant_for(user, cs.pk) is not None) is (name in expected)


@pytest.mark.parametrize(
    ("department", "expected"),
    [("ZZB", ALL), ("TNQ-ZZB", {"tnq_scjg"}), ("SCJG", {"city_scjg"}), ("SW", {"city_sw"})],
)
def test_a_system_reads_what_its_department_reads(people, department, expected):
    client, _ = gateway.create_client(
        actor=None,
        name=f"{department} 干部系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code=department),
        ips=["127.0.0.1/32"],
        scopes=["integrity:read"],
    )
    assert seen(client, people) == expected
    without, _ = gateway.create_client(
        actor=None,
        name=f"{department} 其他系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code=department),
        ips=["127.0.0.1/32"],
        scopes=["subjects:read"],
    )
    assert seen(without, people) == set()


def test_anonymous_reads_nothing(people):
    assert seen(None, people) == set()
