"""Pushing events to subscribers: fan-out, signed delivery, and where a webhook may point.

How an event reaches a webhook:

1. :func:`published` is called by the publishing app (``credit.records.changes.emit`` for list
   changes, ``credit.alerts.services`` for warnings) inside the transaction that writes the
   events. When an active subscription to that event type exists it defers ONE
   ``sanctions.fan_out(event_type, first_id, last_id)`` job through procrastinate's Django
   connector, which inserts the job row on Django's own connection — so the job commits or
   rolls back with the change, and a change is never pushed without being committed nor
   committed without its push. The "any active subscription" check is one query per chunk
   (not an in-process cache: a subscription created in another process must be seen at once,
   or its first events would be lost).
2. :func:`fan_out` creates a :class:`Delivery` per (event, matching subscription) with
   ``INSERT … ON CONFLICT DO NOTHING`` — running it twice creates nothing twice — and defers
   one ``sanctions.deliver(delivery_id)`` job per new delivery in a single batch insert. A
   subscription matches when it chose the type, its client holds the type's permission and
   the event passes the type's ``filters_for`` and the subscription's filters.
   One job per delivery (rather than per subscription batch) keeps every receiver's retries
   and back-off independent: a slow or failing webhook delays nobody else, and a delivery's
   log row and its job have the same lifetime.
3. :func:`deliver` POSTs the event (its type's ``payload``: for list changes the shape of
   ``GET /sanctions/changes``) signed with the client's key and secret by
   :mod:`credit.gateway.signing`, with ``X-Credit-Event-Id`` and ``X-Credit-Event-Type``; no
   redirect is followed; 2xx is delivered. A failure is recorded and retried after
   :data:`RETRY_DELAYS` (1 min, 5 min, 15 min, 30 min, 1 h, 2 h, 4 h, 8 h, 12 h: ten attempts
   over about 28 hours), then the delivery is ``failed``; so is a delivery whose event is
   gone or whose client no longer holds the type's permission. A delivery already
   ``delivered`` is never sent again by a job; :func:`credit.events.services.resend` (the
   credit office) queues it again with the same event id and is audited. Receivers should
   treat the event id as idempotency key: delivery is at least once.

A webhook may point only where :func:`validate_url` allows, and a name is resolved once and
checked before it is called (:func:`resolve`, :data:`DENIED_NETWORKS`).
"""

from __future__ import annotations

import datetime
import http.client
import ipaddress
import json
import logging
import socket
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from credit.core.errors import ValidationFailed
from credit.events import registry
from credit.events.models import Delivery, Subscription
from credit.gateway.client import signed_headers

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10
#: Seconds to wait after the 1st, 2nd, … failed attempt; one more failure after the last
#: delay and the delivery is ``failed`` (MAX_ATTEMPTS attempts in all).
RETRY_DELAYS = (60, 300, 900, 1800, 3600, 7200, 14400, 28800, 43200)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
USER_AGENT = "credit-platform-push/1"


class DeliveryFailed(Exception):
    """A delivery attempt failed and should be retried in ``retry_in`` seconds."""

    def __init__(self, message: str, *, retry_in: int) -> None:
        super().__init__(message)
        self.retry_in = retry_in


# --------------------------------------------------------------------------------------------
# Where a webhook may point
# --------------------------------------------------------------------------------------------


def allowed_http_hosts() -> list[str]:
    return list(getattr(settings, "CREDIT_PUSH_ALLOW_HTTP_HOSTS", ["127.0.0.1", "localhost"]))


def validate_url(url: str) -> str:
    """A webhook URL: ``https://``, or ``http://`` only to a host in
    ``CREDIT_PUSH_ALLOW_HTTP_HOSTS``; no user name or password in it."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 — raises ValueError on a bad port
    except ValueError:
        raise ValidationFailed("接收地址格式不正确", code="url_invalid") from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValidationFailed("接收地址须以 https:// 开头", code="url_scheme_invalid")
    if parts.username or parts.password:
        raise ValidationFailed("接收地址不能包含用户名或密码", code="url_invalid")
    if parts.scheme == "http" and parts.hostname not in allowed_http_hosts():
        raise ValidationFailed(
            "接收地址须使用 https://（http:// 仅允许本机测试地址）", code="url_scheme_invalid"
        )
    if len(url) > 500:
        raise ValidationFailed("接收地址过长（最多 500 个字符）", code="url_invalid")
    try:
        literal = ipaddress.ip_address(parts.hostname)
    except ValueError:
        literal = None  # a name: checked when it is resolved, at each delivery
    if literal is not None and (reason := _denied(str(literal), parts.hostname)):
        raise ValidationFailed(reason, code="url_network_denied")
    return url


#: Where a webhook may never point, whatever its name resolves to: loopback (except the
#: hosts allowed for local tests), link-local (cloud metadata at 169.254.169.254), multicast,
#: unspecified and reserved addresses. Government networks (10/8, 172.16/12, 192.168/16) are
#: allowed: departments' systems live there. ``CREDIT_PUSH_DENY_NETWORKS`` adds networks.
DENIED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "fe80::/10", "ff00::/8",
    )
]  # fmt: skip


def _denied(address: str, host: str) -> str:
    """Why ``address`` may not be called for ``host`` ("" when it may)."""
    ip = ipaddress.ip_address(address.split("%")[0])  # drop an IPv6 zone
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if ip.is_loopback and host in allowed_http_hosts():
        return ""
    extra = [ipaddress.ip_network(n) for n in getattr(settings, "CREDIT_PUSH_DENY_NETWORKS", [])]
    for network in (*DENIED_NETWORKS, *extra):
        if ip.version == network.version and ip in network:
            return f"接收地址 {host} 指向不允许的网络地址 {address}"
    return ""


def resolve(host: str, port: int) -> str:
    """The address to connect to for ``host``: resolved once, checked, then used for the
    connection itself (so a name cannot be re-pointed between the check and the call)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise OSError(f"无法解析接收地址 {host}")
    for info in infos:
        if reason := _denied(info[4][0], host):
            raise PermissionError(reason)
    return infos[0][4][0]


# --------------------------------------------------------------------------------------------
# Publish and fan out
# --------------------------------------------------------------------------------------------


def subscribers(event_type: str) -> QuerySet[Subscription]:
    """The active subscriptions of active clients that chose ``event_type``."""
    return Subscription.objects.filter(
        is_active=True, client__is_active=True, event_types__contains=[event_type]
    )


def published(event_type: str, first_id: int, last_id: int) -> None:
    """The publisher wrote the events ``first_id..last_id`` of ``event_type`` in the running
    transaction: one fan-out job for them, deferred in that transaction, when anyone
    subscribes to that type. An unknown type is refused
    (:class:`~credit.events.registry.UnknownEventType`); a type no subscription receives
    enqueues nothing."""
    registry.get(event_type)
    if not subscribers(event_type).exists():
        return
    from credit.events.tasks import fan_out as fan_out_task

    fan_out_task.defer(event_type=event_type, first_id=first_id, last_id=last_id)


def matching_events(
    sub: Subscription, kind: registry.EventType, first_id: int, last_id: int
) -> QuerySet:
    """The events of type ``kind`` in ``first_id..last_id`` that ``sub`` receives: those its
    client may receive (the type's permission and ``filters_for``: for list changes its list
    items and usage scopes, for warnings its tenant) — the same as the client would pull —
    narrowed by the subscription's filters that apply to the type (its ``filter_fields``)."""
    if kind.name not in sub.event_types:
        return kind.model._default_manager.none()
    qs = kind.model._default_manager.filter(
        kind.visible_to(sub.client), id__gte=first_id, id__lte=last_id
    )
    return kind.narrowed(
        qs,
        list_kinds=sub.list_kinds,
        regions=sub.regions,
        legal_person_id=sub.legal_person_id,
        natural_person_id=sub.natural_person_id,
    )


_DELIVERY = Delivery._meta.db_table


@transaction.atomic
def fan_out(event_type: str, first_id: int, last_id: int) -> list[int]:
    """Create the deliveries of the ``event_type`` events ``first_id..last_id`` for every
    active subscription to that type of an active client and queue one delivery job each;
    returns the new deliveries' ids. Idempotent: an (event, subscription) pair is created
    once."""
    from credit.events.tasks import deliver as deliver_task

    kind = registry.get(event_type)
    created: list[int] = []
    subs = subscribers(event_type).select_related("client__user", "client__department")
    for sub in subs.order_by("id"):
        created.extend(_insert_deliveries(sub, kind, matching_events(sub, kind, first_id, last_id)))
    if created:
        deliver_task.batch_defer(*({"delivery_id": pk} for pk in created))
    return created


def _insert_deliveries(sub: Subscription, kind: registry.EventType, events: QuerySet) -> list[int]:
    """One pending delivery per event of ``events`` for ``sub`` (none twice)."""
    try:
        events_sql, params = events.values("id").query.sql_with_params()
    except EmptyResultSet:  # nothing the client may receive
        return []
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO {_DELIVERY} (event_type, event_id, subscription_id, status, attempts,
                failures, resends, last_error, created_at)
            SELECT %s, e.id, %s, 'pending', 0, 0, 0, '', now() FROM ({events_sql}) e
            ORDER BY e.id
            ON CONFLICT (event_type, event_id, subscription_id) DO NOTHING
            RETURNING id
            """,  # noqa: S608 — the table is the model's own, the subquery Django's
            [kind.name, sub.pk, *params],
        )
        return [pk for (pk,) in cur.fetchall()]


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------


def payload(delivery: Delivery) -> bytes:
    """The JSON body of a delivery (its event type's ``payload``: for list changes the shape
    of ``GET /sanctions/changes``), as its client would pull it (natural persons masked)."""
    kind, event = registry.get(delivery.event_type), delivery.event
    body = kind.payload(event, delivery.subscription.client.as_principal())
    return json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False).encode("utf-8")


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, address: str, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, port: int | None, address: str, **kwargs: Any) -> None:
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # cert checked


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    """POST without following redirects, to the address the host name resolved to after it
    was checked against :data:`DENIED_NETWORKS`; (status, error text)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    try:
        address = resolve(parts.hostname, port)
    except (OSError, PermissionError) as exc:
        return None, str(exc)[:500]
    cls = _PinnedHTTPS if https else _PinnedHTTP
    conn = cls(parts.hostname, port, address, timeout=TIMEOUT_SECONDS)
    try:
        conn.request("POST", target, body=body, headers=headers)
        response = conn.getresponse()
        response.read(65536)
        status = response.status
        if 200 <= status < 300:
            return status, ""
        if 300 <= status < 400:
            return status, f"接收方返回重定向 {status}（不跟随重定向）"
        return status, f"接收方返回 {status} {response.reason}"[:500]
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    finally:
        conn.close()


def _headers(delivery: Delivery, body: bytes) -> dict[str, str]:
    from credit.gateway.services import _secret

    client = delivery.subscription.client
    parts = urlsplit(delivery.subscription.url)
    headers = signed_headers(
        client.key, _secret(client), "POST", parts.path or "/", parts.query, body
    )
    headers.update(
        {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "X-Credit-Event-Id": str(delivery.event.event_id),
            "X-Credit-Event-Type": delivery.event_type,
        }
    )
    return headers


def deliver(delivery_id: int) -> Delivery | None:
    """One attempt of a delivery, under a row lock; ``delivered`` or ``failed`` ones are left
    alone. Raises :class:`DeliveryFailed` (after recording the attempt) when it should be
    retried."""
    retry_in: int | None = None
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("subscription__client__user", "subscription__client__department")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            logger.warning("sanctions.deliver: delivery %s no longer exists", delivery_id)
            return None
        if delivery.status in (Delivery.Status.DELIVERED, Delivery.Status.FAILED):
            return delivery
        sub = delivery.subscription
        now = timezone.now()
        gone = (
            "订阅或接口调用方已停用"
            if not (sub.is_active and sub.client.is_active)
            else "事件已不存在（其类型未注册或记录已删除）"
            if delivery.event is None
            else f"接口调用方已没有接收“{delivery.kind.label}”的权限"
            if not sub.client.as_principal().has_perm(delivery.kind.perm)
            else ""
        )
        if gone:
            delivery.status = Delivery.Status.FAILED
            delivery.last_error = gone
            delivery.next_attempt_at = None
            delivery.save()
            return delivery
        body = payload(delivery)
        status, error = post(sub.url, body, _headers(delivery, body))
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status = status
        delivery.last_error = error
        if not error:
            delivery.status = Delivery.Status.DELIVERED
            delivery.delivered_at = timezone.now()
            delivery.next_attempt_at = None
        else:
            delivery.failures += 1
            if delivery.failures >= MAX_ATTEMPTS:
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = None
            else:
                retry_in = RETRY_DELAYS[delivery.failures - 1]
                delivery.status = Delivery.Status.RETRYING
                delivery.next_attempt_at = now + datetime.timedelta(seconds=retry_in)
        delivery.save()
    if retry_in is not None:
        raise DeliveryFailed(delivery.last_error, retry_in=retry_in)
    return delivery
