"""Background jobs of the objections app, run by ``credit procrastinate worker``.

- ``objections.notify(kind, pk)``: deferred in the transaction that decides (or refuses,
  or withdraws) an objection or reviews a repair application; sends the result SMS once
  (:mod:`credit.objections.notifications`: idempotent, a second run sends nothing).
  A failed send is retried (5 attempts, growing delays).
- ``objections.purge_codes`` (daily, 03:20): deletes verification codes older than 7 days.
- ``objections.purge_tracking`` (hourly, at :25): deletes wrong tries of the tracking page
  older than a day (they count for the limits one hour only).
"""

from __future__ import annotations

import logging

from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.task(
    name="objections.notify",
    queue="objections",
    retry=RetryStrategy(max_attempts=5, exponential_wait=30),
)
def notify(kind: str, pk: int) -> bool:
    from credit.objections import notifications

    if kind == "objection":
        return notifications.notify_submitter(pk)
    if kind == "repair":
        return notifications.notify_applicant(pk)
    logger.warning("unknown notification kind %r", kind)
    return False


@app.periodic(cron="20 3 * * *")
@app.task(name="objections.purge_codes", queue="objections", queueing_lock="purge-codes")
def purge_codes(timestamp: int) -> int:
    from credit.objections import verification

    return verification.purge_codes()


@app.periodic(cron="25 * * * *")
@app.task(name="objections.purge_tracking", queue="objections", queueing_lock="purge-tracking")
def purge_tracking(timestamp: int) -> int:
    from credit.objections import tracking

    return tracking.purge_attempts()
