"""Benchmark: coverage of credit commitments against the city's targets on the ``large`` data
set (1 M legal persons), beside a plain anti-join count in the same run.

Figures printed:

1. The data: legal persons (operating), commitments by kind, black-listed subjects.
2. ``compute()`` (:func:`credit.commitments.selectors.coverage.compute`, the four targets for
   the city and for one district): p50 / max over ``--repeat`` runs, and its figures. The
   issue's target: ≤ 10 s for the city.
3. The baseline: ``SELECT count(*) FROM subjects_legalperson WHERE status = 'active' AND NOT
   EXISTS (a voluntary or industry commitment in force)`` — the operating subjects not covered,
   p50 over the same runs; its count must equal ``total - covered`` of the voluntary target.
4. The first page of the uncovered list (``uncovered("voluntary")``) and its capped count, as
   the coverage page reads them.

Data: when ``credit_bench`` holds the ``large`` set (``bench/bench_seed.py``), its legal
persons are used; otherwise 1 M legal persons are generated in the database
(``generate_series``, 95 % operating, over the city's districts and 20 industries). On top,
in every case: the commitment items (19 告知承诺, 4 容缺受理, 主动, 2 行业自律, 信用修复),
voluntary or industry commitments of about 88 % of the subjects (some expired or returned),
告知承诺 and 容缺受理 commitments, 20,000 black-list records and repair commitments of three
quarters of those subjects. Everything is written in one transaction that is rolled back at the
end (``ANALYZE`` runs inside it), so the bench database is left as it was and the other
benchmarks (which look for the ``large`` set by counting legal persons) are not misled.

Runs in ``credit_bench`` on the server of ``DATABASE_URL`` (or the embedded one), like the
other benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/x .venv/bin/python bench/bench_commitments.py
"""

from __future__ import annotations

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

LEGAL_PERSONS = 1_000_000
BLACK_LISTED = 20_000
TAG = "bench-commitments"

ANTI_JOIN = """
    SELECT count(*) FROM subjects_legalperson lp
    WHERE lp.status = 'active' AND NOT EXISTS (
        SELECT 1 FROM commitments_commitment c
        WHERE c.legal_person_id = lp.id AND c.kind IN ('voluntary', 'industry')
          AND c.status IN ('published', 'fulfilled') AND c.committed_on <= current_date
          AND (c.valid_until IS NULL OR c.valid_until >= current_date))"""


class Rollback(Exception):
    pass


def _timed(fn, repeat: int) -> tuple[list[float], object]:
    out, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        out.append(time.perf_counter() - started)
    return out, result


def _legal_persons(cur) -> None:
    cur.execute(
        """
        INSERT INTO subjects_legalperson (uscc, name, kind, org_type, division_code, region_id,
            industry, legal_representative, registered_address, status, created_at, updated_at)
        SELECT NULL, '常州基准测试企业' || g || '有限公司', 'organisation', '91', r.code, r.code,
            chr(65 + g %% 20), '', %s,
            CASE WHEN g %% 20 = 0 THEN 'cancelled' ELSE 'active' END, now(), now()
        FROM generate_series(1, %s) g
        JOIN (SELECT code, row_number() OVER (ORDER BY code) - 1 AS n FROM core_region
              WHERE level = 'district') r
          ON r.n = g %% (SELECT count(*) FROM core_region WHERE level = 'district')
        """,
        [TAG, LEGAL_PERSONS],
    )


def _items() -> dict[str, list]:
    from credit.commitments.constants import Kind
    from credit.commitments.models import CommitmentItem, CommitmentItemVersion
    from credit.core.models import Department

    departments = list(Department.objects.order_by("sort_order", "code")[:12])
    plan = [
        (Kind.NOTIFY, 19),
        (Kind.TOLERANCE, 4),
        (Kind.VOLUNTARY, 1),
        (Kind.INDUSTRY, 2),
        (Kind.REPAIR, 1),
    ]
    out: dict[str, list] = {}
    for kind, n in plan:
        for i in range(n):
            item, _ = CommitmentItem.objects.get_or_create(
                code=f"{TAG}-{kind}-{i}",
                defaults={
                    "name": f"基准{kind}{i}",
                    "kind": kind,
                    "department": departments[i % len(departments)],
                },
            )
            version, _ = CommitmentItemVersion.objects.get_or_create(
                item=item, version=1, defaults={"template_text": "承诺书"}
            )
            out.setdefault(kind, []).append((item.pk, version.pk, item.department_id))
    return out


def _commitments(cur, kind: str, items: list, where: str, every: int, status_sql: str) -> None:
    """Commitments of ``kind`` for the legal persons matching ``where`` (one in ``every``
    skipped), spread over ``items``."""
    where, status_sql = where.replace("%", "%%"), status_sql.replace("%", "%%")
    cur.execute(
        f"""
        INSERT INTO commitments_commitment (number, item_id, item_version_id, kind,
            department_id, region_id, legal_person_id, promisor_name, promisor_code, signer_name,
            committed_on, published_on, valid_until, status, channel, return_reason,
            created_at, updated_at)
        SELECT %s || '-' || lp.id, it.item_id, it.version_id, %s, it.department_id,
            COALESCE(lp.region_id, '320400'), lp.id, lp.name, COALESCE(lp.uscc, ''), '',
            current_date - (lp.id %% 700)::int, current_date - (lp.id %% 700)::int,
            CASE WHEN lp.id %% 31 = 0 THEN current_date - 1 ELSE current_date + 365 END,
            {status_sql}, 'import', '', now(), now()
        FROM ({where}) lp
        JOIN (SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[])
                  WITH ORDINALITY AS t(item_id, version_id, department_id, n)) it
          ON it.n - 1 = lp.id %% %s
        WHERE lp.id %% %s <> 0
        """,
        [
            f"{TAG}-{kind}",
            kind,
            [i[0] for i in items],
            [i[1] for i in items],
            [i[2] for i in items],
            len(items),
            every,
        ],
    )


def _black_list(cur) -> None:
    cur.execute(
        """
        INSERT INTO records_creditrecord (item_id, legal_person_id, department_id, region_id,
            natural_key, document_no, payload, decision_date, severity, status, usage_scope,
            version, publishable, created_at, updated_at)
        SELECT (SELECT id FROM catalog_catalogitem WHERE code = 'work-safety-blacklist'),
            lp.id, (SELECT id FROM core_department WHERE code = 'YJ'), '320400',
            md5(%s || lp.id), '', '{}'::jsonb, current_date - 200, '', 'active', 'public', 1,
            true, now(), now()
        FROM (SELECT id FROM subjects_legalperson WHERE id %% 47 = 3 ORDER BY id LIMIT %s) lp
        """,
        [TAG, BLACK_LISTED],
    )


def _generate(cur, own_subjects: bool) -> None:
    items = _items()
    if own_subjects:
        started = time.perf_counter()
        _legal_persons(cur)
        print(
            f"# generated {LEGAL_PERSONS:,} legal persons in {time.perf_counter() - started:.0f} s"
        )
    started = time.perf_counter()
    everyone = "SELECT id, name, uscc, region_id FROM subjects_legalperson"
    status = (
        "CASE WHEN lp.id % 53 = 0 THEN 'returned' WHEN lp.id % 3 = 0 THEN 'fulfilled'"
        " ELSE 'published' END"
    )
    _commitments(cur, "voluntary", items["voluntary"] + items["industry"], everyone, 10, status)
    _commitments(
        cur,
        "notify",
        items["notify"],
        everyone + " WHERE id % 20 = 1",
        1_000_000_000,
        "'published'",
    )
    _commitments(
        cur,
        "tolerance",
        items["tolerance"][:3],
        everyone + " WHERE id % 50 = 1",
        1_000_000_000,
        "'published'",
    )
    _black_list(cur)
    _commitments(cur, "repair", items["repair"], everyone + " WHERE id % 47 = 3", 4, "'published'")
    cur.execute("ANALYZE subjects_legalperson")
    cur.execute("ANALYZE commitments_commitment")
    cur.execute("ANALYZE records_creditrecord")
    took = time.perf_counter() - started
    print(f"# generated the commitments and black-list records in {took:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args, _ = parser.parse_known_args()

    from bench_seed import setup_city

    setup_city()
    from django.db import connection, transaction

    from credit.commitments.constants import Kind
    from credit.commitments.models import Commitment
    from credit.commitments.selectors import coverage
    from credit.core.paging import capped_page
    from credit.subjects.models import LegalPerson

    try:
        with transaction.atomic():
            with connection.cursor() as cur:
                own = LegalPerson.objects.count() < LEGAL_PERSONS
                print(
                    "# legal persons:",
                    "generated (the large set is not loaded)" if own else "the large data set",
                )
                _generate(cur, own)
            operating = LegalPerson.objects.filter(status="active").count()
            print(
                f"\n1. data: {LegalPerson.objects.count():,} legal persons "
                f"({operating:,} operating), {Commitment.objects.count():,} commitments "
                f"({Commitment.objects.filter(kind__in=[Kind.VOLUNTARY, Kind.INDUSTRY]).count():,}"
                " voluntary or industry)"
            )

            runs, figures = _timed(lambda: coverage.compute(), args.repeat)
            print(
                f"\n2. compute() for the city, {args.repeat} runs: p50 "
                f"{statistics.median(runs):.2f} s, max {max(runs):.2f} s (target ≤ 10 s)"
            )
            for f in figures:
                print(
                    f"   {f.target:10} {f.covered:>9,} / {f.total:>9,} = {f.ratio:7.2%}"
                    f"  target {f.target_ratio:.0%}  {'met' if f.met else 'not met'}"
                )
            parts = {
                "voluntary": lambda: coverage._voluntary(datetime.date.today(), coverage.CITY),
                "notify": lambda: coverage._item_target(
                    "notify", datetime.date.today(), coverage.CITY
                ),
                "tolerance": lambda: coverage._item_target(
                    "tolerance", datetime.date.today(), coverage.CITY
                ),
                "repair": lambda: coverage._repair(datetime.date.today(), coverage.CITY),
            }
            for name, part in parts.items():
                pr, _ = _timed(part, args.repeat)
                print(f"   {name:10} alone: p50 {statistics.median(pr):.2f} s")
            district = coverage.Scope(region="320402", label="天宁区")
            druns, _ = _timed(lambda: coverage.compute(scope=district), args.repeat)
            print(f"   compute() for one district: p50 {statistics.median(druns):.2f} s")

            def anti_join() -> int:
                with connection.cursor() as c:
                    c.execute(ANTI_JOIN)
                    return c.fetchone()[0]

            aruns, missing = _timed(anti_join, args.repeat)
            voluntary = figures[0]
            print(
                f"\n3. plain anti-join count, {args.repeat} runs: p50 "
                f"{statistics.median(aruns):.2f} s, max {max(aruns):.2f} s; {missing:,} not "
                f"covered (compute: {voluntary.total - voluntary.covered:,}, "
                f"{'agree' if missing == voluntary.total - voluntary.covered else 'DIFFER'})"
            )

            pruns, page = _timed(
                lambda: capped_page(coverage.uncovered("voluntary"), "2", per_page=30, cap=10_000),
                args.repeat,
            )
            print(
                f"\n4. uncovered list, page 2 with its capped count: p50 "
                f"{statistics.median(pruns) * 1000:.0f} ms ({len(list(page))} rows)"
            )
            raise Rollback
    except Rollback:
        print("\n# rolled back: the bench database is left as it was")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
