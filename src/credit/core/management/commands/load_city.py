"""``credit load-city [--config FILE]``: load the city, districts and departments (idempotent)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from credit.core.errors import ValidationFailed
from credit.core.services import load_city_config


class Command(BaseCommand):
    help = "载入城市、辖市区和部门配置（可重复执行）"

    def add_arguments(self, parser):
        parser.add_argument("--config", help="配置 JSON（默认 CREDIT_CITY_CONFIG）")

    def handle(self, *args, **opts):
        try:
            counts = load_city_config(opts.get("config"))
        except (ValidationFailed, FileNotFoundError, json.JSONDecodeError, KeyError) as exc:
            raise CommandError(f"配置未载入：{exc}") from exc
        self.stdout.write(json.dumps(counts, ensure_ascii=False))
