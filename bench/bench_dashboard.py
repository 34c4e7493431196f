"""Benchmark: the 一张图's panel queries on the ``large`` data set (1 M legal persons, 5 M
records), against the same aggregates computed by a plain ``GROUP BY`` over the records in
the same run.

Figures printed:

1. The refresh of the pre-aggregated facts (``credit dashboard refresh``): seconds, i.e. the
   work the periodic job does every 10 minutes (the dashboards' stated lag).
2. Every panel's dataset (``credit.dashboard.datasets.run``) as the city's administrator, a
   district administrator and with a department filter: p50 / p95 over ``--repeat`` runs, and
   the whole screen's data (every panel once, in sequence) — the issue's targets are
   p95 ≤ 300 ms per panel and ≤ 2 s for the screen.
   And the lists a number opens (``/dashboard/records/``): a page and the capped count.
3. The baseline: the record aggregates the facts replace (by subject district with the
   public / in-force / on-time counts, by department, by month, by category), each as one
   ``GROUP BY`` over ``records_creditrecord`` joined to its subjects: p50 over 3 runs.

Needs the ``large`` data set in ``credit_bench`` (``bench/bench_seed.py`` loads it; this script
loads it too when it is missing, which takes about 15 minutes).

    .venv/bin/python bench/bench_dashboard.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

BASELINE = {
    "by subject district (map)": """
        SELECT COALESCE(lp.region_id, np.region_id), i.category, count(*),
            count(*) FILTER (WHERE r.status = 'active'
                AND (r.publicity_end IS NULL OR r.publicity_end >= current_date)
                AND r.usage_scope = 'public' AND r.publishable
                AND (r.publicity_start IS NULL OR r.publicity_start <= current_date)),
            count(*) FILTER (WHERE r.status = 'active'
                AND (r.valid_to IS NULL OR r.valid_to >= current_date)
                AND (r.valid_from IS NULL OR r.valid_from <= current_date))
        FROM records_creditrecord r
        JOIN catalog_catalogitem i ON i.id = r.item_id
        LEFT JOIN subjects_legalperson lp ON lp.id = r.legal_person_id
        LEFT JOIN subjects_naturalperson np ON np.id = r.natural_person_id
        GROUP BY 1, 2""",
    "by department (ranking)": """
        SELECT department_id, count(*) FROM records_creditrecord GROUP BY 1 ORDER BY 2 DESC
        LIMIT 20""",
    "by decision month (trend)": """
        SELECT date_trunc('month', decision_date), count(*) FROM records_creditrecord
        WHERE decision_date >= current_date - interval '36 months' AND severity <> ''
        GROUP BY 1""",
    "lists in force by category": """
        SELECT i.category, count(*) FROM records_creditrecord r
        JOIN catalog_catalogitem i ON i.id = r.item_id
        WHERE i.category IN ('red_list', 'black_list', 'attention_list') AND r.status = 'active'
          AND (r.valid_to IS NULL OR r.valid_to >= current_date)
        GROUP BY 1""",
    "legal persons by industry": """
        SELECT industry, count(*) FROM subjects_legalperson GROUP BY 1""",
}


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args, _ = parser.parse_known_args()

    from bench_seed import _bench_database_url, ready_large

    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    ready_large()

    from django.db import connection

    from credit.accounts.models import User
    from credit.accounts.roles import Role
    from credit.core.models import Department
    from credit.dashboard import datasets, facts
    from credit.dashboard.layout import PANELS

    started = time.perf_counter()
    snap = facts.refresh()
    refresh_s = time.perf_counter() - started
    print(f"\n1. refresh of the facts: {refresh_s:.1f} s for {snap.records:,} records")

    admin, _ = User.objects.get_or_create(
        username="bench_admin", defaults={"role": Role.CITY_ADMIN, "region_id": "320400"}
    )
    district, _ = User.objects.get_or_create(
        username="bench_tianning", defaults={"role": Role.DISTRICT_ADMIN, "region_id": "320402"}
    )
    dept = Department.objects.filter(code="SCJG").first()
    cases = [
        ("city administrator", admin, datasets.Filters()),
        ("district administrator", district, datasets.Filters()),
        (
            "department filter",
            admin,
            datasets.Filters(department=dept.code if dept else None),
        ),
    ]
    codes = [p.dataset for p in PANELS]
    print(f"\n2. panel queries, {args.repeat} runs each (ms)")
    print(f"{'dataset':28} {'who':24} {'p50':>8} {'p95':>8}")
    worst = 0.0
    for label, user, filters in cases:
        for code in codes:
            runs = timed(lambda c=code, u=user, f=filters: datasets.run(c, u, f), args.repeat)
            worst = max(worst, p95(runs))
            print(f"{code:28} {label:24} {statistics.median(runs):8.1f} {p95(runs):8.1f}")
        screen = timed(
            lambda u=user, f=filters: [datasets.run(c, u, f) for c in codes],
            max(3, args.repeat // 4),
        )
        print(f"{'whole screen':28} {label:24} {statistics.median(screen):8.1f} {p95(screen):8.1f}")
    print(f"worst panel p95: {worst:.1f} ms (target ≤ 300 ms)")

    from credit.core.paging import capped_page
    from credit.dashboard import selectors
    from credit.dashboard.views.lists import CAP, PER_PAGE

    print(f"\n2b. the lists behind the numbers: a page and the count up to {CAP:,} (ms, p50 of 5)")
    asks = [
        {"dishonest": "1", "public": "1"},
        {"category": "black_list", "in_force": "1"},
        {"department": "SCJG"},
        {"region": "320402", "dishonest": "1"},
        {"region": "320481", "severity": "serious", "from": "2025-01", "to": "2025-03"},
    ]
    for ask in asks:
        for number in (1, 5):

            def page(a=ask, n=number):
                qs = selectors.records(admin, selectors.RecordQuery.from_query(a))
                return capped_page(qs, n, per_page=PER_PAGE, cap=CAP)

            runs = timed(page, 5)
            label = "&".join(f"{k}={v}" for k, v in ask.items())
            print(
                f"{label:60} page {number}  {statistics.median(runs):8.1f}  ({page().total_label})"
            )

    print("\n3. baseline: the same aggregates as plain GROUP BY over the records (ms, p50 of 3)")
    with connection.cursor() as cur:
        for name, sql in BASELINE.items():
            runs = timed(lambda s=sql: (cur.execute(s), cur.fetchall()), 3)
            print(f"{name:32} {statistics.median(runs):10.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
