"""``credit assessment <action>``: performance assessment (绩效考核) from the command line,
acting as the system (city-wide).

- ``credit assessment open --period 2026Q4 [--visibility public] [--self-due 2027-01-15]``:
  open the city's assessment of the period (units, scores, the automatic items computed);
- ``credit assessment compute --period 2026Q4``: compute its automatic items again;
- ``credit assessment rubric import [--file F]``: load the city rubric (default:
  ``credit/assessment/data/rubric.json``); an unused version is replaced, a used one kept;
- ``credit assessment quality --month 2026-11``: the month's data-quality reports (数据质量报告)
  of every department, district and the city.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit.assessment.constants import UnitKind, Visibility
from credit.assessment.models import Assessment
from credit.assessment.periods import PeriodError, parse_period, period_code, period_text
from credit.core.errors import CreditError


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as e:
        raise CommandError(f"日期“{text}”无效，应为 YYYY-MM-DD") from e


def _month(text: str) -> datetime.date:
    try:
        return datetime.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError as e:
        raise CommandError(f"月份“{text}”无效，应为 YYYY-MM（如 2026-11）") from e


def _period(text: str) -> str:
    try:
        return period_code(parse_period(text))
    except PeriodError as e:
        raise CommandError(str(e)) from e


class Command(BaseCommand):
    help = (
        "绩效考核：open 发起考核、compute 计算自动指标、rubric import 导入考核细则、"
        "quality 生成月度数据质量报告"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{open,compute,rubric,quality}"
        )
        opened = actions.add_parser("open", help="发起全市考核")
        opened.add_argument("--period", required=True, help="考核周期：2026Q4 或 2026")
        opened.add_argument(
            "--visibility",
            choices=Visibility.values,
            default=Visibility.INTERNAL,
            help="公布范围：internal 内部公布（默认）、public 向社会公示",
        )
        opened.add_argument("--self-due", dest="self_due", help="自评截止日期 YYYY-MM-DD")
        computed = actions.add_parser("compute", help="重新计算全市考核的自动指标")
        computed.add_argument("--period", required=True, help="考核周期：2026Q4 或 2026")
        rubric = actions.add_parser("rubric", help="考核细则")
        rubric_actions = rubric.add_subparsers(dest="rubric_action", required=True)
        imported = rubric_actions.add_parser("import", help="导入考核细则文件（默认：内置细则）")
        imported.add_argument("--file", help="考核细则 JSON 文件")
        quality = actions.add_parser("quality", help="生成月度数据质量报告")
        quality.add_argument("--month", required=True, help="月份 YYYY-MM")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        try:
            getattr(self, f"_{action}")(**opts)
        except CreditError as exc:
            problems = exc.details.get("problems") or []
            lines = "".join(f"\n  {p}" for p in problems)
            raise CommandError(f"{exc.message}{lines}") from exc

    def _open(self, *, period: str, visibility: str, self_due: str | None, **_: Any) -> None:
        from credit.assessment.services.assessments import open_assessment

        assessment = open_assessment(
            actor=None,
            period=_period(period),
            visibility=visibility,
            self_due=_date(self_due) if self_due else None,
        )
        departments, districts = _counts(assessment)
        self.stdout.write(
            f"已发起{period_text(assessment.period)}考核：{departments}个部门、{districts}个辖市区"
        )

    def _compute(self, *, period: str, **_: Any) -> None:
        from credit.assessment.services.assessments import compute

        code = _period(period)
        found = Assessment.objects.filter(period=code, owner_region=None).first()
        if found is None:
            raise CommandError(f"{period_text(code)}考核尚未发起")
        assessment = compute(actor=None, assessment=found)
        departments, districts = _counts(assessment)
        self.stdout.write(
            f"已计算{period_text(code)}考核的自动指标：{departments}个部门、{districts}个辖市区"
        )

    def _rubric(self, *, file: str | None = None, **_: Any) -> None:
        from credit.assessment.services.rubrics import import_rubric

        try:
            rubric = import_rubric(Path(file) if file else None)
        except (OSError, ValueError) as exc:
            if isinstance(exc, CreditError):
                raise
            raise CommandError(f"无法读取考核细则文件：{exc}") from exc
        count = rubric.indicators.count()
        used = rubric.assessments.exists()
        note = "（已用于考核，未修改）" if used else ""
        self.stdout.write(f"已导入考核细则：{rubric}，{count}项指标{note}")

    def _quality(self, *, month: str, **_: Any) -> None:
        from credit.assessment.services import quality

        first = _month(month)
        reports = quality.generate_month(first)
        self.stdout.write(f"已生成{first.year}年{first.month}月数据质量报告：{len(reports)}份")


def _counts(assessment: Assessment) -> tuple[int, int]:
    units = assessment.units
    return (
        units.filter(kind=UnitKind.DEPARTMENT).count(),
        units.filter(kind=UnitKind.DISTRICT).count(),
    )
