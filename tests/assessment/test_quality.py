"""The monthly data-quality reports (数据质量报告): figures built on credit.ingest.quality over
a known set of batches (exact counts, the masked example), upsert and audit, the PDF and the
workbook, and generate_month's coverage."""

from __future__ import annotations

import datetime
import io
import re

import pypdfium2 as pdfium
import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.assessment.models import QualityReport
from credit.assessment.services import quality
from credit.core.errors import PermissionDenied
from credit.core.models import AuditEntry, Department, Region
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_payloads
from credit.ingest.quality import department_quality, problems, ranking
from tests.ingest.test_pipeline import HEADERS, _csv, _row

pytestmark = pytest.mark.django_db

MONTH = quality.month_start(timezone.localdate())
#: A resident ID number standing alone (18 characters, not inside a longer code).
RESIDENT_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def personal_ids(text: str) -> set[str]:
    """The 18-character numbers in ``text`` with a real birth date (a USCC has none)."""
    found = set()
    for number in RESIDENT_ID.findall(text):
        try:
            datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        except ValueError:
            continue
        found.add(number)
    return found


def pdf_text(pdf: bytes) -> str:
    """The text of every page of ``pdf``, as a reader extracts it."""
    document = pdfium.PdfDocument(pdf)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def _cli(tmp_path, rows, department="SCJG", name="p.csv") -> Batch:
    call_command(
        "ingest",
        str(_csv(tmp_path / name, rows)),
        "--item",
        "admin-penalty",
        "--department",
        department,
    )
    return Batch.objects.latest("id")


def _push(rows, department="SCJG") -> Batch:
    return ingest_payloads(
        actor=None,
        rows=[dict(zip(HEADERS, r, strict=True)) for r in rows],
        item_code="admin-penalty",
        department_code=department,
    )


def _move(batch: Batch, months: int) -> None:
    """Move a batch to the 15th of the month ``months`` months back (its creation time)."""
    day = quality.add_months(MONTH, -months).replace(day=15)
    when = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    Batch.objects.filter(pk=batch.pk).update(created_at=when)


@pytest.fixture
def known(tmp_path, capsys):
    """SCJG: a CLI file of 4 rows (1 accepted; a natural person's row missing 处罚内容, an
    invalid 处罚类别, a bad USCC) and a pushed batch of 2 accepted rows; SW (a city
    department): 1 accepted CLI row; TNQ-SCJG (天宁区): 1 accepted and 1 rejected pushed row; an
    SCJG batch of two months ago."""
    natural = _row(2, natural=True, **{"处罚内容": ""})
    cli = _cli(
        tmp_path,
        [_row(1), natural, _row(3, **{"处罚类别": "罚金"}),
         _row(4, **{"行政相对人代码_1(统一社会信用代码)": "91320402MA1X00000X"})],
    )  # fmt: skip
    push = _push([_row(5), _row(6)])
    sw = _cli(tmp_path, [_row(7)], department="SW", name="sw.csv")
    tnq = _push([_row(8), _row(9, **{"处罚类别": "罚金"})], department="TNQ-SCJG")
    old = _cli(tmp_path, [_row(10), _row(11, **{"处罚类别": "罚金"})], name="old.csv")
    _move(old, 2)
    capsys.readouterr()
    return {"cli": cli, "push": push, "sw": sw, "tnq": tnq, "old": old, "natural": natural}


def test_department_figures_are_the_ingest_quality_numbers_of_its_month(known):
    scjg = Department.objects.get(code="SCJG")
    f = quality.figures_for("department", MONTH, department=scjg)
    month_batches = Batch.objects.filter(pk__in=[known["cli"].pk, known["push"].pk])
    same = department_quality(month_batches)
    assert f["volumes"] == {
        "batches": 2,
        "total": 6,
        "inserted": known["cli"].inserted + 2,
        "updated": 0,
        "unchanged": 0,
        "corrected": known["cli"].corrected + known["push"].corrected,
        "rejected": 3,
        "accepted": 3,
    }
    assert (f["rates"]["accuracy"], f["rates"]["completeness"]) == (0.5, same["completeness"])
    assert f["rates"]["score"] == same["score"]
    assert {c["channel"]: (c["batches"], c["total"], c["rejected"]) for c in f["by_channel"]} == {
        "cli": (1, 4, 3),
        "api": (1, 2, 0),
    }
    assert [(i["code"], i["total"], i["accuracy"]) for i in f["by_item"]] == [
        ("admin-penalty", 6, 0.5)
    ]
    expected = problems(month_batches)
    assert [(p["code"], p["rows"], p["share"]) for p in f["problems"]] == [
        (p["code"], p["rows"], p["share"]) for p in expected
    ]
    assert sum(c["rows"] for c in f["classes"]) == sum(p["rows"] for p in expected)


def test_rejected_rows_are_counted_by_error_class_of_the_taxonomy(known):
    f = quality.figures_for("department", MONTH, department=Department.objects.get(code="SCJG"))
    by_class = {c["class"]: c["rows"] for c in f["classes"]}
    codes = {p["code"]: p["rows"] for p in f["problems"]}
    assert codes["required"] == 1 and codes["code_invalid"] == 1
    assert by_class["single_source.structure"] == 0
    assert by_class["multi_source.record"] == 0
    assert by_class["single_source.record"] == sum(codes.values())


def test_a_problem_example_is_masked_and_never_shows_an_id_number(known):
    f = quality.figures_for("department", MONTH, department=Department.objects.get(code="SCJG"))
    required = next(p for p in f["problems"] if p["code"] == "required")
    example = required["example"]
    assert (example["batch_id"], example["row_no"]) == (known["cli"].pk, 3)
    cells = dict(example["cells"])
    person_id = known["natural"][HEADERS.index("证件号码")]
    assert cells["证件号码"] != person_id and cells["证件号码"].startswith(person_id[:3])
    assert cells["行政相对人名称"] == "张*"
    assert not personal_ids(str(f))
    assert "张三" not in str(f)


def test_the_trend_covers_six_months_and_the_rank_is_the_ingest_ranking(known):
    scjg = Department.objects.get(code="SCJG")
    f = quality.figures_for("department", MONTH, department=scjg)
    assert [t["month"] for t in f["trend"]] == [
        f"{quality.add_months(MONTH, -n):%Y-%m}" for n in range(5, -1, -1)
    ]
    assert [(t["batches"], t["volume"]) for t in f["trend"]] == [
        (0, 0), (0, 0), (0, 0), (1, 2), (0, 0), (2, 6)
    ]  # fmt: skip
    assert f["trend"][3]["accuracy"] == 0.5 and f["trend"][0]["accuracy"] is None
    rows = ranking(quality.month_batches(MONTH))
    position = [r["department_id"] for r in rows].index(scjg.pk) + 1
    assert f["rank"] == {
        "among": "department",
        "among_label": "部门",
        "rank": position,
        "ranked": 3,
        "score": f["rates"]["score"],
    }


def test_district_and_city_figures_add_up_their_departments(known):
    tianning = Region.objects.get(code="320402")
    district = quality.figures_for("district", MONTH, region=tianning)
    assert (district["volumes"]["batches"], district["volumes"]["total"]) == (1, 2)
    assert district["rates"]["accuracy"] == 0.5
    assert [r["department"] for r in district["ranking"]["departments"]] == ["TNQ-SCJG"]
    assert district["rank"]["among"] == "district" and district["rank"]["ranked"] == 1
    city = quality.figures_for("city", MONTH)
    assert (city["volumes"]["batches"], city["volumes"]["total"]) == (4, 9)
    assert city["rank"] is None
    assert {r["department"] for r in city["ranking"]["departments"]} == {"SCJG", "SW", "TNQ-SCJG"}
    assert [r["region"] for r in city["ranking"]["districts"]] == ["320402"]


def test_generating_twice_keeps_one_report_and_audits_both(known):
    scjg = Department.objects.get(code="SCJG")
    first = quality.generate(scope="department", month=MONTH, department=scjg)
    again = quality.generate(scope="department", month=MONTH + datetime.timedelta(days=3),
                             department=scjg)  # fmt: skip
    assert first.pk == again.pk
    assert QualityReport.objects.filter(scope="department", department=scjg).count() == 1
    assert (
        again.name == f"常州市公共信用信息数据质量报告（{quality.month_text(MONTH)}）·{scjg.name}"
    )
    entries = AuditEntry.objects.filter(event_type="quality_report.generated")
    assert [e.after["replaced"] for e in entries.order_by("id")] == [False, True]


def test_the_pdf_opens_and_its_text_holds_the_unit_and_the_figures(known):
    scjg = Department.objects.get(code="SCJG")
    report = quality.generate(scope="department", month=MONTH, department=scjg)
    pdf = bytes(report.pdf)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    compact = re.sub(r"\s+", "", text)
    assert f"数据质量报告（{quality.month_text(MONTH)}）" in compact
    assert scjg.name in compact
    assert "有效入库率（%）50.00" in compact
    assert "必填项为空" in compact and "张*" in compact
    assert not personal_ids(text)


def test_the_workbook_opens_and_its_numbers_equal_the_figures(known):
    scjg = Department.objects.get(code="SCJG")
    report = quality.generate(scope="department", month=MONTH, department=scjg)
    f = report.figures
    wb = load_workbook(io.BytesIO(bytes(report.xlsx)))
    assert wb.sheetnames == ["概况", "报送渠道", "目录项", "问题分类", "主要问题", "近6个月趋势"]
    summary = {row[0]: row[1] for row in wb["概况"].iter_rows(min_row=2, values_only=True)}
    assert summary["接收行数"] == f["volumes"]["total"] == 6
    assert summary["退回行数"] == f["volumes"]["rejected"] == 3
    assert summary["有效入库率（%）"] == 50.0
    assert summary["在部门中的排名"] == f["rank"]["rank"]
    problems_rows = list(wb["主要问题"].iter_rows(min_row=2, values_only=True))
    assert [(r[7], r[3]) for r in problems_rows] == [(p["code"], p["rows"]) for p in f["problems"]]
    trend = list(wb["近6个月趋势"].iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in trend] == [t["batches"] for t in f["trend"]]
    assert not personal_ids(str(problems_rows))


def test_generate_month_covers_departments_districts_and_the_city_and_is_idempotent(known):
    reports = quality.generate_month(MONTH)
    departments = {r.department.code for r in reports if r.scope == "department"}
    assert {"SCJG", "SW", "TNQ-SCJG"} <= departments
    sources = Department.objects.filter(is_active=True, catalog_items__is_active=True).values_list(
        "code", flat=True
    )
    assert set(sources) <= departments
    districts = {r.region_id for r in reports if r.scope == "district"}
    assert districts == set(quality.districts().values_list("code", flat=True))
    assert [r.scope for r in reports].count("city") == 1
    count = QualityReport.objects.count()
    assert len(quality.generate_month(MONTH)) == len(reports) == count
    assert QualityReport.objects.count() == count


def test_only_the_city_wide_manager_or_the_system_generates(known, make_user):
    scjg = Department.objects.get(code="SCJG")
    with pytest.raises(PermissionDenied):
        quality.generate(
            actor=make_user(Role.DISTRICT_ADMIN, region="320402"),
            scope="department", month=MONTH, department=scjg,
        )  # fmt: skip
    with pytest.raises(PermissionDenied):
        quality.generate(actor=make_user(Role.DEPT_OFFICER), scope="city", month=MONTH)
    report = quality.generate(actor=make_user(Role.CITY_REVIEWER), scope="city", month=MONTH)
    assert report.figures["unit"] == "全市"
