"""Background jobs of credit commitments, run by ``credit procrastinate worker``.

- ``commitments.import_records(record_ids)``: the 信用承诺 rows among these records as
  published commitments (:func:`credit.commitments.services.imports.import_records`);
- ``commitments.detect(record_ids)``: suspected breaches from these penalties
  (:func:`~credit.commitments.services.imports.detect`).

Both are enqueued by every write of records in its own transaction
(:func:`~credit.commitments.services.imports.enqueue_for_records`) and are idempotent, so a job
run twice or late gives the same result.

- ``commitments.coverage`` (daily, 03:10 Beijing time): the day's coverage figures stored for
  the history (:func:`credit.commitments.services.coverage.refresh`; the pages and the API
  compute the current figures when asked).
"""

from __future__ import annotations

from procrastinate.contrib.django import app


@app.task(name="commitments.import_records", queue="commitments")
def import_records(record_ids: list[int]) -> dict[str, int]:
    from credit.commitments.services import imports

    return imports.import_records(record_ids)


@app.task(name="commitments.detect", queue="commitments")
def detect(record_ids: list[int]) -> int:
    from credit.commitments.services import imports

    return imports.detect(record_ids)


@app.periodic(cron="10 19 * * *")  # UTC: 03:10 Beijing time, after the day's records settled
@app.task(name="commitments.coverage", queue="commitments", queueing_lock="commitments-coverage")
def coverage(timestamp: int) -> int:
    """The day's coverage figures against the targets stored
    (:func:`credit.commitments.services.coverage.refresh`); idempotent, a rerun the same day
    replaces them; a missed day stays without figures (the history shows a gap)."""
    from credit.commitments.services import coverage as figures

    return len(figures.refresh())
