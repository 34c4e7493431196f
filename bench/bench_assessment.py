"""Benchmark: the assessment metrics (:mod:`credit.assessment.metrics`) measured for every unit
of the city's assessment for a quarter, beside a plain grouped count in the same run.

Figures printed:

1. The data generated: departments, credit records, batches, objections, checks, API calls.
2. Every metric's ``measure`` for every city unit (the active data-provider city departments
   and the districts) for 2026 Q3: p50 / max over ``--repeat`` runs, the number of queries
   (it must not depend on the number of units), and the sum over all metrics — what one
   ``compute`` of an assessment spends on its metrics.
3. The baseline: ``SELECT department_id, count(*) FROM records_creditrecord WHERE
   decision_date in the quarter GROUP BY 1`` — p50 over the same runs.

Data (generated, ``generate_series``, in one transaction rolled back at the end, so the bench
database is left as it was): 22 more departments for 60 (36 city, 24 of the 6 districts),
200,000 legal persons, 1,000,000 credit records decided over 2026 (about 80 % 双公示, the rest
red and black lists and other information; a few revoked, suspended or not public) arriving 0
to 12 days after their decision, a batch per department on two days of three (channels mixed,
some refused), 5,000 objections, 20,000 joint-punishment checks (a third finding entries, half
of those with feedback) and 300,000 API calls.

Runs in ``credit_bench`` on the server of ``DATABASE_URL`` (or the embedded one), like the
other benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_assessment.py
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

TAG = "bench-assessment"
RECORDS = 1_000_000
LEGAL_PERSONS = 200_000
OBJECTIONS = 5_000
CHECKS = 20_000
CALLS = 300_000
PERIOD = "2026Q3"

BASELINE = """
    SELECT department_id, count(*) FROM records_creditrecord
    WHERE decision_date >= %s AND decision_date < %s GROUP BY 1"""


class Rollback(Exception):
    pass


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    out, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - started)
    return out, result


def _departments() -> list:
    """The city's departments plus 22 generated ones (11 city, 11 over the districts)."""
    from credit.catalog.models import CatalogItem
    from credit.core.identifiers import make_uscc
    from credit.core.models import Department, Region

    districts = list(Region.objects.filter(level=Region.Level.DISTRICT).order_by("code"))
    new = []
    for i in range(22):
        city = i < 11
        region = "320400" if city else districts[i % len(districts)].code
        new.append(
            Department(
                code=f"BENCH-A{i}",
                name=f"基准测试部门{i}",
                short_name=f"基准{i}",
                uscc=make_uscc("11", region, f"{90_000_000 + i:08d}"),
                region_id=region,
                kind=Department.Kind.CITY if city else Department.Kind.DISTRICT,
            )
        )
    Department.objects.bulk_create(new)
    # the generated departments report a weekly and a monthly item
    for code in ("civil-traffic", "cs-other-handling"):
        CatalogItem.objects.get(code=code).source_departments.add(*new)
    return list(Department.objects.order_by("id"))


def _generate(cur, departments: list) -> None:
    from credit.catalog.models import CatalogItem

    items = {i.code: i.pk for i in CatalogItem.objects.all()}
    record_items = (
        [items["admin-penalty"]] * 4
        + [items["admin-license"]] * 4
        + [items["dishonest-judgment-debtor"], items["a-grade-taxpayer"]]
        + [items["judgment-debtor"], items["civil-traffic"]]
    )
    batch_items = [items[c] for c in ("admin-penalty", "admin-license", "civil-traffic",
                                      "cs-other-handling", "judgment-debtor")]  # fmt: skip
    dept_ids = [d.pk for d in departments]
    dept_regions = [d.region_id for d in departments]

    started = time.perf_counter()
    cur.execute(
        """
        INSERT INTO subjects_legalperson (uscc, name, kind, org_type, division_code, region_id,
            industry, legal_representative, registered_address, status, created_at, updated_at)
        SELECT NULL, '常州考核基准企业' || g || '有限公司', 'organisation', '91', r.code, r.code,
            'A', '', %s, 'active', now(), now()
        FROM generate_series(1, %s) g
        JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM core_region
              WHERE level = 'district') r ON r.n = g %% 6
        """,
        [TAG, LEGAL_PERSONS],
    )
    cur.execute(
        "SELECT array_agg(id) FROM subjects_legalperson WHERE registered_address = %s", [TAG]
    )
    subjects = cur.fetchone()[0]
    cur.execute(
        """
        WITH d AS (SELECT * FROM unnest(%(dept_ids)s::bigint[], %(dept_regions)s::text[])
                   WITH ORDINALITY AS t(id, region_id, n)),
             s AS (SELECT %(subjects)s::bigint[] AS ids),
             it AS (SELECT %(items)s::bigint[] AS ids)
        INSERT INTO records_creditrecord (item_id, legal_person_id, department_id, region_id,
            natural_key, document_no, payload, decision_date, severity, status, usage_scope,
            version, publishable, created_at, updated_at)
        SELECT it.ids[1 + (g * 7) %% cardinality(it.ids)],
            s.ids[1 + g %% cardinality(s.ids)], d.id, d.region_id,
            md5(%(tag)s || g), 'BA-' || g, '{}'::jsonb, date '2026-01-01' + g %% 365, '',
            CASE WHEN g %% 97 = 0 THEN 'revoked' WHEN g %% 89 = 0 THEN 'suspended'
                 ELSE 'active' END,
            CASE WHEN g %% 23 = 0 THEN 'shared' ELSE 'public' END, 1, true,
            ((date '2026-01-01' + g %% 365 + (g / 365) %% 13)::timestamp + interval '10 hours')
                AT TIME ZONE 'Asia/Shanghai',
            now()
        FROM generate_series(1, %(n)s) g
        CROSS JOIN s CROSS JOIN it
        JOIN d ON d.n = 1 + g %% cardinality(%(dept_ids)s::bigint[])
        """,
        {
            "dept_ids": dept_ids,
            "dept_regions": dept_regions,
            "subjects": subjects,
            "items": record_items,
            "tag": TAG,
            "n": RECORDS,
        },
    )
    print(f"# generated {LEGAL_PERSONS:,} legal persons and {RECORDS:,} records in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip

    started = time.perf_counter()
    cur.execute(
        """
        WITH d AS (SELECT * FROM unnest(%(dept_ids)s::bigint[], %(dept_regions)s::text[])
                   WITH ORDINALITY AS t(id, region_id, n))
        INSERT INTO ingest_batch (item_id, item_version, department_id, region_id, channel,
            file_name, file_sha256, file_size, status, error_code, error_message,
            unknown_columns, metrics, total, inserted, updated, unchanged, corrected, rejected,
            created_at, upload_name)
        SELECT (%(items)s::bigint[])[1 + (d.n + day) %% cardinality(%(items)s::bigint[])], 1,
            d.id, d.region_id,
            CASE (d.n + day) %% 4 WHEN 0 THEN 'upload' WHEN 1 THEN 'cli' ELSE 'api' END,
            'bench.xlsx', '', 0,
            CASE WHEN (d.n * 7 + day) %% 41 = 0 THEN 'failed' ELSE 'done' END, '', '',
            '[]'::jsonb, '{}'::jsonb, 70, 50, 5, 5, 3, 10,
            ((date '2026-01-01' + day)::timestamp + interval '10 hours')
                AT TIME ZONE 'Asia/Shanghai',
            ''
        FROM d CROSS JOIN generate_series(0, 364) day
        WHERE (d.n + day) %% 3 <> 0
        """,
        {"dept_ids": dept_ids, "dept_regions": dept_regions, "items": batch_items},
    )
    batches = cur.rowcount
    cur.execute(
        """
        INSERT INTO objections_objection (submitter_name, submitter_kind, id_cipher, id_index,
            id_masked, phone_cipher, phone_index, phone_masked, is_subject, number, channel,
            record_id, record_version, reason, status, department_id, accept_due, verify_due,
            outcome, finding, finding_text, result, verified_at, created_at, updated_at)
        SELECT '基准申请人', 'legal', ''::bytea, 'bench' || r.id, '9132****', ''::bytea,
            'bench' || r.id, '138****0000', false, 'BA' || r.id, 'online', r.id, 1, '有误',
            CASE WHEN r.id %% 3 = 0 THEN 'verifying' ELSE 'upheld' END, r.department_id,
            r.decision_date + 20, r.decision_date + 30, '', '', '', '',
            CASE WHEN r.id %% 3 = 0 THEN NULL
                 ELSE (r.decision_date + 25 + (r.id %% 10)::int)::timestamp
                     AT TIME ZONE 'Asia/Shanghai'
            END,
            now(), now()
        FROM (SELECT id, department_id, decision_date FROM records_creditrecord
              WHERE document_no LIKE 'BA-%%' AND status = 'active'
              ORDER BY id LIMIT %s) r
        """,
        [OBJECTIONS],
    )
    from django.contrib.auth import get_user_model

    from credit.sanctions.models import Measure

    user = get_user_model().objects.create(username=f"{TAG}-checker")
    measure = Measure.objects.create(code=f"{TAG}-M", kind="punishment", list_kind="black_list",
                                     text="限制", legal_basis="依据", scenarios=[])  # fmt: skip
    cur.execute(
        """
        WITH d AS (SELECT * FROM unnest(%(dept_ids)s::bigint[]) WITH ORDINALITY AS t(id, n))
        INSERT INTO sanctions_check (number, checked_at, user_id, department_id, query,
            subject_name, scenario, reason, result, hits)
        SELECT 'BA-HC-' || g,
            ((date '2026-01-01' + g %% 365)::timestamp + interval '11 hours')
                AT TIME ZONE 'Asia/Shanghai',
            %(user)s, d.id, '9132****', '基准企业', '', '招投标',
            CASE WHEN g %% 3 = 0 THEN 'hit' ELSE 'clean' END, '[]'::jsonb
        FROM generate_series(1, %(n)s) g
        JOIN d ON d.n = 1 + g %% cardinality(%(dept_ids)s::bigint[])
        """,
        {"dept_ids": dept_ids, "user": user.pk, "n": CHECKS},
    )
    cur.execute(
        """
        INSERT INTO sanctions_checkfeedback (check_ref_id, measure_id, record_id, action,
            reason, user_id, created_at, updated_at)
        SELECT c.id, %s, (SELECT min(id) FROM records_creditrecord), 'applied', '', %s,
            now(), now()
        FROM sanctions_check c WHERE c.number LIKE 'BA-HC-%%' AND c.result = 'hit'
            AND c.id %% 2 = 0
        """,
        [measure.pk, user.pk],
    )
    cur.execute(
        """
        WITH d AS (SELECT * FROM unnest(%(dept_ids)s::bigint[]) WITH ORDINALITY AS t(id, n))
        INSERT INTO gateway_calllog (called_at, client_id, user_id, department_id, method,
            route, path, status, latency_ms, request_id)
        SELECT ((date '2026-01-01' + g %% 365)::timestamp + (g %% 86400) * interval '1 second')
                AT TIME ZONE 'Asia/Shanghai',
            CASE WHEN g %% 10 = 0 THEN NULL ELSE 1 + g %% 40 END, NULL, d.id, 'POST',
            '/api/v1/ingest/{item}', '/api/v1/ingest/x',
            CASE WHEN g %% 17 = 0 THEN 422 ELSE 200 END, 15, 'bench-' || g
        FROM generate_series(1, %(n)s) g
        JOIN d ON d.n = 1 + g %% cardinality(%(dept_ids)s::bigint[])
        """,
        {"dept_ids": dept_ids, "n": CALLS},
    )
    for table in ("records_creditrecord", "ingest_batch", "objections_objection",
                  "sanctions_check", "sanctions_checkfeedback", "gateway_calllog",
                  "subjects_legalperson", "core_department"):  # fmt: skip
        cur.execute(f"ANALYZE {table}")
    print(f"# generated {batches:,} batches, {OBJECTIONS:,} objections, {CHECKS:,} checks and "
          f"{CALLS:,} API calls in {time.perf_counter() - started:.0f} s")  # fmt: skip


def _targets() -> list:
    from credit.assessment.constants import UnitKind
    from credit.assessment.metrics import Target
    from credit.core.models import Department, Region

    departments = Department.objects.filter(
        is_active=True, is_data_provider=True, kind=Department.Kind.CITY
    ).order_by("sort_order", "code")
    districts = Region.objects.filter(level=Region.Level.DISTRICT, is_active=True).order_by("code")
    return [Target(UnitKind.DEPARTMENT, d.pk, d.region_id, d.name) for d in departments] + [
        Target(UnitKind.DISTRICT, None, r.code, r.name) for r in districts
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args()

    from bench_seed import setup_city

    setup_city()
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from credit.assessment import metrics
    from credit.assessment.periods import parse_period

    span = parse_period(PERIOD)
    try:
        with transaction.atomic():
            started = time.perf_counter()
            departments = _departments()
            with connection.cursor() as cur:
                _generate(cur, departments)
            print(f"# data generated in {time.perf_counter() - started:.0f} s")
            targets = _targets()
            n_dept = sum(1 for t in targets if not t.is_district)
            print(
                f"\n1. data: {len(departments)} departments; units of the city assessment: "
                f"{n_dept} city departments and {len(targets) - n_dept} districts; "
                f"{RECORDS:,} records of 2026"
            )

            print(f"\n2. measure() of every metric for all {len(targets)} units, {PERIOD}, "
                  f"{args.repeat} runs")  # fmt: skip
            total = 0.0
            for code, metric in metrics.METRICS.items():
                with CaptureQueriesContext(connection) as ctx:
                    metric.measure(targets, span)
                runs, found = _timed(lambda m=metric: m.measure(targets, span), args.repeat)
                p50 = statistics.median(runs)
                total += p50
                sample = found[targets[0]]
                print(
                    f"   {code:22} p50 {p50 * 1000:7.0f} ms  max {max(runs) * 1000:7.0f} ms  "
                    f"{len(ctx.captured_queries):2} queries  e.g. {targets[0].label}: "
                    f"{sample.value} ({sample.numerator}/{sample.denominator})"
                )
            print(f"   all 13 metrics: {total:.2f} s (sum of the p50s)")

            def baseline() -> int:
                with connection.cursor() as c:
                    c.execute(BASELINE, [span.start, span.end])
                    return sum(n for _, n in c.fetchall())

            bruns, counted = _timed(baseline, args.repeat)
            print(
                f"\n3. baseline: count(*) of the quarter's records grouped by department, "
                f"{args.repeat} runs: p50 {statistics.median(bruns) * 1000:.0f} ms "
                f"({counted:,} records)"
            )
            raise Rollback
    except Rollback:
        print("\n# rolled back: the bench database is left as it was")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
