"""The SOAP WebService adapter (WebService 适配器): the platform calls a partner's SOAP
service with zeep — upward only: each run calls the partner's ``ReportRecords`` with the
channel's records and turns the partner's receipts into the deliveries' receipts.

``partner.config``::

    {"wsdl": "https://ws.partner.example/credit/?wsdl", "auth": "none" | "credit-hmac",
     "key": "ck_…", "secret": "…",   # credit-hmac: the platform's own X-Credit-* signature
     "timeout": 10, "verify_tls": true}

``credit-hmac`` signs every HTTP request (the WSDL's too) as :mod:`credit.gateway.signing`
describes, over the method, the path, the query and the raw SOAP body, so a partner that is
another instance of this platform (its ``/ws/credit/``, :mod:`credit.exchange.soap_service`)
accepts the calls with the API client it registered for us (scope ``ingest:push``). The
secret never appears in an error, a page or the audit log.

**Upward** mapping (the only direction: a partner sends to the platform by calling the
platform's own ``ReportRecords``)::

    {"operation": "ReportRecords", "item": "<the partner's item code>",
     "department": "<the partner's department code, optional>",
     "fields": {"<the partner's field name>": "<field code or _record.<name>>"}}

:meth:`SoapAdapter.send` calls ``ReportRecords(item, department, records)`` with one
``Record{key, fields: Field{name, value}*}`` per delivery (``key`` the delivery's idempotent
key ``<record id>-<version>``; values as text, dates ISO, empty values left out) and reads
``receipts: Receipt{key, ok, reason}*`` back. A key the partner does not answer for stays
pending (sent again after the back-off); a Fault (the whole call refused), a timeout or an
answer that is not the service's fails the run with the partner's Chinese reason.

The partner's WSDL and answers are parsed without DTDs, entities or network access (zeep's
``forbid_dtd``, ``forbid_entities``, ``forbid_external``).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import requests
from lxml import etree

from credit.exchange.adapters import (
    ExchangeError,
    InboundReceipt,
    Incoming,
    Outgoing,
    Receipt,
    Words,
    channels_to_check,
    field_errors,
    mapped_fields,
    redact,
    register,
)
from credit.exchange.adapters.web import (
    DEFAULT_TIMEOUT,
    CreditHmacAuth,
    address_errors,
    credential_errors,
    text_value,
)
from credit.exchange.constants import Direction, PartnerKind

AUTH_MODES = ("none", "credit-hmac")
OPERATIONS = ("ReportRecords",)
#: How mapping errors name a partner's field.
WORDS = Words(one="字段名", two="两个字段名", side="伙伴字段名")
MAX_NAME = 100
MAX_CODE = 64
#: Characters of a partner's message quoted in an error.
QUOTE = 300

_UP_KEYS = ("operation", "item", "department", "fields")


# --------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------


def validate_config(config: Any) -> list[str]:
    """The problems of a WebService partner's ``config`` (Chinese; empty when usable)."""
    if not isinstance(config, dict):
        return ["连接配置应为 JSON 对象"]
    errors = address_errors(
        config.get("wsdl"),
        name="wsdl",
        missing="WebService 需要服务描述地址 wsdl（http:// 或 https:// 开头，"
        "如 https://ws.example.gov.cn/credit/?wsdl）",
        allow_query=True,
    )
    errors += credential_errors(config, AUTH_MODES)
    if not isinstance(config.get("verify_tls", True), bool):
        errors.append("verify_tls 应为 true 或 false")
    unknown = sorted(set(config) - {"wsdl", "auth", "key", "secret", "timeout", "verify_tls"})
    if unknown:
        errors.append(f"未知的连接配置项：{'、'.join(unknown)}")
    return errors


def _name_error(name: str) -> str | None:
    if not name.strip() or len(name) > MAX_NAME:
        return f"字段名“{name}”不合法（1–{MAX_NAME} 个字符）"
    return None


def validate_mapping(direction: str, mapping: Any, item: Any) -> list[str]:
    """The problems of a WebService channel's ``mapping`` (Chinese; empty when usable); only
    upward channels: see the module's description."""
    if direction != Direction.UP:
        return [
            "WebService 通道只能用于上报：伙伴向平台报送数据请调用平台 WebService 的 "
            "ReportRecords 操作，或改用中间库、数据文件、REST 接口采集"
        ]
    if not isinstance(mapping, dict):
        return ["字段映射应为 JSON 对象"]
    errors = [f"未知的映射项 {key}" for key in mapping if key not in _UP_KEYS]
    operation = mapping.get("operation")
    if operation not in OPERATIONS:
        errors.append(f"操作 operation 应为 {'、'.join(OPERATIONS)}")
    code = mapping.get("item")
    if not text_value(code) or len(code) > MAX_CODE:
        errors.append(f"缺少伙伴的目录项编码 item（1–{MAX_CODE} 个字符）")
    department = mapping.get("department")
    if department not in (None, "") and (not isinstance(department, str) or len(department) > 32):
        errors.append("伙伴的部门编码 department 应为至多 32 个字符的文本")
    fields = mapping.get("fields")
    if not isinstance(fields, dict) or not fields:
        return [*errors, "缺少字段对应 fields（伙伴字段名 → 字段标识）"]
    found, _ = field_errors(fields, upward=True, item=item, words=WORDS, name_error=_name_error)
    return errors + found


# --------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------


def _text(value: Any) -> str | None:
    """A value as the text a SOAP ``Field`` carries (None: left out)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value)
    return str(value)


class SoapAdapter:
    """A partner's SOAP WebService; see the module's description."""

    def __init__(self, partner: Any) -> None:
        self.partner = partner
        config = dict(partner.config or {})
        errors = validate_config(config)
        if errors:
            raise ExchangeError(f"交换伙伴“{partner.name}”的连接配置有误：" + "；".join(errors))
        self.wsdl = config["wsdl"]
        self.timeout = float(config.get("timeout", DEFAULT_TIMEOUT))
        parts = urlsplit(self.wsdl)
        #: ``WebService https://host:port`` — where the partner is, no path, no credentials.
        self.where = f"WebService {parts.scheme}://{parts.netloc}"
        self.session = requests.Session()
        self.session.headers["User-Agent"] = "credit-exchange/1"
        self.session.trust_env = False  # the partner's address, not the environment's proxy
        self.session.verify = bool(config.get("verify_tls", True))
        if config.get("auth") == "credit-hmac":
            self.session.auth = CreditHmacAuth(str(config["key"]), str(config["secret"]))
        self._client: Any = None

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Every failure of ``action`` as an :class:`ExchangeError` in Chinese."""
        import zeep.exceptions

        try:
            yield
        except ExchangeError:
            raise
        except zeep.exceptions.Fault as exc:
            reason = redact(str(exc.message or exc.code or "未说明原因"))[:QUOTE]
            raise ExchangeError(f"{self.where} 拒绝{action}：{reason}") from exc
        except zeep.exceptions.TransportError as exc:
            raise ExchangeError(
                f"{self.where} {action}失败：HTTP {exc.status_code}"
                f"{'：' + redact(_quote(exc.content)) if exc.content else ''}"
            ) from exc
        except requests.Timeout as exc:
            raise ExchangeError(f"{self.where} {action}超时（{self.timeout:g} 秒）") from exc
        except requests.RequestException as exc:
            raise ExchangeError(
                f"{self.where} {action}失败：无法连接（{redact(str(exc))[:QUOTE]}）"
            ) from exc
        except (zeep.exceptions.Error, etree.LxmlError, ValueError, TypeError) as exc:
            raise ExchangeError(
                f"{self.where} {action}失败：应答不符合服务描述（{redact(str(exc))[:QUOTE]}）"
            ) from exc

    def client(self) -> Any:
        """The zeep client of the partner's WSDL, loaded once."""
        if self._client is None:
            import zeep

            settings = zeep.Settings(
                strict=False,
                xml_huge_tree=False,
                forbid_dtd=True,
                forbid_entities=True,
                forbid_external=True,
            )
            transport = zeep.Transport(
                session=self.session, timeout=self.timeout, operation_timeout=self.timeout
            )
            with self._guard("读取服务描述"):
                self._client = zeep.Client(self.wsdl, transport=transport, settings=settings)
        return self._client

    def operations(self) -> list[str]:
        """The names of the operations the partner's WSDL offers, sorted."""
        client = self.client()
        names: set[str] = set()
        for service in client.wsdl.services.values():
            for port in service.ports.values():
                names.update(port.binding._operations)  # zeep lists them nowhere public
        return sorted(names)

    def check(self, channel: Any = None) -> str:
        """Load the WSDL and list its operations; for ``channel`` (or every active channel of
        the partner) check its operation is offered."""
        names = self.operations()
        if not names:
            raise ExchangeError(f"{self.where} 的服务描述中没有任何操作")
        for ch in channels_to_check(self.partner, channel):
            wanted = (ch.mapping or {}).get("operation", "")
            if wanted not in names:
                raise ExchangeError(f"{self.where} 未提供操作 {wanted}（通道“{ch}”）")
        return f"{self.where} 已连接；提供操作：{'、'.join(names)}"

    def send(self, channel: Any, items: list[Outgoing]) -> list[Receipt]:
        """Call the partner's ``ReportRecords`` with ``items``; one receipt per key the
        partner answers for."""
        if not items:
            return []
        mapping = channel.mapping
        records = []
        for out in items:
            fields = []
            for name, code in mapped_fields(mapping).items():
                value = _text(out.value(code))
                if value is not None:
                    fields.append({"name": name, "value": value})
            records.append({"key": out.key, "fields": {"Field": fields}})
        service = self.client().service
        with self._guard("接收报送"):
            result = getattr(service, mapping.get("operation") or "ReportRecords")(
                item=mapping["item"],
                department=mapping.get("department") or None,
                records={"Record": records},
            )
        sent = {out.key for out in items}
        receipts = []
        answers = getattr(getattr(result, "receipts", None), "Receipt", None) or []
        for answer in answers:
            key = str(getattr(answer, "key", "") or "")
            if key in sent:
                ok = bool(getattr(answer, "ok", False))
                reason = "" if ok else str(getattr(answer, "reason", "") or "")
                receipts.append(Receipt(key, ok, reason[:500]))
        return receipts

    def fetch(self, channel: Any, limit: int) -> list[Incoming]:
        raise ExchangeError("WebService 通道只能用于上报")

    def acknowledge(self, channel: Any, receipts: list[InboundReceipt]) -> None:
        raise ExchangeError("WebService 通道只能用于上报")

    def close(self) -> None:
        """Release the HTTP connections."""
        self.session.close()


def _quote(content: Any) -> str:
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return str(content or "").strip()[:QUOTE]


register(
    PartnerKind.SOAP,
    SoapAdapter,
    config_errors=validate_config,
    mapping_errors=validate_mapping,
)
