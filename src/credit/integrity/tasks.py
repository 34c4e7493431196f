"""Background jobs of government integrity, run by ``credit procrastinate worker``.

- ``integrity.recompute(person_ids)``: the scores of these natural persons recomputed
  (:func:`credit.integrity.services.scoring.recompute`); enqueued by every write of records in
  its own transaction (:func:`~credit.integrity.services.scoring.enqueue_for_records`, at most
  1,000 people a job); idempotent, so a job run twice or late gives the same result.
- ``integrity.daily`` (daily, 02:40 Beijing time): the people whose score changes by the
  passing of time — a window opened or closed, a new year, a rule version in force —
  recomputed (:func:`~credit.integrity.services.scoring.due_today`); a missed day is caught up
  by the next run.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(name="integrity.recompute", queue="integrity")
def recompute(person_ids: list[int]) -> int:
    from credit.integrity.services import scoring

    return scoring.recompute(person_ids=person_ids)


@app.periodic(cron="40 18 * * *")  # UTC: 02:40 Beijing time, after the day's windows turned
@app.task(name="integrity.daily", queue="integrity", queueing_lock="integrity-daily")
def daily(timestamp: int) -> int:
    from credit.integrity.services import scoring

    done = scoring.recompute(person_ids=scoring.due_today())
    if done:
        logger.info("integrity scores recomputed: %d", done)
    return done


@app.periodic(cron="15 * * * *")  # hourly: a unit's report leaves the workbench's reminder soon
@app.task(
    name="integrity.refresh_collection", queue="integrity", queueing_lock="integrity-collection"
)
def refresh_collection(timestamp: int) -> int:
    """The statuses of this year's annual collection tasks (年度归集) from the batches received
    (:func:`credit.integrity.services.collection.refresh`); idempotent."""
    from django.utils import timezone

    from credit.integrity.services import collection

    return collection.refresh(timezone.localdate().year)
