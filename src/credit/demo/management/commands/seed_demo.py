"""``credit seed-demo [--scale small|large] [--seed N]``: load synthetic Changzhou and the
joint reward/punishment measures (both idempotent)."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from credit.demo import loader
from credit.demo.synthetic.common import SCALES
from credit.sanctions.management.commands.sanctions_measures import (
    MeasuresFileError,
    load_measures_file,
)


class Command(BaseCommand):
    help = "载入合成的常州演示数据（可重复执行，不会重复插入）"

    def add_arguments(self, parser):
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--validate-every",
            type=int,
            default=None,
            help="每 N 条记录按目录规格校验一条（默认 small 全部、large 每 50 条）",
        )

    def handle(self, *args, **opts):
        if settings.PRODUCTION:
            raise CommandError("生产环境（CREDIT_ENV=production）不能载入演示数据")
        counts = loader.seed(
            scale=opts["scale"],
            seed=opts["seed"],
            report=lambda line: self.stderr.write(line),
            validate_every=opts["validate_every"],
        )
        try:
            counts["measures"] = load_measures_file()
        except MeasuresFileError as exc:
            raise CommandError("联合奖惩措施清单未载入：\n" + "\n".join(exc.problems)) from exc
        self.stdout.write(json.dumps(counts, ensure_ascii=False))
