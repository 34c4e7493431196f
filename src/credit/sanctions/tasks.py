"""Periodic jobs of the sanctions app, run by ``credit procrastinate worker``.

- ``sanctions.expire_entries`` (daily, 00:05): list entries whose validity has ended become
  expired (:func:`credit.sanctions.services.expire_entries`); idempotent.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from credit.sanctions import services

logger = logging.getLogger(__name__)


@app.periodic(cron="5 0 * * *")
@app.task(name="sanctions.expire_entries", queue="sanctions", queueing_lock="expire-entries")
def expire_entries(timestamp: int) -> int:
    expired = services.expire_entries()
    if expired:
        logger.info("list entries expired: %d", len(expired))
    return len(expired)


from credit.sanctions import push_tasks  # noqa: E402,F401 — registers the push jobs
