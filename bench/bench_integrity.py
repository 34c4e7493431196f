"""Benchmark: recomputing the integrity scores of 50,000 civil servants with 500,000 records
(公务员诚信分), beside a single SQL aggregate of the same deductions in the same run.

Figures printed:

1. ``recompute_all`` (:func:`credit.integrity.services.scoring.recompute_all`): every civil
   servant synced from the basic record, the explained items, score, grade and history per
   year rebuilt — from nothing (the bench's archives are removed first, so every archive,
   item and year score is written) and again (nothing changed: nothing is rewritten).
   The target: ≤ 60 s on 2 cores.
2. The baseline: one SQL statement computing the same current scores (the rule line matched
   in SQL, the window from the line's date field, months, validity and publicity), and how
   many of its scores agree with the recompute's.
3. One person's recompute (``recompute(person_ids=[x])``, as the job does after a record
   arrives): p50 / p95 / max over ``--people`` people. The target: ≤ 50 ms.

Creates its own data once, with COPY (kept for the next run): 50,000 natural persons with a
公务人员基础信息 record in a department of the city, and 450,000 records of the scored items
(纪律处分, 问责, 其他处分, 行政处罚, 文明交通, 个人事项报告, 失信被执行人, 被执行人, 刑事判决, 考核,
党员评议) dated over the last eight years, a few expired or repaired. Runs in ``credit_bench``
on the server of ``DATABASE_URL`` (or the embedded one), like the other benchmarks.

    .venv/bin/python bench/bench_integrity.py [--people 50] [--civil-servants 50000]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

RECORDS_PER_PERSON = 10  # the basic record and nine others
TAG = "bench-integrity"

#: (item, weight, department, payload maker) of the nine scored records per person.
ITEM_WEIGHTS = {
    "civil-traffic": 20,
    "cs-assessment": 20,
    "admin-penalty": 14,
    "cs-other-handling": 14,
    "party-review": 10,
    "cs-discipline": 6,
    "cs-accountability": 4,
    "cs-personal-matters": 4,
    "judgment-debtor": 4,
    "dishonest-judgment-debtor": 3,
    "criminal-judgment": 1,
}
REPORTER = {
    "cs-basic": "RS",
    "cs-discipline": "JWJW",
    "cs-accountability": "JWJW",
    "cs-other-handling": "SCJG",
    "admin-penalty": "SCJG",
    "civil-traffic": "GA",
    "cs-personal-matters": "ZZB",
    "dishonest-judgment-debtor": "FY",
    "judgment-debtor": "FY",
    "criminal-judgment": "FY",
    "cs-assessment": "RS",
    "party-review": "JGGW",
}
RESULTS = {
    "cs-discipline": ["警告", "记过", "记大过", "降级", "撤职", "严重警告", "留党察看"],
    "cs-accountability": ["责令公开道歉", "停职检查", "通报", "诫勉", "免职"],
    "cs-personal-matters": ["责令作出检查", "诫勉谈话", "通报批评", "调整岗位"],
    "cs-assessment": ["优秀", "称职", "称职", "称职", "基本称职", "不称职"],
    "party-review": ["优秀", "合格", "合格", "合格", "基本合格", "不合格"],
}
SEVERITIES = ["一般", "一般", "较重", "严重", ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--civil-servants", type=int, default=50_000)
    parser.add_argument("--people", type=int, default=50, help="people timed one by one")
    args, _ = parser.parse_known_args()

    from bench_seed import setup_city

    setup_city()
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from credit.integrity.services.rules import import_rules

    import_rules()
    _generate(args.civil_servants)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    from credit.integrity.models import CivilServant, ScoreItem, ScoreYear
    from credit.integrity.services import scoring
    from credit.records.models import CreditRecord

    records = CreditRecord.objects.filter(natural_key__startswith="b1").count()
    print(
        f"# bench_integrity — {args.civil_servants:,} civil servants, {records:,} records of "
        f"theirs; {os.cpu_count()} CPUs; database {connection.settings_dict['NAME']}"
    )

    # 1. recompute_all from nothing (the bench's archives removed first), then again.
    with connection.cursor() as cur:
        cur.execute("TRUNCATE integrity_scoreitem, integrity_scoreyear, integrity_civilservant")
    first = scoring.recompute_all()
    again = scoring.recompute_all()
    print("\n1. recompute_all (sync, items, score, grade, history; chunks of 2,000, 2 at a time)")
    print(f"   {'from nothing (archives created)':40} {first['seconds']:8.1f} s   {_counts(first)}")
    print(f"   {'again (nothing changed)':40} {again['seconds']:8.1f} s   {_counts(again)}")
    print(
        f"   rows: {CivilServant.objects.count():,} civil servants, "
        f"{ScoreItem.objects.count():,} items, {ScoreYear.objects.count():,} year scores"
    )
    best = min(first["seconds"], again["seconds"])
    worst = max(first["seconds"], again["seconds"])
    print(f"   target: ≤ 60 s on 2 cores → {'met' if worst <= 60 else 'NOT met'} ({worst:.1f} s)")

    # 2. The single SQL aggregate of the same deductions.
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(AGGREGATE, {"today": timezone.localdate(), "tz": settings.TIME_ZONE})
        sql_scores = dict(cur.fetchall())
    sql_seconds = time.perf_counter() - started
    ours = dict(CivilServant.objects.values_list("id", "score"))
    agree = sum(1 for pk, score in ours.items() if sql_scores.get(pk) == score)
    print("\n2. baseline: one SQL aggregate of the current scores (no items, no history)")
    print(f"   {'SQL aggregate':40} {sql_seconds:8.1f} s   {len(sql_scores):,} scores")
    print(f"   scores agreeing with recompute_all: {agree:,} of {len(ours):,}")
    print(f"   recompute_all / SQL aggregate: {best / sql_seconds:.1f}×")

    # 3. One person's recompute.
    rng = random.Random(7)
    ids = list(CivilServant.objects.values_list("natural_person_id", flat=True))
    sample = rng.sample(ids, min(args.people, len(ids)))
    times = []
    for pid in sample:
        started = time.perf_counter()
        scoring.recompute(person_ids=[pid])
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(f"\n3. one person's recompute (n={len(times)}): ms")
    print(f"   p50 {statistics.median(times):6.1f}   p95 {p95:6.1f}   max {times[-1]:6.1f}")
    print(f"   target: ≤ 50 ms → {'met' if p95 <= 50 else 'NOT met'} (p95)")
    return 0


def _counts(c: dict) -> str:
    return f"{c['civil_servants']:,} people, {c['items']:,} items, {c['years']:,} years"


# --------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------


def _generate(count: int) -> None:
    """The bench people and their records, once (COPY into staging, then INSERT … ON
    CONFLICT DO NOTHING, so a second run inserts nothing)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from credit.catalog.models import CatalogItem
    from credit.core import crypto
    from credit.core.identifiers import make_resident_id
    from credit.core.masking import mask_id_number
    from credit.core.models import Department
    from credit.subjects.services import ID_PURPOSE, id_index

    items = {i.code: i for i in CatalogItem.objects.all()}
    departments = {d.code: d for d in Department.objects.all()}
    units = [d for d in departments.values() if d.kind != Department.Kind.CREDIT_OFFICE]
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM records_creditrecord WHERE natural_key LIKE 'b1%%' "
            "AND item_id = %s",
            [items["cs-basic"].pk],
        )
        have = cur.fetchone()[0]
    if have >= count:
        return
    print(f"# generating {count:,} civil servants and {count * RECORDS_PER_PERSON:,} records …")
    started = time.perf_counter()
    people = []
    for n in range(count):
        birth = datetime.date(1962, 1, 1) + datetime.timedelta(days=n // 900 * 7)
        number = make_resident_id("320402", birth, n % 900 + 1)
        people.append((f"公务员{n:05d}", number))
    indexes = [id_index("resident_id", number) for _, number in people]
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bench_np (name text, id_cipher bytea, id_index text, "
            "id_masked text, birth date) ON COMMIT DROP"
        )
        with cur.cursor.copy("COPY bench_np FROM STDIN") as copy:
            for (name, number), index in zip(people, indexes, strict=True):
                copy.write_row(
                    (
                        name,
                        crypto.encrypt(number, purpose=ID_PURPOSE),
                        index,
                        mask_id_number(number),
                        datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                    )
                )
        cur.execute(
            """
            INSERT INTO subjects_naturalperson (name, id_type, id_cipher, id_index, id_masked,
                gender, birth_date, division_code, region_id, created_at, updated_at)
            SELECT name, 'resident_id', id_cipher, id_index, id_masked, '', birth, '320402',
                '320402', now(), now()
            FROM bench_np
            ON CONFLICT (id_type, id_index) DO NOTHING
            """
        )
        cur.execute(
            "SELECT n.id_index, n.id FROM subjects_naturalperson n "
            "JOIN bench_np b ON b.id_index = n.id_index AND n.id_type = 'resident_id'"
        )
        person_ids = dict(cur.fetchall())
    rng = random.Random(2026)
    today = timezone.localdate()
    weights = list(ITEM_WEIGHTS.values())
    codes = list(ITEM_WEIGHTS)
    serial = 0

    def key() -> str:
        nonlocal serial
        serial += 1
        return "b1" + hashlib.sha256(f"{TAG}|{serial}".encode()).hexdigest()[:62]

    def rows():
        for (name, number), index in zip(people, indexes, strict=True):
            pid = person_ids[index]
            masked = mask_id_number(number)
            unit = rng.choice(units)
            basic = {
                "name": name,
                "id_number": masked,
                "unit_and_post": f"{unit.name}科员",
                "rank": "一级科员",
                "identity_type": "公务员",
                "political_status": "中共党员",
                "unit_uscc": unit.uscc,
            }
            yield _row(items["cs-basic"], departments["RS"], pid, key(), basic, None, None, None)
            for code in rng.choices(codes, weights, k=RECORDS_PER_PERSON - 1):
                day = today - datetime.timedelta(days=rng.randint(1, 8 * 365))
                payload = {"name": name, "id_number": masked}
                valid_to = publicity_end = None
                if code in RESULTS:
                    payload["result"] = rng.choice(RESULTS[code])
                if code in ("cs-assessment", "party-review"):
                    payload["year"] = day.year - 1
                if code in ("admin-penalty", "civil-traffic"):
                    if severity := rng.choice(SEVERITIES):
                        payload["severity"] = severity
                    valid_to = day + datetime.timedelta(days=rng.choice([180, 365, 730, 1095]))
                    if code == "admin-penalty":
                        publicity_end = day + datetime.timedelta(days=rng.choice([90, 365, 1095]))
                status = "active"
                if publicity_end and publicity_end < today:
                    status = "expired"
                elif rng.random() < 0.02:
                    status = "repaired"
                yield _row(
                    items[code],
                    departments[REPORTER[code]],
                    pid,
                    key(),
                    payload,
                    day,
                    valid_to,
                    publicity_end,
                    status,
                    decided=code not in ("cs-assessment", "party-review"),
                )

    columns = (
        "item_id, natural_person_id, department_id, region_id, natural_key, document_no, "
        "payload, decision_date, valid_to, publicity_end, severity, usage_scope, publishable, "
        "status, version, created_at, updated_at"
    )
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"CREATE TEMP TABLE bench_rec ON COMMIT DROP AS "
            f"SELECT {columns} FROM records_creditrecord WITH NO DATA"
        )
        with cur.cursor.copy(f"COPY bench_rec ({columns}) FROM STDIN") as copy:
            for row in rows():
                copy.write_row(row)
        cur.execute(
            f"""
            INSERT INTO records_creditrecord ({columns})
            SELECT {columns} FROM bench_rec
            ON CONFLICT (item_id, natural_key) DO NOTHING
            """
        )
        inserted = cur.rowcount
    print(f"# generated {inserted:,} records in {time.perf_counter() - started:.1f} s")


def _row(
    item, dept, person_id, key, payload, day, valid_to, publicity_end, status="active", decided=True
):
    now = datetime.datetime.now(datetime.UTC)
    arrived = datetime.datetime.combine(day, datetime.time(2), tzinfo=datetime.UTC) if day else now
    return (
        item.pk,
        person_id,
        dept.pk,
        dept.region_id,
        key,
        "",
        json.dumps(payload, ensure_ascii=False),
        day if decided else None,
        valid_to,
        publicity_end,
        "",
        item.usage_scope,
        item.usage_scope == "public",
        status,
        1,
        arrived,
        now,
    )


#: The current score of every civil servant in one statement: each active record of theirs
#: matched to the line of the version in force (the exact value first, the fewest points
#: first, else the item's default line), its window from the line's date field (a year field
#: from 1 January after it), the decision date or the arrival, for the line's months and
#: within validity and publicity; the base plus the points of the windows containing today.
AGGREGATE = r"""
WITH v AS (
    SELECT id, base FROM integrity_scoreruleset
    ORDER BY effective_from <= %(today)s DESC,
        CASE WHEN effective_from <= %(today)s THEN effective_from END DESC NULLS LAST,
        effective_from
    LIMIT 1
),
m AS (
    SELECT c.id AS cs_id, ln.points, ln.months, ln.date_field, rec.payload,
        rec.decision_date, rec.valid_to, rec.publicity_end, rec.created_at
    FROM integrity_civilservant c
    JOIN records_creditrecord rec
        ON rec.natural_person_id = c.natural_person_id AND rec.status = 'active'
    JOIN LATERAL (
        SELECT l.points, l.months, l.date_field FROM integrity_scorerule l
        WHERE l.ruleset_id = (SELECT id FROM v) AND l.item_id = rec.item_id
          AND (l.value = '' OR btrim(rec.payload ->> l.field) = l.value)
        ORDER BY (l.value = ''), l.points, l.sort_order, l.id
        LIMIT 1
    ) ln ON true
),
w AS (
    SELECT m.cs_id, m.points, d.start,
        LEAST(
            CASE WHEN m.months IS NOT NULL
                 THEN (d.start + make_interval(months => m.months))::date END,
            m.valid_to + 1, m.publicity_end + 1) AS until
    FROM m, LATERAL (SELECT CASE
        WHEN m.date_field <> '' AND btrim(m.payload ->> m.date_field) ~ '^\d{4}$'
            THEN make_date(btrim(m.payload ->> m.date_field)::int + 1, 1, 1)
        WHEN m.date_field <> '' AND btrim(m.payload ->> m.date_field) ~ '^\d{4}-\d{2}-\d{2}$'
            THEN btrim(m.payload ->> m.date_field)::date
        ELSE COALESCE(m.decision_date, (m.created_at AT TIME ZONE %(tz)s)::date)
        END AS start) d
)
SELECT c.id, (SELECT base FROM v) + COALESCE(sum(w.points) FILTER (
        WHERE w.start <= %(today)s AND (w.until IS NULL OR %(today)s < w.until)), 0)
FROM integrity_civilservant c LEFT JOIN w ON w.cs_id = c.id
GROUP BY c.id
"""


if __name__ == "__main__":
    sys.exit(main())
