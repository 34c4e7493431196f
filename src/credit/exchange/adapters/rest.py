"""The REST adapter (REST 接口适配器, 接口调用 / 主动采集): the platform calls a partner's HTTP
JSON API — it POSTs upward records and reads the partner's lists page by page on the channel's
schedule. (Partners that push to the platform instead use the ingest API, ``docs/api.md``.)

``partner.config``::

    {"base_url": "https://api.partner.example/v1", "auth": "none" | "bearer" | "credit-hmac",
     "token": "…",                # bearer: sent as Authorization: Bearer …
     "key": "ck_…", "secret": "…", # credit-hmac: the platform's own X-Credit-* signature
     "timeout": 10, "verify_tls": true, "proxy": "http://proxy.example:3128"}

``verify_tls`` is ``true`` (the partner's certificate checked against the system's CAs), the
path of a CA bundle file for a partner with a private CA, or ``false`` (tests only); ``proxy``
(optional) is the HTTP proxy to reach the partner through — the environment's proxy settings
are not used.

``credit-hmac`` signs every request as :mod:`credit.gateway.signing` describes (``docs/api.md``
签名), so a partner that is another instance of this platform accepts the calls with the API
client it registered for us. The token and the secret never appear in an error, a page or the
audit log.

**Upward** mapping ``{"path": "/credit/records", "fields": {JSON name: field code or
_record.<name>}}``: :meth:`RestAdapter.send` POSTs ::

    {"records": [{"key": "123-1", "change_kind": "created", "version": 1,
                  "fields": {"CF_WSH": "常市监罚〔2026〕1号", "CF_JDRQ": "2026-03-02"}}]}

and the partner answers ``200 {"receipts": [{"key": "123-1", "ok": true, "reason": ""}]}``;
a key it does not answer for stays pending (sent again after the back-off).

**Inbound** mapping ``{"path": "/credit/lists", "params": {fixed query}, "items": "records",
"key_field": "id", "cursor_param": "cursor", "cursor_field": "cursor", "more_field": "more",
"limit_param": "limit", "fields": {JSON name: field code}, "ack_path": "/credit/lists/receipts"}``
(every key but ``path`` and ``fields`` optional, with these defaults; ``ack_path`` none):
:meth:`RestAdapter.fetch` GETs ``path?cursor=<channel.cursor>&limit=<n>`` (no cursor the first
time) and then the following pages until ``limit`` rows are read or the partner answers
``more`` false; a page is ``{"records": [{"id": 7, …}], "cursor": "…", "more": true}``.
:attr:`RestAdapter.next_cursor` is the last page's cursor: the runner saves it in
``channel.cursor`` only once the rows are ingested and acknowledged, so a failed run reads the
same pages again. :meth:`RestAdapter.acknowledge` POSTs to ``ack_path`` ::

    {"receipts": [{"key": "7", "result": "accepted", "reason": "", "batch": 31, "row": 2}]}

Every failure (no connection, timeout, an HTTP error, an answer that is not the JSON above) is
an :class:`~credit.exchange.adapters.ExchangeError` in Chinese with the HTTP status and at most
200 characters of the partner's answer.
"""

from __future__ import annotations

import contextlib
import datetime
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests

from credit.exchange.adapters import (
    ExchangeError,
    InboundReceipt,
    Incoming,
    Outgoing,
    Receipt,
    Words,
    field_errors,
    hide,
    mapped_fields,
    register,
    unmapped_required,
)
from credit.exchange.adapters.web import (
    DEFAULT_TIMEOUT,
    CreditHmacAuth,
    address_errors,
    credential_errors,
    text_value,
)
from credit.exchange.constants import Direction, PartnerKind

AUTH_MODES = ("none", "bearer", "credit-hmac")
#: How mapping errors name a partner's JSON member.
WORDS = Words(one="JSON 名", two="两个 JSON 名", side="JSON 名")
ACCEPTED = "accepted"
REJECTED = "rejected"
#: Rows asked for per page (``limit_param``) at most.
PAGE_SIZE = 1000
#: Inbound receipts posted to ``ack_path`` at once.
ACK_CHUNK = 1000
#: Characters of a partner's answer quoted in an error.
QUOTE = 200
#: A partner's answer is read up to this size; a longer one fails the run.
MAX_BODY = 64 * 1024 * 1024
#: Pages read in one fetch at most (a partner whose cursor never ends stops here).
MAX_PAGES = 1000
#: ``channel.cursor`` holds at most this many characters.
MAX_CURSOR = 64
MAX_NAME = 64
MAX_PATH = 200

_UP_KEYS = ("path", "fields")
_IN_DEFAULTS = {
    "items": "records",
    "key_field": "id",
    "cursor_param": "cursor",
    "cursor_field": "cursor",
    "more_field": "more",
    "limit_param": "limit",
}
_IN_KEYS = ("path", "params", *_IN_DEFAULTS, "fields", "ack_path")
_LABELS = {
    "items": "行列表名 items",
    "key_field": "键名 key_field",
    "cursor_param": "游标参数 cursor_param",
    "cursor_field": "游标名 cursor_field",
    "more_field": "后续页标志名 more_field",
    "limit_param": "条数参数 limit_param",
}


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def validate_config(config: Any) -> list[str]:
    """The problems of a REST partner's ``config`` (Chinese; empty when usable)."""
    if not isinstance(config, dict):
        return ["连接配置应为 JSON 对象"]
    errors = address_errors(
        config.get("base_url"),
        name="base_url",
        missing="REST 接口需要地址 base_url（http:// 或 https:// 开头，如 https://api.example.gov.cn/v1）",
    )
    errors += credential_errors(config, AUTH_MODES)
    verify = config.get("verify_tls", True)
    if not isinstance(verify, bool) and not text_value(verify):
        errors.append("verify_tls 应为 true、false 或 CA 证书文件路径")
    proxy = config.get("proxy")
    if proxy not in (None, ""):
        proxy_parts = urlsplit(proxy) if isinstance(proxy, str) else None
        if (
            proxy_parts is None
            or proxy_parts.scheme not in ("http", "https")
            or not proxy_parts.hostname
        ):
            errors.append("代理 proxy 应为 http:// 或 https:// 开头的地址")
    return errors


def _path_error(label: str, value: Any) -> str | None:
    if not isinstance(value, str) or not value:
        return f"缺少{label}"
    if (
        not value.startswith("/")
        or value.startswith("//")
        or len(value) > MAX_PATH
        or any(ch.isspace() or ch in "?#" for ch in value)
    ):
        return f"{label}“{value}”不合法（以 / 开头，不含空白、? 和 #，至多 {MAX_PATH} 个字符）"
    return None


def _name_error(name: str) -> str | None:
    if not name or len(name) > MAX_NAME:
        return f"JSON 名“{name}”不合法（1–{MAX_NAME} 个字符）"
    return None


def validate_mapping(direction: str, mapping: Any, item: Any) -> list[str]:
    """The problems of a REST channel's ``mapping`` (Chinese; empty when usable); see the
    module's description for the upward and the inbound shape."""
    if not isinstance(mapping, dict):
        return ["字段映射应为 JSON 对象"]
    upward = direction == Direction.UP
    allowed = _UP_KEYS if upward else _IN_KEYS
    errors = [f"未知的映射项 {key}" for key in mapping if key not in allowed]
    problem = _path_error("接口路径 path", mapping.get("path"))
    if problem:
        errors.append(problem)
    if not upward:
        if mapping.get("ack_path") not in (None, ""):
            problem = _path_error("回执路径 ack_path", mapping["ack_path"])
            if problem:
                errors.append(problem)
        for key in _IN_DEFAULTS:
            value = mapping.get(key)
            if value is None or (key == "limit_param" and value == ""):
                continue  # the default (no limit parameter for an empty limit_param)
            if not isinstance(value, str) or not 1 <= len(value) <= MAX_NAME:
                errors.append(f"{_LABELS[key]}应为 1–{MAX_NAME} 个字符的文本")
        params = mapping.get("params")
        if params is not None:
            if not isinstance(params, dict):
                errors.append("固定查询参数 params 应为 JSON 对象")
            else:
                # the parameter names as given (one that is no text was reported above)
                named = (
                    mapping.get("cursor_param") or _IN_DEFAULTS["cursor_param"],
                    mapping.get("limit_param", _IN_DEFAULTS["limit_param"]) or None,
                )
                taken = {n for n in named if isinstance(n, str)}
                for name, value in params.items():
                    if name in taken:
                        errors.append(f"固定查询参数 {name} 与游标或条数参数重名")
                    elif not name or len(name) > MAX_NAME:
                        errors.append(f"固定查询参数名“{name}”不合法（1–{MAX_NAME} 个字符）")
                    elif isinstance(value, dict | list) or value is None:
                        errors.append(f"固定查询参数 {name} 的值应为文本或数字")
    fields = mapping.get("fields")
    if not isinstance(fields, dict) or not fields:
        return [*errors, "缺少字段对应 fields（JSON 名 → 字段标识）"]
    found, seen = field_errors(
        fields, upward=upward, item=item, words=WORDS, name_error=_name_error
    )
    errors += found
    if not upward:
        errors += unmapped_required(item, seen, WORDS)
    return errors


# --------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------


class RestAdapter:
    """A partner's REST API (REST 接口); see the module's description."""

    def __init__(self, partner: Any) -> None:
        self.partner = partner
        config = dict(partner.config or {})
        errors = validate_config(config)
        if errors:
            raise ExchangeError(f"交换伙伴“{partner.name}”的连接配置有误：" + "；".join(errors))
        self.base_url = config["base_url"].rstrip("/")
        auth = config.get("auth", "none")
        self.token = str(config.get("token") or "")
        self.secret = str(config.get("secret") or "")
        self.timeout = float(config.get("timeout", DEFAULT_TIMEOUT))
        verify = config.get("verify_tls", True)
        self.verify: bool | str = verify if isinstance(verify, bool) else verify.strip()
        parts = urlsplit(self.base_url)
        #: ``REST https://host:port`` — where the partner is, no path and no credentials.
        self.where = f"REST {parts.scheme}://{parts.netloc}"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "credit-exchange/1"
        self.session.trust_env = False  # the partner's address, not the environment's proxy
        if config.get("proxy"):
            self.session.proxies = {"http": config["proxy"], "https": config["proxy"]}
        if auth == "bearer":
            self.session.headers["Authorization"] = f"Bearer {self.token}"
        elif auth == "credit-hmac":
            self.session.auth = CreditHmacAuth(str(config["key"]), self.secret)
        #: After :meth:`fetch`: the partner's cursor after the last page read.
        self.next_cursor: str | None = None

    # -- HTTP ---------------------------------------------------------------------------------

    def _hide(self, text: str) -> str:
        return hide(text, self.token, self.secret)

    def _quote(self, data: bytes) -> str:
        """The start of a partner's answer for an error: one line, JSON with its Chinese
        unescaped, secrets hidden, at most :data:`QUOTE` characters."""
        text = data.decode("utf-8", "replace")
        with contextlib.suppress(ValueError, RecursionError):
            text = json.dumps(json.loads(text), ensure_ascii=False)
        return self._hide(" ".join(text.split()))[:QUOTE]

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Transport errors as :class:`ExchangeError` (Chinese, secrets hidden)."""
        try:
            yield
        except ExchangeError:
            raise
        except requests.Timeout as exc:
            raise ExchangeError(
                f"{self.where} {action}超时（{self.timeout:g} 秒内无应答）"
            ) from exc
        except requests.exceptions.SSLError as exc:
            detail = self._hide(str(exc))[:QUOTE]
            raise ExchangeError(
                f"{self.where} {action}失败：TLS 证书校验未通过（{detail}）"
            ) from exc
        except requests.ConnectionError as exc:
            detail = self._hide(str(exc))[:QUOTE]
            raise ExchangeError(f"{self.where} {action}失败：无法连接（{detail}）") from exc
        except requests.RequestException as exc:
            detail = self._hide(str(exc) or type(exc).__name__)[:QUOTE]
            raise ExchangeError(f"{self.where} {action}失败：{detail}") from exc

    def _call(
        self,
        method: str,
        path: str,
        action: str,
        *,
        params: dict[str, Any] | None = None,
        payload: Any = None,
    ) -> tuple[int, bytes]:
        """One request to ``base_url + path``, authenticated as the partner's ``auth`` says
        (the session's); the status and the answer's body (at most :data:`MAX_BODY`)."""
        headers = {"Accept": "application/json"}
        body = None
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False, default=_json_default).encode()
            headers["Content-Type"] = "application/json; charset=utf-8"
        with self._guard(action):
            request = requests.Request(
                method, self.base_url + path, params=params or None, data=body, headers=headers
            )
            prepared = self.session.prepare_request(request)
            response = self.session.send(
                prepared,
                timeout=self.timeout,
                verify=self.verify,
                allow_redirects=False,
                stream=True,
            )
            try:
                data = _read(response)
            finally:
                response.close()
        if data is None:
            raise ExchangeError(
                f"{self.where} {action}失败：应答超过 {MAX_BODY // (1024 * 1024)} MiB"
            )
        return response.status_code, data

    def _json(
        self,
        method: str,
        path: str,
        action: str,
        *,
        params: dict[str, Any] | None = None,
        payload: Any = None,
    ) -> Any:
        """:meth:`_call` expecting a 2xx answer holding JSON; the parsed answer."""
        status, data = self._call(method, path, action, params=params, payload=payload)
        if not 200 <= status < 300:
            raise ExchangeError(
                f"{self.where} {action}失败：HTTP {status}"
                + (f"，应答：{self._quote(data)}" if data.strip() else "")
            )
        try:
            return json.loads(data) if data.strip() else None
        except ValueError as exc:
            raise ExchangeError(
                f"{self.where} {action}失败：应答不是 JSON（HTTP {status}，{self._quote(data)}）"
            ) from exc

    def _shape(self, action: str, problem: str) -> ExchangeError:
        return ExchangeError(f"{self.where} {action}失败：应答格式不符，{problem}")

    # -- check --------------------------------------------------------------------------------

    def check(self, channel: Any = None) -> str:
        """GET ``base_url``: any HTTP answer means reachable, e.g. REST https://host 可访问
        （HTTP 200）."""
        status, _ = self._call("GET", "", "连接")
        return f"{self.where} 可访问（HTTP {status}）"

    # -- up -----------------------------------------------------------------------------------

    def send(self, channel: Any, items: list[Outgoing]) -> list[Receipt]:
        """POST ``items`` to the mapping's ``path``; the partner's receipt for each key it
        answers (a key it leaves out stays pending)."""
        if not items:
            return []
        mapping = channel.mapping or {}
        fields = mapped_fields(mapping)
        payload = {
            "records": [
                {
                    "key": out.key,
                    "change_kind": out.change_kind,
                    "version": out.version,
                    "fields": {name: out.value(code) for name, code in fields.items()},
                }
                for out in items
            ]
        }
        action = "上报"
        answer = self._json("POST", mapping.get("path") or "", action, payload=payload)
        if not isinstance(answer, dict) or not isinstance(answer.get("receipts"), list):
            raise self._shape(action, '应为 {"receipts": [...]}')
        sent = {out.key for out in items}
        receipts = []
        for n, entry in enumerate(answer["receipts"], start=1):
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("key"), str)
                or not isinstance(entry.get("ok"), bool)
            ):
                raise self._shape(action, f"第 {n} 个回执应含文本 key 和 true/false 的 ok")
            if entry["key"] not in sent:
                continue
            reason = entry.get("reason")
            reason = "" if reason is None else str(reason)
            receipts.append(Receipt(entry["key"], entry["ok"], self._hide(reason)[:500]))
        return receipts

    # -- down / in ----------------------------------------------------------------------------

    def fetch(self, channel: Any, limit: int) -> list[Incoming]:
        """The partner's rows after ``channel.cursor``, page by page, until ``limit`` rows or
        the last page (a page is taken whole); fields keyed by the platform's field codes.
        :attr:`next_cursor` is where the next fetch starts once these rows are saved."""
        mapping = {**_IN_DEFAULTS, **{k: v for k, v in (channel.mapping or {}).items() if v}}
        if (channel.mapping or {}).get("limit_param") == "":
            mapping["limit_param"] = ""
        fields = mapped_fields(mapping)
        key_field = mapping["key_field"]
        cursor = channel.cursor or None
        self.next_cursor = cursor
        action = "读取"
        result: list[Incoming] = []
        for _ in range(MAX_PAGES):
            params = {str(k): _param(v) for k, v in (mapping.get("params") or {}).items()}
            if cursor:
                params[mapping["cursor_param"]] = cursor
            if mapping["limit_param"]:
                params[mapping["limit_param"]] = min(limit - len(result), PAGE_SIZE)
            page = self._json("GET", mapping["path"], action, params=params)
            if not isinstance(page, dict):
                raise self._shape(action, "应为 JSON 对象")
            rows = page.get(mapping["items"])
            if rows is None:
                rows = []
            if not isinstance(rows, list):
                raise self._shape(action, f"{mapping['items']} 应为列表")
            for n, row in enumerate(rows, start=1):
                if not isinstance(row, dict):
                    raise self._shape(action, f"第 {n} 行应为 JSON 对象")
                key = row.get(key_field)
                if key is None or isinstance(key, dict | list | bool) or str(key) == "":
                    raise self._shape(action, f"第 {n} 行缺少键 {key_field}")
                values = {code: _value(row.get(name)) for name, code in fields.items()}
                result.append(Incoming(key=str(key), fields=values))
            after = page.get(mapping["cursor_field"])
            if after is not None and not isinstance(after, dict | list | bool):
                after = str(after)
                if len(after) > MAX_CURSOR:
                    raise self._shape(
                        action, f"游标 {mapping['cursor_field']} 超过 {MAX_CURSOR} 个字符"
                    )
                previous, cursor = cursor, after or cursor
            else:
                previous = cursor
            more = page.get(mapping["more_field"]) is True
            if more and cursor == previous:
                raise self._shape(
                    action,
                    f"{mapping['more_field']} 为 true，但游标 {mapping['cursor_field']} 未前进",
                )
            self.next_cursor = cursor
            if not more or len(result) >= limit:
                break
        return result

    def acknowledge(self, channel: Any, receipts: list[InboundReceipt]) -> None:
        """POST each row's outcome to the mapping's ``ack_path`` (nothing when there is
        none)."""
        path = (channel.mapping or {}).get("ack_path")
        if not path or not receipts:
            return
        entries = [
            {
                "key": r.key,
                "result": ACCEPTED if r.ok else REJECTED,
                "reason": r.reason or "",
                "batch": r.batch_id,
                "row": r.row_no,
            }
            for r in receipts
        ]
        for start in range(0, len(entries), ACK_CHUNK):
            self._json(
                "POST", path, "回执", payload={"receipts": entries[start : start + ACK_CHUNK]}
            )

    def close(self) -> None:
        """Close the HTTP connections."""
        with contextlib.suppress(Exception):
            self.session.close()


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _read(response: requests.Response) -> bytes | None:
    """The answer's body, or ``None`` when it is longer than :data:`MAX_BODY`."""
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _json_default(value: Any) -> Any:
    """JSON for the values a record holds beside JSON's own: dates as ISO 8601 text, decimals
    (and anything else) as text."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _value(value: Any) -> str | None:
    """A partner's JSON value as the text the ingest pipeline reads (``None`` when empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value).strip()
    return text or None


register(
    PartnerKind.REST,
    RestAdapter,
    config_errors=validate_config,
    mapping_errors=validate_mapping,
)
