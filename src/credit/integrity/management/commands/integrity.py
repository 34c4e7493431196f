"""``credit integrity <action>``: the civil servants' integrity scores from the command line.

- ``credit integrity recompute``: recompute the people due today (what the daily job does);
  ``--all`` every civil servant (and every person with an active 公务人员基础信息 record);
  ``--id-number X`` one person (by ID number, looked up through the blind index). The same
  service as the jobs (:mod:`credit.integrity.services.scoring`).
- ``credit integrity rules import [FILE]``: load the score rules and the 红黑榜 rules (default:
  the seed's table, ``credit/integrity/data/rules.json``); idempotent.

Counts are printed in Chinese, or as JSON with ``--json``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit.core import audit
from credit.core.errors import CreditError
from credit.integrity.models import CivilServant
from credit.integrity.services import rules, scoring
from credit.subjects.selectors import natural_person_by_id


class Command(BaseCommand):
    help = "政务诚信：recompute 重算公务员诚信分；rules import 导入评分规则"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{recompute,rules}")
        recompute = actions.add_parser("recompute", help="重算诚信分（默认：今日到期需重算的人员）")
        who = recompute.add_mutually_exclusive_group()
        who.add_argument("--all", action="store_true", help="重算全部公务员")
        who.add_argument("--id-number", default="", help="只重算该身份证号码的人员")
        recompute.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 输出")
        rules_parser = actions.add_parser("rules", help="评分规则")
        rules_actions = rules_parser.add_subparsers(dest="rules_action", required=True)
        imp = rules_actions.add_parser("import", help="导入评分规则文件（默认：内置规则）")
        imp.add_argument("file", nargs="?")
        imp.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        try:
            if action == "recompute":
                self._recompute(**opts)
            else:
                self._import(**opts)
        except CreditError as exc:
            problems = exc.details.get("problems") or []
            lines = "".join(f"\n  {p}" for p in problems)
            raise CommandError(f"{exc.message}{lines}") from exc

    def _recompute(self, *, all: bool, id_number: str, as_json: bool, **_: Any) -> None:
        if all:
            counts = scoring.recompute_all()
            self._out(
                counts,
                as_json,
                f"已重算 {counts['civil_servants']} 名公务员的诚信分（计分明细 "
                f"{counts['items']} 条，年度得分 {counts['years']} 条），"
                f"用时 {counts['seconds']} 秒",
            )
            return
        if id_number:
            person = natural_person_by_id(id_number)
            if person is None:
                raise CommandError("没有该身份证号码的自然人 (person_unknown)")
            done = scoring.recompute(person_ids=[person.pk])
            servant = CivilServant.objects.filter(natural_person=person).first()
            if not done or servant is None:
                raise CommandError("该人员不是公务员：没有公务人员基础信息记录 (not_civil_servant)")
            audit.record(
                "integrity.recomputed",
                obj=servant,
                after={"score": servant.score, "grade": servant.grade},
            )
            counts = {
                "civil_servants": 1,
                "civil_servant": servant.pk,
                "score": servant.score,
                "grade": servant.grade,
                "items": servant.items.count(),
            }
            self._out(
                counts,
                as_json,
                f"已重算公务员（档案号 {servant.pk}）：诚信分 {servant.score}，"
                f"等级 {servant.grade}，计分明细 {counts['items']} 条",
            )
            return
        due = scoring.due_today()
        done = scoring.recompute(person_ids=due)
        self._out(
            {"due": len(due), "civil_servants": done},
            as_json,
            f"今日需重算 {len(due)} 人，已重算 {done} 名公务员的诚信分",
        )

    def _import(self, *, file: str | None, as_json: bool, **_: Any) -> None:
        counts = rules.import_rules(file)
        self._out(
            counts,
            as_json,
            f"评分规则已导入：新增版本 {counts['rulesets_created']} 个、更新 "
            f"{counts['rulesets_updated']} 个；规则新增 {counts['rules_created']} 条、更新 "
            f"{counts['rules_updated']} 条、删除 {counts['rules_removed']} 条；红黑榜规则新增 "
            f"{counts['honour_created']} 条、更新 {counts['honour_updated']} 条",
        )
        if counts["rules_updated"] or counts["rules_removed"] or counts["rulesets_updated"]:
            self.stdout.write(
                "既有版本的规则有变化：请运行 credit integrity recompute --all 重算诚信分"
            )

    def _out(self, counts: dict[str, Any], as_json: bool, text: str) -> None:
        self.stdout.write(json.dumps(counts, ensure_ascii=False) if as_json else text)
