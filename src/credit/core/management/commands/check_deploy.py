"""``credit check-deploy [--fail-level ERROR|WARNING]``: is this configuration safe for
production?

Runs every system check with Django's deployment checks (``security.*``) and the platform's
(``credit.*``, :mod:`credit.core.checks`), the database's role included, and prints each
finding in Chinese with its id. Exits 1 when a finding is at the fail level or above (default:
any error), 0 otherwise. Run it on the production host, in the production environment,
before go-live and after every configuration change (docs/operations.md).
"""

from __future__ import annotations

from typing import Any

from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections

from credit.core import checks as deploy_checks

#: Chinese for Django's deployment checks; other messages are printed as Django words them.
DJANGO_MESSAGES = {
    "security.W001": "未启用 SecurityMiddleware：HSTS、nosniff、Referrer-Policy 等响应头不会发送",
    "security.W002": "未启用 XFrameOptionsMiddleware：页面可被其他网站嵌入（点击劫持）",
    "security.W003": "未启用 CsrfViewMiddleware：表单没有 CSRF 保护",
    "security.W004": "未设置 SECURE_HSTS_SECONDS：浏览器不会被要求始终使用 HTTPS",
    "security.W005": "SECURE_HSTS_INCLUDE_SUBDOMAINS 未开启：HSTS 不覆盖子域名",
    "security.W006": "SECURE_CONTENT_TYPE_NOSNIFF 未开启",
    "security.W008": "SECURE_SSL_REDIRECT 未开启：明文 HTTP 请求不会被转到 HTTPS"
    "（若由 nginx 负责跳转，可忽略；见 CREDIT_SECURE_SSL_REDIRECT）",
    "security.W009": "SECRET_KEY 太短、太简单或是 Django 自动生成的不安全密钥",
    "security.W010": "SESSION_COOKIE_SECURE 未开启：会话 Cookie 可能经明文 HTTP 发送",
    "security.W011": "SESSION_COOKIE_SECURE 未开启：会话 Cookie 可能经明文 HTTP 发送",
    "security.W012": "SESSION_COOKIE_SECURE 未开启：会话 Cookie 可能经明文 HTTP 发送",
    "security.W013": "SESSION_COOKIE_HTTPONLY 未开启：页面脚本可读取会话 Cookie",
    "security.W014": "SESSION_COOKIE_HTTPONLY 未开启：页面脚本可读取会话 Cookie",
    "security.W015": "SESSION_COOKIE_HTTPONLY 未开启：页面脚本可读取会话 Cookie",
    "security.W016": "CSRF_COOKIE_SECURE 未开启：CSRF Cookie 可能经明文 HTTP 发送",
    "security.W018": "DEBUG 已开启：生产环境不得开启调试模式",
    "security.W019": "X_FRAME_OPTIONS 不是 DENY",
    "security.W020": "ALLOWED_HOSTS 为空：网站不会响应任何请求",
    "security.W021": "SECURE_HSTS_PRELOAD 未开启",
    "security.W022": "未设置 SECURE_REFERRER_POLICY：站外链接会带上完整的页面地址",
    "security.E023": "SECURE_REFERRER_POLICY 的取值无效",
    "security.E024": "SECURE_CROSS_ORIGIN_OPENER_POLICY 的取值无效",
    "security.W025": "SECRET_KEY_FALLBACKS 中有太短或太简单的密钥",
    "security.E100": "DEFAULT_HASHING_ALGORITHM 的取值无效",
    "security.E101": "CSRF_FAILURE_VIEW 的参数不正确",
    "security.E102": "CSRF_FAILURE_VIEW 无法导入",
}

_FAIL_LEVELS = {"ERROR": checks.ERROR, "WARNING": checks.WARNING}
_LEVEL_NAMES = {
    checks.CRITICAL: "严重",
    checks.ERROR: "错误",
    checks.WARNING: "警告",
    checks.INFO: "提示",
    checks.DEBUG: "调试",
}


def describe(message: checks.CheckMessage) -> str:
    """One finding as printed: level, id, the Chinese message and the hint."""
    text = DJANGO_MESSAGES.get(message.id or "", message.msg)
    level = _LEVEL_NAMES.get(message.level, str(message.level))
    line = f"[{level}] {message.id or '-'}  {text}"
    if message.hint and message.id not in DJANGO_MESSAGES:
        line += f"\n        处理：{message.hint}"
    return line


def _run_checks() -> list[checks.CheckMessage]:
    """Every check, deployment and database checks included; without the database checks,
    plus ``credit.E013``, when the database cannot be reached."""
    aliases = list(connections)
    try:
        return checks.run_checks(include_deployment_checks=True, databases=aliases)
    except DatabaseError as exc:
        found = checks.run_checks(include_deployment_checks=True)
        return [*found, deploy_checks.unreachable(aliases[0], exc)]


class Command(BaseCommand):
    help = "检查生产环境配置（Django 部署检查和平台自身的检查），有错误时退出码为 1"
    requires_system_checks: list[str] = []  # run below, deployment checks included

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--fail-level",
            choices=sorted(_FAIL_LEVELS),
            default="ERROR",
            help="达到该级别的问题使命令失败（默认 ERROR；WARNING 时警告也算失败）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        found = [m for m in _run_checks() if not m.is_silenced()]
        found.sort(key=lambda m: (-m.level, m.id or ""))
        for message in found:
            self.stdout.write(describe(message))
        errors = sum(1 for m in found if m.level >= checks.ERROR)
        warnings = sum(1 for m in found if checks.WARNING <= m.level < checks.ERROR)
        if not found:
            self.stdout.write("部署检查通过：未发现问题。")
            return
        self.stdout.write(f"共 {len(found)} 项：错误 {errors} 项，警告 {warnings} 项。")
        fail_level = _FAIL_LEVELS[options["fail_level"]]
        failing = sum(1 for m in found if m.level >= fail_level)
        if failing:
            raise CommandError(f"部署检查未通过：{failing} 项达到 {options['fail_level']} 级别。")
