"""Benchmark: the public portal's enterprise search (``GET /portal/search/?q=…``) served as in
production — gunicorn, 2 worker processes — on the ``large`` data set (1,000,000 legal
persons), called by 50 concurrent users from a load generator on loopback.

Two runs of ``--seconds`` each: searches by a two-character name fragment (drawn at a random
position of sampled real names, so a natural mix of fragments in nearly every name, such as
常州 or 公司, and rare ones), then by USCC. Prints requests/s and p50/p99 latency per kind —
name searches also split into common (more than 1,000 matches, the count capped) and rare
fragments — and in the same run the same SQL issued directly through psycopg at the same
concurrency (no HTTP, Django or template), as the baseline.
The issue's target: p99 ≤ 200 ms at 50 concurrent users.

Needs the ``large`` data set in ``credit_bench`` on the server of ``DATABASE_URL`` (or the
embedded one): ``bench/bench_seed.py`` loads it; this script loads it too when it is missing,
which takes about 15 minutes. It migrates it first (the ``name_bigrams`` column and its GIN
index take about a minute the first time).

    .venv/bin/python bench/bench_portal.py [--seconds 20] [--concurrency 50]
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
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

PATH = "/portal/search/"
PAGE_SIZE, COUNT_CAP = 20, 1000

# The SQL the portal issues (credit.portal.selectors, as Django renders it), for the baseline.
HITS = """
SELECT lp.id, lp.uscc, lp.name, lp.kind, lp.region_id, lp.legal_representative, lp.status,
       r.code, r.name
FROM subjects_legalperson lp LEFT OUTER JOIN core_region r ON lp.region_id = r.code
"""
BY_IDS = f"{HITS} WHERE lp.id = ANY(%s) ORDER BY lp.id"
BY_USCC = f"{HITS} WHERE lp.uscc = %s LIMIT 1"
# A two-character fragment: the name-bigram posting table (migration subjects/0004).
_GRAM_ROWS = f"SELECT 1 FROM subjects_namegram WHERE gram = %s LIMIT {COUNT_CAP + 1}"
GRAM_COUNT = f"SELECT count(*) FROM ({_GRAM_ROWS}) s"
GRAM_PAGE = (
    "SELECT legal_person_id FROM subjects_namegram WHERE gram = %s "
    f"ORDER BY legal_person_id OFFSET 0 LIMIT {PAGE_SIZE}"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--names", type=int, default=5_000, help="names sampled for fragments")
    args = parser.parse_args()

    from bench_seed import _bench_database_url, ready_large
    from serving import serve

    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    from django.db import connection

    from credit.subjects.models import LegalPerson

    started = time.perf_counter()
    ready_large()
    print(f"# migrated and ready in {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:  # as autovacuum would: index-only scans need it
        cursor.execute("VACUUM ANALYZE subjects_namegram")
    fragments, usccs = _samples(connection, args.names)
    common = {f for f, n in fragments.items() if n > COUNT_CAP}  # n is capped at COUNT_CAP + 1
    print(
        f"# bench_portal — {LegalPerson.objects.count():,} legal persons; "
        f"{len(fragments):,} name fragments ({len(common):,} with more than {COUNT_CAP:,} "
        "matches), "
        f"{len(usccs):,} USCCs; concurrency {args.concurrency}, "
        f"{args.seconds:.0f} s per run"
    )
    connection.close()

    rng = random.Random(5)
    lock = threading.Lock()
    names = list(fragments)
    pick_name = lambda: rng.choice(names)  # noqa: E731
    pick_uscc = lambda: rng.choice(usccs)  # noqa: E731
    label_name = lambda q: "common" if q in common else "rare"  # noqa: E731

    server = serve(args.port, "--backlog", "256")
    try:
        _warm(args.port, [pick_name() for _ in range(40)] + [pick_uscc() for _ in range(40)])
        for kind, pick, label in (("name", pick_name, label_name), ("USCC", pick_uscc, None)):
            result = _load_http(args.port, pick, label, lock, args.concurrency, args.seconds)
            _report(f"HTTP search by {kind} (gunicorn, 2 workers)", *result)
    finally:
        server.terminate()
        server.wait(timeout=30)

    for kind, pick, label in (("name", pick_name, label_name), ("USCC", pick_uscc, None)):
        result = _load_sql(kind, pick, label, lock, args.concurrency, args.seconds)
        _report(f"baseline: the same SQL by {kind} via psycopg", *result)
    return 0


def _samples(connection, count: int) -> tuple[dict[str, int], list[str]]:
    """Two-character fragments of sampled real names with their number of matches (the
    fragments at every position of a name, so common and rare ones both occur), and USCCs."""
    rng = random.Random(3)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT name, uscc FROM subjects_legalperson TABLESAMPLE SYSTEM (2) REPEATABLE (7) "
            "LIMIT %s",
            [count],
        )
        rows = cur.fetchall()
    picked: set[str] = set()
    for name, _ in rows:
        if len(name) >= 2:
            at = rng.randrange(len(name) - 1)
            fragment = name[at : at + 2]
            if "%" not in fragment and "_" not in fragment and fragment.strip() == fragment:
                picked.add(fragment)
    fragments: dict[str, int] = {}
    with connection.cursor() as cur:
        for fragment in sorted(picked):
            cur.execute(GRAM_COUNT, [fragment.upper()])
            fragments[fragment] = cur.fetchone()[0]
    usccs = [u for _, u in rows if u]
    return fragments, usccs


def _request(conn, q: str) -> int:
    conn.request("GET", f"{PATH}?{urllib.parse.urlencode({'q': q})}")
    response = conn.getresponse()
    body = response.read()
    if response.status == 200 and b"search-results" not in body:
        return 0  # a page without results table: the search did not run
    return response.status


def _warm(port: int, queries: list[str]) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for q in queries:
        status = _request(conn, q)
        if status != 200:
            raise SystemExit(f"warm-up request for {q!r} answered {status}")


def _load_http(port, pick, label, lock, concurrency, seconds):
    def one(conn_box, q):
        try:
            return _request(conn_box[0], q) == 200
        except (OSError, http.client.HTTPException):
            conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            return False

    def connect():
        return [http.client.HTTPConnection("127.0.0.1", port, timeout=30)]

    return _run(connect, one, pick, label, lock, concurrency, seconds)


def _load_sql(kind, pick, label, lock, concurrency, seconds):
    import psycopg

    from credit.dbserver import _psycopg_dsn

    dsn = _psycopg_dsn(os.environ["DATABASE_URL"])

    def one(conn_box, q):
        conn = conn_box[0]
        if kind == "USCC":
            conn.execute(BY_USCC, [q]).fetchall()
            return True
        # Fragments are two characters: the portal's posting-table path.
        conn.execute(GRAM_COUNT, [q.upper()]).fetchall()
        ids = [i for (i,) in conn.execute(GRAM_PAGE, [q.upper()]).fetchall()]
        if ids:
            conn.execute(BY_IDS, [ids]).fetchall()
        return True

    def connect():
        return [psycopg.connect(dsn, prepare_threshold=5, autocommit=True)]

    return _run(connect, one, pick, label, lock, concurrency, seconds)


def _run(connect, one, pick, label, lock, concurrency, seconds):
    latencies: dict[str, list[float]] = defaultdict(list)
    errors = [0]
    stop = time.perf_counter() + seconds

    def worker():
        box = connect()
        mine: dict[str, list[float]] = defaultdict(list)
        bad = 0
        while time.perf_counter() < stop:
            with lock:
                q = pick()
            began = time.perf_counter()
            ok = one(box, q)
            elapsed = time.perf_counter() - began
            mine["all"].append(elapsed)
            if label:
                mine[label(q)].append(elapsed)
            bad += not ok
        with lock:
            for key, values in mine.items():
                latencies[key].extend(values)
            errors[0] += bad

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - began


def _line(label: str, values: list[float], seconds: float, errors: int | None = None) -> str:
    ordered = sorted(values)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    tail = f", {errors} errors" if errors is not None else ""
    return (
        f"  {label:<48} {len(ordered) / seconds:>7,.0f} /s  p50 {p50:6.1f} ms  "
        f"p99 {p99:6.1f} ms  ({len(ordered):,}{tail})"
    )


def _report(label, latencies, errors, seconds) -> None:
    if not latencies.get("all"):
        print(f"  {label:<48} no requests completed")
        return
    print(_line(label, latencies["all"], seconds, errors))
    for key in ("common", "rare"):
        if latencies.get(key):
            print(_line(f"  … {key} fragments", latencies[key], seconds))


if __name__ == "__main__":
    sys.exit(main())
