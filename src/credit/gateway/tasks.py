"""Periodic jobs of the gateway, run by ``credit procrastinate worker``.

- ``gateway.ensure_calllog_partitions`` (daily at 01:17 Beijing time): creates the call
  log's monthly partitions for the current and the next three months
  (:func:`credit.gateway.calllog.ensure_partitions`).
- ``gateway.purge_expired`` (every five minutes): deletes nonces past the signature window and
  expired rate counters (:func:`credit.gateway.services.purge_expired`).

Any running worker defers them (once per period, whatever the number of workers; cron times
are UTC); both are idempotent, so a late or repeated run is harmless.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

from credit.gateway import calllog, services

logger = logging.getLogger(__name__)

#: Months of partitions kept ready ahead of the current one.
MONTHS_AHEAD = 3


@app.periodic(cron="17 17 * * *")  # UTC: 01:17 Beijing time, a quiet hour
@app.task(name="gateway.ensure_calllog_partitions", queue="gateway", queueing_lock="calllog")
def ensure_calllog_partitions(timestamp: int) -> list[str]:
    """Create the missing monthly partitions of the call log."""
    created = calllog.ensure_partitions(months_ahead=MONTHS_AHEAD)
    if created:
        logger.info("call log: created partitions %s", ", ".join(created))
    return created


@app.periodic(cron="*/5 * * * *")
@app.task(name="gateway.purge_expired", queue="gateway", queueing_lock="gateway-purge")
def purge_expired(timestamp: int) -> None:
    """Delete expired nonces and rate counters."""
    nonces, counters = services.purge_expired()
    if nonces or counters:
        logger.info("gateway: purged %s nonces and %s counters", nonces, counters)
