"""Benchmark: ingest a 行政处罚 CSV with realistic errors (~5 %) end to end, against a plain
PostgreSQL COPY of the clean rows into a scratch table, both measured in the same run.

Prints rows/s of `credit.ingest.pipeline.ingest_file` (first run, then the same file again:
every row unchanged), the Python CPU it used per row, peak RSS, and the rows/s of COPY and the
ratio.
Runs in its own database (``credit_bench_ingest``, dropped and created afresh on every run) so
demo and test data stay untouched.
The issue's target is ≥ 20,000 rows/s end to end on 2 cores and ≥ 0.2 of the COPY rate.

    .venv/bin/python bench/bench_ingest.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()

    from bench_seed import _bench_database_url

    os.environ["DATABASE_URL"] = _bench_database_url().replace(
        "credit_bench", "credit_bench_ingest"
    )
    _ensure_database(os.environ["DATABASE_URL"])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench_ingest_parts import _generate
    from credit.catalog.services import import_catalog_file
    from credit.core.services import load_city_config
    from credit.dbserver import var_dir
    from credit.ingest.pipeline import ingest_file

    call_command("migrate", verbosity=0)
    load_city_config()
    import_catalog_file()
    path = var_dir() / "bench" / f"penalty-{args.rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        _generate(path, args.rows)
    print(f"# bench_ingest — {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB")

    for label in ("ingest_file (first run)", "ingest_file (same file again)"):
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime
        started = time.perf_counter()
        batch = ingest_file(
            actor=None, path=path, item_code="admin-penalty", department_code="SCJG"
        )
        seconds = time.perf_counter() - started
        cpu = resource.getrusage(resource.RUSAGE_SELF).ru_utime - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  {label:<30} {batch.total / seconds:>8,.0f} rows/s  {seconds:7.1f} s  "
            f"Python CPU {cpu / batch.total * 1e6:,.0f} µs/row  peak RSS {rss:,.0f} MiB  "
            f"receipt {batch.summary()}"
        )
        if label.endswith("(first run)"):
            first_rate = batch.total / seconds

    clean = path.with_suffix(".clean.csv")
    with path.open(encoding="utf-8-sig", newline="") as src, clean.open("w", newline="") as dst:
        reader, writer = csv.reader(src), csv.writer(dst)
        header = next(reader)
        writer.writerow(header)
        for n, row in enumerate(reader):
            if n % 20:
                writer.writerow(row)
    with connection.cursor() as cur:
        cols = ", ".join(f"c{i} text" for i in range(len(header)))
        cur.execute(f"DROP TABLE IF EXISTS bench_copy; CREATE UNLOGGED TABLE bench_copy ({cols})")
        started = time.perf_counter()
        with (
            clean.open("rb") as fh,
            cur.cursor.copy("COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
        ):
            while block := fh.read(1 << 20):
                copy.write(block)
        copy_seconds = time.perf_counter() - started
        cur.execute("SELECT count(*) FROM bench_copy")
        copied = cur.fetchone()[0]
        cur.execute("DROP TABLE bench_copy")
    copy_rate = copied / copy_seconds
    print(f"  baseline COPY (clean rows) {copy_rate:>10,.0f} rows/s  {copy_seconds:8.1f} s")
    print(f"  ratio first run / COPY     {first_rate / copy_rate:10.5f}")
    return 0


def _ensure_database(url: str) -> None:
    import urllib.parse

    import psycopg

    from credit.dbserver import _psycopg_dsn

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        _psycopg_dsn(parts._replace(path="/postgres").geturl()), autocommit=True
    ) as conn:
        # A fresh database each run, so that "first run" means an empty library.
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    sys.exit(main())
