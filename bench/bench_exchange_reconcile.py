"""Benchmark: the reconciliation (对账) and the 7-working-day timeliness (上报时效) of a partner
whose upward 行政处罚 channel holds 1,000,000 deliveries, for one month, beside plain grouped
counts of the same rows in the same run.

Figures printed (median of three runs each):

1. :func:`credit.exchange.selectors.reconciliation` for the month: the deliveries that entered
   the outbox in it counted by status, with the most frequent refusal reasons.
2. :func:`credit.exchange.selectors.timeliness` for the month: the records whose deadline
   (7 working days after the decision) falls in it, by when the partner confirmed them.
3. The baselines: ``SELECT status, count(*) … GROUP BY status`` over the month's deliveries,
   and ``SELECT count(*)`` of the records decided in the month — what reading the rows costs
   at all.

The records are generated as :mod:`bench_exchange` does (decisions spread over 400 days from
2025-01-01, about 2,500 a day), one delivery each with one INSERT … SELECT: nine in ten
confirmed 1–9 days after the decision, one in twenty refused (twelve reasons), the rest
pending; all inside a transaction rolled back at the end.

    .venv/bin/python bench/bench_exchange_reconcile.py [--records 1000000]
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

MONTH = (datetime.date(2025, 6, 1), datetime.date(2025, 6, 30))


def _median(fn) -> tuple[float, object]:
    times, result = [], None
    for _ in range(3):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    args, _ = parser.parse_known_args()

    from bench_seed import setup_city

    setup_city()
    from django.db import connection, transaction

    from bench_exchange import _generate
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department, Region
    from credit.exchange import selectors
    from credit.exchange.models import Channel, Partner

    item = CatalogItem.objects.get(code="admin-penalty")
    print(
        f"# bench_exchange_reconcile — {args.records:,} deliveries of one upward 行政处罚 "
        f"channel, month {MONTH[0]}–{MONTH[1]}; {os.cpu_count()} CPUs; "
        f"database {connection.settings_dict['NAME']}"
    )
    with transaction.atomic():
        started = time.perf_counter()
        _generate(args.records, item, Department.objects.get(code="SCJG"))
        partner = Partner.objects.create(
            code="bench-recon", name="基准测试对账伙伴", kind="database",
            region=Region.objects.get(code="320400"),
            config={"url": "mysql+pymysql://root@127.0.0.1:3306/test"},
        )  # fmt: skip
        channel = Channel.objects.create(
            partner=partner, item=item, direction="up", period="daily",
            mapping={"table": "t", "key_column": "k", "fields": {"ZT": "_record.status"}},
        )  # fmt: skip
        _deliveries(channel.pk)
        print(
            f"# generated {args.records:,} records and their deliveries in "
            f"{time.perf_counter() - started:.1f} s"
        )
        start, end = MONTH
        seconds, rows = _median(lambda: selectors.reconciliation(partner, start=start, end=end))
        (row,) = rows
        print("\nreconciliation (对账) of the month")
        print(
            f"   {seconds * 1000:,.0f} ms: total {row['total']:,}, acked {row['acked']:,}, "
            f"rejected {row['rejected']:,} ({len(row['reasons'])} reasons shown), "
            f"pending {row['pending']:,}"
        )
        seconds, rows = _median(lambda: selectors.timeliness(partner, start=start, end=end))
        (row,) = rows
        print("\ntimeliness (上报时效) of the month")
        print(
            f"   {seconds * 1000:,.0f} ms: due {row['due']:,}, on time {row['timely']:,}, "
            f"late {row['late']:,}, overdue {row['overdue']:,}, rate {row['rate']}%"
        )
        seconds, counts = _median(lambda: _baseline_deliveries(channel.pk))
        print("\nbaseline: SELECT status, count(*) of the month's deliveries GROUP BY status")
        print(f"   {seconds * 1000:,.0f} ms: {counts}")
        seconds, decided = _median(lambda: _baseline_records(item.pk))
        print("baseline: SELECT count(*) of the records decided in the month")
        print(f"   {seconds * 1000:,.0f} ms: {decided:,}")
        transaction.set_rollback(True)
    return 0


def _deliveries(channel_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO exchange_delivery (channel_id, key, record_id, version, change_kind,
                status, reason, attempts, created_at, sent_at, acked_at)
            SELECT %(channel)s, r.id || '-1', r.id, 1, 'created',
                CASE WHEN r.id %% 20 = 0 THEN 'rejected' WHEN r.id %% 20 = 1 THEN 'pending'
                     ELSE 'acked' END,
                CASE WHEN r.id %% 20 = 0
                     THEN '字段校验不通过：原因' || abs(hashtext(r.id::text) %% 12) ELSE '' END,
                CASE WHEN r.id %% 20 = 1 THEN 0 ELSE 1 END,
                q.at, CASE WHEN r.id %% 20 = 1 THEN NULL ELSE q.at + interval '8 hours' END,
                CASE WHEN r.id %% 20 > 1 THEN q.at + interval '8 hours 1 minute' END
            FROM records_creditrecord r,
                LATERAL (SELECT ((r.decision_date + 1 + (r.id %% 9)::int)::timestamp
                                 + interval '9 hours') AT TIME ZONE 'UTC' AS at) q
            WHERE r.natural_key LIKE 'bx%%'
            """,
            {"channel": channel_id},
        )
        cur.execute("ANALYZE exchange_delivery")
        cur.execute("ANALYZE records_creditrecord")


def _baseline_deliveries(channel_id: int) -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT status, count(*) FROM exchange_delivery WHERE channel_id = %s "
            "AND created_at >= %s AND created_at < %s GROUP BY status ORDER BY status",
            [channel_id, MONTH[0], MONTH[1] + datetime.timedelta(days=1)],
        )
        return dict(cur.fetchall())


def _baseline_records(item_id: int) -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM records_creditrecord WHERE item_id = %s "
            "AND decision_date BETWEEN %s AND %s",
            [item_id, *MONTH],
        )
        return cur.fetchone()[0]


if __name__ == "__main__":
    sys.exit(main())
