"""Structured commitment numbers (编码结构化管理, tender line 37): the format is in
:mod:`credit.commitments.rules`; the sequence of each prefix (kind, department, day) is kept in
a :class:`~credit.commitments.models.NumberCounter` row taken under a row lock, so concurrent
commitments never share a number and no number is skipped unless its transaction rolls back."""

from __future__ import annotations

import datetime

from django.db import transaction

from credit.commitments import rules
from credit.commitments.constants import KIND_CODES, Kind
from credit.commitments.models import NumberCounter
from credit.core.models import Department


@transaction.atomic
def next_number(*, kind: str, department: Department | str, day: datetime.date) -> str:
    """The next number of ``kind`` for ``department`` (a department or its code) on ``day``.
    Call it in the transaction that saves the commitment: the counter row stays locked until
    that transaction ends, so a second caller waits and takes the following number."""
    code = department if isinstance(department, str) else department.code
    prefix = rules.prefix(KIND_CODES[Kind(kind)], code, day)
    NumberCounter.objects.bulk_create([NumberCounter(prefix=prefix)], ignore_conflicts=True)
    counter = NumberCounter.objects.select_for_update().get(prefix=prefix)
    counter.last += 1
    counter.save(update_fields=["last"])
    return rules.number(prefix, counter.last)
