"""``credit api-client create|list|show|update|rotate|disable|enable`` — API clients for the
credit office's operators.

``create`` and ``rotate`` print the secret once (``--json``: ``{"key": ..., "secret": ...}``).
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from credit.catalog.models import CatalogItem
from credit.core.errors import CreditError
from credit.core.models import Department
from credit.gateway import services
from credit.gateway.models import ApiClient
from credit.gateway.scopes import SCOPES


class Command(BaseCommand):
    help = "管理接口调用方：登记、查看、修改、更换密钥、停用和启用"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="登记接口调用方，输出访问密钥和密钥（仅此一次）")
        create.add_argument("--name", required=True, help="名称，如 市市场监管局审批系统")
        create.add_argument("--department", help="所属部门编码（部门业务系统必填）")
        create.add_argument(
            "--third-party", action="store_true", help="第三方机构（不属于任何部门）"
        )
        self._grant_arguments(create)
        create.add_argument("--contact", default="", help="联系人及电话")
        create.add_argument("--json", action="store_true", help='输出 {"key": ..., "secret": ...}')
        sub.add_parser("list", help="列出接口调用方")
        show = sub.add_parser("show", help="查看一个接口调用方（不含密钥）")
        show.add_argument("key")
        update = sub.add_parser("update", help="修改来源地址、权限、目录项、限额或联系人")
        update.add_argument("key")
        self._grant_arguments(update, required=False)
        update.add_argument("--contact", help="联系人及电话")
        rotate = sub.add_parser("rotate", help="更换密钥（旧密钥立即失效），输出新密钥")
        rotate.add_argument("key")
        rotate.add_argument("--json", action="store_true")
        disable = sub.add_parser("disable", help="停用")
        disable.add_argument("key")
        disable.add_argument("--reason", required=True, help="停用原因")
        enable = sub.add_parser("enable", help="重新启用")
        enable.add_argument("key")

    @staticmethod
    def _grant_arguments(parser, required: bool = True) -> None:
        parser.add_argument(
            "--ip",
            action="append",
            required=required,
            help="允许的来源地址或网段，可重复，如 --ip 10.1.2.0/24",
        )
        parser.add_argument(
            "--scope",
            action="append",
            required=required,
            help="接口权限，可重复：" + "、".join(sorted(SCOPES)),
        )
        parser.add_argument("--item", action="append", help="可访问的目录项标识，可重复")
        parser.add_argument("--rate-limit", type=int, help="每秒请求上限（默认 50）")
        parser.add_argument("--daily-quota", type=int, help="每日调用配额（默认 100000）")

    def handle(self, *args, **opts):
        try:
            getattr(self, f"_{opts['action']}")(opts)
        except CreditError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc

    def _client(self, key: str) -> ApiClient:
        client = ApiClient.objects.filter(key=key).first()
        if client is None:
            raise CommandError(f"client_not_found: 没有访问密钥为 {key} 的接口调用方")
        return client

    @staticmethod
    def _items(codes) -> list[CatalogItem] | None:
        if codes is None:
            return None
        found = {i.code: i for i in CatalogItem.objects.filter(code__in=codes)}
        missing = [c for c in codes if c not in found]
        if missing:
            raise CommandError(f"catalog_item_not_found: 目录项不存在：{'、'.join(missing)}")
        return [found[c] for c in codes]

    def _secret_out(self, client: ApiClient, secret: str, as_json: bool) -> None:
        if as_json:
            self.stdout.write(json.dumps({"key": client.key, "secret": secret}))
            return
        self.stdout.write(f"接口调用方：{client.name}")
        self.stdout.write(f"访问密钥 (X-Credit-Key)：{client.key}")
        self.stdout.write(f"密钥 (secret)：{secret}")
        self.stdout.write("密钥只显示这一次，请立即交给对方妥善保存。")

    def _create(self, opts) -> None:
        department = None
        if opts["department"]:
            department = Department.objects.filter(code=opts["department"]).first()
            if department is None:
                raise CommandError(f"department_not_found: 部门不存在：{opts['department']}")
        if bool(department) == bool(opts["third_party"]):
            raise CommandError(
                "请指定 --department（部门业务系统）或 --third-party（第三方机构）之一"
            )
        limits = {k: opts[k] for k in ("rate_limit", "daily_quota") if opts.get(k) is not None}
        client, secret = services.create_client(
            actor=None,
            name=opts["name"],
            kind=ApiClient.Kind.THIRD_PARTY if opts["third_party"] else ApiClient.Kind.DEPARTMENT,
            department=department,
            ips=opts["ip"],
            scopes=opts["scope"],
            items=self._items(opts["item"]) or [],
            contact=opts["contact"],
            **limits,
        )
        self._secret_out(client, secret, opts["json"])

    def _list(self, opts) -> None:
        for c in ApiClient.objects.select_related("department").order_by("name"):
            state = "启用" if c.is_active else "停用"
            owner = c.department.name if c.department else "第三方"
            self.stdout.write(f"{c.key}\t{state}\t{c.name}\t{owner}\t{','.join(c.scopes)}")

    def _show(self, opts) -> None:
        client = self._client(opts["key"])
        self.stdout.write(
            json.dumps(
                {"name": client.name, **services.summary(client)}, ensure_ascii=False, indent=1
            )
        )

    def _update(self, opts) -> None:
        services.update_client(
            actor=None,
            client=self._client(opts["key"]),
            ips=opts["ip"],
            scopes=opts["scope"],
            items=self._items(opts["item"]),
            rate_limit=opts["rate_limit"],
            daily_quota=opts["daily_quota"],
            contact=opts["contact"],
        )
        self.stdout.write("已修改")

    def _rotate(self, opts) -> None:
        client = self._client(opts["key"])
        secret = services.rotate_secret(actor=None, client=client)
        self._secret_out(client, secret, opts["json"])

    def _disable(self, opts) -> None:
        services.set_active(
            actor=None, client=self._client(opts["key"]), active=False, reason=opts["reason"]
        )
        self.stdout.write("已停用")

    def _enable(self, opts) -> None:
        services.set_active(actor=None, client=self._client(opts["key"]), active=True)
        self.stdout.write("已启用")
