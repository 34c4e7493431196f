"""A partner's REST API for the tests: a real HTTP server on 127.0.0.1 (a free port) in a thread,
speaking the protocol of ``docs/exchange.md`` (REST), with the partner's side of the three
authentication modes — ``credit-hmac`` checked with :mod:`credit.gateway.signing` exactly as
another instance of the platform would.

- ``POST <prefix>/credit/records`` — upward records, upserted by ``key`` in :attr:`records`;
  :attr:`refuse` (``record -> reason or None``) refuses some, :attr:`omit` leaves keys out of
  the answer;
- ``GET <prefix>/credit/lists?cursor=&limit=`` — :attr:`feed` in pages of at most ``limit``
  (and :attr:`page_cap`) rows; the cursor is ``pos-<n>``;
- ``POST <prefix>/credit/lists/receipts`` — the platform's receipts, kept in :attr:`acks`;
- ``GET <prefix>/`` — 200.

:attr:`fail` (path → status) answers a path with an error; :attr:`raw` (path → bytes) answers
it with that body as text/html; :attr:`delay` makes every answer wait. Every request is logged
in :attr:`requests`.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from credit.gateway import signing


class RestPartner:
    """The partner's state and its server (:meth:`start`, :meth:`stop`, or ``with``)."""

    def __init__(
        self,
        *,
        auth: str = "none",
        token: str = "",
        key: str = "",
        secret: str = "",
        prefix: str = "",
    ) -> None:
        self.auth, self.token, self.key, self.secret = auth, token, key, secret
        self.prefix = prefix.rstrip("/")
        self.records: dict[str, dict[str, Any]] = {}
        self.refuse: Callable[[dict[str, Any]], str | None] = lambda record: None
        self.omit: set[str] = set()
        self.feed: list[dict[str, Any]] = []
        self.page_cap: int | None = None
        self.stuck_cursor = False
        self.acks: list[dict[str, Any]] = []
        self.fail: dict[str, int] = {}
        self.raw: dict[str, bytes] = {}
        self.delay = 0.0
        self.requests: list[dict[str, Any]] = []
        self.verified = 0
        self._nonces: set[str] = set()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # -- server -------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.prefix}"

    def start(self) -> RestPartner:
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                partner._handle(self, "GET")

            def do_POST(self) -> None:
                partner._handle(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> RestPartner:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- requests -----------------------------------------------------------------------------

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        sent = urlsplit(handler.path)
        path = sent.path
        with self._lock:
            self.requests.append(
                {
                    "method": method,
                    "path": path,
                    "query": {k: v[0] for k, v in parse_qs(sent.query).items()},
                    "headers": dict(handler.headers.items()),
                    "body": body,
                }
            )
        if self.delay:
            time.sleep(self.delay)
        refusal = self._authenticate(handler, method, sent.path, sent.query, body)
        if refusal:
            return _answer(handler, 401, {"error": refusal})
        route = path.removeprefix(self.prefix) or "/"
        if route in self.fail:
            return _answer(handler, self.fail[route], {"error": "伙伴服务暂不可用"})
        if route in self.raw:
            return _answer(handler, 200, self.raw[route], content_type="text/html")
        if method == "GET" and route == "/":
            return _answer(handler, 200, {"service": "测试伙伴接口"})
        if method == "POST" and route == "/credit/records":
            return _answer(handler, 200, self._take(json.loads(body)))
        if method == "GET" and route == "/credit/lists":
            return _answer(handler, 200, self._page(parse_qs(sent.query)))
        if method == "POST" and route == "/credit/lists/receipts":
            with self._lock:
                self.acks.extend(json.loads(body)["receipts"])
            return _answer(handler, 200, {"ok": True})
        return _answer(handler, 404, {"error": "not found"})

    def _authenticate(
        self, handler: BaseHTTPRequestHandler, method: str, path: str, query: str, body: bytes
    ) -> str | None:
        """Why the request is refused (``None`` when it is let in)."""
        headers = handler.headers
        if self.auth == "bearer":
            given = headers.get("Authorization") or ""
            if given != f"Bearer {self.token}":
                return f"令牌无效：{given}"
        if self.auth == "credit-hmac":
            key, ts, nonce, sig = (headers.get(h) or "" for h in signing.HEADERS)
            if key != self.key:
                return "未知的访问密钥"
            if not ts.isdigit() or abs(time.time() - int(ts)) > signing.WINDOW_SECONDS:
                return "时间戳超出允许范围"
            if not signing.NONCE_PATTERN.match(nonce) or nonce in self._nonces:
                return "随机串无效或重复"
            expected = signing.sign(
                self.secret, method, path, query, body, timestamp=ts, nonce=nonce
            )
            if not signing.matches(expected, sig):
                return "签名无效"
            with self._lock:
                self._nonces.add(nonce)
                self.verified += 1
        return None

    def _take(self, payload: dict[str, Any]) -> dict[str, Any]:
        receipts = []
        for record in payload["records"]:
            reason = self.refuse(record)
            if reason is None:
                with self._lock:
                    self.records[record["key"]] = record
            if record["key"] not in self.omit:
                receipts.append(
                    {"key": record["key"], "ok": reason is None, "reason": reason or ""}
                )
        return {"receipts": receipts}

    def _page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        start = int((query.get("cursor") or ["pos-0"])[0].removeprefix("pos-"))
        size = int((query.get("limit") or ["100"])[0])
        if self.page_cap:
            size = min(size, self.page_cap)
        rows = self.feed[start : start + size]
        end = start if self.stuck_cursor else start + len(rows)
        return {"records": rows, "cursor": f"pos-{end}", "more": start + len(rows) < len(self.feed)}


def _answer(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: Any,
    *,
    content_type: str = "application/json",
) -> None:
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", f"{content_type}; charset=utf-8")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)
