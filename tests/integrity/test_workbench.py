"""The workbench's reminder of the annual collection (年度归集): a unit's officers see it while
their department's task of this year waits for the report — with the deadline in working
days, or in red once it passed — and no longer once the unit has reported; other departments
and the credit office see none."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.dashboard import waiting
from credit.integrity.constants import TaskStatus
from credit.integrity.models import CollectionTask
from credit.integrity.services import collection
from tests.integrity.test_collection import at, batch, civil_servant

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
THIS_YEAR = TODAY.year


@pytest.fixture
def opened(make_user):
    """This year's collection, due at the end of the year: 市场监管局 and 人社局 wait."""
    civil_servant("SCJG")
    office = make_user(Role.CITY_REVIEWER)
    collection.open_year(actor=office, year=THIS_YEAR, deadline=datetime.date(THIS_YEAR, 12, 31))
    return office


def _tasks(user) -> dict[str, waiting.Task]:
    return {t.key: t for t in waiting.tasks_for(user)}


def test_a_units_officer_is_reminded_with_the_deadline(client, make_user, opened):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    task = _tasks(officer)["collection"]
    assert task.label == "年度归集" and task.count == 1 and task.overdue == 0
    assert task.due == datetime.date(THIS_YEAR, 12, 31)
    assert task.url == f"/integrity/collection/?year={THIS_YEAR}"

    client.force_login(officer)
    page = client.get("/").content.decode()
    assert 'data-testid="task-collection"' in page and "年度归集" in page
    assert 'data-testid="due-collection"' in page


def test_the_organisation_officer_of_a_unit_is_reminded_too(make_user, opened):
    hr = make_user(Role.ORG_HR, department="RS")
    assert _tasks(hr)["collection"].count == 1


def test_an_overdue_task_is_shown_in_red(client, make_user, opened):
    CollectionTask.objects.filter(department__code="SCJG").update(
        deadline=TODAY - datetime.timedelta(days=1), status=TaskStatus.OVERDUE
    )
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    task = _tasks(officer)["collection"]
    assert task.overdue == 1 and task.due is None

    client.force_login(officer)
    page = client.get("/").content.decode()
    assert 'data-testid="overdue-collection"' in page


def test_no_reminder_once_the_unit_has_reported(make_user, opened):
    received = max(TODAY, datetime.date(THIS_YEAR, 2, 1))  # the collection starts in February
    batch("SCJG", "cs-other-handling", received=at(received), total=2)
    collection.refresh(THIS_YEAR)
    assert CollectionTask.objects.get(department__code="SCJG").status == TaskStatus.SUBMITTED
    assert "collection" not in _tasks(make_user(Role.DEPT_OFFICER, department="SCJG"))


def test_no_reminder_for_a_department_without_a_task_or_for_the_credit_office(make_user, opened):
    assert "collection" not in _tasks(make_user(Role.DEPT_OFFICER, department="SW"))
    assert "collection" not in _tasks(opened)
    assert "collection" not in _tasks(make_user(Role.DISTRICT_ADMIN, region="320402"))


def test_no_reminder_before_the_year_is_opened(make_user):
    civil_servant("SCJG")
    assert "collection" not in _tasks(make_user(Role.DEPT_OFFICER, department="SCJG"))
