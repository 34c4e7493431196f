"""``credit unlock-login <username-or-ip>`` — lift a login lock (登录锁定) from the command line.

The target is an IP address when it reads as one (``--account`` treats it as a username all
the same), else a username. ``--list`` prints the current lockouts. The command acts as the
system; the audit entry (``login.unlocked``) names the operating-system user who ran it.
"""

from __future__ import annotations

import getpass
import ipaddress

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from credit.accounts.login import selectors, services
from credit.core.errors import CreditError


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        return "unknown"


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text.strip())
    except ValueError:
        return False
    return True


class Command(BaseCommand):
    help = "解除登录锁定（按账号或网络地址），或用 --list 列出当前的锁定"

    def add_arguments(self, parser):
        parser.add_argument("target", nargs="?", help="用户名或 IP 地址")
        parser.add_argument(
            "--account", action="store_true", help="把 target 当作用户名，即使它像 IP 地址"
        )
        parser.add_argument("--list", action="store_true", help="列出当前的登录锁定")

    def handle(self, *args, **opts):
        if opts["list"]:
            return self._list()
        target = (opts["target"] or "").strip()
        if not target:
            raise CommandError("请给出要解除锁定的用户名或 IP 地址，或用 --list 列出当前的锁定")
        as_ip = _is_ip(target) and not opts["account"]
        try:
            state = services.unlock_login(
                actor=None,
                username=None if as_ip else target,
                ip=target if as_ip else None,
                via=f"cli:{_operator()}",
            )
        except CreditError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if as_ip:
            self.stdout.write(
                f"已解除地址 {state.ip} 的登录锁定（清除 {state.address_failures} 次输错记录）"
            )
        else:
            self.stdout.write(
                f"已解除账号“{target}”的登录锁定（清除 {state.account_failures} 次输错记录）"
            )

    def _list(self) -> None:
        found = selectors.lockouts_for(None)
        if not found:
            self.stdout.write("目前没有被锁定的账号或地址。")
            return
        for lock in found:
            until = timezone.localtime(lock.locked_until)
            self.stdout.write(
                f"{lock.kind_label}\t{lock.value}\t输错 {lock.failures} 次\t"
                f"{until:%Y-%m-%d %H:%M} 自动解除"
            )
