"""API clients: registration, secrets, and the checks every signed request goes through.

Writes need the ``gateway.manage`` permission (the city credit office) and are audited; the
secret is returned once by :func:`create_client` and :func:`rotate_secret` and otherwise kept
only encrypted. :func:`authenticate` verifies a request in the order that reveals least:
key, signature headers, clock window, signature, source address, scope, then — in one
statement shared by every web process — nonce replay, the per-second limit and the daily quota.
"""

from __future__ import annotations

import datetime
import ipaddress
import secrets
import time
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from stdnum.cn import uscc as uscc_rule

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core import audit, crypto
from credit.core.access import Perm, principal_of, require
from credit.core.errors import (
    NotAuthenticated,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)
from credit.core.models import Department
from credit.gateway import signing
from credit.gateway.models import ApiClient, ApiCounter, ApiNonce
from credit.gateway.scopes import ITEM_SCOPES_BY_KIND, SCOPES, is_open, scope_for

SECRET_PURPOSE = "gateway.secret"  # noqa: S105 — an encryption purpose label, not a secret
API_PREFIX = "/api/v1"
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def _networks(ips: Iterable[str]) -> list[str]:
    found = []
    for text in ips:
        try:
            found.append(str(ipaddress.ip_network(text.strip(), strict=False)))
        except ValueError:
            raise ValidationFailed(
                f"来源地址“{text}”不是有效的 IP 地址或网段（如 10.1.2.0/24）",
                code="ip_invalid",
            ) from None
    if not found:
        raise ValidationFailed("至少填写一个允许的来源地址", code="ip_required")
    return sorted(set(found))


def _check_grant(
    kind: str, department: Department | None, scopes, items, report_for: list[Department] = ()
) -> None:
    if kind not in ApiClient.Kind.values:
        raise ValidationFailed(f"未知的调用方类型：{kind}", code="client_kind_unknown")
    if kind == ApiClient.Kind.DEPARTMENT and department is None:
        raise ValidationFailed("部门业务系统必须指定所属部门", code="client_department_required")
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValidationFailed(
            f"未知的接口权限：{'、'.join(unknown)}",
            code="scope_unknown",
            details={"known": sorted(SCOPES)},
        )
    if kind != ApiClient.Kind.DEPARTMENT:
        for code in scopes:
            if SCOPES[code].department_only:
                raise ValidationFailed(
                    f"接口权限“{SCOPES[code].label}”只能授予部门业务系统",
                    code="scope_department_only",
                )
    if report_for:
        if "ingest:push" not in scopes:
            raise ValidationFailed(
                f"只有具备“{SCOPES['ingest:push'].label}”接口权限的部门业务系统才能代报其他部门",
                code="report_for_needs_push",
            )
        inactive = [d.name for d in report_for if not d.is_active]
        if inactive:
            raise ValidationFailed(
                f"不能授权代报已停用的部门：{'、'.join(inactive)}", code="report_for_inactive"
            )
    allowed = ITEM_SCOPES_BY_KIND[kind]
    too_wide = [i for i in items if i.usage_scope not in allowed]
    if too_wide:
        raise ValidationFailed(
            "目录项的信息使用范围不允许向该类调用方开放："
            + "、".join(f"{i.name}（{i.get_usage_scope_display()}）" for i in too_wide),
            code="item_scope_exceeded",
        )


def _new_secret() -> str:
    return secrets.token_urlsafe(32)


@transaction.atomic
def create_client(
    *,
    actor: Any,
    name: str,
    kind: str,
    department: Department | None = None,
    ips: Iterable[str],
    scopes: Iterable[str],
    items: Iterable[CatalogItem] = (),
    report_for: Iterable[Department] = (),
    rate_limit: int = 50,
    daily_quota: int = 100_000,
    contact: str = "",
    org_uscc: str = "",
) -> tuple[ApiClient, str]:
    """Register a client; returns it and its secret (shown this once). ``report_for``: the
    other departments the credit office lets a department's system report for (a provincial
    feed, a district platform); without it a client writes only its own department's data.
    ``org_uscc``: the USCC of the organisation running it, by which a subject's authorisation
    (授权) to obtain its credit report names a third party."""
    if actor is not None:
        require(actor, Perm.API_CLIENT_MANAGE)
    org_uscc = _org_uscc(org_uscc)
    scopes, items = sorted(set(scopes)), list(items)
    report_for = _others(department, report_for)
    _check_grant(kind, department, scopes, items, report_for)
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationFailed(f"接口调用方“{name}”已存在", code="client_exists")
    if rate_limit < 1 or daily_quota < 1:
        raise ValidationFailed("调用频率和每日配额必须大于 0", code="limit_invalid")
    key = "ck_" + secrets.token_hex(10)
    secret = _new_secret()
    user = get_user_model().objects.create(
        username=f"api-{key}",
        real_name=name[:50],
        role=Role.API_CLIENT,
        department=department,
        region_id=department.region_id if department else None,
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    client = ApiClient.objects.create(
        name=name,
        kind=kind,
        department=department,
        contact=contact,
        org_uscc=org_uscc,
        key=key,
        secret_cipher=crypto.encrypt(secret, purpose=SECRET_PURPOSE),
        secret_rotated_at=timezone.now(),
        allowed_ips=_networks(ips),
        scopes=scopes,
        rate_limit=rate_limit,
        daily_quota=daily_quota,
        user=user,
        created_by_id=principal_of(actor).user_id,
    )
    client.items.set(items)
    client.report_for.set(report_for)
    audit.record("apiclient.created", actor=actor, obj=client, after=summary(client))
    return client, secret


def _org_uscc(value: str) -> str:
    """The organisation's USCC, normalised; "" when not given."""
    value = (value or "").strip().upper()
    if value and not uscc_rule.is_valid(value):
        raise ValidationFailed(f"机构统一社会信用代码“{value[:30]}”不正确", code="org_uscc_invalid")
    return value


def _others(department: Department | None, report_for: Iterable[Department]) -> list[Department]:
    """The granted departments without the client's own (it reports for that anyway)."""
    own = department.pk if department is not None else None
    return sorted({d.pk: d for d in report_for if d.pk != own}.values(), key=lambda d: d.code)


def summary(client: ApiClient) -> dict[str, Any]:
    return {
        "key": client.key,
        "contact": client.contact,
        "org_uscc": client.org_uscc,
        "kind": client.kind,
        "department": client.department.code if client.department else None,
        "ips": client.allowed_ips,
        "scopes": client.scopes,
        "items": sorted(client.items.values_list("code", flat=True)),
        "report_for": sorted(client.report_for.values_list("code", flat=True)),
        "rate_limit": client.rate_limit,
        "daily_quota": client.daily_quota,
        "is_active": client.is_active,
    }


@transaction.atomic
def update_client(
    *,
    actor: Any,
    client: ApiClient,
    ips: Iterable[str] | None = None,
    scopes: Iterable[str] | None = None,
    items: Iterable[CatalogItem] | None = None,
    report_for: Iterable[Department] | None = None,
    rate_limit: int | None = None,
    daily_quota: int | None = None,
    contact: str | None = None,
    org_uscc: str | None = None,
) -> ApiClient:
    """Change what a client may do (``None`` keeps a field); audited with before and after.
    Takes effect in every web process within :data:`CLIENT_CACHE_SECONDS`."""
    if actor is not None:
        require(actor, Perm.API_CLIENT_MANAGE)
    before = summary(client)
    if contact is not None:
        client.contact = contact.strip()[:100]
    if org_uscc is not None:
        client.org_uscc = _org_uscc(org_uscc)
    new_scopes = sorted(set(scopes)) if scopes is not None else client.scopes
    new_items = list(items) if items is not None else list(client.items.all())
    new_report_for = _others(
        client.department,
        report_for if report_for is not None else client.report_for.all(),
    )
    _check_grant(client.kind, client.department, new_scopes, new_items, new_report_for)
    if ips is not None:
        client.allowed_ips = _networks(ips)
    client.scopes = new_scopes
    if rate_limit is not None:
        client.rate_limit = rate_limit
    if daily_quota is not None:
        client.daily_quota = daily_quota
    if client.rate_limit < 1 or client.daily_quota < 1:
        raise ValidationFailed("调用频率和每日配额必须大于 0", code="limit_invalid")
    client.save()
    client.items.set(new_items)
    client.report_for.set(new_report_for)
    forget(client)
    audit.record("apiclient.updated", actor=actor, obj=client, before=before, after=summary(client))
    return client


@transaction.atomic
def rotate_secret(*, actor: Any, client: ApiClient) -> str:
    """A new secret (shown this once); the old one stops working at once."""
    if actor is not None:
        require(actor, Perm.API_CLIENT_MANAGE)
    secret = _new_secret()
    client.secret_cipher = crypto.encrypt(secret, purpose=SECRET_PURPOSE)
    client.secret_rotated_at = timezone.now()
    client.save(update_fields=["secret_cipher", "secret_rotated_at", "updated_at"])
    forget(client)
    audit.record("apiclient.secret_rotated", actor=actor, obj=client, after={"key": client.key})
    return secret


@transaction.atomic
def set_active(*, actor: Any, client: ApiClient, active: bool, reason: str = "") -> ApiClient:
    """Disable (or enable again) a client: a disabled client's requests are refused."""
    if actor is not None:
        require(actor, Perm.API_CLIENT_MANAGE)
    if not active and not reason.strip():
        raise ValidationFailed("停用接口调用方须填写原因", code="reason_required")
    client.is_active = active
    client.disabled_at = None if active else timezone.now()
    client.save(update_fields=["is_active", "disabled_at", "updated_at"])
    forget(client)
    audit.record(
        "apiclient.enabled" if active else "apiclient.disabled",
        actor=actor,
        obj=client,
        after={"reason": reason.strip()} if reason else None,
    )
    return client


# --------------------------------------------------------------------------------------------
# Checking a signed request
# --------------------------------------------------------------------------------------------

_secrets: dict[tuple[int, datetime.datetime], str] = {}


def _secret(client: ApiClient) -> str:
    """The client's secret, decrypted once per process and rotation."""
    cache_key = (client.pk, client.secret_rotated_at)
    found = _secrets.get(cache_key)
    if found is None:
        if len(_secrets) > 10_000:
            _secrets.clear()
        found = _secrets[cache_key] = crypto.decrypt(client.secret_cipher, purpose=SECRET_PURPOSE)
    return found


def authenticate(
    *,
    key: str,
    method: str,
    path: str,
    query: str,
    body: bytes,
    headers: Any,
    source_ip: str | None,
    now: float | None = None,
    route: tuple[str, str] | None = None,
) -> ApiClient:
    """The active client that signed this request, or an error with its HTTP status:
    401 (key, signature, clock, replay), 403 (address, scope, disabled), 429 (limits).

    The scope needed is the one of the ``/api/v1`` route the request calls; a request to
    another address doing what a route does (a WebService operation) names that route as
    ``route = (method, path under /api/v1)``."""
    now = time.time() if now is None else now
    client = _client_by_key(key) if key else None
    if client is None:
        raise NotAuthenticated("访问密钥无效", code="key_invalid")
    if not client.is_active:
        raise PermissionDenied("该接口调用方已停用", code="client_disabled")
    timestamp = headers.get("X-Credit-Timestamp", "")
    nonce = headers.get("X-Credit-Nonce", "")
    given = headers.get("X-Credit-Signature", "")
    if not (timestamp and nonce and given):
        raise NotAuthenticated(
            "请求缺少签名头（X-Credit-Timestamp、X-Credit-Nonce、X-Credit-Signature）",
            code="signature_missing",
        )
    if not timestamp.isdigit() or abs(now - int(timestamp)) > signing.WINDOW_SECONDS:
        raise NotAuthenticated(
            f"请求时间戳与服务器时间相差超过 {signing.WINDOW_SECONDS} 秒，请校准时钟",
            code="timestamp_out_of_window",
        )
    if not signing.NONCE_PATTERN.match(nonce):
        raise NotAuthenticated(
            "X-Credit-Nonce 须为 8–64 位字母、数字、下划线或连字符", code="nonce_invalid"
        )
    expected = signing.sign(
        _secret(client), method, path, query, body, timestamp=timestamp, nonce=nonce
    )
    if not signing.matches(expected, given):
        raise NotAuthenticated("签名不正确", code="signature_invalid")
    if not _address_allowed(client, source_ip):
        raise PermissionDenied(f"来源地址 {source_ip} 不在允许范围内", code="ip_not_allowed")
    if route is not None:
        scope_method, relative = route[0].upper(), route[1]
    else:
        scope_method = method.upper()
        relative = path[len(API_PREFIX) :] if path.startswith(API_PREFIX) else path
    scope = scope_for(scope_method, relative)
    if not is_open(scope_method, relative) and (scope is None or scope not in client.scopes):
        label = SCOPES[scope].label if scope else relative
        raise PermissionDenied(f"未授权调用该接口：{label}", code="scope_not_granted")
    _count(client, nonce, now)
    return client


#: How long a process trusts its copy of a client: a change made in another process (secret
#: rotated, client disabled, scopes changed) takes effect there within this time; in the
#: process that made it, at once (:func:`forget`).
CLIENT_CACHE_SECONDS = 5.0
_clients: dict[str, tuple[float, ApiClient]] = {}


def _client_by_key(key: str) -> ApiClient | None:
    hit = _clients.get(key)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    client = (
        ApiClient.objects.select_related("user", "department")
        .prefetch_related("items", "report_for")
        .filter(key=key)
        .first()
    )
    if client is not None:
        if len(_clients) > 10_000:
            _clients.clear()
        _clients[key] = (now + CLIENT_CACHE_SECONDS, client)
    return client


def forget(client: ApiClient) -> None:
    """Drop this process's cached copy of ``client`` and the principal built from it (after a
    change)."""
    _clients.pop(client.key, None)
    client.forget_principal()


def _address_allowed(client: ApiClient, source_ip: str | None) -> bool:
    if not source_ip:
        return False
    try:
        address = ipaddress.ip_address(source_ip)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in client.allowed_ips)


_NONCE = ApiNonce._meta.db_table
_COUNTER = ApiCounter._meta.db_table


def _count(client: ApiClient, nonce: str, now: float) -> None:
    """Record the nonce and count the request in its second and its day, in one statement."""
    second = int(now)
    day = datetime.datetime.fromtimestamp(now, BEIJING).date()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            WITH n AS (
                INSERT INTO {_NONCE} (client_id, nonce, seen_at) VALUES (%s, %s, now())
                ON CONFLICT DO NOTHING RETURNING 1
            ), s AS (
                INSERT INTO {_COUNTER} AS c (client_id, period, start, count)
                VALUES (%s, 's', %s, 1)
                ON CONFLICT (client_id, period, start) DO UPDATE SET count = c.count + 1
                RETURNING count
            ), d AS (
                INSERT INTO {_COUNTER} AS c (client_id, period, start, count)
                VALUES (%s, 'd', %s, 1)
                ON CONFLICT (client_id, period, start) DO UPDATE SET count = c.count + 1
                RETURNING count
            )
            SELECT (SELECT count(*) FROM n), (SELECT count FROM s), (SELECT count FROM d)
            """,  # noqa: S608 — table names are the models' own
            [client.pk, nonce, client.pk, second, client.pk, day.toordinal()],
        )
        fresh, in_second, in_day = cur.fetchone()
    if not fresh:
        raise NotAuthenticated("请求编号（nonce）已使用过，请求被拒绝", code="nonce_reused")
    if in_second > client.rate_limit:
        raise RateLimited(
            f"调用过于频繁：每秒至多 {client.rate_limit} 次", retry_after=1, code="rate_limited"
        )
    if in_day > client.daily_quota:
        tomorrow = datetime.datetime.combine(
            day + datetime.timedelta(days=1), datetime.time(), BEIJING
        )
        raise RateLimited(
            f"今日调用次数已达配额 {client.daily_quota} 次",
            retry_after=max(int(tomorrow.timestamp() - now), 1),
            code="quota_exceeded",
        )


def purge_expired(*, now: float | None = None) -> tuple[int, int]:
    """Delete nonces older than the signature window and per-second counters older than a
    minute (daily counters are kept for statistics for 400 days). Run periodically."""
    now = time.time() if now is None else now
    cutoff = timezone.now() - datetime.timedelta(seconds=2 * signing.WINDOW_SECONDS)
    nonces, _ = ApiNonce.objects.filter(seen_at__lt=cutoff).delete()
    old_day = (datetime.date.today() - datetime.timedelta(days=400)).toordinal()
    counters, _ = (
        ApiCounter.objects.filter(period="s", start__lt=int(now) - 60)
        | ApiCounter.objects.filter(period="d", start__lt=old_day)
    ).delete()
    return nonces, counters
