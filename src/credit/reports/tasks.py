"""Background jobs of credit reports, run by ``credit procrastinate worker``.

- ``reports.follow_changes`` (every 10 minutes): a valid report one of whose records was
  corrected, revoked or repaired since issue becomes 已更新 and its corrected report is issued
  (or waits for the second review) — :func:`credit.reports.services.follow_changes`,
  idempotent.
- ``reports.purge_attempts`` (hourly, at :35): deletes wrong extraction codes older than a day.
"""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.periodic(cron="*/10 * * * *")
@app.task(name="reports.follow_changes", queue="reports", queueing_lock="reports-follow")
def follow_changes(timestamp: int) -> int:
    from credit.reports import services

    return services.follow_changes()


@app.periodic(cron="35 * * * *")
@app.task(name="reports.purge_attempts", queue="reports", queueing_lock="reports-purge")
def purge_attempts(timestamp: int) -> int:
    from credit.reports import extraction

    return extraction.purge_attempts()
