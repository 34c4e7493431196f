"""``credit integrity recompute [--all] [--id-number X]`` and ``credit integrity rules import``:
the same services as the jobs, counts in Chinese or JSON, clear refusals."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from credit.core.models import AuditEntry
from credit.integrity.models import CivilServant, ScoreRule, ScoreRuleSet
from tests.integrity.factories import id_number_of, make_civil_servant, make_person

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("integrity", *args, stdout=out)
    return out.getvalue().strip()


def test_rules_import_is_idempotent_and_says_what_it_did():
    text = run("rules", "import")
    assert "评分规则已导入" in text and "规则新增 0 条" in text
    counts = json.loads(run("rules", "import", "--json"))
    assert counts["rules_created"] == 0 and counts["rulesets_created"] == 0
    assert ScoreRuleSet.objects.filter(code="cs-score-2026").count() == 1
    assert ScoreRule.objects.filter(ruleset__code="cs-score-2026").count() == 46


def test_rules_import_restores_a_changed_line_and_asks_for_a_recompute():
    line = ScoreRule.objects.get(ruleset__code="cs-score-2026", value="记过")
    ScoreRule.objects.filter(pk=line.pk).update(points=-1)
    text = run("rules", "import")
    assert "更新 1 条" in text and "recompute --all" in text
    line.refresh_from_db()
    assert line.points == -80
    assert AuditEntry.objects.filter(event_type="integrity.rules_imported").exists()


def test_a_bad_rules_file_is_refused_with_its_problems(tmp_path):
    bad = tmp_path / "rules.json"
    bad.write_text(
        json.dumps(
            {
                "rulesets": [
                    {
                        "code": "x",
                        "name": "坏",
                        "effective_from": "2027-01-01",
                        "rules": [{"item": "no-such-item", "label": "甲", "points": -1}],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="目录项 no-such-item 不存在"):
        run("rules", "import", str(bad))
    assert not ScoreRuleSet.objects.filter(code="x").exists()


def test_recompute_all_prints_counts():
    servant = make_civil_servant("SCJG", grade="C", recompute=False)
    text = run("recompute", "--all")
    assert text.startswith("已重算") and "名公务员的诚信分" in text
    counts = json.loads(run("recompute", "--all", "--json"))
    assert counts["civil_servants"] >= 1 and "seconds" in counts
    assert CivilServant.objects.get(pk=servant.pk).score == 450


def test_recompute_one_person_by_id_number_is_audited():
    servant = make_civil_servant("SCJG", grade="D", recompute=False)
    counts = json.loads(run("recompute", "--id-number", id_number_of(servant), "--json"))
    assert counts == {
        "civil_servants": 1,
        "civil_servant": servant.pk,
        "score": 300,
        "grade": "D",
        "items": 1,
    }
    assert "诚信分 300，等级 D" in run("recompute", "--id-number", id_number_of(servant))
    entry = AuditEntry.objects.filter(event_type="integrity.recomputed").latest("id")
    assert entry.object_id == str(servant.pk)
    assert id_number_of(servant) not in json.dumps(entry.after, ensure_ascii=False)


def test_recompute_refuses_unknown_people_and_non_civil_servants():
    with pytest.raises(CommandError, match="没有该身份证号码"):
        run("recompute", "--id-number", "110101199003077777")
    person = make_person()
    with pytest.raises(CommandError, match="不是公务员"):
        run("recompute", "--id-number", id_number_of(person))


def test_recompute_without_options_recomputes_the_people_due():
    servant = make_civil_servant("SCJG", recompute=False)
    CivilServant.objects.filter(pk=servant.pk).update(computed_at=None)
    counts = json.loads(run("recompute", "--json"))
    assert counts["due"] >= 1 and counts["civil_servants"] == counts["due"]
    assert "今日需重算 0 人" in run("recompute")
