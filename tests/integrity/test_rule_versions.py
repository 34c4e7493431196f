"""Writes of the score rules (:mod:`credit.integrity.services.rules`): the rules file's import
(idempotent, refusing a bad file whole, keeping a line that explained a score) and a new rule
version — the city's credit office only, after every existing version, audited with each
change."""

from __future__ import annotations

import datetime
import json

import pytest

from credit.accounts.roles import Role
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry
from credit.integrity.models import HonourRule, ScoreRule, ScoreRuleSet
from credit.integrity.services import rules as rule_services
from credit.integrity.services import scoring
from tests.integrity.factories import add_record, make_civil_servant

pytestmark = pytest.mark.django_db

LATER = datetime.date(2027, 1, 1)


@pytest.fixture
def first():
    return ScoreRuleSet.objects.get(code="cs-score-2026")


def line(ruleset, value: str, item: str = "cs-discipline") -> ScoreRule:
    return ScoreRule.objects.get(ruleset=ruleset, item__code=item, value=value)


def new(actor, first, **changes):
    values = {
        "actor": actor,
        "based_on": first,
        "code": "cs-score-2027",
        "name": "公务员诚信计分规则（第二版）",
        "effective_from": LATER,
        **changes,
    }
    return rule_services.new_version(**values)


def test_the_seed_rules_and_honour_rules_are_loaded(first):
    assert first.rules.count() == 46
    assert (first.base, first.grade_a_min, first.grade_b_min, first.grade_c_min) == (
        500,
        500,
        451,
        351,
    )
    black = HonourRule.objects.get(kind="black")
    assert black.items == [
        "cs-dishonesty",
        "cs-discipline",
        "cs-accountability",
        "criminal-judgment",
    ]
    assert (black.years, black.min_count, black.published) == (3, 1, True)
    red = HonourRule.objects.get(kind="red")
    assert (red.years, red.require_excellent, red.published) == (3, True, True)


def test_a_new_version_copies_the_lines_with_the_changes_and_is_audited(make_user, first):
    warning = line(first, "警告")
    dismissal = line(first, "开除")
    admin = make_user(Role.CITY_ADMIN)
    created = new(
        admin,
        first,
        points={warning.pk: -60},
        months={warning.pk: 6, dismissal.pk: 120},
        note="警告扣分调整",
    )
    assert created.effective_from == LATER and created.note == "警告扣分调整"
    assert created.rules.count() == first.rules.count()
    copied = line(created, "警告")
    assert (copied.points, copied.months, copied.label) == (-60, 6, warning.label)
    assert line(created, "开除").months == 120
    assert line(created, "记过").points == -80  # unchanged
    assert line(first, "警告").points == -50  # the version in force is never edited
    entry = AuditEntry.objects.get(event_type="integrity.ruleset_created")
    assert entry.after["based_on"] == "cs-score-2026"
    assert entry.after["changes"][warning.label] == {"points": [-50, -60], "months": [12, 6]}
    assert set(entry.after["changes"]) == {warning.label, dismissal.label}


@pytest.mark.parametrize(
    "role", [Role.DISTRICT_ADMIN, Role.ORG_HR, Role.DEPT_OFFICER, Role.AUDITOR]
)
def test_only_the_citys_credit_office_issues_a_version(make_user, first, role):
    department = "RS" if role == Role.ORG_HR else None
    with pytest.raises(PermissionDenied):
        new(make_user(role, department=department), first)
    assert not ScoreRuleSet.objects.filter(code="cs-score-2027").exists()


def test_a_city_reviewer_may_issue_a_version(make_user, first):
    assert new(make_user(Role.CITY_REVIEWER), first).code == "cs-score-2027"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"effective_from": datetime.date(2026, 1, 1)}, "ruleset_date_not_after"),
        ({"effective_from": datetime.date(2025, 6, 1)}, "ruleset_date_not_after"),
        ({"code": "cs-score-2026"}, "ruleset_code_taken"),
        ({"code": "有中文"}, "ruleset_code_invalid"),
        ({"name": "  "}, "ruleset_name_required"),
        ({"points": {999_999: -1}}, "ruleset_line_unknown"),
        ({"months": {999_999: 1}}, "ruleset_line_unknown"),
    ],
)
def test_a_bad_version_is_refused(make_user, first, changes, code):
    with pytest.raises(ValidationFailed) as refused:
        new(make_user(Role.CITY_ADMIN), first, **changes)
    assert refused.value.code == code


def test_points_and_months_must_stay_in_bounds(make_user, first):
    admin = make_user(Role.CITY_ADMIN)
    warning = line(first, "警告")
    for points in (1001, -1001, "5", True):
        with pytest.raises(ValidationFailed, match="分值"):
            new(admin, first, points={warning.pk: points})
    for months in (-1, 601, "6"):
        with pytest.raises(ValidationFailed, match="计分期限"):
            new(admin, first, months={warning.pk: months})
    assert new(admin, first, points={warning.pk: 1000}, months={warning.pk: None}).code


def test_a_second_version_must_come_after_the_newest(make_user, first):
    admin = make_user(Role.CITY_ADMIN)
    new(admin, first)
    with pytest.raises(ValidationFailed) as refused:
        new(admin, first, code="cs-score-x", effective_from=LATER)
    assert "2027-01-01" in refused.value.message


def test_import_keeps_a_line_that_explained_a_score_and_removes_an_unused_one(tmp_path, first):
    servant = make_civil_servant("SCJG", recompute=False)
    add_record(servant, "cs-discipline", result="警告")
    scoring.recompute(person_ids=[servant.natural_person_id])
    doc = rule_services.read_rules_file()
    doc["rulesets"][0]["rules"] = [
        r for r in doc["rulesets"][0]["rules"] if r["value"] not in ("警告", "记过")
    ]
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    counts = rule_services.import_rules(path)
    assert (counts["rules_kept"], counts["rules_removed"]) == (1, 1)
    assert ScoreRule.objects.filter(ruleset=first, value="警告").exists()
    assert not ScoreRule.objects.filter(ruleset=first, value="记过").exists()
    assert rule_services.import_rules()["rules_created"] == 1  # the bundled file again


def test_a_bad_file_is_refused_whole(tmp_path):
    doc = rule_services.read_rules_file()
    doc["rulesets"][0]["rules"][0]["points"] = "many"
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(rule_services.RulesFileError) as refused:
        rule_services.import_rules(path)
    assert refused.value.problems == ["规则版本 cs-score-2026第1条的分值 points 须为整数"]
