"""``credit dashboard refresh``: recompute the dashboards' pre-aggregated counts now (the
periodic job does it every 10 minutes)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from credit.dashboard import facts


class Command(BaseCommand):
    help = "刷新信用监管一张图的统计快照"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("refresh", help="立即重新计算统计快照")

    def handle(self, *args: Any, **opts: Any) -> None:
        snap = facts.refresh()
        self.stdout.write(
            f"统计快照已刷新：{snap.records} 条信用记录，统计日 {snap.as_of}，"
            f"耗时 {snap.seconds:.1f} 秒"
        )
