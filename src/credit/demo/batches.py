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


#: The clerk's workbook: the header variants a provincial template or a clerk writes.
WORKBOOK = f"{DEMO_PREFIX}WJW-行政处罚公示表（季度）.xlsx"
WORKBOOK_HEADERS = {
    "uscc": "行政相对人代码-统一社会信用代码",
    "decision_date": "处罚决定日期：",
    "fine_amount": "罚 款 金 额（万元）",
    "authority": "处罚机关:",
}


def load_demo_batches(lps: list, nps: list, seed: int) -> int:
    """Ingest the demo files that were not ingested before; returns batches created."""
    item = CatalogItem.objects.get(code="admin-penalty")
    names = {f.code: f.name for f in item.fields.all()}
    departments = {d.code: (d.name, d.uscc) for d in Department.objects.all()}
    rng = random.Random(f"batches-{seed}")
    done = set(
        Batch.objects.filter(file_name__startswith=DEMO_PREFIX).values_list("file_name", flat=True)
    )
    created = 0
    with tempfile.TemporaryDirectory() as tmp:
        if WORKBOOK not in done:
            own = random.Random(f"workbook-{seed}")  # the files below keep their rows
            rows = [_penalty_row(own, n, lps, nps, departments, "WJW") for n in range(12)]
            path = _clerks_workbook(Path(tmp) / WORKBOOK, rows, names, departments["WJW"][0])
            ingest_file(actor=None, path=path, item_code=item.code, department_code="WJW")
            created += 1
        for dept, count, error_rate in DEMO_FILES:
            if f"{DEMO_PREFIX}{dept}-行政处罚.csv" in done:
                continue
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


def _clerks_workbook(path: Path, rows: list[dict], names: dict, dept_name: str) -> Path:
    """A workbook as a department clerk sends it: a merged title and a 填报单位 row above the
    header, header variants, amounts with their unit or in 元, old wording, other year
    brackets, placeholders, then 合计 and 填表说明 rows — what the cleaning is there for."""
    from openpyxl import Workbook

    for n, row in enumerate(rows):
        if row.get("fine_amount") and n % 3 == 0:
            row["fine_amount"] = f"{row['fine_amount']}万元"
        elif row.get("fine_amount") and n % 3 == 1:
            row["fine_amount"] = f"{round(float(row['fine_amount']) * 10000)}元"
        if row.get("subject_category") == "法人及非法人组织" and n % 2 == 0:
            row["subject_category"] = "法人和其他组织"
        if n % 4 == 0:
            row["document_no"] = row["document_no"].replace("〔", "(").replace("〕", ")")
        if not row.get("license_revoked"):
            row["license_revoked"] = "无"
    columns = [c for c in names if any(c in r for r in rows)]
    wb = Workbook()
    ws = wb.active
    ws.title = "行政处罚"
    ws.append([f"{dept_name}行政处罚信息公示表（本季度）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.append([f"填报单位：{dept_name}", None, None, None, "填报日期：本季度末"])
    ws.append([WORKBOOK_HEADERS.get(c, names[c]) for c in columns])
    for row in rows:
        ws.append([row.get(c, "") for c in columns])
    ws.append(["合计", *[None] * (len(columns) - 2), f"{len(rows)} 条"])
    ws.append(["填表说明：1.罚款金额单位为万元；2.日期格式为YYYY-MM-DD"])
    ws.append(["填表人：张三", None, None, "审核人：李四"])
    wb.save(path)
    return path


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
