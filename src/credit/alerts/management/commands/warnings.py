"""``credit warnings evaluate [--date YYYY-MM-DD] | load-rules``: the warnings (预警) from the
command line.

``evaluate`` evaluates every active rule now — the service the hourly job calls
(:func:`credit.alerts.services.evaluate`) — and prints what it did in Chinese; a rule that could
not be evaluated is named and the command ends with an error after the others were evaluated.
``load-rules`` creates the default rules that do not exist yet (``alerts/data/rules.json``).
"""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError

from credit.alerts import services


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"日期“{text}”不是 YYYY-MM-DD 格式") from exc


class Command(BaseCommand):
    help = "预警：立即评估全部预警规则（evaluate），或载入默认预警规则（load-rules）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser("evaluate", help="立即评估全部启用的预警规则")
        evaluate.add_argument(
            "--date", type=_date, default=None, help="按哪一天评估（默认今天），如 2026-11-30"
        )
        sub.add_parser("load-rules", help="载入尚不存在的默认预警规则")

    def handle(self, *args, action: str, **opts):
        if action == "load-rules":
            created = services.load_default_rules()
            self.stdout.write(f"已载入默认预警规则 {created} 条（已存在的规则保持不变）。")
            return
        summary = services.evaluate(today=opts.get("date"))
        self.stdout.write(
            f"已评估预警规则 {summary['rules']} 条：新增预警 {summary['created']} 条，"
            f"自动关闭（条件已解除）{summary['closed']} 条。"
        )
        if summary["failed"]:
            raise CommandError(f"以下规则未能评估，请查看日志：{'、'.join(summary['failed'])}")
