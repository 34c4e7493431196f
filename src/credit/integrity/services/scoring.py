"""Recomputing civil servants' integrity scores (诚信分) — the explained items, the current score
and grade, and the score history per year.

A civil servant's score as at a date is the base of the rule version in force then plus the
points of every record whose window contains the date (:mod:`credit.integrity.rules`). Which
records count: those of the natural person (one person, one file: the 行政处罚 and 失信被执行人
records already in the library are the person's by ID number) of an item the rules score, in
status 有效 or 已过公示期 (the latter only for the history: their window has ended). A record
suspended by an objection does not count while the objection is handled; a repaired (已修复)
or revoked (已撤销) one no longer counts at all, in the history neither — repair takes a
record out of use, and a revoked record should never have been recorded.

When it is recomputed (all through :func:`recompute`):

- a record arrives, changes, is suspended, restored, repaired, revoked or expires: every write
  of records tells :func:`enqueue_for_records` (``credit.records.changes``), which enqueues
  ``integrity.recompute`` jobs in that transaction, so the job exists exactly when the change
  commits;
- a window opens or closes with the passing of time (a 警告 counts six months, an assessment
  from 1 January), a new year begins, or a new rule version comes into force: the daily job
  recomputes :func:`due_today`;
- ``credit integrity recompute [--all]`` and :func:`recompute_all` (set-based, in chunks).

Each recompute rebuilds the person's :class:`~credit.integrity.models.ScoreItem` rows (under
the version in force today; ``in_force`` tells which counted today) and
:class:`~credit.integrity.models.ScoreYear` rows (every year from the first record's year to
this year: as at 31 December, this year as at today, each under the version in force then).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.integrity import rules
from credit.integrity.constants import BASIC
from credit.integrity.models import CivilServant, ScoreItem, ScoreRule, ScoreRuleSet, ScoreYear
from credit.integrity.services import archive
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

#: People per ``integrity.recompute`` job.
JOB_CHUNK = 1000
#: People per transaction of :func:`recompute_all` (and of a large :func:`recompute`).
CHUNK = 2000
#: Chunks :func:`recompute_all` works on at a time (the target machine has two cores).
WORKERS = 2
#: Record statuses that score (see the module docs).
SCORED_STATUSES = (RecordStatus.ACTIVE, RecordStatus.EXPIRED)

_RECORD = CreditRecord._meta.db_table
_SERVANT = CivilServant._meta.db_table
_ITEM = ScoreItem._meta.db_table
_YEAR = ScoreYear._meta.db_table
_RULESET = ScoreRuleSet._meta.db_table
_CATALOG = CatalogItem._meta.db_table


def _chunks(values: Sequence[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


# --------------------------------------------------------------------------------------------
# Enqueue (called by the records' change listener)
# --------------------------------------------------------------------------------------------

_PEOPLE_OF_RECORDS = f"""
SELECT DISTINCT r.natural_person_id
FROM {_RECORD} r
WHERE r.id = ANY(%s) AND r.natural_person_id IS NOT NULL
  AND (r.item_id = (SELECT i.id FROM {_CATALOG} i WHERE i.code = %s)
       OR EXISTS (SELECT 1 FROM {_SERVANT} c WHERE c.natural_person_id = r.natural_person_id))
ORDER BY 1
"""  # noqa: S608 — table names are the models' own


def enqueue_for_records(record_ids: Sequence[int]) -> int:
    """Enqueue, in the running transaction, the recompute of the people these records
    concern: natural persons who are civil servants, or whose record is a 公务人员基础信息
    record (a would-be civil servant). One query; jobs of at most :data:`JOB_CHUNK` people;
    nothing when no one. Returns how many people."""
    ids = list(record_ids)
    if not ids:
        return 0
    with connection.cursor() as cur:
        cur.execute(_PEOPLE_OF_RECORDS, [ids, BASIC])
        people = [pk for (pk,) in cur.fetchall()]
    if people:
        from credit.integrity.tasks import recompute as recompute_task

        recompute_task.batch_defer(*({"person_ids": chunk} for chunk in _chunks(people, JOB_CHUNK)))
    return len(people)


# --------------------------------------------------------------------------------------------
# The rules, loaded
# --------------------------------------------------------------------------------------------


def load_versions() -> list[rules.Version]:
    """Every rule version with its lines, oldest first."""
    lines: dict[int, list[rules.Line]] = {}
    for r in ScoreRule.objects.select_related("item").order_by("ruleset_id", "sort_order", "id"):
        lines.setdefault(r.ruleset_id, []).append(
            rules.Line(
                id=r.pk,
                item=r.item.code,
                points=r.points,
                field=r.field,
                value=r.value,
                date_field=r.date_field,
                months=r.months,
                label=r.label,
            )
        )
    return [
        rules.Version(
            id=v.pk,
            code=v.code,
            effective_from=v.effective_from,
            base=v.base,
            grade_a_min=v.grade_a_min,
            grade_b_min=v.grade_b_min,
            grade_c_min=v.grade_c_min,
            lines=tuple(lines.get(v.pk, ())),
        )
        for v in ScoreRuleSet.objects.order_by("effective_from")
    ]


@dataclass(frozen=True)
class Record:
    """What scoring reads of a record (its payload: only the fields the rules name)."""

    id: int
    person_id: int
    item: str
    payload: dict[str, Any]
    decision_date: datetime.date | None
    valid_to: datetime.date | None
    publicity_end: datetime.date | None
    created: datetime.date
    status: str


class _Rules:
    """The versions, the items and fields they read, and per-version matches."""

    def __init__(self, versions: list[rules.Version]):
        self.versions = versions
        lines = [line for v in versions for line in v.lines]
        self.items = sorted({line.item for line in lines})
        self.fields = sorted(
            {line.field for line in lines if line.field}
            | {line.date_field for line in lines if line.date_field}
        )
        codes = dict(CatalogItem.objects.filter(code__in=self.items).values_list("pk", "code"))
        self.item_ids = sorted(codes)
        self.code_of = codes

    def load_records(self, person_ids: list[int]) -> dict[int, list[Record]]:
        """The scored records of these people, by person (one query)."""
        if not self.item_ids or not person_ids:
            return {}
        picks = ", r.payload ->> %s" * len(self.fields)
        sql = f"""
            SELECT r.id, r.natural_person_id, r.item_id, r.decision_date, r.valid_to,
                r.publicity_end, (r.created_at AT TIME ZONE %s)::date, r.status{picks}
            FROM {_RECORD} r
            WHERE r.natural_person_id = ANY(%s) AND r.item_id = ANY(%s) AND r.status = ANY(%s)
            ORDER BY r.natural_person_id, r.id
        """  # noqa: S608 — table name the model's own; the picks are placeholders
        # In the order of the placeholders: the time zone, the fields, then the filters.
        params = [
            settings.TIME_ZONE,
            *self.fields,
            person_ids,
            self.item_ids,
            list(SCORED_STATUSES),
        ]
        out: dict[int, list[Record]] = {}
        fields = self.fields
        with connection.cursor() as cur:
            cur.execute(sql, params)
            for row in cur.fetchall():
                rec = Record(
                    id=row[0],
                    person_id=row[1],
                    item=self.code_of[row[2]],
                    decision_date=row[3],
                    valid_to=row[4],
                    publicity_end=row[5],
                    created=row[6],
                    status=row[7],
                    payload={f: v for f, v in zip(fields, row[8:], strict=True) if v is not None},
                )
                out.setdefault(rec.person_id, []).append(rec)
        return out


@dataclass(frozen=True)
class Scored:
    record: Record
    line: rules.Line
    window: rules.Window
    record_day: datetime.date


def score_records(version: rules.Version, records: list[Record]) -> list[Scored]:
    """The records that score under ``version``, each with its line and window."""
    out = []
    for rec in records:
        line = version.match(rec.item, rec.payload)
        if line is None:
            continue
        day, _ = rules.dated(
            line, rec.payload, decision_date=rec.decision_date, created=rec.created
        )
        win = rules.window(
            line,
            rec.payload,
            decision_date=rec.decision_date,
            created=rec.created,
            valid_to=rec.valid_to,
            publicity_end=rec.publicity_end,
        )
        out.append(Scored(rec, line, win, day))
    return out


@dataclass
class Result:
    """One civil servant's recomputed score."""

    servant_id: int
    version: rules.Version
    score: int
    grade: str
    items: list[tuple[Scored, bool]]
    years: list[tuple[int, datetime.date, int, str, int]]  # year, as_of, score, grade, version


def compute(
    servant_id: int, records: list[Record], rule_book: _Rules, today: datetime.date
) -> Result | None:
    """A civil servant's items, score and history (pure given the records and versions)."""
    current = rules.version_at(rule_book.versions, today)
    if current is None:
        return None
    per_version: dict[int, list[Scored]] = {current.id: score_records(current, records)}
    now = per_version[current.id]
    items = [(s, s.record.status == RecordStatus.ACTIVE and s.window.contains(today)) for s in now]
    score = current.base + sum(s.line.points for s, counts in items if counts)
    grade = current.grade(score)
    days = [s.record_day for s in now] or [today]
    years = []
    for year, as_of in rules.history(min(days), today):
        if year == today.year:
            years.append((year, today, score, grade, current.id))
            continue
        version = rules.version_at(rule_book.versions, as_of)
        if version.id not in per_version:
            per_version[version.id] = score_records(version, records)
        value = rules.score_at(
            version.base, ((s.window, s.line.points) for s in per_version[version.id]), as_of
        )
        years.append((year, as_of, value, version.grade(value), version.id))
    return Result(servant_id, current, score, grade, items, years)


# --------------------------------------------------------------------------------------------
# Recompute
# --------------------------------------------------------------------------------------------


def recompute(*, person_ids: Sequence[int], today: datetime.date | None = None) -> int:
    """Recompute the scores of these natural persons (ids of ``subjects.NaturalPerson``): each
    one's civil servant synced from the latest basic record (:func:`archive.sync_from_basic`),
    then its items, score, grade and history rebuilt. People who are not civil servants are
    skipped. Idempotent; in transactions of :data:`CHUNK` people. Returns how many civil
    servants were recomputed."""
    today = today or timezone.localdate()
    ids = sorted(set(person_ids))
    if not ids:
        return 0
    rule_book = _Rules(load_versions())
    done = 0
    for chunk in _chunks(ids, CHUNK):
        with transaction.atomic():
            done += _recompute_chunk(chunk, rule_book, today)[0]
    return done


def recompute_all(
    *, today: datetime.date | None = None, chunk: int = CHUNK, workers: int = WORKERS
) -> dict[str, Any]:
    """Recompute every civil servant — those with an archive and every natural person with an
    active basic record (loaded in bulk, say) — in chunks, each in its own transaction, with
    set-based loading and COPY; ``workers`` chunks at a time, each on its own database
    connection (inside a running transaction: one at a time, in it). Returns counts and
    seconds."""
    started = time.perf_counter()
    today = today or timezone.localdate()
    basic = CatalogItem.objects.filter(code=BASIC).values_list("pk", flat=True).first()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            SELECT natural_person_id FROM {_SERVANT}
            UNION
            SELECT natural_person_id FROM {_RECORD}
            WHERE item_id = %s AND status = %s AND natural_person_id IS NOT NULL
            ORDER BY 1
            """,  # noqa: S608 — table names are the models' own
            [basic, RecordStatus.ACTIVE],
        )
        people = [pk for (pk,) in cur.fetchall()]
    rule_book = _Rules(load_versions())
    parts = list(_chunks(people, chunk))

    def run(part: list[int]) -> tuple[int, int, int]:
        with transaction.atomic():
            return _recompute_chunk(part, rule_book, today)

    def run_alone(part: list[int]) -> tuple[int, int, int]:
        try:
            return run(part)
        finally:
            connection.close()  # the thread's own connection

    if workers > 1 and len(parts) > 1 and not connection.in_atomic_block:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="integrity") as pool:
            done = list(pool.map(run_alone, parts))
    else:
        done = [run(part) for part in parts]
    with connection.cursor() as cur:  # fresh statistics after a bulk rewrite, for the queries
        cur.execute(f"ANALYZE {_SERVANT}, {_ITEM}, {_YEAR}")
    return {
        "people": len(people),
        "civil_servants": sum(d[0] for d in done),
        "items": sum(d[1] for d in done),
        "years": sum(d[2] for d in done),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _recompute_chunk(
    person_ids: list[int], rule_book: _Rules, today: datetime.date
) -> tuple[int, int, int]:
    """Recompute one chunk in the running transaction: (civil servants, items, years)."""
    servants = archive.sync_from_basic(person_ids)
    if not servants:
        return 0, 0, 0
    records = rule_book.load_records(sorted(servants))
    results = []
    for person_id, servant in servants.items():
        result = compute(servant.pk, records.get(person_id, []), rule_book, today)
        if result is not None:
            results.append(result)
    servant_ids = [r.servant_id for r in results]
    items = {
        (r.servant_id, s.record.id): (
            s.line.id,
            s.line.points,
            s.window.counts_from,
            s.window.counts_until,
            counts_now,
        )
        for r in results
        for s, counts_now in r.items
    }
    years = {
        (r.servant_id, year): (as_of, value, grade, version)
        for r in results
        for year, as_of, value, grade, version in r.years
    }
    computed_at = timezone.now()
    with connection.cursor() as cur:
        _replace(
            cur,
            _ITEM,
            ("civil_servant_id", "record_id"),
            ("rule_id", "points", "counts_from", "counts_until", "in_force"),
            servant_ids,
            items,
        )
        _replace(
            cur,
            _YEAR,
            ("civil_servant_id", "year"),
            ("as_of", "score", "grade", "ruleset_id"),
            servant_ids,
            years,
        )
        cur.execute(
            f"""
            UPDATE {_SERVANT} c
            SET score = u.score, grade = u.grade, ruleset_id = u.ruleset_id,
                computed_at = %s, updated_at = %s
            FROM unnest(%s::bigint[], %s::integer[], %s::text[], %s::bigint[])
                AS u(id, score, grade, ruleset_id)
            WHERE c.id = u.id
            """,  # noqa: S608 — the table name is the model's own
            [
                computed_at,
                computed_at,
                servant_ids,
                [r.score for r in results],
                [r.grade for r in results],
                [r.version.id for r in results],
            ],
        )
    return len(results), len(items), len(years)


def _replace(
    cur: Any,
    table: str,
    key: tuple[str, str],
    values: tuple[str, ...],
    servant_ids: list[int],
    rows: dict[tuple, tuple],
) -> None:
    """Make the rows of ``table`` for these civil servants exactly ``rows`` (key → values),
    writing only the difference: rows that changed or went are deleted, new and changed rows
    are copied in. A recompute that changes nothing writes nothing."""
    cur.execute(
        f"SELECT id, {', '.join(key)}, {', '.join(values)} FROM {table} "  # noqa: S608
        "WHERE civil_servant_id = ANY(%s)",
        [servant_ids],
    )
    have = {(row[1], row[2]): (row[0], tuple(row[3:])) for row in cur.fetchall()}
    stale = [pk for k, (pk, old) in have.items() if rows.get(k) != old]
    if stale:
        cur.execute(f"DELETE FROM {table} WHERE id = ANY(%s)", [stale])  # noqa: S608
    _copy(
        cur,
        table,
        ", ".join((*key, *values)),
        [(*k, *v) for k, v in rows.items() if k not in have or have[k][1] != v],
    )


def _copy(cur: Any, table: str, columns: str, rows: list[tuple]) -> None:
    if not rows:
        return
    with cur.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# --------------------------------------------------------------------------------------------
# Who is due today
# --------------------------------------------------------------------------------------------

_DUE = f"""
SELECT c.natural_person_id FROM {_SERVANT} c
WHERE c.computed_at IS NULL
   OR c.computed_at < %(year_start)s
   OR EXISTS (
        SELECT 1 FROM {_ITEM} s
        WHERE s.civil_servant_id = c.id AND (
            (s.counts_from <= %(today)s
             AND s.counts_from::timestamp AT TIME ZONE %(tz)s > c.computed_at)
            OR (s.counts_until <= %(today)s
             AND s.counts_until::timestamp AT TIME ZONE %(tz)s > c.computed_at)))
   OR EXISTS (
        SELECT 1 FROM {_RULESET} v
        WHERE v.effective_from <= %(today)s
          AND (v.effective_from::timestamp AT TIME ZONE %(tz)s > c.computed_at
               OR v.created_at > c.computed_at))
ORDER BY 1
"""  # noqa: S608 — table names are the models' own


def due_today(*, today: datetime.date | None = None) -> list[int]:
    """The natural persons whose score changes by the passing of time since it was last
    computed: one of their windows opened or closed (a boundary day that began after the
    score was computed, up to ``today``), a new year began (the history's last year is then
    as at 31 December), a rule version came into force or was issued since, or never
    computed. Read by the daily job; stateless, so a day the job missed is caught up."""
    today = today or timezone.localdate()
    tz = settings.TIME_ZONE
    year_start = timezone.make_aware(datetime.datetime(today.year, 1, 1))
    with connection.cursor() as cur:
        cur.execute(_DUE, {"today": today, "tz": tz, "year_start": year_start})
        return [pk for (pk,) in cur.fetchall()]
