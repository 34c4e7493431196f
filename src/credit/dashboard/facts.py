"""Refresh of the pre-aggregated counts (:mod:`credit.dashboard.models`).

The conditions below are the SQL of the platform's own definitions, kept equal to them by
tests: *public* is :func:`credit.records.publicity.public_q`, *in force* is the list-entry rule
of :mod:`credit.sanctions.lists`, *on time* is :func:`credit.core.workdays.deadline` (7 working
days after the decision, the 双公示 rule), read through a table of due dates per decision day.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from credit.core import workdays
from credit.dashboard.models import Snapshot

#: 注册资本 bands in 万元: (code, label, lower bound inclusive, upper bound exclusive).
CAPITAL_BANDS: list[tuple[int, str, float | None, float | None]] = [
    (0, "未登记注册资本", None, None),
    (1, "100万元以下", 0, 100),
    (2, "100–500万元", 100, 500),
    (3, "500–1000万元", 500, 1000),
    (4, "1000–5000万元", 1000, 5000),
    (5, "5000万元及以上", 5000, None),
]
#: Age bands by years since establishment: (code, label, lower years, upper years).
AGE_BANDS: list[tuple[int, str, int | None, int | None]] = [
    (0, "成立日期不详", None, None),
    (1, "1年以下", 0, 1),
    (2, "1–3年", 1, 3),
    (3, "3–5年", 3, 5),
    (4, "5–10年", 5, 10),
    (5, "10–20年", 10, 20),
    (6, "20年及以上", 20, None),
]

#: Every how many minutes the periodic job refreshes (the lag the pages state).
REFRESH_MINUTES = 10


def _capital_case() -> str:
    whens = [
        f"WHEN lp.registered_capital >= {lo} AND lp.registered_capital < {hi} THEN {code}"
        if hi is not None
        else f"WHEN lp.registered_capital >= {lo} THEN {code}"
        for code, _, lo, hi in CAPITAL_BANDS
        if lo is not None
    ]
    return "CASE " + " ".join(whens) + " ELSE 0 END"


def _age_case() -> str:
    # established within (today − hi years, today − lo years]
    whens = []
    for code, _, lo, hi in AGE_BANDS:
        if lo is None:
            continue
        upper = f"lp.established_on <= (%(today)s::date - interval '{lo} years')"
        lower = f"lp.established_on > (%(today)s::date - interval '{hi} years')" if hi else "TRUE"
        whens.append(f"WHEN {upper} AND {lower} THEN {code}")
    return "CASE " + " ".join(whens) + " ELSE 0 END"


RECORD_FACTS = """
INSERT INTO dashboard_recordfact (month, arrived, region_id, subject_region_id, department_id,
    item_id, category, subject_type, severity, status, records, public, in_force, decided,
    on_time)
SELECT
    date_trunc('month', COALESCE(r.decision_date, (r.created_at AT TIME ZONE %(tz)s)::date))::date,
    date_trunc('month', (r.created_at AT TIME ZONE %(tz)s)::date)::date,
    r.region_id, COALESCE(lp.region_id, np.region_id), r.department_id, r.item_id, i.category,
    CASE WHEN r.legal_person_id IS NOT NULL THEN 'legal' ELSE 'natural' END,
    r.severity, r.status,
    count(*),
    count(*) FILTER (WHERE r.status = 'active'
        AND (r.publicity_end IS NULL OR r.publicity_end >= %(today)s)
        AND r.usage_scope = 'public' AND r.publishable
        AND (r.publicity_start IS NULL OR r.publicity_start <= %(today)s)),
    count(*) FILTER (WHERE r.status = 'active'
        AND (r.valid_to IS NULL OR r.valid_to >= %(today)s)
        AND (r.valid_from IS NULL OR r.valid_from <= %(today)s)),
    count(*) FILTER (WHERE r.decision_date IS NOT NULL),
    count(*) FILTER (WHERE r.decision_date IS NOT NULL
        AND (r.created_at AT TIME ZONE %(tz)s)::date <= d.due)
FROM records_creditrecord r
JOIN catalog_catalogitem i ON i.id = r.item_id
LEFT JOIN subjects_legalperson lp ON lp.id = r.legal_person_id
LEFT JOIN subjects_naturalperson np ON np.id = r.natural_person_id
LEFT JOIN dashboard_due d ON d.decided = r.decision_date
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
"""

LEGAL_FACTS = """
INSERT INTO dashboard_legalpersonfact (region_id, kind, industry, capital_band, age_band, status,
    subjects)
SELECT lp.region_id, lp.kind, lp.industry, {capital}, {age}, lp.status, count(*)
FROM subjects_legalperson lp
GROUP BY 1, 2, 3, 4, 5, 6
"""

NATURAL_FACTS = """
INSERT INTO dashboard_naturalpersonfact (region_id, subjects)
SELECT np.region_id, count(*) FROM subjects_naturalperson np GROUP BY 1
"""


def _due_dates(cur: Any) -> None:
    """The table of due dates (decision day → last on-time day) for every decision day the
    records hold: a temporary table, filled from the working-day calendar."""
    cur.execute(
        "CREATE TEMP TABLE IF NOT EXISTS dashboard_due (decided date PRIMARY KEY, due date) "
        "ON COMMIT DROP"
    )
    # Left from an earlier refresh in the same transaction (a caller's atomic block).
    cur.execute("TRUNCATE dashboard_due")
    cur.execute("SELECT min(decision_date), max(decision_date) FROM records_creditrecord")
    first, last = cur.fetchone()
    if first is None:
        return
    calendar = workdays.WorkdayCalendar(first, last + datetime.timedelta(days=60))
    with cur.copy("COPY dashboard_due (decided, due) FROM STDIN") as copy:
        for row in calendar.deadlines(first, last).items():
            copy.write_row(row)
    cur.execute("ANALYZE dashboard_due")


@transaction.atomic
def refresh(*, today: datetime.date | None = None) -> Snapshot:
    """Recompute every fact table as of ``today`` in one transaction (readers see the old
    counts until it commits) and record the snapshot."""
    today = today or timezone.localdate()
    started = time.monotonic()
    params = {"today": today, "tz": settings.TIME_ZONE}
    with connection.cursor() as cur:
        # One refresh at a time; a second waits and then recomputes (idempotent).
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('credit.dashboard.refresh'))")
        _due_dates(cur)
        cur.execute(
            "TRUNCATE dashboard_recordfact, dashboard_legalpersonfact, dashboard_naturalpersonfact"
        )
        cur.execute(RECORD_FACTS, params)
        cur.execute(LEGAL_FACTS.format(capital=_capital_case(), age=_age_case()), params)
        cur.execute(NATURAL_FACTS)
        cur.execute("SELECT coalesce(sum(records), 0) FROM dashboard_recordfact")
        (records,) = cur.fetchone()
    snapshot, _ = Snapshot.objects.update_or_create(
        id=1,
        defaults={
            "refreshed_at": timezone.now(),
            "as_of": today,
            "seconds": round(time.monotonic() - started, 3),
            "records": records,
        },
    )
    return snapshot


def snapshot() -> Snapshot | None:
    return Snapshot.objects.filter(id=1).first()
