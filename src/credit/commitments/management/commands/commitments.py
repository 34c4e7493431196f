"""``credit commitments <action>``: credit commitments from the command line.

- ``credit commitments items import [FILE]``: load the commitment items and their templates
  (default: ``credit/commitments/data/items.json``: the 19 告知承诺 items of the 证照分离
  reform and items of the other kinds); idempotent — a changed template becomes a new version.

Counts are printed in Chinese, or as JSON with ``--json``.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit.commitments.services import items
from credit.core.errors import CreditError


class Command(BaseCommand):
    help = "信用承诺：items import 导入承诺事项和承诺书模板"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{items}")
        items_parser = actions.add_parser("items", help="承诺事项")
        items_actions = items_parser.add_subparsers(dest="items_action", required=True)
        imp = items_actions.add_parser("import", help="导入承诺事项文件（默认：内置事项）")
        imp.add_argument("file", nargs="?")
        imp.add_argument("--json", dest="as_json", action="store_true", help="以 JSON 输出")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        try:
            counts = items.import_items(opts.get("file"))
        except CreditError as exc:
            problems = exc.details.get("errors") or []
            lines = "".join(f"\n  {p}" for p in problems)
            raise CommandError(f"{exc.message}{lines}") from exc
        except (OSError, ValueError) as exc:
            raise CommandError(f"无法读取承诺事项文件：{exc}") from exc
        if opts.get("as_json"):
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
        else:
            self.stdout.write(
                f"承诺事项：新增 {counts['created']} 项，更新 {counts['updated']} 项，"
                f"新增模板版本 {counts['versions']} 个"
            )
