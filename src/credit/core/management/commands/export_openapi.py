"""``credit export-openapi [-o docs/openapi.json]``: write the API's OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from credit.dbserver import PROJECT_ROOT


class Command(BaseCommand):
    help = "导出 OpenAPI 接口文档"

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", default=str(PROJECT_ROOT / "docs" / "openapi.json"))

    def handle(self, *args, **opts):
        from credit.api import api

        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        text = json.dumps(schema, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
        Path(opts["output"]).write_text(text, encoding="utf-8")
        self.stdout.write(f"已写入 {opts['output']}")
