"""``credit rekey_records [--dry-run]``: re-key stored records with the current natural-key
form and merge the duplicates found (what migration ``records.0007`` did once), printing the
summary; ``--dry-run`` reports without changing anything. See :mod:`credit.records.rekey`."""

from __future__ import annotations

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from credit.records import changes
from credit.records.rekey import rekey_records


class _DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "按文书号年份括号统一后的自然键重算信用记录，合并重复记录并输出报告"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只报告，不修改数据")

    def handle(self, *args, **opts):
        try:
            with transaction.atomic():
                report = rekey_records(apps, emit=changes.emit)
                if opts["dry_run"]:
                    raise _DryRun
        except _DryRun:
            pass
        for line in report.lines():
            self.stdout.write(line)
        if opts["dry_run"]:
            self.stdout.write("（试运行：未修改任何数据）")
