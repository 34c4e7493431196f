"""The ``credit`` console script: Django's management commands without ``python manage.py``.

``credit migrate``, ``credit runserver``, ``credit seed-demo`` … (hyphens or underscores).
``credit db status|start|stop|url`` manages the embedded PostgreSQL under ``var/`` without
loading Django. Every command uses ``DATABASE_URL`` when set, else the embedded server,
starting it when needed.
"""

from __future__ import annotations

import os
import sys


def _db(args: list[str]) -> int:
    from credit import dbserver

    action = args[0] if args else "status"
    if os.environ.get("DATABASE_URL") and action != "url":
        print("DATABASE_URL 已设置，未使用内置 PostgreSQL。")
        return 0
    if action in {"start", "url"}:
        print(dbserver.database_url())
        return 0
    if action == "stop":
        print("已停止内置 PostgreSQL。" if dbserver.stop_embedded() else "内置 PostgreSQL 未运行。")
        return 0
    if action == "status":
        state = "运行中" if dbserver.is_running() else "未运行"
        print(f"内置 PostgreSQL：{state}（数据目录 {dbserver.var_dir() / 'pgdata'}）")
        return 0
    print("用法：credit db [status|start|stop|url]", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "db":
        return _db(argv[1:])
    if argv and not argv[0].startswith("-"):
        argv[0] = argv[0].replace("-", "_")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credit.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["credit", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
