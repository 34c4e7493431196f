"""``credit reports <group> <action>``: operating the credit reports from the command line.

- ``credit reports keys init [--force | --if-missing] [--dir PATH]``: create the development CA
  and signing certificate (and the generated seal image) — never replaces existing keys
  without --force; with --if-missing, existing keys are kept and the command succeeds (for
  set-up scripts such as ``make demo``).
- ``credit reports keys show``: the signing certificate in use and the trusted roots (subject,
  issuer, validity, SHA-256 fingerprint).

A new group or action is a sub-parser in :meth:`Command.add_arguments` and an entry in
:attr:`Command.actions`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from credit.core.errors import CreditError
from credit.reports import signing


class Command(BaseCommand):
    help = "信用报告：签章密钥等运维操作（credit reports keys init|show）"

    actions: ClassVar[dict[tuple[str, str], str]] = {
        ("keys", "init"): "keys_init",
        ("keys", "show"): "keys_show",
    }

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True, metavar="{keys}")
        keys = groups.add_parser("keys", help="签章密钥与证书")
        keys_actions = keys.add_subparsers(dest="action", required=True, metavar="{init,show}")
        init = keys_actions.add_parser("init", help="生成开发用根证书与签章证书")
        mode = init.add_mutually_exclusive_group()
        mode.add_argument("--force", action="store_true", help="覆盖已有的密钥")
        mode.add_argument("--if-missing", action="store_true", help="已有密钥时保留并正常退出")
        init.add_argument("--dir", type=Path, help="密钥目录（默认 CREDIT_REPORT_KEYS_DIR）")
        keys_actions.add_parser("show", help="显示正在使用的签章证书与信任的根证书")

    def handle(self, *args: Any, group: str, action: str, **opts: Any) -> None:
        handler: Callable[..., None] = getattr(self, self.actions[(group, action)])
        try:
            handler(**opts)
        except CreditError as exc:
            raise CommandError(exc.message) from exc

    def keys_init(
        self,
        *,
        force: bool = False,
        if_missing: bool = False,
        dir: Path | None = None,
        **_: Any,
    ) -> None:
        from credit.reports.pdf.seal import ensure_seal_file, seal_path

        folder = Path(dir or settings.CREDIT_REPORT_KEYS_DIR)
        if if_missing and (folder / signing.P12_FILE).exists():
            self.stdout.write(f"{folder} 中已有签章密钥，保留不变。")
            return
        files = signing.init_dev_keys(folder, force=force)
        self.stdout.write(f"已生成开发用签章密钥（目录 {files.directory}，文件权限 0600）：")
        self.stdout.write(f"  根证书：{files.ca}")
        self.stdout.write(f"  签章证书与私钥（PKCS#12）：{files.pkcs12}")
        self.stdout.write(f"  PKCS#12 密码：{files.password}")
        if files.directory.resolve() != Path(settings.CREDIT_REPORT_KEYS_DIR).resolve():
            self.stdout.write(
                f"注意：平台读取的是 {settings.CREDIT_REPORT_KEYS_DIR}；"
                f"要使用这里生成的密钥，请设置 CREDIT_REPORT_KEYS_DIR={files.directory}"
            )
        elif not settings.CREDIT_REPORT_SEAL_IMAGE:
            ensure_seal_file(signing.SIGNER_NAME)
            self.stdout.write(f"  印章图像：{seal_path()}")
        self.stdout.write("这些密钥仅供开发和演示使用；生产环境请配置正式的签章证书。")

    def keys_show(self, **_: Any) -> None:
        signer = signing.get_signer()
        self.stdout.write(f"签章程序：{type(signer).__name__}（{signer.name}）")
        self._certificate("签章证书", signer.certificate_pem)
        for path in settings.CREDIT_REPORT_TRUST_ROOTS:
            try:
                data = Path(path).read_bytes()
            except OSError:
                self.stdout.write(f"信任的根证书 {path}：文件不存在")
                continue
            self._certificate(f"信任的根证书 {path}", data)

    def _certificate(self, title: str, pem: str | bytes) -> None:
        try:
            info = signing.describe_certificate(pem)
        except ValueError:
            self.stdout.write(f"{title}：无法读取（不是 PEM 格式的证书）")
            return
        self.stdout.write(f"{title}：")
        self.stdout.write(f"  主体：{info.subject}")
        self.stdout.write(f"  签发者：{info.issuer}")
        self.stdout.write(
            f"  有效期：{info.not_before:%Y-%m-%d %H:%M} 至 {info.not_after:%Y-%m-%d %H:%M}（UTC）"
        )
        self.stdout.write(f"  SHA-256 指纹：{info.sha256}")
