"""Loading synthetic Changzhou into the database with COPY.

Rows are streamed with COPY into temporary staging tables, then moved into the real tables
with ``INSERT … SELECT … ON CONFLICT DO NOTHING`` on their natural keys (USCC, identifier,
blind index, record natural key). So a second run inserts nothing, and a run killed half-way
is resumed by running it again: every chunk commits on its own and nothing is duplicated.

This is a deliberate second write path beside :func:`credit.records.services.upsert_record`:
the per-record service path would take hours for five million rows (``bench/bench_seed.py``
measures both). It calls the same functions for the natural key, the extracted columns and the
stored payload (sensitive fields masked), and a test checks that a seeded record's key equals
the one the service computes.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import Any

from django.db import connection, transaction

from credit.catalog.models import CatalogItem
from credit.catalog.rules import spec_for, validate_payload
from credit.core import audit, crypto
from credit.core.identifiers import normalize_code
from credit.core.masking import mask_id_number
from credit.core.models import Department, Region
from credit.demo.synthetic.common import SCALES, TODAY
from credit.demo.synthetic.records import (
    LICENSE_DEPTS,
    PENALTY_DEPTS,
    RecordRow,
    credit_records,
)
from credit.demo.synthetic.subjects import (
    LegalPersonRow,
    NaturalPersonRow,
    legal_persons,
    natural_persons,
)
from credit.records import publicity
from credit.records.rules import (
    extract_columns,
    key_values,
    natural_key,
    storage_payload,
    subject_key,
)
from credit.subjects.services import ID_PURPOSE, id_index

CHUNK = 50_000

#: The extracted columns staged for each record, after its document number and payload.
COLUMN_NAMES = (
    "decision_date",
    "valid_from",
    "valid_to",
    "severity",
    "usage_scope",
    "publicity_policy_id",
    "publishable",
    "publicity_start",
    "publicity_end",
    "repair_from",
)

STAGING = {
    "lp": """CREATE TEMP TABLE IF NOT EXISTS demo_stage_lp (
        uscc varchar(18), name varchar(200), kind varchar(20), org_type varchar(2),
        division_code varchar(6), industry varchar(1), legal_rep varchar(100),
        address varchar(300), established_on date, status varchar(12), reg_no varchar(32),
        registered_capital numeric(16, 4))""",
    "np": """CREATE TEMP TABLE IF NOT EXISTS demo_stage_np (
        name varchar(50), id_cipher bytea, id_index varchar(64), id_masked varchar(40),
        gender varchar(6), birth_date date, division_code varchar(6))""",
    "rec": """CREATE TEMP TABLE IF NOT EXISTS demo_stage_rec (
        item_id bigint, legal_person_id bigint, natural_person_id bigint, department_id bigint,
        region_id varchar(6), natural_key varchar(64), document_no varchar(128), payload jsonb,
        decision_date date, valid_from date, valid_to date, severity varchar(10),
        usage_scope varchar(10), publicity_policy_id bigint, publishable boolean,
        publicity_start date, publicity_end date, repair_from date)""",
}

INSERT_LP = """
INSERT INTO subjects_legalperson (uscc, name, kind, org_type, division_code, region_id,
    industry, legal_representative, registered_address, established_on, status,
    registered_capital, source_department_id, created_at, updated_at)
SELECT s.uscc, s.name, s.kind, s.org_type, s.division_code, r.code, s.industry, s.legal_rep,
    s.address, s.established_on, s.status, s.registered_capital, %(dept)s, now(), now()
FROM demo_stage_lp s LEFT JOIN core_region r ON r.code = s.division_code
ON CONFLICT (uscc) WHERE uscc IS NOT NULL DO NOTHING
"""

INSERT_IDENTIFIERS = """
INSERT INTO subjects_legalpersonidentifier (legal_person_id, scheme, value, derived,
    source_department_id, created_at)
SELECT lp.id, x.scheme, x.value, x.derived, %(dept)s, now()
FROM demo_stage_lp s
JOIN subjects_legalperson lp ON lp.uscc = s.uscc
CROSS JOIN LATERAL (VALUES
    ('uscc', s.uscc, true),
    ('org_code', substr(s.uscc, 9, 9), true),
    ('tax_no', substr(s.uscc, 3, 15), true),
    ('reg_no', NULLIF(s.reg_no, ''), false)
) AS x(scheme, value, derived)
WHERE x.value IS NOT NULL
ON CONFLICT (scheme, value) DO NOTHING
"""

INSERT_NP = """
INSERT INTO subjects_naturalperson (name, id_type, id_cipher, id_index, id_masked, gender,
    birth_date, division_code, region_id, created_at, updated_at)
SELECT s.name, 'resident_id', s.id_cipher, s.id_index, s.id_masked, s.gender, s.birth_date,
    s.division_code,
    COALESCE(r.code, (SELECT h.code FROM core_region h
                      WHERE s.division_code = ANY(h.historic_codes) LIMIT 1)),
    now(), now()
FROM demo_stage_np s LEFT JOIN core_region r ON r.code = s.division_code
ON CONFLICT (id_type, id_index) DO NOTHING
"""

#: When a record arrived: a few days after its decision, most within the 7 working days of the
#: 双公示 rule, some late (fixed per record by its natural key), never after the load itself.
ARRIVED = """LEAST(now(), (s.decision_date + CASE
        WHEN abs(hashtext(s.natural_key)::bigint) %% 100 < 60 THEN 1
        WHEN abs(hashtext(s.natural_key)::bigint) %% 100 < 85 THEN 3
        WHEN abs(hashtext(s.natural_key)::bigint) %% 100 < 95 THEN 6
        ELSE 16 END)::timestamp AT TIME ZONE 'Asia/Shanghai' + interval '10 hours')"""

INSERT_RECORDS = """
INSERT INTO records_creditrecord (item_id, legal_person_id, natural_person_id, department_id,
    region_id, natural_key, document_no, payload, decision_date, valid_from, valid_to,
    severity, usage_scope, publicity_policy_id, publishable, publicity_start, publicity_end,
    repair_from, status, version, created_at, updated_at)
SELECT s.item_id, s.legal_person_id, s.natural_person_id, s.department_id, s.region_id,
    s.natural_key, s.document_no, s.payload, s.decision_date, s.valid_from, s.valid_to,
    s.severity, s.usage_scope, s.publicity_policy_id, s.publishable, s.publicity_start,
    s.publicity_end, s.repair_from,
    CASE WHEN s.publicity_end < %(today)s THEN 'expired' ELSE 'active' END,
    1, {arrived}, now()
FROM demo_stage_rec s
ON CONFLICT (item_id, natural_key) DO NOTHING
""".replace("{arrived}", ARRIVED)


def _chunks(rows: Iterable, size: int) -> Iterator[list]:
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _copy(table: str, columns: list[str], rows: Iterable[tuple]) -> None:
    with connection.cursor() as cur:
        cur.execute(STAGING[table.removeprefix("demo_stage_")])
        cur.execute(f"TRUNCATE {table}")
        with cur.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(f"ANALYZE {table}")  # statistics, so the joins below use the indexes


def _execute(sql: str, params: dict) -> int:
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


class Progress:
    def __init__(self, report: Callable[[str], None]):
        self.report = report
        self.started = time.monotonic()

    def __call__(self, label: str, done: int, total: int, inserted: int) -> None:
        elapsed = time.monotonic() - self.started
        self.report(f"{label} {done:,}/{total:,}（新增 {inserted:,}）{elapsed:7.1f} 秒")


def load_legal_persons(rows: list[LegalPersonRow], progress: Progress) -> int:
    dept = Department.objects.get(code="SCJG").pk
    inserted = done = 0
    columns = [
        "uscc",
        "name",
        "kind",
        "org_type",
        "division_code",
        "industry",
        "legal_rep",
        "address",
        "established_on",
        "status",
        "reg_no",
        "registered_capital",
    ]
    for chunk in _chunks(rows, CHUNK):
        with transaction.atomic():
            _copy(
                "demo_stage_lp",
                columns,
                (
                    (
                        r.uscc,
                        r.name,
                        r.kind,
                        r.org_type,
                        r.division_code,
                        r.industry,
                        r.legal_rep,
                        r.address,
                        r.established_on,
                        r.status,
                        r.reg_no,
                        r.registered_capital,
                    )
                    for r in chunk
                ),
            )
            inserted += _execute(INSERT_LP, {"dept": dept})
            _execute(INSERT_IDENTIFIERS, {"dept": dept})
        done += len(chunk)
        progress("法人", done, len(rows), inserted)
    return inserted


def load_natural_persons(
    rows: list[NaturalPersonRow], indexes: list[str], progress: Progress
) -> int:
    inserted = done = 0
    columns = [
        "name",
        "id_cipher",
        "id_index",
        "id_masked",
        "gender",
        "birth_date",
        "division_code",
    ]
    for start, chunk in zip(range(0, len(rows), CHUNK), _chunks(rows, CHUNK), strict=True):
        with transaction.atomic():
            _copy(
                "demo_stage_np",
                columns,
                (
                    (
                        r.name,
                        crypto.encrypt(r.id_number, purpose=ID_PURPOSE),
                        indexes[start + k],
                        mask_id_number(r.id_number),
                        r.gender,
                        r.birth_date,
                        r.division_code,
                    )
                    for k, r in enumerate(chunk)
                ),
            )
            inserted += _execute(INSERT_NP, {})
        done += len(chunk)
        progress("自然人", done, len(rows), inserted)
    return inserted


def subject_ids(lps: list, np_indexes: list[str]) -> tuple[list[int | None], list[int | None]]:
    """Database ids of the generated subjects, in generation order (None: not loaded)."""
    with connection.cursor() as cur:
        cur.execute("SELECT uscc, id FROM subjects_legalperson WHERE uscc IS NOT NULL")
        by_uscc = dict(cur.fetchall())
        cur.execute("SELECT id_index, id FROM subjects_naturalperson WHERE id_type = 'resident_id'")
        by_index = dict(cur.fetchall())
    return [by_uscc.get(r.uscc) for r in lps], [by_index.get(i) for i in np_indexes]


def load_records(
    rows: Iterable[RecordRow],
    total: int,
    lp_ids: list,
    np_ids: list,
    progress: Progress,
    *,
    validate_every: int = 1,
) -> dict[str, int]:
    """Stage and insert records; every ``validate_every``-th payload is validated against its
    item's spec first (1 = all), and an invalid one stops the load with its errors.

    Subjects are resolved to ids here and the natural key is computed by
    :func:`credit.records.rules.natural_key` — the function the record service uses — so the
    insert needs no join and a seeded record has exactly the key the service would give it.
    """
    items = {i.code: i for i in CatalogItem.objects.all()}
    specs = {code: spec_for(item) for code, item in items.items()}
    departments = {d.code: d for d in Department.objects.all()}
    book = publicity.current_book()
    inserted = done = 0
    columns = [
        "item_id",
        "legal_person_id",
        "natural_person_id",
        "department_id",
        "region_id",
        "natural_key",
        "document_no",
        "payload",
        *COLUMN_NAMES,
    ]
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-writer")
    writer_conn = _RecordWriter()
    pending: Future[int] | None = None
    try:
        for chunk in _chunks(rows, CHUNK):
            staged = []
            for n, r in enumerate(chunk, start=done):
                item, spec, dept = items[r.item], specs[r.item], departments[r.department]
                if n % validate_every == 0:
                    errors = validate_payload(spec, r.payload)
                    if errors:
                        raise ValueError(f"synthetic {r.item} payload invalid: {errors[:3]}")
                lp_id = lp_ids[r.subject_ref] if r.subject_kind == "L" else None
                np_id = np_ids[r.subject_ref] if r.subject_kind == "N" else None
                if lp_id is None and np_id is None:
                    continue
                cols = extract_columns(spec, r.payload, item, book)
                key = natural_key(
                    department_code=dept.code,
                    item_code=item.code,
                    key_values=key_values(item.natural_key, r.payload),
                    subject_key=subject_key("L", lp_id) if lp_id else subject_key("N", np_id),
                )
                staged.append(
                    (
                        item.pk,
                        lp_id,
                        np_id,
                        dept.pk,
                        dept.region_id,
                        key,
                        cols["document_no"],
                        json.dumps(storage_payload(spec, r.payload), ensure_ascii=False),
                        *(cols[c] for c in COLUMN_NAMES),
                    )
                )
            # The database inserts this chunk while Python prepares the next one.
            if pending is not None:
                inserted += pending.result()
                progress("信用记录", done, total, inserted)
            pending = writer.submit(writer_conn.insert, columns, staged)
            done += len(chunk)
        if pending is not None:
            inserted += pending.result()
            progress("信用记录", done, total, inserted)
    finally:
        writer.shutdown()
        writer_conn.close()
    return {"records": inserted}


class _RecordWriter:
    """A connection of its own for the writer thread (Django's connections belong to the
    thread that opened them). Each chunk commits on its own, like the other phases."""

    def __init__(self) -> None:
        import psycopg

        cfg = connection.settings_dict
        self.conn = psycopg.connect(
            host=cfg["HOST"] or None,
            port=cfg["PORT"] or None,
            dbname=cfg["NAME"],
            user=cfg["USER"] or None,
            password=cfg["PASSWORD"] or None,
        )

    def insert(self, columns: list[str], staged: list[tuple]) -> int:
        with self.conn.transaction(), self.conn.cursor() as cur:
            cur.execute(STAGING["rec"])
            cur.execute("TRUNCATE demo_stage_rec")
            with cur.copy(f"COPY demo_stage_rec ({', '.join(columns)}) FROM STDIN") as copy:
                for row in staged:
                    copy.write_row(row)
            cur.execute("ANALYZE demo_stage_rec")
            cur.execute(INSERT_RECORDS, {"today": TODAY})
            return cur.rowcount

    def close(self) -> None:
        self.conn.close()


def seed(
    *,
    scale: str = "small",
    seed: int = 2026,
    report: Callable[[str], None] = print,
    validate_every: int | None = None,
    workflows: bool = True,
    clients: bool = True,
) -> dict[str, Any]:
    """Load the synthetic data set; returns what was inserted (zeros on a second run).
    ``workflows``: with the small set, also the demo objections and repair application
    (:mod:`credit.demo.workflows`) and the credit reports (:mod:`credit.reports.demo`, which
    reports their numbers and extraction codes); ``clients``: the demo API clients."""
    from credit.catalog.services import import_catalog_file
    from credit.core.services import load_city_config
    from credit.demo.accounts import ensure_demo_accounts, ensure_demo_clients

    size = SCALES[scale]
    progress = Progress(report)
    load_city_config()
    import_catalog_file()
    # The rest of the reference data the workflows below already need (a credit-repair
    # application makes a 信用修复型 commitment of the repair item).
    from credit.commitments.services.items import import_items
    from credit.integrity.services.rules import import_rules

    import_items()
    import_rules()
    accounts = ensure_demo_accounts()
    clients_created = ensure_demo_clients() if clients else 0
    departments = {d.code: (d.name, d.uscc) for d in Department.objects.all()}
    missing = {"FY", "SW", "YJ", "HG", *LICENSE_DEPTS, *PENALTY_DEPTS} - set(departments)
    if missing:
        raise ValueError(f"city configuration lacks departments {sorted(missing)}")
    report(f"生成 {scale} 数据集（种子 {seed}）……")
    lps = list(legal_persons(seed, size.legal_persons))
    nps = list(natural_persons(seed, size.natural_persons))
    np_indexes = [id_index("resident_id", normalize_code(p.id_number)) for p in nps]
    counts: dict[str, Any] = {"scale": scale, "seed": seed}
    counts["legal_persons"] = load_legal_persons(lps, progress)
    counts["natural_persons"] = load_natural_persons(nps, np_indexes, progress)
    rows = credit_records(seed, size.records, lps, nps, departments)
    every = validate_every or (1 if scale == "small" else 50)
    lp_ids, np_ids = subject_ids(lps, np_indexes)
    counts.update(load_records(rows, size.records, lp_ids, np_ids, progress, validate_every=every))
    counts["accounts_created"] = accounts
    counts["api_clients_created"] = clients_created
    if scale == "small":
        from credit.demo.batches import load_demo_batches

        counts["demo_batches"] = load_demo_batches(lps, nps, seed)
        if workflows:
            from credit.demo.workflows import seed_workflows

            counts.update({f"demo_{k}": v for k, v in seed_workflows().items()})
            from credit.reports.demo import seed_reports

            made = seed_reports(report=report)
            counts.update({f"demo_reports_{k}": v for k, v in made.items()})
            from credit.integrity.demo import seed_integrity

            made = seed_integrity(report=report)
            counts.update({f"demo_integrity_{k}": v for k, v in made.items()})
            from credit.commitments.demo import seed_commitments

            made = seed_commitments(report=report)
            counts.update({f"demo_commitments_{k}": v for k, v in made.items()})
            from credit.assessment.demo import seed_assessment

            made = seed_assessment(report=report)
            counts.update({f"demo_assessment_{k}": v for k, v in made.items()})
            from credit.exchange.demo import seed_exchange

            made = seed_exchange(report=report)
            counts.update({f"demo_exchange_{k}": v for k, v in made.items()})
            from credit.exchange.demo import seed_district_exchange

            made = seed_district_exchange(report=report)
            counts.update({f"demo_exchange_{k}": v for k, v in made.items()})
    with connection.cursor() as cur:
        for table in (
            "subjects_legalperson",
            "subjects_naturalperson",
            "subjects_legalpersonidentifier",
            "records_creditrecord",
        ):
            cur.execute(f"ANALYZE {table}")
    from credit.alerts import services as alerts
    from credit.dashboard import facts

    counts["dashboard_records"] = facts.refresh().records
    alerts.load_default_rules()
    counts["warnings"] = alerts.evaluate().get("created", 0)
    if scale == "small":
        from credit.boards.services import seed_demo_boards

        seed_demo_boards()
    audit.record(
        "demo.seeded",
        object_type="demo",
        object_id=f"{scale}:{seed}",
        after=dict(counts),
    )
    counts["seconds"] = round(progress.started and time.monotonic() - progress.started, 1)
    counts["regions"] = Region.objects.count()
    return counts
