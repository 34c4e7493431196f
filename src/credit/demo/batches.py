"""Demo report batches: a few department files, with the kinds of mistakes real files have,
ingested through the real pipeline so the batch, feedback and quality pages have content.

Loaded once: a later ``credit seed-demo`` finds the demo batches and adds none.
"""

from __future__ import annotations

import csv
import datetime
import random
import tempfile
from pathlib import Path
from typing import Any

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.demo.synthetic.records import penalty
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_file

DEMO_PREFIX = "演示-"
#: (department, rows, share of rows with a mistake)
DEMO_FILES = [("SCJG", 80, 0.05), ("STHJ", 40, 0.15), ("TNQ-SCJG", 30, 0.3)]
MISTAKES = [
    ("uscc", lambda v: v[:-1] + ("0" if v[-1] != "0" else "1")),  # wrong check character
    ("decision_date", lambda v: "2025-02-30"),
    ("penalty_category", lambda v: "罚金"),
    ("penalty_content", lambda v: ""),
    ("info_usage_scope", lambda v: "不予共享"),
]


def load_demo_batches(lps: list, nps: list, seed: int) -> int:
    """Ingest the demo files unless they were ingested before; returns batches created."""
    if Batch.objects.filter(file_name__startswith=DEMO_PREFIX).exists():
        return 0
    item = CatalogItem.objects.get(code="admin-penalty")
    names = {f.code: f.name for f in item.fields.all()}
    departments = {d.code: (d.name, d.uscc) for d in Department.objects.all()}
    rng = random.Random(f"batches-{seed}")
    created = 0
    with tempfile.TemporaryDirectory() as tmp:
        for dept, count, error_rate in DEMO_FILES:
            rows = [_penalty_row(rng, n, lps, nps, departments, dept) for n in range(count)]
            for row in rows:
                if rng.random() < error_rate:
                    field, spoil = rng.choice(MISTAKES)
                    if row.get(field):
                        row[field] = spoil(row[field])
            path = Path(tmp) / f"{DEMO_PREFIX}{dept}-行政处罚.csv"
            columns = [c for c in names if any(c in r for r in rows)]
            with path.open("w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow([names[c] for c in columns])
                writer.writerows([[r.get(c, "") for c in columns] for r in rows])
            ingest_file(actor=None, path=path, item_code=item.code, department_code=dept)
            created += 1
    return created


def _penalty_row(rng, n, lps, nps, departments, dept) -> dict[str, Any]:
    record = penalty(rng, "admin-penalty", 900_000 + n, n, lps, nps, departments)
    dept_name, dept_uscc = departments[dept]
    payload = dict(record.payload)
    payload.update(
        authority=dept_name,
        authority_uscc=dept_uscc,
        source_dept=dept_name,
        source_dept_uscc=dept_uscc,
    )
    payload["document_no"] = f"演示罚〔2026〕{dept}-{n:04d}号"
    # Recent decisions, so the 7-working-day timeliness is meaningful: most on time, some late.
    decided = datetime.date.today() - datetime.timedelta(days=rng.choice([1, 2, 3, 5, 8, 20]))
    payload["decision_date"] = decided.isoformat()
    payload["valid_to"] = (decided + datetime.timedelta(days=183)).isoformat()
    payload["publicity_end"] = (decided + datetime.timedelta(days=365)).isoformat()
    return payload
