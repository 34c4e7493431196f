"""Background jobs of performance assessment, run by ``credit procrastinate worker``
(queue ``assessment``).

- ``assessment.compute`` (daily, 02:50 Beijing time): every open assessment whose period has
  started computed again (:func:`credit.assessment.services.assessments.compute_due`), so the
  automatic items follow the day's data while units self-score; idempotent.
- ``assessment.quality_reports`` (monthly, the 2nd at 04:00 Beijing time): the previous
  month's data-quality reports (:func:`credit.assessment.services.quality.generate_month`);
  a rerun replaces them.
"""

from __future__ import annotations

import datetime

from procrastinate.contrib.django import app


@app.periodic(cron="50 18 * * *")  # UTC: 02:50 Beijing time
@app.task(name="assessment.compute", queue="assessment", queueing_lock="assessment-compute")
def compute(timestamp: int) -> int:
    """Recompute the open assessments; the number recomputed."""
    from credit.assessment.services.assessments import compute_due

    return len(compute_due())


@app.periodic(cron="0 20 1 * *")  # UTC: 04:00 Beijing time on the 2nd
@app.task(
    name="assessment.quality_reports",
    queue="assessment",
    queueing_lock="assessment-quality-reports",
)
def quality_reports(timestamp: int) -> int:
    """The previous month's quality reports (as at the job's Beijing date); how many."""
    from django.utils import timezone

    from credit.assessment.services import quality

    day = timezone.localtime(datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)).date()
    previous = (day.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    return len(quality.generate_month(previous))
