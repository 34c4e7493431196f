"""Benchmark: the Python side of ingest — read, match headers, normalise, validate — on a
realistic 行政处罚 CSV with about 5 % bad rows.

Prints rows/s of each stage cumulatively and the process's peak RSS so far (flat in file
size when everything streams), beside the baseline of the
standard library's ``csv.reader`` reading the same file in the same run. The database side
(subjects and records upsert) is measured by the pipeline benchmark once the pipeline exists;
the issue's end-to-end target is ≥ 20,000 rows/s on 2 cores.

    .venv/bin/python bench/bench_ingest_parts.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def _generate(path: Path, rows: int) -> None:
    """A 行政处罚 CSV as a department would send it: Chinese headers, mixed date forms,
    full-width and lower-case codes, synonyms, and ~5 % rows with real errors."""
    from credit.core.identifiers import make_resident_id, make_uscc
    from credit.demo.synthetic.common import TODAY
    from credit.demo.synthetic.subjects import legal_persons

    rng = random.Random(7)
    lps = list(legal_persons(7, 20_000))
    headers = [
        "行政相对人名称",
        "行政相对人类别",
        "行政相对人代码_1(统一社会信用代码)",
        "法定代表人",
        "证件类型",
        "证件号码",
        "行政处罚决定书文号",
        "违法行为类型",
        "违法事实",
        "处罚依据",
        "处罚类别",
        "处罚内容",
        "罚款金额(万元)",
        "处罚决定日期",
        "处罚有效期",
        "公示截止期",
        "处罚机关",
        "处罚机关统一社会信用代码",
        "数据来源单位",
        "数据来源单位统一社会信用代码",
        "信息使用范围",
        "失信严重程度",
    ]
    authority = make_uscc("11", "320400", "01425960")
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(headers)
        for n in range(rows):
            lp = lps[n % len(lps)]
            natural = n % 5 == 0
            day = 1 + n % 28
            date = rng.choice(
                [f"2024-03-{day:02d}", f"2024/3/{day}", f"2024年3月{day}日", f"202403{day:02d}"]
            )
            uscc = lp.uscc.lower() if n % 7 == 0 else lp.uscc
            row = [
                lp.legal_rep if natural else lp.name,
                "自然人" if natural else lp.category,
                "" if natural else uscc,
                "" if natural else lp.legal_rep,
                "身份证" if natural else "",
                make_resident_id("320402", TODAY.replace(year=1980), n % 999 + 1)
                if natural
                else "",
                f"常市监罚〔2024〕{n:07d}号",
                "虚假宣传",
                "经查，当事人存在虚假宣传行为。",
                "《中华人民共和国反不正当竞争法》第二十条",
                "警告、罚款",
                "罚款人民币5000元",
                " 0.5 ",
                date,
                "2024-09-01",
                "2025-03-01",
                "常州市市场监督管理局",
                authority,
                "常州市市场监督管理局",
                authority,
                "公开",
                "较重" if n % 3 == 0 else "一般",
            ]
            if n % 20 == 0:  # ~5 % with a real error
                row[rng.choice([2, 11, 13, 20])] = rng.choice(
                    ["91320400XXXX", "", "2024-02-30", "不予共享"]
                )
            out.writerow(row)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    import django

    django.setup()
    from credit.catalog.models import CatalogItem
    from credit.catalog.rules import spec_for, validate_payload
    from credit.dbserver import var_dir
    from credit.ingest.headers import match_headers
    from credit.ingest.normalize import Normaliser
    from credit.ingest.readers import iter_tables

    item = CatalogItem.objects.get(code="admin-penalty")
    spec = spec_for(item)
    fields = list(item.fields.all())
    path = var_dir() / "bench" / f"penalty-{args.rows}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        started = time.perf_counter()
        _generate(path, args.rows)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s")
    size_mb = path.stat().st_size / 2**20
    print(f"# bench_ingest_parts — {args.rows:,} rows, {size_mb:,.0f} MiB")

    def run(label: str, body) -> None:
        started = time.perf_counter()
        count, extra = body()
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        print(f"  {label:<44} {count / seconds:>10,.0f} rows/s   peak RSS {peak:6.0f} MiB  {extra}")

    def baseline():
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            next(reader)
            return sum(1 for _ in reader), ""

    def read_only():
        return sum(1 for t in iter_tables(path) for _ in t.rows), ""

    def read_match_normalise(validate: bool):
        normalise = Normaliser(spec)
        rows = corrected = rejected = 0
        for table in iter_tables(path):
            columns = match_headers(table.headers, fields).columns
            for raw in table.rows:
                values = raw.values
                cells = {code: values[i] for i, code in columns.items() if i < len(values)}
                result = normalise(cells)
                rows += 1
                corrected += bool(result.corrections)
                if validate and validate_payload(spec, result.payload):
                    rejected += 1
        return rows, f"corrected {corrected:,}" + (f", rejected {rejected:,}" if validate else "")

    run("baseline: csv.reader", baseline)
    run("readers.iter_tables", read_only)
    run("+ header match + normalise", lambda: read_match_normalise(False))
    run("+ header match + normalise + validate", lambda: read_match_normalise(True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
