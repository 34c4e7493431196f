"""Benchmark: loading synthetic Changzhou at scale, and subject/record look-ups on it.

Figures printed, each beside the baseline measured in the same run:

1. Load throughput of ``credit seed-demo`` (COPY into staging + INSERT … ON CONFLICT) against
   the one-record-at-a-time service path (``records.services.upsert_record``) on a sample.
2. A second, idempotent run of the loader (nothing inserted) — the cost of re-running.
3. Look-up latency (median and p95 over N random keys) of: a legal person by USCC, by legacy
   organisation code through the cross-walk, a natural person by ID number through the blind
   index, and a subject's records — against the same queries with index scans disabled.

Runs in its own database (``credit_bench``) on the server of ``DATABASE_URL`` or the embedded
one, so it never touches demo or test data.

    .venv/bin/python bench/bench_seed.py [--scale large|small] [--lookups 2000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def ready_large() -> None:
    """Migrate the bench database, load the city and catalog, and load the ``large`` data set
    when it is missing (about 15 minutes). Django must be set up on ``credit_bench``."""
    from django.core.management import call_command

    from credit.catalog.services import import_catalog_file
    from credit.core.services import load_city_config
    from credit.demo import loader
    from credit.subjects.models import LegalPerson

    call_command("migrate", verbosity=0)
    load_city_config()
    import_catalog_file()
    if LegalPerson.objects.count() < 1_000_000:
        print("# loading the large data set first (about 15 minutes) …")
        loader.seed(scale="large", seed=7, report=print)


def _bench_database_url() -> str:
    from credit import dbserver

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return dbserver.ensure_embedded("credit_bench")
    parts = urllib.parse.urlsplit(url)
    admin = parts._replace(path="/postgres").geturl()
    import psycopg

    from credit.dbserver import _psycopg_dsn

    with psycopg.connect(_psycopg_dsn(admin), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname='credit_bench'").fetchone():
            conn.execute("CREATE DATABASE credit_bench")
    return parts._replace(path="/credit_bench").geturl()


def setup_city() -> None:
    """Point Django at ``credit_bench`` (:func:`_bench_database_url`), set it up, migrate and
    load the city's configuration and catalog — what every benchmark that generates its own
    data starts with."""
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from credit.catalog.services import import_catalog_file
    from credit.core.services import load_city_config

    call_command("migrate", verbosity=0)
    load_city_config()
    import_catalog_file()


def _timed(fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - started


def _latencies(run, keys) -> tuple[float, float]:
    times = []
    for key in keys:
        started = time.perf_counter()
        run(key)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def _service_baseline(sample: int) -> float:
    """Records per second through the per-record service path, on ``sample`` records."""
    from django.db import transaction

    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.demo.synthetic.records import credit_records
    from credit.demo.synthetic.subjects import legal_persons
    from credit.records.services import upsert_record
    from credit.subjects.models import LegalPersonIdentifier
    from credit.subjects.services import register_legal_person

    departments = {d.code: d for d in Department.objects.all()}
    taken = set(
        LegalPersonIdentifier.objects.filter(scheme="org_code").values_list("value", flat=True)
    )
    lps = [lp for lp in legal_persons(99, sample * 2) if lp.org_code not in taken]
    lps = lps[:sample]
    items = {i.code: i for i in CatalogItem.objects.all()}
    rows = [
        r
        for r in credit_records(
            99, sample * 2, lps, [], {c: (d.name, d.uscc) for c, d in departments.items()}
        )
        if r.subject_kind == "L"
    ][:sample]
    started = time.perf_counter()
    with transaction.atomic():
        for r in rows:
            lp = lps[r.subject_ref]
            subject, _ = register_legal_person(actor=None, uscc=lp.uscc, name=lp.name)
            upsert_record(
                actor=None,
                item=items[r.item],
                department=departments[r.department],
                subject=subject,
                payload=r.payload,
            )
        transaction.set_rollback(True)  # measure, then leave the bench database as it was
    return len(rows) / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "large"])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--baseline-sample", type=int, default=2000)
    parser.add_argument(
        "--no-load", action="store_true", help="measure on the data already in credit_bench"
    )
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from credit.demo import loader
    from credit.demo.synthetic.common import SCALES
    from credit.demo.synthetic.subjects import natural_persons
    from credit.records.models import CreditRecord
    from credit.subjects.models import LegalPerson
    from credit.subjects.selectors import legal_person_by_identifier, natural_person_by_id

    call_command("migrate", verbosity=0)
    database = connection.settings_dict["NAME"]
    print(f"# bench_seed — scale={args.scale} seed={args.seed} database={database}")
    quiet = lambda line: None  # noqa: E731
    size = SCALES[args.scale]
    if not args.no_load:
        counts, seconds = _timed(loader.seed, scale=args.scale, seed=args.seed, report=print)
        total = counts["legal_persons"] + counts["natural_persons"] + counts["records"]
        print(f"load (first run or resume): {seconds:8.1f} s  inserted {counts}")
        if total:
            print(f"  throughput: {total / seconds:,.0f} rows/s")
        again, secs = _timed(loader.seed, scale=args.scale, seed=args.seed, report=quiet)
        print(f"idempotent re-run:          {secs:8.1f} s  inserted records={again['records']}")
    rate = _service_baseline(args.baseline_sample)
    generated = size.legal_persons + size.natural_persons + size.records
    print(
        f"baseline service path:      {rate:,.0f} records/s "
        f"(register_legal_person + upsert_record, {args.baseline_sample} records, rolled back)"
    )
    print(
        f"  at that rate the {args.scale} data set ({generated:,} rows) would take "
        f"{generated / rate / 60:,.1f} min"
    )

    # Look-ups on the loaded data.
    rng = random.Random(1)
    lp_count = LegalPerson.objects.count()
    ids = [rng.randint(1, lp_count) for _ in range(args.lookups)]
    sample = list(LegalPerson.objects.filter(id__in=ids).values_list("id", "uscc"))
    usccs = [u for _, u in sample if u]
    orgs = [u[8:17] for u in usccs]
    people = list(natural_persons(args.seed, min(size.natural_persons, 50_000)))
    numbers = [p.id_number for p in rng.sample(people, min(args.lookups, len(people)))]
    lp_ids = [i for i, _ in sample]

    def records_of(pk):
        return list(CreditRecord.objects.filter(legal_person_id=pk).values_list("id", flat=True))

    cases = [
        ("legal person by USCC", lambda k: legal_person_by_identifier(k), usccs),
        ("legal person by org code (cross-walk)", lambda k: legal_person_by_identifier(k), orgs),
        ("natural person by ID (blind index)", lambda k: natural_person_by_id(k), numbers),
        ("records of a legal person", records_of, lp_ids),
    ]
    print(
        f"look-ups over {CreditRecord.objects.count():,} records, {lp_count:,} legal persons "
        "(median / p95 ms; baseline = same query with index scans off)"
    )
    for label, run, keys in cases:
        med, p95 = _latencies(run, keys)
        with connection.cursor() as cur:
            cur.execute(
                "SET enable_indexscan = off; SET enable_bitmapscan = off;"
                " SET enable_indexonlyscan = off"
            )
        base_keys = keys[: max(5, len(keys) // 100)]
        bmed, bp95 = _latencies(run, base_keys)
        with connection.cursor() as cur:
            cur.execute(
                "RESET enable_indexscan; RESET enable_bitmapscan; RESET enable_indexonlyscan"
            )
        print(
            f"  {label:<40} {med:7.2f} / {p95:7.2f}   baseline {bmed:9.2f} / {bp95:9.2f}"
            f"   ({len(keys)} vs {len(base_keys)} keys)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
