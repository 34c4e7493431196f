"""``credit ingest FILE --item ITEM --department CODE [--feedback OUT.json]``.

Prints one JSON line (the batch receipt). Exit status 0 whenever the file was read, rejected
rows or not; 2 with a one-line reason when the file cannot be read at all.

``credit ingest reprocess BATCH_ID``: queues an interrupted upload (处理中断) again, as the
system, with the rules of the batch page's 重新处理 button
(:func:`credit.ingest.services.reprocess_batch`); a running worker resumes it where it
stopped. Prints one JSON line (``batch``, ``status``, ``job``, ``resume_after``: rows already
done); exit status 1 with the reason (code and Chinese message) when it cannot be re-processed.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credit.core.errors import CreditError
from credit.ingest.errors import BatchInterrupted, FileRejected
from credit.ingest.feedback import feedback_rows
from credit.ingest.models import Batch
from credit.ingest.pipeline import ingest_file
from credit.ingest.services import reprocess_batch


class Command(BaseCommand):
    help = "报送一个数据文件（xlsx、csv、txt、xml 或 zip），输出批次回执"

    def add_arguments(self, parser):
        parser.add_argument("file", help="数据文件；或 reprocess，后跟批次号（重新处理中断的批次）")
        parser.add_argument("batch", nargs="?", help=argparse.SUPPRESS)
        parser.add_argument("--item", help="目录项标识，如 admin-penalty（报送文件时必填）")
        parser.add_argument("--department", help="报送部门编码，如 SCJG（报送文件时必填）")
        parser.add_argument("--feedback", help="把逐行反馈写入此 JSON 文件")

    def handle(self, *args, **opts):
        if opts["file"] == "reprocess" and opts["batch"] is not None:
            self._reprocess(opts["batch"])
            return
        if opts["batch"] is not None:
            raise CommandError(
                f"多余的参数“{opts['batch']}”；重新处理批次请用 credit ingest reprocess 批次号"
            )
        if not opts["item"] or not opts["department"]:
            raise CommandError("报送文件时请用 --item 和 --department 指定目录项和报送部门")
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
        except BatchInterrupted as exc:
            raise CommandError(
                f"stalled: 批次 {exc.batch_id} 长时间没有进展，已被标记为“处理中断”，"
                "请重新运行本命令"
            ) from exc
        if opts.get("feedback"):
            # The operator on the server is the system: the rows as sent (principal None).
            rows = feedback_rows(batch, principal=None)
            Path(opts["feedback"]).write_text(
                json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        self.stdout.write(json.dumps(batch.summary(), ensure_ascii=False))

    def _reprocess(self, batch_id: str) -> None:
        """Queue an interrupted batch again as the system (``actor=None``)."""
        batch = (
            Batch.objects.filter(pk=int(batch_id)).first()
            if batch_id.isdigit() and len(batch_id) <= 18
            else None
        )
        if batch is None:
            raise CommandError(f"batch_not_found: 批次 {batch_id} 不存在")
        try:
            batch = reprocess_batch(actor=None, batch=batch)
        except CreditError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        receipt = {
            "batch": batch.pk,
            "status": batch.status,
            "job": batch.job_id,
            "resume_after": batch.total,
        }
        self.stdout.write(json.dumps(receipt, ensure_ascii=False))
