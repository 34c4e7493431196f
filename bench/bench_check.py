"""Benchmark: the signed joint reward/punishment check (``GET /api/v1/sanctions/check``) served
as in production — gunicorn, 2 worker processes — on the ``large`` data set, called from a load
generator on loopback for random subjects (90 % clean, 10 % listed).

Prints checks/s and p50/p99 latency, and in the same run the rate of the same look-ups issued
directly through psycopg (subject by USCC, its list entries in force, their measures) at the
same concurrency, so the cost of HTTP, signing, limits, logging and the check record shows.
The issue's target: ≥ 1,000 checks/s at p99 ≤ 50 ms on 2 cores.

Needs the ``large`` data set in ``credit_bench`` (``bench/bench_seed.py`` loads it; this script
loads it too when it is missing, which takes about 15 minutes).

    .venv/bin/python bench/bench_check.py [--seconds 30] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

PATH = "/api/v1/sanctions/check"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--subjects", type=int, default=20_000)
    args = parser.parse_args()

    from bench_seed import _bench_database_url, ready_large
    from serving import serve

    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    from django.db import connection

    from credit.subjects.models import LegalPerson

    ready_large()
    _load_measures()
    key, secret = _client()
    clean, listed = _subjects(connection, args.subjects)
    print(
        f"# bench_check — {LegalPerson.objects.count():,} legal persons, "
        f"{len(clean):,} clean and {len(listed):,} listed subjects sampled, "
        f"concurrency {args.concurrency}, {args.seconds:.0f} s per run"
    )
    connection.close()

    rng = random.Random(11)
    pick = lambda: rng.choice(listed) if rng.random() < 0.1 else rng.choice(clean)  # noqa: E731

    server = serve(args.port)
    try:
        _warm(args.port, key, secret, [pick() for _ in range(50)])
        done, latencies, errors, seconds = _load_http(
            args.port, key, secret, pick, args.concurrency, args.seconds
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    _report("signed HTTP check (gunicorn, 2 workers)", done, latencies, errors, seconds)

    done, latencies, errors, seconds = _load_sql(pick, args.concurrency, args.seconds)
    _report("baseline: the same look-ups via psycopg", done, latencies, errors, seconds)
    return 0


def _load_measures() -> None:
    from credit.sanctions.models import Measure

    if Measure.objects.exists():
        return
    from django.core.management import call_command

    try:
        call_command("sanctions_measures", "load", verbosity=0)
    except Exception as exc:  # the catalogue command may be missing in an old checkout
        print(f"# measures not loaded: {exc}")


def _client() -> tuple[str, str]:
    from credit.core.models import Department
    from credit.gateway import services
    from credit.gateway.models import ApiClient

    client = ApiClient.objects.filter(name="压力测试").first()
    if client is None:
        client, secret = services.create_client(
            actor=None,
            name="压力测试",
            kind=ApiClient.Kind.DEPARTMENT,
            department=Department.objects.get(code="SCJG"),
            ips=["127.0.0.1/32"],
            scopes=["sanctions:check"],
            rate_limit=1_000_000,
            daily_quota=1_000_000_000,
        )
        return client.key, secret
    return client.key, services.rotate_secret(actor=None, client=client)


def _subjects(connection, count: int) -> tuple[list[str], list[str]]:
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT DISTINCT lp.uscc FROM records_creditrecord r
            JOIN catalog_catalogitem i ON i.id = r.item_id
            JOIN subjects_legalperson lp ON lp.id = r.legal_person_id
            WHERE i.category IN ('red_list', 'black_list', 'attention_list')
              AND r.status = 'active' AND (r.valid_to IS NULL OR r.valid_to >= current_date)
            LIMIT %s
            """,
            [count // 10],
        )
        listed = [u for (u,) in cur.fetchall()]
        cur.execute(
            """
            SELECT lp.uscc FROM subjects_legalperson lp TABLESAMPLE SYSTEM (5)
            WHERE lp.uscc IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM records_creditrecord r JOIN catalog_catalogitem i ON i.id = r.item_id
                WHERE r.legal_person_id = lp.id
                  AND i.category IN ('red_list', 'black_list', 'attention_list'))
            LIMIT %s
            """,
            [count],
        )
        clean = [u for (u,) in cur.fetchall()]
    return clean, listed


def _request(conn, key, secret, uscc):
    from credit.gateway.client import signed_headers

    query = urllib.parse.urlencode({"id": uscc, "reason": "压力测试", "scenario": "bidding"})
    conn.request("GET", f"{PATH}?{query}", headers=signed_headers(key, secret, "GET", PATH, query))
    response = conn.getresponse()
    response.read()
    return response.status


def _warm(port, key, secret, subjects) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for uscc in subjects:
        status = _request(conn, key, secret, uscc)
        if status != 200:
            raise SystemExit(f"warm-up request answered {status}")


def _load_http(port, key, secret, pick, concurrency, seconds):
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        bad = 0
        while time.perf_counter() < stop:
            with lock:
                uscc = pick()
            started = time.perf_counter()
            try:
                status = _request(conn, key, secret, uscc)
            except (OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append(time.perf_counter() - started)
            bad += status != 200
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    return _run(worker, concurrency, latencies, errors)


def _load_sql(pick, concurrency, seconds):
    import psycopg

    from credit.dbserver import _psycopg_dsn

    dsn = _psycopg_dsn(os.environ["DATABASE_URL"])
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def worker():
        mine = []
        with psycopg.connect(dsn) as conn:
            while time.perf_counter() < stop:
                with lock:
                    uscc = pick()
                started = time.perf_counter()
                row = conn.execute(
                    "SELECT id FROM subjects_legalperson WHERE uscc = %s", [uscc]
                ).fetchone()
                entries = conn.execute(
                    """
                    SELECT r.id, i.category FROM records_creditrecord r
                    JOIN catalog_catalogitem i ON i.id = r.item_id
                    WHERE r.legal_person_id = %s
                      AND i.category IN ('red_list', 'black_list', 'attention_list')
                      AND r.status = 'active'
                      AND (r.valid_to IS NULL OR r.valid_to >= current_date)
                    """,
                    [row[0]],
                ).fetchall()
                if entries:
                    conn.execute(
                        "SELECT code, text FROM sanctions_measure WHERE is_active "
                        "AND list_kind = ANY(%s) AND scenarios @> ARRAY['bidding']::varchar[]",
                        [[c for _, c in entries]],
                    ).fetchall()
                mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)

    return _run(worker, concurrency, latencies, errors)


def _run(worker, concurrency, latencies, errors):
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return len(latencies), latencies, errors[0], time.perf_counter() - started


def _report(label, done, latencies, errors, seconds) -> None:
    if not latencies:
        print(f"  {label:<42} no requests completed")
        return
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    print(
        f"  {label:<42} {done / seconds:>8,.0f} /s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"({done:,} in {seconds:.1f} s, {errors} errors)"
    )


if __name__ == "__main__":
    sys.exit(main())
