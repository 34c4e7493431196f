"""Benchmark: issuing a credit report (信用报告) — build its content from the library, render
the PDF with seal and QR code, sign it (PAdES) and store it — for a company with 200 records,
beside the time to render the same report as HTML only, measured in the same run.

Figures printed:

1. Sequential issue (``credit.reports.services.issue``): the first of the process (it loads
   fonts, seal and key), then p50 / p95 / max over ``--issues`` reports, and the parts of one
   issue timed alone on the same content: build from the library, render the PDF, sign it.
   The issue's target: p95 ≤ 2 s on 2 cores.
2. Concurrent issue: ``--workers`` processes (each its own database connection) issuing
   ``--per-worker`` reports each: reports per minute over the wall time, and p95 under load.
3. The baseline: the same content rendered as HTML only (``credit.reports.html.render_html``),
   and build + HTML, p50 / p95 over ``--issues`` runs.

Creates its own data, kept for the next run: a company with 200 records (60 行政许可 of the
last 30 months and 140 行政处罚 of the last 10, all public) written through
``credit.records.services``, a template with every section, an API client for the requests;
the reports of a previous run are removed first. Runs in ``credit_bench`` on the server of
``DATABASE_URL`` (or the embedded one), like the other benchmarks, so it never touches demo or
test data; the signing keys are development keys in a temporary folder.

    .venv/bin/python bench/bench_reports.py [--issues 30] [--workers 4] [--per-worker 10]
"""

from __future__ import annotations

import argparse
import datetime
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "src"))

RECORDS = 200
LICENCES = 60
TEMPLATE = "bench-general"
CLIENT = "报告压测系统"
COMPANY_NAME = "常州市报告压测机械制造有限公司"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def line(label: str, values: list[float]) -> str:
    return (
        f"{label:44} {statistics.median(values):8.0f} {p95(values):8.0f} {max(values):8.0f}"
        f"   (n={len(values)})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=30)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--per-worker", type=int, default=10)
    args, _ = parser.parse_known_args()

    from bench_seed import _bench_database_url

    keys = Path(tempfile.mkdtemp(prefix="bench-report-keys-")) / "keys"
    os.environ["DATABASE_URL"] = _bench_database_url()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    os.environ["CREDIT_REPORT_KEYS_DIR"] = str(keys)
    os.environ["CREDIT_REPORT_TRUST_ROOTS"] = str(keys / "ca.pem")
    for name in ("CREDIT_REPORT_SIGNER_CLASS", "CREDIT_REPORT_SIGNER_PKCS11"):
        os.environ.pop(name, None)
    os.environ["CREDIT_REPORT_SIGNER_PKCS12"] = ""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    from credit.catalog.services import import_catalog_file
    from credit.core.services import load_city_config
    from credit.reports.signing import init_dev_keys

    call_command("migrate", verbosity=0)
    load_city_config()
    import_catalog_file()
    init_dev_keys(keys)

    company = _company()
    client = _client()
    template = _template()
    _forget_reports(client)
    total = 1 + args.issues + args.workers * args.per_worker
    numbers = _applications(client, template, company, total)
    print(
        f"# bench_reports — {company.name}: {company.records.count()} records; template "
        f"{template.name} ({len(template.current.sections)} sections); {os.cpu_count()} CPUs"
    )

    # 1. Sequential issue, then its parts on the same content.
    from credit.reports import build, services
    from credit.reports.models import Application, Report
    from credit.reports.pdf.render import render_pdf
    from credit.reports.signing import get_signer

    cold = _issue(numbers[0])  # the process loads fonts, seal and key once
    issue_ms = [_issue(number) for number in numbers[1 : 1 + args.issues]]
    sample = Report.objects.filter(application__number=numbers[1]).get()
    print(
        f"\n1. sequential issue (render, sign, store): ms; one report shows "
        f"{sample.shown.count()} records, {sample.size / 1024:.0f} KiB"
    )
    print(f"{'':44} {'p50':>8} {'p95':>8} {'max':>8}")
    print(f"{'first issue of the process (cold)':44} {cold:8.0f}")
    print(line("issue (build + render + sign + store)", issue_ms))
    application = Application.objects.get(number=numbers[0])
    request = services.request_for(application)
    today = datetime.date.today()

    def built():
        return build.build(
            request,
            number=application.number,
            issued_on=today,
            valid_until=today + datetime.timedelta(days=90),
            verify_url=services.verify_url(application.number, "BENCH00000"),
        )[0]

    content = built()
    pdf = render_pdf(content)
    signer = get_signer()
    print(line("  part: build the content from the library", _timed(built, args.issues)))
    print(line("  part: render the PDF", _timed(lambda: render_pdf(content), args.issues)))
    print(
        line(
            "  part: sign (PAdES)",
            _timed(lambda: signer.sign_pdf(pdf, reason="压测"), args.issues),
        )
    )
    print(f"target: p95 ≤ 2000 ms on 2 cores → {'met' if p95(issue_ms) <= 2000 else 'NOT met'}")

    # 2. Concurrent issue: processes, each its own connection.
    connections.close_all()
    rest = numbers[1 + args.issues :]
    context = multiprocessing.get_context("fork")
    with context.Pool(args.workers, initializer=connections.close_all) as pool:
        started = time.perf_counter()
        loaded = pool.map(_issue, rest, chunksize=1)
        wall = time.perf_counter() - started
    print(f"\n2. concurrent issue: {args.workers} processes, {len(rest)} reports")
    print(f"{'':44} {'p50':>8} {'p95':>8} {'max':>8}")
    print(line("issue under load", loaded))
    print(f"throughput: {len(rest) / wall * 60:.1f} reports/minute ({wall:.1f} s wall)")

    # 3. Baseline: the same report as HTML only.
    from credit.reports.html import render_html

    html = render_html(content)
    print(f"\n3. baseline: the same report as HTML only ({len(html) / 1024:.0f} KiB of HTML)")
    print(f"{'':44} {'p50':>8} {'p95':>8} {'max':>8}")
    print(line("render HTML (content built)", _timed(lambda: render_html(content), args.issues)))
    print(line("build + render HTML", _timed(lambda: render_html(built()), args.issues)))
    _forget_reports(client)
    return 0


def _timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        out.append((time.perf_counter() - started) * 1000)
    return out


def _issue(number: str) -> float:
    """Issue the report of the application ``number``; milliseconds."""
    from credit.reports import services
    from credit.reports.models import Application

    application = Application.objects.get(number=number)
    started = time.perf_counter()
    services.issue(application=application, issued_by=None)
    return (time.perf_counter() - started) * 1000


def _company():
    """The bench company and its 200 records (made once, through the records services)."""
    from credit.catalog.models import CatalogItem
    from credit.core.identifiers import make_resident_id, make_uscc
    from credit.core.models import Department
    from credit.demo.synthetic.records import _license, penalty
    from credit.demo.synthetic.subjects import LegalPersonRow
    from credit.records.services import upsert_record
    from credit.subjects.services import register_legal_person

    uscc = make_uscc("91", "320402", "73519806")
    company, _ = register_legal_person(
        actor=None, uscc=uscc, name=COMPANY_NAME, legal_representative="赵压测"
    )
    have = company.records.count()
    if have >= RECORDS:
        return company
    row = LegalPersonRow(
        uscc=uscc,
        name=COMPANY_NAME,
        kind="company",
        org_type="91",
        division_code="320402",
        industry="C",
        legal_rep="赵压测",
        address="江苏省常州市天宁区青洋北路1号",
        established_on=datetime.date(2010, 5, 1),
        status="active",
        legal_rep_id=make_resident_id("320402", datetime.date(1975, 8, 9), 31),
    )
    departments = {d.code: (d.name, d.uscc) for d in Department.objects.all()}
    items = {
        i.code: i for i in CatalogItem.objects.filter(code__in=["admin-penalty", "admin-license"])
    }
    rng = random.Random(2026)
    today = datetime.date.today()
    print(f"# writing {RECORDS - have} records of the bench company …")
    for n in range(have, RECORDS):
        licence = n < LICENCES
        made = (_license if licence else penalty)(
            rng, "admin-license" if licence else "admin-penalty", n + 1, n, [row], [], departments
        )
        # Penalties within their shortest publicity (a year), licences over 30 months.
        day = today - datetime.timedelta(days=rng.randint(1, 900 if licence else 300))
        payload = dict(made.payload)
        if licence:
            payload.update(
                valid_from=day.isoformat(),
                valid_to=(day + datetime.timedelta(days=5 * 365)).isoformat(),
                license_status="有效",
            )
        else:
            payload.update(
                decision_date=day.isoformat(),
                valid_to=(day + datetime.timedelta(days=180)).isoformat(),
                publicity_end=(today + datetime.timedelta(days=365)).isoformat(),
            )
        upsert_record(
            actor=None,
            item=items[made.item],
            department=Department.objects.get(code=made.department),
            subject=company,
            payload=payload,
        )
    return company


def _client():
    from credit.core.models import Department
    from credit.gateway import services as gateway
    from credit.gateway.models import ApiClient

    found = ApiClient.objects.filter(name=CLIENT).first()
    if found is not None:
        return found
    client, _ = gateway.create_client(
        actor=None,
        name=CLIENT,
        kind=ApiClient.Kind.DEPARTMENT,
        department=Department.objects.get(code="SCJG"),
        ips=["127.0.0.1/32"],
        scopes=["reports:request"],
        rate_limit=1_000_000,
        daily_quota=1_000_000_000,
    )
    return client


def _template():
    """Every section of the demo's 通用版, not issued at once (the bench issues itself)."""
    from credit.accounts.models import User
    from credit.accounts.roles import Role
    from credit.reports import services
    from credit.reports.constants import Purpose
    from credit.reports.demo import template_sections
    from credit.reports.models import ReportTemplate

    found = ReportTemplate.objects.filter(code=TEMPLATE).first()
    if found is not None:
        return found
    admin, _ = User.objects.get_or_create(
        username="bench_admin", defaults={"role": Role.CITY_ADMIN, "region_id": "320400"}
    )
    return services.save_template(
        actor=admin,
        code=TEMPLATE,
        name="企业信用报告（压测）",
        subject_type="legal",
        purposes=list(Purpose.values),
        period_months=36,
        valid_days=90,
        sections=template_sections("general"),
    ).template


def _applications(client, template, company, count: int) -> list[str]:
    from credit.reports import services
    from credit.reports.constants import Purpose

    return [
        services.request_by_api(
            actor=client, template=template, subject=company, purpose=Purpose.BIDDING
        ).number
        for _ in range(count)
    ]


def _forget_reports(client) -> None:
    """Remove the bench client's applications and reports (of this run or an earlier one).
    Issued reports and their steps are guarded by triggers (never deleted on a real platform):
    the bench database's superuser skips them for this clean-up only."""
    from django.db import connection, transaction

    from credit.reports.models import Application, Report, Step

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        Report.objects.filter(application__client=client).delete()
        Step.objects.filter(application__client=client).delete()
        Application.objects.filter(client=client).delete()


if __name__ == "__main__":
    sys.exit(main())
