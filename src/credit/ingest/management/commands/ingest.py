"""``credit ingest FILE --item ITEM --department CODE [--feedback OUT.json]``.

Prints one JSON line (the batch receipt). Exit status 0 whenever the file was read, rejected
rows or not; 2 with a one-line reason when the file cannot be read at all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credit.core.errors import CreditError
from credit.ingest.errors import FileRejected
from credit.ingest.pipeline import feedback_rows, ingest_file


class Command(BaseCommand):
    help = "报送一个数据文件（xlsx、csv、txt、xml 或 zip），输出批次回执"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--item", required=True, help="目录项标识，如 admin-penalty")
        parser.add_argument("--department", required=True, help="报送部门编码，如 SCJG")
        parser.add_argument("--feedback", help="把逐行反馈写入此 JSON 文件")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            batch = ingest_file(
                actor=None,
                path=path,
                item_code=opts["item"],
                department_code=opts["department"],
            )
        except FileRejected as exc:
            sys.stderr.write(f"{exc.code}: {exc.message}\n")
            sys.exit(2)
        except CreditError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if opts.get("feedback"):
            Path(opts["feedback"]).write_text(
                json.dumps(feedback_rows(batch), ensure_ascii=False, indent=1), encoding="utf-8"
            )
        self.stdout.write(json.dumps(batch.summary(), ensure_ascii=False))
