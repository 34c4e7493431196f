"""Shared fixtures: the city configuration and the catalog loaded once per test database,
users of every role, and subjects with valid codes."""

from __future__ import annotations

import contextlib
import datetime
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from credit.accounts.roles import Role

_serial = itertools.count(1)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """After the test database is created: Changzhou's regions, departments, the catalog,
    the civil servants' score rules, the commitment items and the assessment rubric."""
    from credit.assessment.services.rubrics import import_rubric
    from credit.catalog.services import import_catalog_file
    from credit.commitments.services.items import import_items
    from credit.core.services import load_city_config
    from credit.integrity.services.rules import import_rules

    with django_db_blocker.unblock():
        load_city_config()
        import_catalog_file()
        import_rules()
        import_items()
        import_rubric()


def _uses_the_database(item: pytest.Item) -> bool:
    return bool(
        item.get_closest_marker("django_db")
        or {"db", "transactional_db", "django_db_setup"} & set(item.fixturenames)
    )


@pytest.fixture(scope="session")
def _database_modules(request) -> set[Any]:
    """The test modules of this run with a test that uses the database."""
    return {
        getattr(item, "module", None) for item in request.session.items if _uses_the_database(item)
    }


@pytest.fixture(scope="module", autouse=True)
def _committed_audit_entries_removed(
    request, django_db_blocker, _database_modules
) -> Iterator[None]:
    """The audit entries a module commits are removed when it ends. Test transactions roll
    theirs back, but a module that commits data (a browser journey's server, a module-scoped
    seed) leaves entries behind, and later tests of the same database look entries up by
    event type. The trail is append-only: :func:`append_only_bypass` lets this clean-up
    through. A module without database tests is left alone (without any, pytest-django makes
    no test database and the connection would be the configured one)."""
    if request.module not in _database_modules:
        yield
        return
    request.getfixturevalue("django_db_setup")
    from credit.core.models import AuditEntry

    with django_db_blocker.unblock():
        last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield
    with django_db_blocker.unblock():
        if AuditEntry.objects.filter(id__gt=last).exists():
            with append_only_bypass():
                AuditEntry.objects.filter(id__gt=last).delete()


#: The module constants a module with ``TODAY_IS_LOCAL = True`` has for today's date in Beijing
#: (``TODAY = timezone.localdate()``) and the days around it, by their offset in days.
_DATES_OF_TODAY = {"TODAY": 0, "YESTERDAY": -1, "TOMORROW": 1}


@pytest.fixture(autouse=True)
def _today_when_the_test_runs(request, monkeypatch) -> None:
    """Such constants are set again before each test of a module that says
    ``TODAY_IS_LOCAL = True``: computed once at import, they would name yesterday in a run that
    crosses midnight (16:00 UTC), while the platform computes with today's date."""
    if not getattr(request.module, "TODAY_IS_LOCAL", False):
        return
    from django.utils import timezone

    today = timezone.localdate()
    for name, offset in _DATES_OF_TODAY.items():
        if hasattr(request.module, name):
            monkeypatch.setattr(request.module, name, today + datetime.timedelta(days=offset))


@pytest.fixture
def make_user(db):
    """``make_user(role, region="320400", department=None)`` → a saved user (password "pw")."""
    from credit.accounts.services import create_user
    from credit.core.models import Department, Region

    def make(
        role: str = Role.CITY_ADMIN, region: str = "320400", department: str | None = None, **extra
    ):
        if role in (Role.DEPT_OFFICER, Role.ORG_HR) and department is None:
            department = "SCJG" if region == "320400" else None
        if role == Role.DISTRICT_ADMIN and region == "320400":
            region = "320402"
        return create_user(
            actor=None,
            username=f"u{next(_serial)}_{role}",
            password="pw",
            role=role,
            region=Region.objects.get(code=region),
            department=Department.objects.get(code=department) if department else None,
            **extra,
        )

    return make


@pytest.fixture
def admin_user(make_user):
    return make_user(Role.CITY_ADMIN)


@pytest.fixture
def uscc_factory():
    """``uscc_factory(type="91", division="320402")`` → a fresh valid USCC."""
    from credit.core.identifiers import make_uscc

    def make(org_type: str = "91", division: str = "320402") -> str:
        return make_uscc(org_type, division, f"{next(_serial) + 10_000_000:08d}")

    return make


@pytest.fixture
def resident_id_factory():
    from credit.core.identifiers import make_resident_id

    def make(division: str = "320402", birth: datetime.date = datetime.date(1980, 5, 17)) -> str:
        return make_resident_id(division, birth, next(_serial) % 999 + 1)

    return make


@pytest.fixture
def legal_person(db, uscc_factory):
    from credit.subjects.services import register_legal_person

    subject, _ = register_legal_person(
        actor=None,
        uscc=uscc_factory(),
        name="常州市测试机械制造有限公司",
        legal_representative="张三",
    )
    return subject


@contextlib.contextmanager
def append_only_bypass() -> Iterator[None]:
    """For the clean-up of committed test data only: inside the block (one transaction) the
    append-only guards (audit log, transitions, record versions, call log) do not fire.
    ``session_replication_role = replica`` skips ordinary triggers, and only a superuser may
    set it: the test database's user is one, the application's role in production is not."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        yield
        cur.execute("SET LOCAL session_replication_role = DEFAULT")


def delete_records(records) -> None:
    """Delete the credit records of a test with committed data (a queryset), their versions
    first: records are never deleted by the platform, and versions are append-only."""
    from credit.records.models import CreditRecordVersion

    with append_only_bypass():
        CreditRecordVersion.objects.filter(record__in=records).delete()
        records.delete()


def remove_uploads(user, doc_prefix: str) -> None:
    """Undo what a test with committed data uploaded: the user's batches, the records whose
    document number starts with ``doc_prefix`` and the legal persons left without records."""
    from credit.ingest.models import Batch
    from credit.records.models import CreditRecord
    from credit.subjects.models import LegalPerson

    records = CreditRecord.objects.filter(document_no__startswith=doc_prefix)
    subjects = list(records.values_list("legal_person_id", flat=True))
    Batch.objects.filter(created_by=user).delete()
    delete_records(records)
    LegalPerson.objects.filter(pk__in=subjects, records__isnull=True).delete()


def response_text(response) -> str:
    """Everything a page or a download shows, as text: an xlsx's every cell, else the body."""
    import io

    import openpyxl

    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        return "\n".join(
            str(v)
            for ws in book.worksheets
            for row in ws.iter_rows(values_only=True)
            for v in row
            if v is not None
        )
    return response.content.decode()
