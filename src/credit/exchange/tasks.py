"""Background jobs of the exchange (数据交换), run by ``credit procrastinate worker``.

- ``exchange.run_due`` (every 5 minutes): every active channel whose next run has come
  (:func:`credit.exchange.services.runner.run_due`) runs once, as the platform; an on-change
  channel so runs every 5 minutes, the others at 01:00 Beijing time of their period, and a
  failed upward run is tried again when its deliveries' back-off has passed. One job at a time
  (``queueing_lock``); a channel already running is skipped.
- ``exchange.run_channel(channel_id)``: one channel run now as the platform (for a page that
  would rather not wait); idempotent in effect — a second run sends only what is still due.
"""

from __future__ import annotations

import logging

from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)


@app.periodic(cron="*/5 * * * *")
@app.task(name="exchange.run_due", queue="exchange", queueing_lock="exchange-run-due")
def run_due(timestamp: int) -> int:
    from credit.exchange.services import runner

    runs = runner.run_due()
    failed = sum(1 for r in runs if r.status == "failed")
    if runs:
        logger.info("exchange runs: %d (failed %d)", len(runs), failed)
    return len(runs)


@app.task(name="exchange.run_channel", queue="exchange")
def run_channel(channel_id: int) -> str:
    from credit.core.errors import CreditError
    from credit.exchange.models import Channel
    from credit.exchange.services import runner

    channel = Channel.objects.filter(pk=channel_id).first()
    if channel is None:
        return "missing"
    try:
        return runner.run_channel(actor=None, channel=channel, trigger="job").status
    except CreditError as exc:
        logger.info("exchange channel %s not run: %s", channel_id, exc.message)
        return exc.code
