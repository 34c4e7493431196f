"""``credit warnings evaluate`` (the contract's command) and ``credit warnings load-rules``."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import CommandError, call_command

from credit.alerts.models import Warning, WarningRule

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = io.StringIO()
    call_command("warnings", *args, stdout=out)
    return out.getvalue()


def test_evaluate_prints_a_chinese_summary_and_is_idempotent(make_rule, make_record, legal_person):
    make_rule("dishonesty_records", "city", "gte", threshold="1")
    make_record("admin-penalty", "SCJG", legal_person, decided=datetime.date(2026, 11, 2))
    first = _run("evaluate", "--date", "2026-11-20")
    assert first.strip() == "已评估预警规则 1 条：新增预警 1 条，自动关闭（条件已解除）0 条。"
    second = _run("evaluate", "--date", "2026-11-20")
    assert "新增预警 0 条" in second
    assert Warning.objects.count() == 1


def test_evaluate_names_a_rule_it_could_not_evaluate(make_rule):
    rule = make_rule("dishonesty_records", "city", "gte", threshold="1", code="broken-rule")
    WarningRule.objects.filter(pk=rule.pk).update(metric="unknown")
    with pytest.raises(CommandError, match="broken-rule"):
        _run("evaluate")


def test_a_bad_date_is_refused_in_chinese():
    with pytest.raises(CommandError, match="不是 YYYY-MM-DD 格式"):
        _run("evaluate", "--date", "2026-13-01")


def test_load_rules():
    assert "已载入默认预警规则 5 条" in _run("load-rules")
    assert "已载入默认预警规则 0 条" in _run("load-rules")


def test_the_periodic_job_evaluates(make_rule, make_record, legal_person):
    from credit.alerts import tasks

    make_rule("dishonesty_records", "city", "gte", threshold="1")
    make_record("admin-penalty", "SCJG", legal_person, decided=datetime.date.today())
    assert tasks.evaluate(timestamp=0) == 1
    assert tasks.evaluate(timestamp=0) == 0
