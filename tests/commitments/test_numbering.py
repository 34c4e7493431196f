"""Structured numbers (编码结构化管理): the format of a commitment's number, the sequence
counted per prefix (kind, department, day) and a new sequence on another day, and no two
commitments sharing a number when they are numbered at the same time."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connections, transaction

from credit.commitments import rules
from credit.commitments.constants import Kind
from credit.commitments.models import NumberCounter
from credit.commitments.services.numbering import next_number
from credit.core.models import Department

DAY = datetime.date(2026, 3, 5)


@pytest.mark.django_db
def test_format_and_sequence_per_prefix():
    scjg = Department.objects.get(code="SCJG")
    first = next_number(kind=Kind.NOTIFY, department=scjg, day=DAY)
    second = next_number(kind=Kind.NOTIFY, department=scjg, day=DAY)
    assert first == "GZ-SCJG-20260305-00001" and second == "GZ-SCJG-20260305-00002"
    # another kind, another department: their own sequences
    assert next_number(kind=Kind.VOLUNTARY, department=scjg, day=DAY) == "ZD-SCJG-20260305-00001"
    assert next_number(kind=Kind.NOTIFY, department="WJW", day=DAY) == "GZ-WJW-20260305-00001"
    assert rules.parse(second)["seq"] == 2


@pytest.mark.django_db
def test_a_new_day_starts_a_new_sequence():
    next_number(kind=Kind.REPAIR, department="FGW", day=DAY)
    next_number(kind=Kind.REPAIR, department="FGW", day=DAY)
    later = next_number(kind=Kind.REPAIR, department="FGW", day=DAY + datetime.timedelta(days=1))
    assert later == "XF-FGW-20260306-00001"
    assert NumberCounter.objects.get(prefix="XF-FGW-20260305").last == 2


@pytest.mark.django_db
def test_a_commitment_carries_its_number(make_commitment):
    commitment = make_commitment(Kind.TOLERANCE, committed_on=DAY)
    parts = rules.parse(commitment.number)
    assert parts["kind"] == "RQ" and parts["day"] == DAY
    assert parts["dept"] == commitment.department.code


@pytest.mark.django_db
def test_a_rolled_back_number_is_given_again():
    with pytest.raises(RuntimeError), transaction.atomic():
        next_number(kind=Kind.INDUSTRY, department="ZJ", day=DAY)
        raise RuntimeError
    assert next_number(kind=Kind.INDUSTRY, department="ZJ", day=DAY).endswith("-00001")


def test_concurrent_numbering_never_repeats_a_number(django_db_setup, django_db_blocker):
    """With committed data and a connection per thread: threads number at once, each in its
    own transactions; the counter row lock serialises them, so the numbers are 1..n with none
    twice. (A prefix of its own, removed afterwards.)"""
    threads, numbers, errors = 6, [], []
    day = datetime.date(1999, 1, 1)
    prefix = f"GZ-GA-{day:%Y%m%d}"
    start = threading.Barrier(threads)

    def work() -> None:
        try:
            start.wait(10)
            for _ in range(5):
                with transaction.atomic():
                    numbers.append(next_number(kind=Kind.NOTIFY, department="GA", day=day))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    with django_db_blocker.unblock():
        pool = [threading.Thread(target=work) for _ in range(threads)]
        try:
            for t in pool:
                t.start()
            for t in pool:
                t.join()
            assert errors == []
            assert sorted(numbers) == [f"{prefix}-{n:05d}" for n in range(1, threads * 5 + 1)]
        finally:
            NumberCounter.objects.filter(prefix=prefix).delete()
