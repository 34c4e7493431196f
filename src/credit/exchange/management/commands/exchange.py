"""``credit exchange <action>``: data exchange (数据交换) from the command line, as the platform.

- ``credit exchange list``: the partners and their channels (code, kind, region; item,
  what it exchanges when not records, direction, period, next run).
- ``credit exchange run PARTNER [--item ITEM]``: run the partner's active channels (or only
  those of the catalog item ``ITEM``) now, the same service as the scheduler
  (:func:`credit.exchange.services.runner.run_channel`), and print per channel
  ``上报 …：取出 N 发送 N 确认 N 拒收 N`` or ``采集 …：接收 N 入库 N 退回 N``; exits with 1 when a
  run failed (its reason printed).
- ``credit exchange status [--partner P]``: per channel the last run, its result, the
  deliveries pending and rejected.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from credit.core.access import SYSTEM
from credit.core.errors import CreditError
from credit.exchange import selectors
from credit.exchange.constants import Content, Direction, PartnerKind, Period, RunStatus
from credit.exchange.models import Channel, Run
from credit.exchange.services import runner

DIRECTIONS = dict(Direction.choices)
PERIODS = dict(Period.choices)
KINDS = dict(PartnerKind.choices)
RESULTS = dict(RunStatus.choices)
CONTENTS = dict(Content.choices)


def _content(channel: Channel) -> str:
    """``  异议和更正结果`` for a channel that does not exchange records (empty for records)."""
    return "" if channel.content == Content.RECORDS else f"  {CONTENTS[channel.content]}"


def _when(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "—"


def _next(channel: Channel) -> str:
    if not channel.is_active or not channel.partner.is_active:
        return "已停用"
    if channel.next_run_at is None:
        return "下次定时运行" if channel.period == Period.ON_CHANGE else "不定期（手动运行）"
    return _when(channel.next_run_at)


def run_line(channel: Channel, run: Run) -> str:
    """One channel's run in one line (the command's output)."""
    label = f"{DIRECTIONS[channel.direction]} {channel.item.name}（{channel.item.code}）"
    label += _content(channel)
    if channel.direction == Direction.UP:
        counts = f"取出 {run.taken} 发送 {run.sent} 确认 {run.acked} 拒收 {run.rejected}"
    else:
        counts = f"接收 {run.received} 入库 {run.acked} 退回 {run.rejected}"
        if run.batch_id:
            counts += f"（批次 {run.batch_id}）"
    line = f"{label}：{counts}，{RESULTS[run.status]}"
    if run.status == RunStatus.FAILED:
        line += f"：{run.error}"
    return line


class Command(BaseCommand):
    help = "数据交换：list 列出交换伙伴和通道；run 运行交换；status 查看运行状态"

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="{list,run,status}")
        actions.add_parser("list", help="列出交换伙伴和通道")
        run = actions.add_parser("run", help="立即运行交换伙伴的通道")
        run.add_argument("partner", help="交换伙伴标识")
        run.add_argument("--item", default="", help="只运行该目录项（编码）的通道")
        run.add_argument("--limit", type=int, default=1000, help="每个通道最多发送或采集的条数")
        run.add_argument(
            "--full",
            action="store_true",
            help="上报通道先把该目录项的全部现有记录放入待发送（初始全量，已发送的不重复）",
        )
        status = actions.add_parser("status", help="各通道最近一次运行和待发送、被拒收的数量")
        status.add_argument("--partner", default="", help="只看该交换伙伴")

    def handle(self, *args: Any, action: str, **opts: Any) -> None:
        try:
            getattr(self, f"_{action}")(**opts)
        except CreditError as exc:
            raise CommandError(exc.message) from exc

    def _list(self, **_: Any) -> None:
        partners = list(selectors.partners_for(SYSTEM).order_by("region__sort_order", "code"))
        if not partners:
            self.stdout.write("尚未配置交换伙伴")
            return
        channels: dict[int, list[Channel]] = {}
        for c in selectors.channels_for(SYSTEM).order_by("item__sort_order", "direction"):
            channels.setdefault(c.partner_id, []).append(c)
        for p in partners:
            state = "" if p.is_active else "（已停用）"
            self.stdout.write(
                f"{p.code}  {p.name}  {KINDS.get(p.kind, p.kind)}  {p.region.name}{state}"
            )
            mine = channels.get(p.pk, [])
            if not mine:
                self.stdout.write("    （无通道）")
            for c in mine:
                self.stdout.write(
                    f"    {c.item.code}  {c.item.name}{_content(c)}  {DIRECTIONS[c.direction]}  "
                    f"{PERIODS[c.period]}  下次运行 {_next(c)}"
                )

    def _run(self, *, partner: str, item: str, limit: int, full: bool = False, **_: Any) -> None:
        found = selectors.partner_for(SYSTEM, partner)
        qs = selectors.channels_for(SYSTEM).filter(partner=found, is_active=True)
        if item:
            qs = qs.filter(item__code=item)
        todo = list(qs.order_by("item__sort_order", "direction"))
        if not todo:
            which = f"目录项“{item}”的" if item else ""
            raise CommandError(f"{found.name}没有{which}启用的通道")
        if not found.is_active:
            raise CommandError(f"{found.name}已停用，不能运行")
        failed = []
        for channel in todo:
            if full and channel.direction == Direction.UP:
                added = runner.load_all(actor=None, channel=channel)
                self.stdout.write(f"{channel.item.name} 初始全量：新放入待发送 {added} 条")
            run = runner.run_channel(actor=None, channel=channel, trigger="cli", limit=limit)
            self.stdout.write(run_line(channel, run))
            if run.status == RunStatus.FAILED:
                failed.append(channel)
        if failed:
            raise CommandError(f"{len(failed)} 个通道运行失败，待发送的记录已保留，稍后自动重试")

    def _status(self, *, partner: str, **_: Any) -> None:
        rows = selectors.jobs(SYSTEM)
        if partner:
            selectors.partner_for(SYSTEM, partner)  # a clear refusal for an unknown code
            rows = [r for r in rows if r["partner"].code == partner]
        if not rows:
            self.stdout.write("尚未配置交换通道")
            return
        for r in rows:
            c, run = r["channel"], r["last_run"]
            result = RESULTS[run.status] if run else "未运行"
            line = (
                f"{c.partner.code}  {c.item.name}{_content(c)}  {DIRECTIONS[c.direction]}  "
                f"上次运行 {_when(run.started_at if run else None)}  结果 {result}  "
                f"待发送 {r['pending']}  被拒收 {r['rejected']}  下次运行 {_next(c)}"
            )
            if run and run.status == RunStatus.FAILED:
                line += f"  错误：{run.error}"
            self.stdout.write(line)
