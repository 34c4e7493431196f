"""``credit publicity show | recompute [--item CODE] | expire``: publicity policies (公示期规则).

- ``show`` prints each policy with its lines (default and item-specific).
- ``recompute`` decides every record's publicity again under the current policies (after a
  policy change made outside the admin, which schedules this itself), then expires those past
  their window; audited.
- ``expire`` runs the daily expiry now (idempotent).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from credit.catalog.models import CatalogItem
from credit.records import publicity, services
from credit.records.constants import Severity
from credit.records.models import PublicityPolicy


class Command(BaseCommand):
    help = "公示期规则：show 查看；recompute 按现行规则重算既有记录的公示期；expire 执行到期处理"

    def add_arguments(self, parser) -> None:
        parser.add_argument("action", choices=["show", "recompute", "expire"])
        parser.add_argument("--item", default="", help="只重算该目录项的记录（目录项标识）")

    def handle(self, *args, **opts) -> None:
        if opts["action"] == "show":
            self._show()
        elif opts["action"] == "expire":
            ids = services.expire_publicity()
            self.stdout.write(f"已到期移出公示：{len(ids)} 条")
        else:
            item = None
            if opts["item"]:
                item = CatalogItem.objects.filter(code=opts["item"]).first()
                if item is None:
                    raise CommandError(f"目录项“{opts['item']}”不存在 (item_unknown)")
            counts = services.recompute_publicity(actor=None, item=item)
            self.stdout.write(
                f"已重算 {counts['records']} 条，变化 {counts['changed']} 条，"
                f"恢复公示 {counts['revived']} 条，到期 {counts['expired']} 条"
            )

    def _show(self) -> None:
        labels = dict(Severity.choices)
        for policy in PublicityPolicy.objects.prefetch_related("rules__item"):
            self.stdout.write(f"{policy.effective_from}  {policy.name}（{policy.document_no}）")
            rules = sorted(
                policy.rules.all(),
                key=lambda r: (r.item_id or 0, publicity.RANK.get(r.severity, 0)),
            )
            for rule in rules:
                scope = rule.item.name if rule.item_id else "默认"
                what = f"{rule.min_months}–{rule.max_months} 个月" if rule.published else "不公示"
                self.stdout.write(f"    {scope:<10} {labels.get(rule.severity, '—'):<4} {what}")
        publicity.forget()
