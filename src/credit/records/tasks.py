"""Periodic jobs of the records app, run by ``credit procrastinate worker``.

- ``records.expire_publicity`` (daily, 00:05): records whose publicity period ended become
  expired (:func:`credit.records.services.expire_publicity`), list entries included;
  idempotent.
- ``records.recompute_publicity`` (on demand, after a publicity policy is saved): every
  record's publicity decided again (:func:`credit.records.services.recompute_publicity`).
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


@app.task(name="records.recompute_publicity", queue="records", queueing_lock="recompute-publicity")
def recompute_publicity(actor_id: int | None = None, item: str = "") -> dict:
    from credit.accounts.models import User
    from credit.catalog.models import CatalogItem

    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    target = CatalogItem.objects.get(code=item) if item else None
    counts = services.recompute_publicity(actor=actor, item=target)
    logger.info("publicity recomputed: %s", counts)
    return counts
