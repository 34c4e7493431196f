"""``credit db-roles [--owner NAME] [--app NAME] [--schema NAME] [--apply]``: the production
set-up of database roles (see :mod:`credit.core.dbroles` and docs/operations.md §11).

Without ``--apply`` it prints the SQL for review (or for a DBA to run with ``psql``); with
``--apply`` it executes it in one transaction. Run it as a superuser (or the DBA) the first
time, then as the owner after every ``credit migrate``: a second run changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from credit.core import dbroles


class Command(BaseCommand):
    help = "打印（--apply 时执行）生产环境数据库角色设置：所有者角色与只能追加审计类表的应用角色"

    def add_arguments(self, parser):
        parser.add_argument(
            "--owner",
            default=dbroles.DEFAULT_OWNER,
            help=f"拥有全部表、序列与函数的角色（默认 {dbroles.DEFAULT_OWNER}）",
        )
        parser.add_argument(
            "--app",
            default=dbroles.DEFAULT_APP,
            help=f"gunicorn 与后台任务连接所用的角色（默认 {dbroles.DEFAULT_APP}）",
        )
        parser.add_argument("--schema", help="模式（默认为当前连接的 current_schema）")
        parser.add_argument("--apply", action="store_true", help="在一个事务中执行这些语句")

    def handle(self, *args, **opts):
        try:
            statements = dbroles.plan(owner=opts["owner"], app=opts["app"], schema=opts["schema"])
        except dbroles.RoleSetupError as exc:
            raise CommandError(str(exc)) from exc
        if not opts["apply"]:
            self.stdout.write(
                f"-- 数据库角色设置：所有者 {opts['owner']}，应用 {opts['app']}。"
                "以超级用户或所有者执行；再次执行不改变任何东西。"
            )
            for statement in statements:
                self.stdout.write(f"{statement};")
            return
        dbroles.apply(statements)
        self.stdout.write(f"已执行 {len(statements)} 条语句。")
        self.stdout.write(
            f"应用角色 {opts['app']} 需有登录权限才能连接："
            f"ALTER ROLE {opts['app']} LOGIN PASSWORD '…'（本命令不设置密码）。"
        )
