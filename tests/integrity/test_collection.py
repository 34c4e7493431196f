"""The annual collection (年度归集, credit.integrity.services.collection): a task per unit — the
departments with civil servants, the sources of the annual items and those holding a
组织人事部门 account — opened by the city's credit office only, idempotently and audited; each
task's status from the batches of the annual items its department delivered from 1 February
(已报送 by the deadline, 逾期报送 after it, 逾期未报送 without one), batches and accepted rows
counted."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.ingest.models import Batch
from credit.integrity.constants import TaskStatus
from credit.integrity.models import CivilServant, CollectionTask
from credit.integrity.services import collection

pytestmark = pytest.mark.django_db

YEAR = 2025
DEADLINE = datetime.date(YEAR, 2, 28)
TZ = timezone.get_current_timezone()
_serial = itertools.count(1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), TZ)


def civil_servant(unit: str) -> CivilServant:
    """A civil servant working at the department ``unit``."""
    from credit.core.identifiers import make_resident_id
    from credit.subjects.services import register_natural_person

    n = next(_serial)
    number = make_resident_id("320402", datetime.date(1980, 3, 1), 600 + n)
    person, _ = register_natural_person(actor=None, name=f"归集{n}", id_number=number)
    department = Department.objects.get(code=unit)
    return CivilServant.objects.create(
        natural_person=person,
        unit=department,
        unit_name=department.name,
        region_id=department.region_id,
    )


def batch(
    department: str,
    item: str = "cs-basic",
    *,
    received: datetime.datetime,
    status: str = Batch.Status.DONE,
    total: int = 10,
    rejected: int = 0,
) -> Batch:
    dept = Department.objects.get(code=department)
    made = Batch.objects.create(
        item=CatalogItem.objects.get(code=item),
        item_version=1,
        department=dept,
        region_id=dept.region_id,
        channel=Batch.Channel.UPLOAD,
        status=status,
        total=total,
        rejected=rejected,
        inserted=total - rejected,
    )
    Batch.objects.filter(pk=made.pk).update(created_at=received)
    return made


@pytest.fixture
def office(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def units(make_user):
    """SCJG has a civil servant, TNQ-ZZB a 组织人事部门 officer; 人社局, 组织部 and 机关工委 are
    sources of the annual items (公务人员基础信息, 考核结果, 党员评议)."""
    civil_servant("SCJG")
    make_user(Role.ORG_HR, region="320402", department="TNQ-ZZB")
    return {"SCJG", "TNQ-ZZB", "RS", "ZZB", "JGGW"}


def _codes(year: int = YEAR) -> set[str]:
    return set(CollectionTask.objects.filter(year=year).values_list("department__code", flat=True))


def test_opening_a_year_gives_every_unit_one_task_with_the_deadline(office, units):
    created = collection.open_year(actor=office, year=YEAR, deadline=DEADLINE)

    assert _codes() == units and created == len(units)
    assert "SW" not in _codes()  # no civil servant, no annual item, no 组织人事 officer
    task = CollectionTask.objects.get(year=YEAR, department__code="SCJG")
    assert task.deadline == DEADLINE and task.batches == 0 and task.rows == 0
    entry = AuditEntry.objects.filter(event_type="integrity.collection_opened").latest("id")
    assert entry.after["year"] == YEAR and entry.after["created"] == len(units)
    assert entry.actor_id == office.pk


def test_opening_a_year_again_creates_nothing_and_moves_the_deadline(office, units):
    collection.open_year(actor=office, year=YEAR, deadline=DEADLINE)
    later = datetime.date(YEAR, 3, 15)

    assert collection.open_year(actor=office, year=YEAR, deadline=later) == 0
    assert CollectionTask.objects.filter(year=YEAR).count() == len(units)
    assert set(CollectionTask.objects.filter(year=YEAR).values_list("deadline", flat=True)) == {
        later
    }
    civil_servant("SW")  # a new unit since: the next opening adds its task
    assert collection.open_year(actor=office, year=YEAR, deadline=later) == 1
    assert "SW" in _codes()


def test_an_inactive_department_gets_no_task(office, units):
    civil_servant("SF")
    Department.objects.filter(code="SF").update(is_active=False)
    collection.open_year(actor=office, year=YEAR, deadline=DEADLINE)
    assert "SF" not in _codes()


def test_only_the_city_credit_office_opens_a_year(make_user, units):
    district = make_user(Role.DISTRICT_ADMIN, region="320402")
    with pytest.raises(PermissionDenied) as refused:
        collection.open_year(actor=district, year=YEAR, deadline=DEADLINE)
    assert refused.value.code == "collection_city_only"
    assert "市信用办" in refused.value.message
    for role, department in ((Role.DEPT_OFFICER, "SCJG"), (Role.ORG_HR, "RS")):
        with pytest.raises(PermissionDenied) as refused:
            collection.open_year(
                actor=make_user(role, department=department), year=YEAR, deadline=DEADLINE
            )
        assert refused.value.code == "permission_denied"
    assert not CollectionTask.objects.exists()


@pytest.mark.parametrize(
    "deadline", [datetime.date(YEAR, 1, 31), datetime.date(YEAR + 1, 2, 28), None]
)
def test_the_deadline_lies_in_the_year_from_february(office, units, deadline):
    with pytest.raises(ValidationFailed) as refused:
        collection.open_year(actor=office, year=YEAR, deadline=deadline)
    assert refused.value.code in ("deadline_invalid", "deadline_required")
    assert not CollectionTask.objects.exists()


def test_a_year_out_of_range_is_refused(office, units):
    with pytest.raises(ValidationFailed) as refused:
        collection.open_year(actor=office, year=1999, deadline=datetime.date(1999, 2, 28))
    assert refused.value.code == "year_invalid"


def _task(code: str) -> CollectionTask:
    return CollectionTask.objects.get(year=YEAR, department__code=code)


def test_the_status_follows_the_batches_of_the_annual_items(office, units):
    collection.open_year(actor=office, year=YEAR, deadline=DEADLINE)
    # 人社局: basic information and assessments by the deadline (2 batches, 18 rows accepted).
    batch("RS", "cs-basic", received=at(datetime.date(YEAR, 2, 10)), total=10, rejected=2)
    batch("RS", "cs-assessment", received=at(datetime.date(YEAR, 2, 20)), total=10)
    # 机关工委: after the deadline.
    batch("JGGW", "party-review", received=at(datetime.date(YEAR, 3, 5)), total=4)
    # 组织部: a refused file and last year's batch do not count.
    batch("ZZB", received=at(datetime.date(YEAR, 2, 5)), status=Batch.Status.FAILED, total=0)
    batch("ZZB", received=at(datetime.date(YEAR, 1, 20)), total=3)
    # 市场监管局: a batch of another item does not count; one whose rows were all rejected
    # is counted as a batch but is no report.
    batch("SCJG", "admin-penalty", received=at(datetime.date(YEAR, 2, 5)), total=5)
    batch("SCJG", "cs-other-handling", received=at(datetime.date(YEAR, 2, 6)), total=3, rejected=3)

    collection.refresh(YEAR, today=datetime.date(YEAR, 3, 10))

    rs, jggw, zzb, scjg, tnq = (_task(c) for c in ("RS", "JGGW", "ZZB", "SCJG", "TNQ-ZZB"))
    assert (rs.status, rs.batches, rs.rows) == (TaskStatus.SUBMITTED, 2, 18)
    assert timezone.localtime(rs.submitted_at).date() == datetime.date(YEAR, 2, 10)
    assert (jggw.status, jggw.batches, jggw.rows) == (TaskStatus.LATE, 1, 4)
    assert (zzb.status, zzb.batches, zzb.submitted_at) == (TaskStatus.OVERDUE, 0, None)
    assert (scjg.status, scjg.batches, scjg.rows) == (TaskStatus.OVERDUE, 1, 0)
    assert tnq.status == TaskStatus.OVERDUE
    assert collection.refresh(YEAR, today=datetime.date(YEAR, 3, 10)) == 0  # idempotent


def test_before_the_deadline_a_unit_without_a_batch_is_pending(office, units):
    collection.open_year(actor=office, year=YEAR, deadline=DEADLINE)
    collection.refresh(YEAR, today=datetime.date(YEAR, 2, 15))
    assert _task("ZZB").status == TaskStatus.PENDING
    collection.refresh(YEAR, today=DEADLINE)
    assert _task("ZZB").status == TaskStatus.PENDING  # the deadline day itself is in time
    collection.refresh(YEAR, today=DEADLINE + datetime.timedelta(days=1))
    assert _task("ZZB").status == TaskStatus.OVERDUE


def test_next_years_batches_count_for_next_year(office, units):
    collection.open_year(actor=office, year=YEAR, deadline=DEADLINE)
    batch("RS", received=at(datetime.date(YEAR + 1, 2, 2)))
    collection.refresh(YEAR, today=datetime.date(YEAR, 3, 1))
    assert _task("RS").status == TaskStatus.OVERDUE


def test_refreshing_a_year_without_tasks_does_nothing():
    assert collection.refresh(YEAR) == 0


def test_a_periodic_job_refreshes_this_years_tasks(office, units):
    from procrastinate.contrib.django import app

    from credit.integrity import tasks

    this_year = timezone.localdate().year
    collection.open_year(actor=office, year=this_year, deadline=datetime.date(this_year, 12, 31))
    received = max(timezone.localdate(), datetime.date(this_year, 2, 1))
    batch("RS", received=at(received))
    assert _task_of(this_year, "RS").status == TaskStatus.PENDING

    assert tasks.refresh_collection(timestamp=0) >= 1
    assert _task_of(this_year, "RS").status == TaskStatus.SUBMITTED
    schedules = {name: p.cron for (name, _), p in app.periodic_registry.periodic_tasks.items()}
    assert schedules["integrity.refresh_collection"] == "15 * * * *"


def _task_of(year: int, code: str) -> CollectionTask:
    return CollectionTask.objects.get(year=year, department__code=code)
