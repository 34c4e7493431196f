"""The demo's government integrity: every person reaches the grade their records should give
(all four grades present, the D boundary at 350 included), no demo row is refused by the
ingest pipeline, one government dishonesty record is revoked and queued for the province, the
collection tasks of this year and the next exist, and a second run changes nothing."""

from __future__ import annotations

import pytest

from credit.core.crypto import id_index
from credit.demo.accounts import ensure_demo_accounts
from credit.integrity.constants import ExchangeStatus, TaskStatus
from credit.integrity.demo import GOV_RECORDS, OFFICIAL_ID, people, seed_integrity
from credit.integrity.models import CivilServant, CollectionTask, Revocation
from credit.records.constants import RecordStatus

pytestmark = pytest.mark.django_db


def test_the_demo_has_civil_servants_of_every_grade_as_their_records_say():
    ensure_demo_accounts()
    made = seed_integrity(report=lambda line: None)
    assert made["rows_rejected"] == 0
    cast = people()
    assert made["civil_servants"] == len(cast)
    by_index = {
        cs.natural_person.id_index: cs
        for cs in CivilServant.objects.select_related("natural_person")
    }
    for person in cast:
        found = by_index[id_index("resident_id", person.id_number)]
        assert found.grade == person.expected, (person.name, found.score)
    assert {p.expected for p in cast} == set("ABCD")
    assert 350 in {cs.score for cs in by_index.values()}  # the top of grade D
    official = by_index[id_index("resident_id", OFFICIAL_ID)]
    assert official.unit.code == "SCJG" and official.grade == "A"

    revoked = Revocation.objects.get()
    assert revoked.record.status == RecordStatus.REVOKED
    assert revoked.exchange_status == ExchangeStatus.QUEUED
    assert made["revoked"] == 1 and len(GOV_RECORDS) == 4
    years = set(CollectionTask.objects.values_list("year", flat=True))
    assert len(years) == 2
    assert CollectionTask.objects.filter(year=max(years), status=TaskStatus.PENDING).exists()

    tasks = CollectionTask.objects.count()
    again = seed_integrity(report=lambda line: None)
    assert again["revoked"] == 0 and CollectionTask.objects.count() == tasks
    assert again["grades"] == made["grades"]
