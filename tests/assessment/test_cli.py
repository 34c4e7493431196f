"""``credit assessment``: rubric import, open, compute and quality print what they did in
Chinese; a bad period or a second opening is a command error."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from credit.assessment.models import Assessment, Rubric

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("assessment", *args, stdout=out)
    return out.getvalue().strip()


def test_rubric_import_prints_the_rubric():
    count = Rubric.objects.get(owner_region=None, year=2026, version=1).indicators.count()
    assert _run("rubric", "import") == (
        f"已导入考核细则：2026年度常州市社会信用体系建设工作考核细则（第1版），{count}项指标"
    )


def test_open_and_compute_print_the_units(tmp_path, mini_rubric):
    assert _run(
        "open", "--period", "2025Q4", "--visibility", "public", "--self-due", "2026-01-15"
    ) == ("已发起2025年第四季度考核：25个部门、6个辖市区")
    opened = Assessment.objects.get(period="2025Q4", owner_region=None)
    assert (opened.visibility, str(opened.self_due)) == ("public", "2026-01-15")
    assert _run("compute", "--period", "2025q4") == (
        "已计算2025年第四季度考核的自动指标：25个部门、6个辖市区"
    )
    with pytest.raises(CommandError, match="全市2025年第四季度考核已经发起"):
        _run("open", "--period", "2025Q4")
    assert _run("rubric", "import").endswith("项指标")


def test_bad_input_is_a_command_error(mini_rubric):
    with pytest.raises(CommandError, match="考核周期“2025Q7”无效"):
        _run("open", "--period", "2025Q7")
    with pytest.raises(CommandError, match="2024年第一季度考核尚未发起"):
        _run("compute", "--period", "2024Q1")
    with pytest.raises(CommandError, match="月份“2026/11”无效"):
        _run("quality", "--month", "2026/11")


def test_the_daily_job_recomputes_open_assessments_on_the_assessment_queue(users, mini_rubric):
    from procrastinate.contrib.django import app

    from credit.assessment import tasks
    from credit.assessment.services import assessments

    opened = assessments.open_assessment(actor=None, period="2025Q4")
    first = opened.computed_at
    assert tasks.compute(timestamp=0) == 1
    opened.refresh_from_db()
    assert opened.computed_at > first
    assessments.close_self_scoring(actor=users["reviewer"], assessment=opened)
    assert tasks.compute(timestamp=0) == 0  # reviewing: no longer recomputed by the job
    schedules = {name: p.cron for (name, _), p in app.periodic_registry.periodic_tasks.items()}
    assert schedules["assessment.compute"] == "50 18 * * *"
    assert schedules["assessment.quality_reports"] == "0 20 1 * *"
    assert {tasks.compute.queue, tasks.quality_reports.queue} == {"assessment"}
