"""``credit catalog import [FILE] | export [-o FILE] | template ITEM -o FILE``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credit.catalog import selectors, services
from credit.catalog.excel import build_template
from credit.catalog.spec import CatalogSpecError


class Command(BaseCommand):
    help = "导入、导出信用信息资源目录，生成报送模板"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="导入目录 JSON（默认：内置目录）")
        imp.add_argument("file", nargs="?")
        exp = sub.add_parser("export", help="导出目录 JSON")
        exp.add_argument("-o", "--output")
        tpl = sub.add_parser("template", help="生成目录项的 Excel 报送模板")
        tpl.add_argument("item")
        tpl.add_argument("-o", "--output", required=True)

    def handle(self, *args, action: str, **opts):
        if action == "import":
            try:
                counts = services.import_catalog_file(opts.get("file"))
            except CatalogSpecError as exc:
                lines = "\n".join(f"  {p}" for p in exc.problems)
                raise CommandError(
                    f"目录文件有 {len(exc.problems)} 处问题，未导入：\n{lines}"
                ) from exc
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
        elif action == "export":
            text = json.dumps(selectors.export_catalog(), ensure_ascii=False, indent=1)
            if opts.get("output"):
                Path(opts["output"]).write_text(text, encoding="utf-8")
            else:
                sys.stdout.write(text + "\n")
        else:
            item = selectors.item_with_fields(opts["item"])
            if item is None:
                raise CommandError(f"目录项“{opts['item']}”不存在")
            Path(opts["output"]).write_bytes(build_template(item))
            self.stdout.write(f"已生成 {opts['output']}")
