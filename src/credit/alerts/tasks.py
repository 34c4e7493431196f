"""Background jobs of the warnings (预警), run by ``credit procrastinate worker``.

- ``alerts.evaluate`` (hourly, at :07): evaluates every active warning rule
  (:func:`credit.alerts.services.evaluate`, as the system); idempotent — a second run raises
  nothing new — and one run at a time per rule (advisory locks).
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.periodic(cron="7 * * * *")
@app.task(name="alerts.evaluate", queue="alerts", queueing_lock="alerts-evaluate")
def evaluate(timestamp: int) -> int:
    from credit.alerts import services

    summary = services.evaluate()
    if summary["failed"]:
        logger.error("warning rules not evaluated: %s", ", ".join(summary["failed"]))
    return summary["created"]
