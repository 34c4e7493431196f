"""Periodic jobs of the records app, run by ``credit procrastinate worker``.

- ``records.expire_publicity`` (daily, 00:05): records whose publicity period ended become
  expired (:func:`credit.records.services.expire_publicity`), list entries included;
  idempotent.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from credit.records import services

logger = logging.getLogger(__name__)


@app.periodic(cron="5 0 * * *")
@app.task(name="records.expire_publicity", queue="records", queueing_lock="expire-publicity")
def expire_publicity(timestamp: int) -> int:
    expired = services.expire_publicity()
    if expired:
        logger.info("records expired: %d", len(expired))
    return len(expired)
