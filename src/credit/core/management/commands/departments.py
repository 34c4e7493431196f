"""``credit departments [--json] [--region CODE]``: list departments for operators and scripts."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand

from credit.core import selectors


class Command(BaseCommand):
    help = "列出部门（编码、名称、区划）"

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="输出 JSON 数组")
        parser.add_argument("--region", help="只列出该行政区划代码的部门")

    def handle(self, *args, **opts):
        rows = [
            {
                "code": d.code,
                "name": d.name,
                "short_name": d.short_name,
                "uscc": d.uscc,
                "region": d.region_id,
                "region_name": d.region.name,
                "kind": d.kind,
            }
            for d in selectors.departments(region=opts.get("region"))
        ]
        if opts["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1))
            return
        if not rows:
            self.stdout.write("没有部门。请先运行 credit load-city 或 credit seed-demo。")
            return
        width = max(len(r["code"]) for r in rows)
        self.stdout.write(f"{'编码'.ljust(width)}  区划      名称")
        for r in rows:
            self.stdout.write(
                f"{r['code'].ljust(width)}  {r['region']} {r['region_name']:<4}  {r['name']}"
            )
