"""Commitments from elsewhere: a 信用承诺 row through the ingest pipeline becomes a published
commitment (channel 批量导入) by the listener's job, once; a revoked row withdraws it; a credit
repair application's commitment letter becomes a 信用修复型 commitment in its transaction."""

from __future__ import annotations

import datetime

import pytest

from credit.commitments.constants import IMPORT_ITEM, Channel, Kind, Status
from credit.commitments.models import Commitment
from credit.commitments.services import imports
from credit.ingest.pipeline import ingest_payloads
from credit.objections import repairs
from tests.commitments import factories
from tests.commitments.factories import item_of, make_subject
from tests.objections.conftest import (  # noqa: F401 — fixtures of the repair application
    application,
    make_penalty,
    outbox,
    relaxed,
    repairable,
)

pytestmark = pytest.mark.django_db


def _row(subject, item_code: str, day: datetime.date, **extra) -> dict:
    return {
        "subject_name": subject.name,
        "subject_category": "法人及非法人组织",
        "uscc": subject.uscc,
        "item_code": item_code,
        "item_name": "市场主体信用承诺",
        "committed_on": day.isoformat(),
        "signer": "王五",
        **extra,
    }


def _ingest(rows, department: str = "SCJG"):
    return ingest_payloads(actor=None, rows=rows, item_code=IMPORT_ITEM, department_code=department)


def test_an_imported_row_becomes_a_published_commitment():
    subject = make_subject()
    item = item_of(Kind.VOLUNTARY, "SCJG")
    day = factories.today() - datetime.timedelta(days=10)
    batch = _ingest([_row(subject, item.code, day)])
    assert batch.rejected == 0 and batch.inserted == 1
    assert factories.queued("commitments.import_records").exists()
    factories.run_jobs()
    c = Commitment.objects.get(legal_person=subject)
    assert c.status == Status.PUBLISHED and c.channel == Channel.IMPORT
    assert c.item == item and c.committed_on == day and c.signer_name == "王五"
    assert c.source_record.item.code == IMPORT_ITEM and c.published_on == factories.today()
    assert imports.import_records([c.source_record_id])["unchanged"] == 1  # idempotent
    assert Commitment.objects.filter(legal_person=subject).count() == 1


def test_a_row_of_another_departments_item_or_an_unknown_item_is_skipped():
    subject = make_subject()
    day = factories.today() - datetime.timedelta(days=10)
    batch = _ingest(
        [
            _row(subject, item_of(Kind.NOTIFY, "WJW").code, day),
            _row(subject, "no-such-item", day - datetime.timedelta(days=1)),
        ]
    )
    assert batch.inserted == 2
    factories.run_jobs()
    assert not Commitment.objects.filter(legal_person=subject).exists()


def test_a_revoked_row_withdraws_its_commitment():
    from credit.records.constants import RecordStatus

    subject = make_subject()
    item = item_of(Kind.VOLUNTARY, "SCJG")
    _ingest([_row(subject, item.code, factories.today())])
    factories.run_jobs()
    c = Commitment.objects.get(legal_person=subject)
    c.source_record.status = RecordStatus.REVOKED
    c.source_record.save(update_fields=["status"])
    assert imports.import_records([c.source_record_id])["withdrawn"] == 1
    assert Commitment.objects.get(pk=c.pk).status == Status.WITHDRAWN


def test_the_repair_hook_is_registered():
    assert imports.from_repair in repairs._submitted


def test_a_repair_application_brings_a_repair_commitment(request, legal_person):
    repair = request.getfixturevalue("application")
    c = Commitment.objects.get(repair=repair)
    assert c.kind == Kind.REPAIR and c.channel == Channel.REPAIR and c.status == Status.PUBLISHED
    assert c.legal_person == legal_person and c.item.department.code == "FGW"
    assert c.number.startswith(f"XF-FGW-{factories.today():%Y%m%d}-")
    assert [f.kind for f in c.files.all()] == ["letter"]
    assert imports.from_repair(repair) is None  # once
