"""Benchmark: exporting 1,000,000 行政处罚 records to a partner's intermediate database
(MariaDB at 127.0.0.1:3306, database ``test``) through the database adapter, and to zipped
XML data files through the data-file adapter, beside a plain ``COPY (SELECT …) TO STDOUT``
of the same rows in the same run.

Figures printed:

1. The export through :class:`credit.exchange.adapters.database.DatabaseAdapter`: the records
   read with a server-side cursor (streamed, never all in memory), turned into
   :class:`~credit.exchange.adapters.Outgoing` items as the runner does, and upserted into the
   partner's table in calls of ``--chunk`` items (one transaction per call, ``INSERT … ON
   DUPLICATE KEY UPDATE`` in executemany batches of 1,000). Rows/s, and the process's resident
   memory at each tenth (it must stay flat) and its peak.
2. The same export again: every key already there, every row updated (the idempotent re-send).
3. The export to zipped XML files (``<报文号>_YYYYMMDD_NNNNN.zip``, one file of ``--chunk``
   records per send) in a local folder through
   :class:`credit.exchange.adapters.files.FilesAdapter`: rows/s, the files' size, memory.
4. The baseline: ``COPY (SELECT the same columns …) TO STDOUT`` of the same rows, read by the
   same process — how fast the rows leave PostgreSQL at all.

The records are generated with one INSERT … SELECT in ``credit_bench`` (on the server of
``DATABASE_URL``, or the embedded one) inside a transaction that is rolled back at the end;
the partner table (``bench_exchange_xzcf``) is dropped at the end.

    .venv/bin/python bench/bench_exchange.py [--records 1000000] [--chunk 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

PARTNER_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
TABLE = "bench_exchange_xzcf"
MAPPING = {
    "table": TABLE,
    "key_column": "record_key",
    "fields": {
        "CF_WSH": "document_no",
        "CF_XDR": "subject_name",
        "CF_LB": "penalty_category",
        "CF_FK": "fine_amount",
        "CF_JDRQ": "decision_date",
        "CF_JG": "authority",
        "JLID": "_record.id",
        "ZT": "_record.status",
    },
    "kind_column": "change_kind",
    "version_column": "record_version",
    "time_column": "synced_at",
}


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=5000, help="items per adapter.send call")
    args, _ = parser.parse_known_args()

    from bench_seed import setup_city

    setup_city()
    import sqlalchemy as sa
    from django.db import connection, transaction

    from credit.catalog.models import CatalogItem
    from credit.core.models import Department, Region
    from credit.exchange.adapters import ExchangeError
    from credit.exchange.adapters.database import DatabaseAdapter, partner_ddl
    from credit.exchange.models import Channel, Partner

    item = CatalogItem.objects.get(code="admin-penalty")
    city = Region.objects.get(code="320400")
    partner = Partner(code="bench", name="基准测试省平台", kind="database", region=city)
    partner.config = {"url": PARTNER_URL}
    channel = Channel(partner=partner, item=item, direction="up", mapping=MAPPING)
    try:
        adapter = DatabaseAdapter(partner)
        adapter.check()
    except ExchangeError as exc:
        print(f"# bench_exchange skipped: {exc}")
        return 0
    print(
        f"# bench_exchange — {args.records:,} 行政处罚 records to MariaDB {PARTNER_URL} "
        f"table {TABLE}, {args.chunk:,} per send; {os.cpu_count()} CPUs; "
        f"database {connection.settings_dict['NAME']}"
    )
    with adapter.engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        conn.execute(sa.text(partner_ddl("mysql", MAPPING, item=item)))

    try:
        with transaction.atomic():
            started = time.perf_counter()
            _generate(args.records, item, Department.objects.get(code="SCJG"))
            print(f"# generated {args.records:,} records in {time.perf_counter() - started:.1f} s")

            for label in ("first export (all inserted)", "again (all keys there: updated)"):
                sent, seconds, marks = _export(adapter, channel, args.chunk)
                print(f"\n{label}")
                print(
                    f"   {sent:,} rows in {seconds:.1f} s = {sent / seconds:,.0f} rows/s; "
                    f"RSS at each tenth (MB): {' '.join(f'{m:.0f}' for m in marks)}; "
                    f"peak {_peak_mb():.0f} MB"
                )
            with adapter.engine.connect() as conn:
                count = conn.execute(sa.text(f"SELECT count(*) FROM {TABLE}")).scalar()
            print(f"   partner table rows: {count:,} (one per key)")

            _files_export(args.chunk, item, city)

            copied, nbytes, seconds = _copy_baseline()
            print("\nbaseline: COPY (SELECT the same columns …) TO STDOUT, read by this process")
            print(
                f"   {copied:,} rows ({nbytes / 2**20:,.0f} MB) in {seconds:.1f} s = "
                f"{copied / seconds:,.0f} rows/s"
            )
            transaction.set_rollback(True)
    finally:
        with adapter.engine.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {TABLE}"))
        adapter.close()
    return 0


def _generate(count: int, item, department) -> None:
    """``count`` active 行政处罚 records of 2,000 bench companies, in one INSERT … SELECT
    (inside the caller's transaction, rolled back at the end)."""
    from django.db import connection
    from django.utils import timezone

    from credit.subjects.models import LegalPerson

    people = LegalPerson.objects.bulk_create(
        LegalPerson(name=f"基准测试企业{n:04d}", kind="organisation", region_id="320402")
        for n in range(2000)
    )
    first = min(p.pk for p in people)
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO records_creditrecord (item_id, legal_person_id, department_id, region_id,
                natural_key, document_no, payload, decision_date, valid_to, publicity_end,
                severity, usage_scope, publishable, status, version, created_at, updated_at)
            SELECT %(item)s, %(first)s + g %% 2000, %(dept)s, '320402',
                'bx' || lpad(g::text, 20, '0'), '常市监罚〔2026〕' || g || '号',
                jsonb_build_object(
                    'subject_name', '基准测试企业' || lpad((g %% 2000)::text, 4, '0'),
                    'document_no', '常市监罚〔2026〕' || g || '号',
                    'penalty_category', '罚款',
                    'fine_amount', ((g %% 500) / 10.0)::text,
                    'decision_date', (date '2025-01-01' + g %% 400)::text,
                    'authority', '常州市市场监督管理局',
                    'violation_facts', '未按规定公示年度报告，责令改正后仍未改正。'),
                date '2025-01-01' + g %% 400, date '2028-01-01', date '2028-01-01',
                '', %(scope)s, true, 'active', 1, %(now)s, %(now)s
            FROM generate_series(1, %(count)s) g
            """,
            {
                "item": item.pk,
                "first": first,
                "dept": department.pk,
                "scope": item.usage_scope,
                "now": timezone.now(),
                "count": count,
            },
        )


def _export(adapter, channel, chunk: int) -> tuple[int, float, list[float]]:
    """Stream the bench records (server-side cursor) into ``adapter.send`` by ``chunk``."""
    from django.db import connection

    from credit.exchange.adapters import Outgoing

    total = _bench_count()
    tenth = max(total // 10, 1)
    marks: list[float] = []
    sent = 0
    started = time.perf_counter()
    raw = connection.connection  # the psycopg connection, inside the open transaction
    with raw.cursor(name="bench_exchange") as cur:
        cur.itersize = chunk
        cur.execute(
            "SELECT id, version, status, decision_date, payload "
            "FROM records_creditrecord WHERE natural_key LIKE 'bx%%' ORDER BY id"
        )
        batch = []
        for rid, version, status, decided, text in cur:
            payload = json.loads(text) if isinstance(text, str) else text
            payload["_record"] = {
                "id": rid,
                "status": status,
                "decision_date": decided,
                "version": version,
            }
            batch.append(Outgoing(f"{rid}-{version}", rid, version, "created", payload))
            if len(batch) >= chunk:
                sent += _send(adapter, channel, batch)
                batch = []
                if sent // tenth > len(marks):
                    marks.append(_rss_mb())
        if batch:
            sent += _send(adapter, channel, batch)
    return sent, time.perf_counter() - started, marks


def _files_export(chunk: int, item, city) -> None:
    """The same records to zipped XML files in a temporary folder (the partner and channel
    saved inside the rolled-back transaction: the adapter records each file it writes)."""
    import tempfile

    from credit.exchange.adapters.files import FilesAdapter
    from credit.exchange.models import Channel, Partner

    with tempfile.TemporaryDirectory(prefix="bench_exchange_") as folder:
        partner = Partner.objects.create(
            code="bench-files",
            name="基准测试数据文件",
            kind="files",
            region=city,
            config={"transport": "local", "path": folder, "format": "xml", "zip": True,
                    "message_code": "XZCF"},
        )  # fmt: skip
        fields = dict(MAPPING["fields"])
        channel = Channel.objects.create(
            partner=partner, item=item, direction="up", period="daily",
            mapping={"fields": fields},
        )  # fmt: skip
        adapter = FilesAdapter(partner)
        sent, seconds, marks = _export(adapter, channel, chunk)
        outbox = Path(folder) / "outbox"
        files = sorted(outbox.glob("*.zip"))
        size = sum(f.stat().st_size for f in files)
        print("\nzipped XML files (local folder)")
        print(
            f"   {sent:,} rows in {seconds:.1f} s = {sent / seconds:,.0f} rows/s; "
            f"{len(files):,} files ({files[0].name} … {files[-1].name}), {size / 2**20:,.1f} MB "
            f"zipped; RSS at each tenth (MB): {' '.join(f'{m:.0f}' for m in marks)}; "
            f"peak {_peak_mb():.0f} MB"
        )
        adapter.close()


def _send(adapter, channel, batch) -> int:
    receipts = adapter.send(channel, batch)
    refused = [r for r in receipts if not r.ok]
    if refused:
        raise SystemExit(f"refused: {refused[:3]}")
    return len(receipts)


def _bench_count() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM records_creditrecord WHERE natural_key LIKE 'bx%%'")
        return cur.fetchone()[0]


def _copy_baseline() -> tuple[int, int, float]:
    from django.db import connection

    query = (
        "COPY (SELECT id || '-' || version, payload ->> 'document_no', "
        "payload ->> 'subject_name', payload ->> 'penalty_category', "
        "payload ->> 'fine_amount', payload ->> 'decision_date', payload ->> 'authority', "
        "id, status, 'created', version, now() FROM records_creditrecord "
        "WHERE natural_key LIKE 'bx%' ORDER BY id) TO STDOUT"
    )
    started = time.perf_counter()
    rows = nbytes = 0
    with connection.cursor() as cur, cur.cursor.copy(query) as copy:
        for block in copy:
            nbytes += len(block)
            rows += bytes(block).count(b"\n")
    return rows, nbytes, time.perf_counter() - started


if __name__ == "__main__":
    sys.exit(main())
