"""The RabbitMQ transport of the data-file adapter (消息队列传输): the partner's folders are
durable queues, each file one persistent message.

``partner.config`` of a files partner reached through RabbitMQ::

    {"transport": "amqp", "url": "amqps://czcredit@mq.example.gov.cn:5671/credit",
     "password": "…", "queue_prefix": "czcredit.js-province", "format": "xml",
     "zip": true, "message_code": "XZCF"}

``url`` is an AMQP URL (``amqp://`` or ``amqps://``, the virtual host URL-encoded, e.g.
``%2F`` for ``/``; pika's query options such as ``heartbeat`` are honoured). The password may
sit in the URL or, better, in ``password`` (it then replaces the URL's; the partner page keeps
it when the settings are saved without it). ``user`` likewise replaces the URL's user name.

Folder ↔ queue: ``<queue_prefix>.<folder>`` with ``/`` written ``.`` — ``outbox`` (the files
the platform publishes, 上报), ``receipts`` (the platform's receipts for inbound files),
``inbox`` (the partner's files for the platform, 下发/采集) and ``outbox_receipts`` (the
partner's receipts for the platform's files). Queues are durable; a queue the partner declared
already (with whatever arguments, e.g. a quorum queue) is used as it is.

- :meth:`AmqpTransport.write` publishes through the default exchange a persistent message
  whose ``message_id`` and header ``filename`` are the file name, with its content type, and
  waits for the broker's publisher confirm (an unroutable or refused message raises).
- :meth:`AmqpTransport.listdir` takes (``basic_get``, no auto-ack) every message waiting in a
  queue the platform reads (``inbox``, ``outbox_receipts``; at most :data:`HOLD_LIMIT`) and
  holds it unacknowledged; the names held are the "files" of the folder.
  :meth:`AmqpTransport.read` gives a held message's body, and :meth:`AmqpTransport.move` to
  ``<folder>/done/<name>`` acknowledges it (the file was processed). A crash, or a run that
  fails before that, closes the connection: the broker puts every message not acknowledged
  back in its queue, to be read at the next run (at-least-once). Queues the platform only
  writes (``outbox``, ``receipts``) list as empty: their messages belong to the partner.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import urllib.parse
from typing import Any

from credit.exchange.adapters import hide

#: Messages held at once per folder (the rest wait in the queue for the next run).
HOLD_LIMIT = 1000
#: Folders the platform reads: their queues are declared at the first check.
READ_FROM = ("inbox", "outbox_receipts")
#: Folders the platform only writes to: listing them never takes the partner's messages.
WRITE_ONLY = ("outbox", "receipts")
#: Heartbeat (seconds) asked for when the URL names none: a run may spend minutes ingesting
#: between reading the inbox and acknowledging it, without serving the connection.
HEARTBEAT = 600

_PREFIX = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
_SAFE_NAME = re.compile(r"[^\w.\-]")
_CONTENT_TYPES = {
    ".zip": "application/zip",
    ".xml": "application/xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".txt": "text/plain",
}
_EXTENSIONS = {v: k for k, v in _CONTENT_TYPES.items()}


def connection_parameters(config: dict[str, Any]) -> Any:
    """pika's parameters for ``config``: the URL without its user and password (pika reads
    the rest: host, port, virtual host, TLS, query options), the credentials from ``user`` and
    ``password`` when given, else from the URL. :class:`ValueError` (Chinese, no password)
    when the URL cannot be used."""
    import pika

    url = str(config.get("url") or "")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        raise ValueError("消息队列连接地址 url 格式不正确") from None
    if parts.scheme.lower() not in ("amqp", "amqps"):
        raise ValueError("消息队列需要连接地址 url（amqp:// 或 amqps:// 开头）")
    if not parts.hostname:
        raise ValueError("消息队列连接地址 url 缺少主机")
    bare = urllib.parse.urlunsplit(
        (parts.scheme.lower(), parts.netloc.rpartition("@")[2], parts.path, parts.query, "")
    )
    try:
        params = pika.URLParameters(bare)
    except Exception:  # pika's own checks of the query options
        raise ValueError("消息队列连接地址 url 的参数有误（如 heartbeat、ssl_options）") from None
    user = config.get("user") or urllib.parse.unquote(parts.username or "")
    password = config.get("password") or urllib.parse.unquote(parts.password or "")
    if user:
        params.credentials = pika.PlainCredentials(user, password)
    query = urllib.parse.parse_qs(parts.query)
    if "heartbeat" not in query:
        params.heartbeat = HEARTBEAT
    if "socket_timeout" not in query:
        params.socket_timeout = 10
    if "blocked_connection_timeout" not in query:
        params.blocked_connection_timeout = 60
    params.connection_attempts = 1
    return params


def config_errors(config: dict[str, Any]) -> list[str]:
    """The problems of the RabbitMQ keys of a files partner's ``config`` (Chinese; empty
    when usable): ``url`` (``amqp://`` or ``amqps://`` with a host), ``queue_prefix``, and
    ``user`` / ``password`` when given."""
    errors = []
    url = config.get("url")
    if not isinstance(url, str) or not url.lower().startswith(("amqp://", "amqps://")):
        errors.append("消息队列需要连接地址 url（amqp:// 或 amqps:// 开头）")
    else:
        try:
            connection_parameters({"url": url})
        except ValueError as exc:
            errors.append(str(exc))
    prefix = config.get("queue_prefix")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        errors.append("队列前缀 queue_prefix 应为 1–100 位字母、数字、点、下划线或连字符")
    for key in ("user", "password"):
        if key in config and not isinstance(config[key], str):
            errors.append(f"{key} 应为字符串")
    return errors


class AmqpTransport:
    """A partner's folders as RabbitMQ queues (pika ``BlockingConnection``, one channel with
    publisher confirms); see the module's description."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.prefix = str(config.get("queue_prefix") or "")
        parts = urllib.parse.urlsplit(str(config.get("url") or ""))
        try:
            raw = parts.password or ""
        except ValueError:
            raw = ""
        self._secrets = (raw, urllib.parse.unquote(raw), str(config.get("password") or ""))
        #: pika's parameters; ``None`` (with the reason) when the URL cannot be used, which
        #: fails the first call, in Chinese, like an unreachable broker.
        self._params: Any = None
        self._unusable = ""
        port: Any = "?"
        try:
            self._params = connection_parameters(config)
        except ValueError as exc:
            self._unusable = str(exc)
        if self._params is not None:
            host, port = self._params.host, self._params.port
        else:
            host = parts.hostname or "?"
            with contextlib.suppress(ValueError):
                port = parts.port or "?"
        self.where = f"RabbitMQ {host}:{port}/{self.prefix}"
        self._conn: Any = None
        self._channel: Any = None
        self._declared: set[str] = set()
        #: folder → file name → (delivery tag, body) of the messages held unacknowledged.
        self._held: dict[str, dict[str, tuple[int, bytes]]] = {}

    # -- connection ---------------------------------------------------------------------------

    def _hide(self, text: str) -> str:
        return hide(text, *self._secrets)

    def _failure(self, exc: Exception) -> Exception:
        """``exc`` said in Chinese, the password never in it."""
        import pika.exceptions as px

        if isinstance(exc, px.ProbableAuthenticationError | px.AuthenticationError):
            text = "用户名或密码错误，RabbitMQ 拒绝登录"
        elif isinstance(exc, px.ProbableAccessDeniedError):
            text = "虚拟主机不存在或该用户无权访问"
        elif isinstance(exc, px.UnroutableError):
            text = "消息无法投递到队列（队列不存在），已退回"
        elif isinstance(exc, px.NackError):
            text = "RabbitMQ 拒收消息（未确认发布）"
        elif isinstance(exc, px.ChannelClosedByBroker):
            text = f"RabbitMQ 关闭了通道（{exc.reply_code} {exc.reply_text}）"
        elif isinstance(exc, px.ConnectionClosedByBroker):
            text = f"RabbitMQ 关闭了连接（{exc.reply_code} {exc.reply_text}）"
        elif isinstance(exc, px.AMQPConnectionError):
            detail = str(exc) or repr(exc.args[0] if exc.args else exc)
            text = f"无法连接 RabbitMQ：{detail}"
        else:
            text = str(exc) or type(exc).__name__
        return ConnectionError(self._hide(text))

    @contextlib.contextmanager
    def _broker(self):
        """pika's errors as :class:`ConnectionError` in Chinese (the files adapter makes them
        an :class:`~credit.exchange.adapters.ExchangeError`); a closed channel is reopened at
        the next call."""
        import pika.exceptions as px

        try:
            yield
        except ConnectionError:
            raise
        except Exception as exc:  # pika's errors, and sockets, TLS, timeouts underneath
            if self._channel is not None and not self._channel.is_open:
                self._channel = None
                self._declared.clear()
            if isinstance(exc, px.AMQPError):
                raise self._failure(exc) from None
            raise ConnectionError(self._hide(str(exc) or type(exc).__name__)) from None

    def _open(self) -> Any:
        import pika

        if self._conn is None or not self._conn.is_open:
            if self._params is None:
                raise ConnectionError(self._unusable)
            self._conn = pika.BlockingConnection(self._params)
            self._channel = None
            self._declared.clear()
            self._held.clear()
        if self._channel is None or not self._channel.is_open:
            if self._held:
                # Tags of held messages die with their channel; the broker requeues them.
                self._held.clear()
            self._channel = self._conn.channel()
            self._channel.confirm_delivery()
        return self._channel

    def queue(self, folder: str) -> str:
        """The queue of ``folder`` (``inbox`` → ``<prefix>.inbox``)."""
        return f"{self.prefix}.{folder.strip('/').replace('/', '.')}"

    def _declare(self, folder: str) -> tuple[Any, str]:
        """The channel and ``folder``'s queue, declared durable unless it exists (a queue the
        partner declared is used with its own arguments). The existence is asked on a channel
        of its own: the broker closes a channel over a missing queue, and the main channel
        holds the messages taken."""
        import pika.exceptions as px

        name = self.queue(folder)
        channel = self._open()
        if name not in self._declared:
            probe = self._conn.channel()
            try:
                probe.queue_declare(name, passive=True)
            except px.ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
                channel.queue_declare(name, durable=True)
            finally:
                if probe.is_open:
                    probe.close()
            self._declared.add(name)
        return channel, name

    # -- the Transport protocol ---------------------------------------------------------------

    def listdir(self, sub: str) -> list[str]:
        """The names of the messages of ``sub``'s queue, each taken unacknowledged and held
        (those held already and the new ones, sorted). ``""`` (the base, no files of its own)
        logs in and makes sure the queues the platform reads exist, so that the partner's
        messages published from then on are kept: ``[]``."""
        folder = sub.strip("/")
        with self._broker():
            if not folder:
                for name in READ_FROM:
                    self._declare(name)
                return []
            if folder in WRITE_ONLY or folder.endswith("/done") or "/done/" in folder:
                return []
            channel, queue = self._declare(folder)
            held = self._held.setdefault(folder, {})
            while len(held) < HOLD_LIMIT:
                method, properties, body = channel.basic_get(queue, auto_ack=False)
                if method is None:
                    break
                held[self._name(held, method.delivery_tag, properties)] = (
                    method.delivery_tag,
                    bytes(body),
                )
            return sorted(held)

    @staticmethod
    def _name(held: dict[str, Any], tag: int, properties: Any) -> str:
        """A message's file name: its ``filename`` header (else ``msg-<message_id or tag>``
        with the extension of its content type), made safe, and unique among ``held``."""
        headers = properties.headers or {}
        raw = headers.get("filename")
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", "replace")
        name = posixpath.basename(str(raw or "").replace("\\", "/")).strip()
        if not name or name.startswith("."):
            ext = _EXTENSIONS.get((properties.content_type or "").lower(), ".xml")
            name = f"msg-{properties.message_id or tag}{ext}"
        name = _SAFE_NAME.sub("_", name)[:200]
        if name in held:
            stem, dot, ext = name.rpartition(".")
            name = f"{stem}~{tag}.{ext}" if dot else f"{name}~{tag}"
        return name

    def _held_message(self, rel: str) -> tuple[str, str, int, bytes]:
        folder, name = posixpath.split(rel.strip("/"))
        found = self._held.get(folder, {}).get(name)
        if found is None:
            raise FileNotFoundError(f"队列 {self.queue(folder)} 中没有待处理的消息 {name}")
        return folder, name, *found

    def read(self, rel: str) -> bytes:
        """The body of the held message ``rel`` (``inbox/NAME``)."""
        return self._held_message(rel)[3]

    def write(self, rel: str, data: bytes) -> None:
        """Publish ``data`` as file ``rel`` (``outbox/NAME``) to the folder's queue and wait
        for the broker's confirm."""
        import pika

        folder, name = posixpath.split(rel.strip("/"))
        ext = posixpath.splitext(name)[1].lower()
        with self._broker():
            channel, queue = self._declare(folder)
            channel.basic_publish(
                exchange="",
                routing_key=queue,
                body=data,
                properties=pika.BasicProperties(
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=name,
                    content_type=_CONTENT_TYPES.get(ext, "application/octet-stream"),
                    headers={"filename": name},
                ),
                mandatory=True,
            )

    def move(self, rel: str, dest: str) -> None:
        """``inbox/NAME`` → ``inbox/done/NAME``: acknowledge the held message (processed).
        To any other folder: publish it there first, then acknowledge it."""
        folder, name, tag, body = self._held_message(rel)
        target = posixpath.dirname(dest.strip("/"))
        if target != f"{folder}/done":
            self.write(dest, body)
        with self._broker():
            self._open().basic_ack(delivery_tag=tag)
        del self._held[folder][name]

    def close(self) -> None:
        """Close the connection; messages held and not acknowledged go back to their queue."""
        self._held.clear()
        self._declared.clear()
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = self._channel = None


from credit.exchange.adapters.files import register_transport  # noqa: E402

register_transport("amqp", AmqpTransport, config_errors)
