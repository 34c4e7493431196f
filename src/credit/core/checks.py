"""Deployment checks (部署检查): what makes a configuration unsafe for production.

Django system checks tagged ``deploy``, so both ``credit check --deploy`` and
``credit check-deploy`` report them beside Django's own (``security.*``). Each rule is a
function of plain values, tested directly; :func:`check_configuration` feeds them the settings
and the environment, :func:`check_database_role` the database's answer about its role (only
when databases are asked for, as Django's database checks do: ``check-deploy`` always asks).

=============  ==========================================================================
``E001``       ``CREDIT_ENV`` is not ``production``
``E002``       ``DEBUG`` is on
``E003``       a key is missing
``E004``       a field key does not decode to 32 bytes
``E005``       a key is the development key of ``var/secrets.json``
``E006``       the field key and the blind-index key are the same
``E007``       ``ALLOWED_HOSTS`` contains ``*``
``W001``       ``ALLOWED_HOSTS`` contains a local name (localhost, 127.0.0.1 …)
``W002``       behind a proxy (``SECURE_PROXY_SSL_HEADER``) but no ``CREDIT_TRUSTED_PROXIES``
``E008``       a trusted proxy network covers every address (``0.0.0.0/0``, ``::/0``)
``E009``       ``DATABASE_URL`` is not set (the embedded development server)
``E010``       the database role is a superuser
``W003``       the database role owns the audit table (it could drop its append-only triggers)
``E011``       the session cookie is not ``Secure``
``E012``       the CSRF cookie is not ``Secure``
``E013``       the database cannot be asked about its role
``W004``       the security-headers middleware is not installed
=============  ==========================================================================

The SMS backend is checked by ``objections.W001`` (credit.objections.apps) in production.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.db import DatabaseError, connections

from credit import dbserver
from credit.core.netaddr import parse_networks

#: Host names that only make sense on a developer's machine.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0", "testserver"})  # noqa: S104
#: The audit table whose owner could switch off its append-only guarantee.
AUDIT_TABLE = "core_auditentry"
HEADERS_MIDDLEWARE = "credit.core.headers.SecurityHeadersMiddleware"
_KEY_NAMES = ("CREDIT_SECRET_KEY", "CREDIT_FIELD_KEY", "CREDIT_BLIND_INDEX_KEY")


def environment_findings(*, env: str, debug: bool) -> list[CheckMessage]:
    """The deployment must say it is production, and debug mode must be off."""
    found: list[CheckMessage] = []
    if env != "production":
        found.append(
            Error(
                f"CREDIT_ENV 不是 production（当前为 {env}）：生产环境的安全设置未启用",
                hint="设置 CREDIT_ENV=production",
                id="credit.E001",
            )
        )
    if debug:
        found.append(
            Error(
                "DEBUG 已开启：出错页面会显示设置和请求内容",
                hint="去掉 CREDIT_DEBUG=1（production 下始终关闭）",
                id="credit.E002",
            )
        )
    return found


def key_findings(
    *,
    secret_key: str,
    field_key: bytes,
    blind_index_key: bytes,
    development: Iterable[Mapping[str, str]] = (),
) -> list[CheckMessage]:
    """The three keys are present, the two field keys are 32 bytes and differ, and none is a
    development key (``development``: the contents of ``var/secrets.json`` files found)."""
    found: list[CheckMessage] = []
    values: dict[str, Any] = {
        "CREDIT_SECRET_KEY": secret_key,
        "CREDIT_FIELD_KEY": field_key,
        "CREDIT_BLIND_INDEX_KEY": blind_index_key,
    }
    for name, value in values.items():
        if not value:
            found.append(
                Error(f"{name} 未设置", hint="在密钥管理处生成并配置该密钥", id="credit.E003")
            )
        elif name != "CREDIT_SECRET_KEY" and len(value) != 32:
            found.append(
                Error(
                    f"{name} 长度为 {len(value)} 字节，应为 32 字节",
                    hint="用 base64 编码的 32 字节随机数（见 docs/operations.md）",
                    id="credit.E004",
                )
            )
    for secrets in development:
        for name in _KEY_NAMES:
            if values[name] and values[name] == _development_value(name, secrets.get(name)):
                found.append(
                    Error(
                        f"{name} 与开发环境的密钥（var/secrets.json）相同",
                        hint="为生产环境另行生成密钥，不要复制开发环境的",
                        id="credit.E005",
                    )
                )
    if field_key and field_key == blind_index_key:
        found.append(
            Error(
                "CREDIT_FIELD_KEY 与 CREDIT_BLIND_INDEX_KEY 相同",
                hint="两个密钥分别生成：加密和检索索引不能共用一个密钥",
                id="credit.E006",
            )
        )
    return found


def _development_value(name: str, text: str | None) -> str | bytes | None:
    if not text or name == "CREDIT_SECRET_KEY":
        return text
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def host_findings(allowed_hosts: Sequence[str]) -> list[CheckMessage]:
    """``ALLOWED_HOSTS`` names the platform's public host names only."""
    found: list[CheckMessage] = []
    if "*" in allowed_hosts:
        found.append(
            Error(
                "ALLOWED_HOSTS 包含 *：任何 Host 头都被接受（密码重置等链接可被伪造）",
                hint="CREDIT_ALLOWED_HOSTS 只列出平台的域名",
                id="credit.E007",
            )
        )
    local = sorted(h for h in allowed_hosts if h.lower() in LOCAL_HOSTS)
    if local:
        found.append(
            Warning(
                f"ALLOWED_HOSTS 包含本机名称：{', '.join(local)}",
                hint="生产环境的 CREDIT_ALLOWED_HOSTS 只列出平台的域名",
                id="credit.W001",
            )
        )
    return found


def proxy_findings(*, behind_proxy: bool, trusted: Sequence[str]) -> list[CheckMessage]:
    """Behind a reverse proxy the proxy must be trusted, and no more than the proxy."""
    found: list[CheckMessage] = []
    if behind_proxy and not trusted:
        found.append(
            Warning(
                "部署在反向代理之后（SECURE_PROXY_SSL_HEADER），但未设置 CREDIT_TRUSTED_PROXIES："
                "审计日志、调用日志、来源地址白名单和短信限额看到的都是代理的地址",
                hint="CREDIT_TRUSTED_PROXIES 设为 nginx 或负载均衡的地址（网段）",
                id="credit.W002",
            )
        )
    broad = [str(n) for n in parse_networks(trusted) if n.prefixlen == 0]
    if broad:
        found.append(
            Error(
                f"CREDIT_TRUSTED_PROXIES 包含所有地址：{', '.join(broad)}，"
                "任何人都能用 X-Forwarded-For 冒充来源地址",
                hint="只列出反向代理本身的地址或网段",
                id="credit.E008",
            )
        )
    return found


def database_findings(*, url_set: bool) -> list[CheckMessage]:
    """Production uses a PostgreSQL server of its own, never the embedded one."""
    if url_set:
        return []
    return [
        Error(
            "未设置 DATABASE_URL：正在使用内置的开发用 PostgreSQL（var/pgdata）",
            hint="DATABASE_URL 指向生产数据库（主备切换地址）",
            id="credit.E009",
        )
    ]


def role_findings(*, superuser: bool, owns_audit_table: bool) -> list[CheckMessage]:
    """The platform's database role is neither a superuser nor the audit table's owner."""
    found: list[CheckMessage] = []
    if superuser:
        found.append(
            Error(
                "数据库连接使用超级用户：可绕过审计日志的只追加保护并读写服务器文件",
                hint="用 credit db-roles 建立专用的应用角色，DATABASE_URL 改用该角色",
                id="credit.E010",
            )
        )
    if owns_audit_table:
        found.append(
            Warning(
                f"数据库连接的角色拥有审计表 {AUDIT_TABLE}：可删除其禁止修改和删除的触发器",
                hint="迁移用表的所有者角色执行，运行时改用 credit db-roles 建立的应用角色",
                id="credit.W003",
            )
        )
    return found


def cookie_findings(*, session_secure: bool, csrf_secure: bool) -> list[CheckMessage]:
    """Session and CSRF cookies travel over HTTPS only."""
    found: list[CheckMessage] = []
    if not session_secure:
        found.append(
            Error(
                "会话 Cookie 未设置 Secure（SESSION_COOKIE_SECURE）：登录会话可能经明文 HTTP 泄露",
                hint="CREDIT_ENV=production 时自动开启",
                id="credit.E011",
            )
        )
    if not csrf_secure:
        found.append(
            Error(
                "CSRF Cookie 未设置 Secure（CSRF_COOKIE_SECURE）",
                hint="CREDIT_ENV=production 时自动开启",
                id="credit.E012",
            )
        )
    return found


def development_secrets() -> list[dict[str, str]]:
    """The development keys of this checkout and of the configured var folder, where present
    (read only: never created here)."""
    paths = {dbserver.PROJECT_ROOT / "var" / "secrets.json", dbserver.var_dir() / "secrets.json"}
    found = []
    for path in sorted(paths):
        try:
            found.append(json.loads(Path(path).read_text()))
        except (OSError, ValueError):
            continue
    return found


@register(Tags.security, deploy=True)
def check_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The deployment rules that read settings and the environment."""
    found = [
        *environment_findings(
            env=getattr(settings, "ENV", "development"), debug=bool(settings.DEBUG)
        ),
        *key_findings(
            secret_key=settings.SECRET_KEY,
            field_key=getattr(settings, "CREDIT_FIELD_KEY", b""),
            blind_index_key=getattr(settings, "CREDIT_BLIND_INDEX_KEY", b""),
            development=development_secrets(),
        ),
        *host_findings(settings.ALLOWED_HOSTS),
        *proxy_findings(
            behind_proxy=bool(settings.SECURE_PROXY_SSL_HEADER),
            trusted=getattr(settings, "CREDIT_TRUSTED_PROXIES", []),
        ),
        *database_findings(url_set=bool(os.environ.get("DATABASE_URL", "").strip())),
        *cookie_findings(
            session_secure=settings.SESSION_COOKIE_SECURE, csrf_secure=settings.CSRF_COOKIE_SECURE
        ),
    ]
    if HEADERS_MIDDLEWARE not in settings.MIDDLEWARE:
        found.append(
            Warning(
                "未启用安全响应头中间件：页面没有 Content-Security-Policy 和 Permissions-Policy",
                hint=f"在 MIDDLEWARE 中保留 {HEADERS_MIDDLEWARE}",
                id="credit.W004",
            )
        )
    return found


def database_role(alias: str = "default") -> tuple[bool, bool]:
    """(is the connection's role a superuser, does it own — or may become — the audit
    table's owner)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        row = cursor.fetchone()
        superuser = bool(row and row[0])
        cursor.execute(
            "SELECT pg_has_role(current_user, tableowner, 'MEMBER') FROM pg_tables "
            "WHERE schemaname = current_schema() AND tablename = %s",
            [AUDIT_TABLE],
        )
        row = cursor.fetchone()
        return superuser, bool(row and row[0])


@register(Tags.security, Tags.database, deploy=True)
def check_database_role(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """The role of each database asked for (``check --deploy --database default``)."""
    found: list[CheckMessage] = []
    for alias in databases or ():
        try:
            superuser, owns = database_role(alias)
        except DatabaseError as exc:
            found.append(unreachable(alias, exc))
            continue
        found.extend(role_findings(superuser=superuser, owns_audit_table=owns))
    return found


def unreachable(alias: str, exc: Exception) -> CheckMessage:
    """The finding for a database that could not be asked (``credit.E013``)."""
    return Error(
        f"无法查询数据库 {alias}：{exc}".strip(),
        hint="检查 DATABASE_URL 和数据库是否可达",
        id="credit.E013",
    )
