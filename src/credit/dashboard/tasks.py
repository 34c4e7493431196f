"""Background jobs of the dashboards, run by ``credit procrastinate worker``.

- ``dashboard.refresh`` (every 10 minutes): recomputes the pre-aggregated counts
  (:func:`credit.dashboard.facts.refresh`); idempotent, one at a time (an advisory lock).
"""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="*/10 * * * *")
@app.task(name="dashboard.refresh", queue="dashboard", queueing_lock="dashboard-refresh")
def refresh(timestamp: int) -> int:
    from credit.dashboard import facts

    return facts.refresh().records
