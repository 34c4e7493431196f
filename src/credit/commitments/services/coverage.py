"""The daily coverage figures (承诺覆盖率): the city's four targets computed
(:func:`credit.commitments.selectors.coverage.compute`) and stored as one
:class:`~credit.commitments.models.CoverageFigure` per target and day, for the history on the
coverage page. Run by the daily job ``commitments.coverage``; running it again the same day
replaces that day's figures (idempotent). A system action, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from credit.commitments.models import CoverageFigure
from credit.commitments.selectors import coverage as selectors
from credit.core import audit


@transaction.atomic
def refresh(day: datetime.date | None = None) -> list[CoverageFigure]:
    """Store the city's figures of ``day`` (today by default), replacing any stored for that
    day; the stored rows in the targets' order."""
    day = day or timezone.localdate()
    stored = []
    for f in selectors.compute(day):
        row, _ = CoverageFigure.objects.update_or_create(
            day=day,
            target=f.target,
            defaults={
                "covered": f.covered,
                "total": f.total,
                "target_ratio": Decimal(str(f.target_ratio)),
            },
        )
        stored.append(row)
    audit.record(
        "commitment_coverage.refreshed",
        actor=None,
        object_type=CoverageFigure._meta.label_lower,
        object_id=day.isoformat(),
        object_repr=f"承诺覆盖率 {day.isoformat()}",
        after={r.target: [r.covered, r.total] for r in stored},
    )
    return stored
