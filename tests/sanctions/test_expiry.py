"""List entries expire when their validity (their publicity) ends: status, version kept,
audited, idempotent."""

from __future__ import annotations

import datetime

import pytest

from credit.core.models import AuditEntry
from credit.records import services as records
from credit.records import tasks
from credit.records.models import CreditRecord, CreditRecordVersion
from credit.sanctions import services

pytestmark = pytest.mark.django_db


def test_entries_past_their_validity_expire_once(listed, make_user):
    subject, in_force, _ = listed
    expired_yesterday = CreditRecord.objects.get(natural_key=f"test-entry-{subject.pk}-2")
    ids = records.expire_publicity()
    assert expired_yesterday.pk in ids and in_force.pk not in ids
    expired_yesterday.refresh_from_db()
    assert (expired_yesterday.status, expired_yesterday.version) == ("expired", 2)
    kept = CreditRecordVersion.objects.get(record=expired_yesterday)
    assert (kept.version, kept.status) == (1, "active")
    entry = AuditEntry.objects.filter(event_type="records.expired").latest("id")
    assert expired_yesterday.pk in entry.after["records"]
    assert records.expire_publicity() == []  # idempotent
    # A year later the entry in force expires too, and checks stop finding it.
    later = in_force.valid_to + datetime.timedelta(days=1)
    assert in_force.pk in records.expire_publicity(today=later)
    check = services.run_check(
        principal=make_user("dept_officer"), identifier=subject.uscc, reason="复查"
    )
    assert check.result == "clean"


def test_the_periodic_job_runs_the_service(listed):
    assert tasks.expire_publicity(timestamp=0) >= 1
