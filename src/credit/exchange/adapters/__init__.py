"""Exchange adapters (交换适配器): one interface, one implementation per partner kind.

The runner (:mod:`credit.exchange.services.runner`) never knows how a partner is reached: it
hands an adapter the items to send and receives one receipt per item, or asks it for the rows
to collect and tells it what became of each. An adapter raises :class:`ExchangeError` (a
Chinese message, the partner's address redacted) when the partner cannot be reached: the run
fails, nothing is lost, and the items are sent again at the next run.

- :class:`Outgoing`: one record version to send upward, with its idempotent ``key`` and its
  fields already mapped to the partner's names (the channel's ``mapping``).
- :class:`Receipt`: the partner's answer for one key: accepted, or refused with its reason.
- :class:`Incoming`: one row the partner offers (its own ``key``, the fields mapped to the
  platform's field codes).
- :class:`InboundReceipt`: what the platform did with an incoming row (accepted, or refused with
  the row's errors), written back to the partner in its own format.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from credit.exchange.constants import PartnerKind


class ExchangeError(Exception):
    """The partner cannot be reached or answered nonsense; ``str()`` is for people."""


#: Record attributes an upward mapping may send (``_record.<name>``), beside field codes.
RECORD_META = ("id", "item", "region", "department", "status", "decision_date", "version")
META_PREFIX = "_record."


@dataclass(frozen=True)
class Outgoing:
    """One item to send upward: a record version (records), an outcome of an objection or a
    correction (``record_id`` the record it concerns), or a catalog item's definition
    (``record_id`` None, ``version`` the item's)."""

    key: str
    record_id: int | None
    version: int
    change_kind: str
    fields: dict[str, Any]

    def value(self, code: str) -> Any:
        """What a mapping's ``code`` names in this item: a field's value, or a record
        attribute (``_record.<name>``)."""
        if code.startswith(META_PREFIX):
            return (self.fields.get("_record") or {}).get(code.removeprefix(META_PREFIX))
        return self.fields.get(code)


@dataclass(frozen=True)
class Receipt:
    """The partner's answer for one key. ``pending`` (with ``ok`` true): the item was handed
    over (a file written, a message published) and the partner's own receipt comes later,
    through :meth:`Adapter.collect_receipts`; the delivery is 已发送待回执 until then."""

    key: str
    ok: bool
    reason: str = ""
    pending: bool = False


@dataclass(frozen=True)
class Incoming:
    key: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class InboundReceipt:
    key: str
    ok: bool
    reason: str = ""
    batch_id: int | None = None
    row_no: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Adapter(Protocol):
    """What the runner asks of a partner. ``channel`` is a
    :class:`~credit.exchange.models.Channel` with its ``partner`` and ``item`` loaded."""

    def check(self) -> str:
        """Reach the partner; a Chinese line saying what was found (e.g. 表 xzcf 可写入);
        :class:`ExchangeError` when it cannot be reached."""

    def send(self, channel: Any, items: list[Outgoing]) -> list[Receipt]:
        """Deliver ``items`` idempotently (a key sent twice is stored once) and return one
        receipt per item, in any order."""

    def fetch(self, channel: Any, limit: int) -> list[Incoming]:
        """At most ``limit`` rows the partner offers on ``channel`` that were not acknowledged
        yet, oldest first."""

    def acknowledge(self, channel: Any, receipts: list[InboundReceipt]) -> None:
        """Tell the partner what became of the rows it offered."""

    def close(self) -> None:
        """Release connections."""

    # Optional (the runner looks them up with ``getattr``):
    #
    # ``collect_receipts(channel) -> list[Receipt]`` — the partner's receipts for items sent
    # earlier with a ``pending`` receipt (e.g. receipt files it wrote); the runner saves them
    # (已确认 / 被拒收 with the reason) and then calls ``receipts_saved(channel)``, where the
    # adapter marks them consumed (moves the receipt files away). A crash in between only
    # reads the same receipts again.
    #
    # ``next_cursor`` (attribute, ``str | None``) — after ``fetch``: where the partner's feed
    # was read up to; the runner stores it in ``channel.cursor`` once the rows are ingested and
    # acknowledged, and the adapter reads ``channel.cursor`` at the next ``fetch`` (REST pull).


#: The key under which a channel's mapping keeps the order of its ``fields``. The mapping is
#: stored as jsonb, which orders an object's keys by length, not as written; a file's columns
#: and elements, and a CREATE TABLE's columns, follow this order: the order the fields were
#: written in (:func:`with_order`), or a permutation of their names given explicitly.
ORDER = "order"


def order_errors(mapping: dict[str, Any]) -> list[str]:
    """The problems of ``mapping``'s ``order`` (absent: none): a list naming every name of
    ``fields`` once."""
    if ORDER not in mapping:
        return []
    order, fields = mapping[ORDER], mapping.get("fields")
    if not isinstance(fields, dict):
        return []  # the adapter reports the missing fields
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        return [f"{ORDER} 应为名称列表（列、元素的顺序），可省略：省略时按 fields 的书写顺序"]
    problems = []
    missing = [str(n) for n in fields if n not in order]
    unknown = [n for n in order if n not in fields]
    twice = sorted({n for n in order if order.count(n) > 1})
    if missing:
        problems.append(f"{ORDER} 未列出 fields 中的：{'、'.join(missing)}")
    if unknown:
        problems.append(f"{ORDER} 列出了 fields 中没有的：{'、'.join(unknown)}")
    if twice:
        problems.append(f"{ORDER} 重复列出：{'、'.join(twice)}")
    return problems


def with_order(mapping: Any) -> Any:
    """``mapping`` as it is saved: with ``order``, the order its ``fields`` are written in,
    unless it names one itself (checked by :func:`order_errors`)."""
    if not isinstance(mapping, dict) or ORDER in mapping:
        return mapping
    fields = mapping.get("fields")
    return {**mapping, ORDER: list(fields)} if isinstance(fields, dict) else mapping


def mapped_fields(mapping: dict[str, Any] | None) -> dict[str, Any]:
    """``mapping``'s ``fields`` (partner name → code) in their order (:data:`ORDER`)."""
    fields = (mapping or {}).get("fields")
    if not isinstance(fields, dict):
        return {}
    order = (mapping or {}).get(ORDER)
    if isinstance(order, list) and set(order) == set(fields):
        return {name: fields[name] for name in order}
    return fields


def as_written(mapping: dict[str, Any] | None) -> dict[str, Any]:
    """``mapping`` for people to read and edit: its ``fields`` in their order and no
    ``order`` (saving it again records the same order)."""
    rest = {k: v for k, v in (mapping or {}).items() if k != ORDER}
    if "fields" in rest:
        rest["fields"] = mapped_fields(mapping)
    return rest


@dataclass(frozen=True)
class Words:
    """How an adapter's mapping errors name a partner's place for a value: ``one`` (列,
    元素), two of them (两列, 两个元素), the partner's side in full (伙伴列, 元素), and whether
    an unknown record attribute's error lists the known ones."""

    one: str
    two: str
    side: str
    list_meta: bool = False


def field_errors(
    fields: dict[str, Any],
    *,
    upward: bool,
    item: Any,
    words: Words,
    name_error: Callable[[str], str | None],
) -> tuple[list[str], dict[str, str]]:
    """The problems of a mapping's ``fields`` (partner name → field code or
    ``_record.<name>``) for ``item`` in Chinese, and the field codes mapped (code → name):
    names the partner cannot use (``name_error``), codes that are not the item's, record
    attributes inbound or unknown, a field mapped twice inbound, and inbound the item's
    required fields left unmapped."""
    errors: list[str] = []
    codes = {f.code: f for f in item.fields.all()} if item is not None else {}
    item_name = getattr(item, "name", "")
    seen: dict[str, str] = {}
    for name, code in fields.items():
        problem = name_error(str(name))
        if problem:
            errors.append(problem)
        if not isinstance(code, str) or not code:
            errors.append(f"{words.one} {name} 未对应字段标识")
            continue
        if code.startswith(META_PREFIX):
            if not upward:
                errors.append(f"{words.one} {name}：记录属性 {code} 只能用于上报")
            elif code.removeprefix(META_PREFIX) not in RECORD_META:
                known = "、".join(f"{META_PREFIX}{m}" for m in RECORD_META)
                errors.append(
                    f"{words.one} {name}：未知的记录属性 {code}"
                    + (f"（可用 {known}）" if words.list_meta else "")
                )
        elif item is not None and code not in codes:
            errors.append(f"{words.one} {name}：“{code}”不是目录项“{item_name}”的字段")
        elif not upward and code in seen:
            errors.append(f"字段 {code} 对应了{words.two}（{seen[code]}、{name}）")
        seen.setdefault(code, name)
    return errors, seen


def unmapped_required(item: Any, seen: dict[str, str], words: Words) -> list[str]:
    """Inbound: the error naming the item's required fields no partner name is mapped to."""
    codes = item.fields.all() if item is not None else []
    missing = [f"{f.name}（{f.code}）" for f in codes if f.required and f.code not in seen]
    return [f"目录项必填字段未对应{words.side}：" + "、".join(missing)] if missing else []


@dataclass(frozen=True)
class Kind:
    """What a partner kind provides: ``builder(partner) -> Adapter``, and the checks of a
    partner's ``config`` and of a channel's ``mapping`` (Chinese problems; empty when fine)."""

    builder: Callable[[Any], Adapter]
    config_errors: Callable[[Any], list[str]]
    mapping_errors: Callable[[str, Any, Any], list[str]]


_kinds: dict[str, Kind] = {}


def register(
    kind: str,
    builder: Callable[[Any], Adapter],
    *,
    config_errors: Callable[[Any], list[str]],
    mapping_errors: Callable[[str, Any, Any], list[str]],
) -> None:
    """Make ``builder(partner) -> Adapter`` the adapter of partners of ``kind``, with the checks
    of their ``config`` (``config_errors(config)``) and of their channels' mappings
    (``mapping_errors(direction, mapping, item)``)."""
    _kinds[kind] = Kind(builder, config_errors, mapping_errors)


def kind(name: str) -> Kind | None:
    """The registered partner kind ``name`` (every adapter module loaded), or ``None``."""
    from credit.exchange.adapters import (  # noqa: F401  (register themselves)
        amqp,
        database,
        files,
        rest,
        soap,
    )

    return _kinds.get(name)


def adapter_for(partner: Any) -> Adapter:
    """The adapter of ``partner``; :class:`ExchangeError` for a kind with none installed."""
    found = kind(partner.kind)
    if found is None:
        label = dict(PartnerKind.choices).get(partner.kind, partner.kind)
        raise ExchangeError(f"交换方式“{label}”暂未提供适配器")
    return found.builder(partner)


_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]*(@)")


def redact(text: str) -> str:
    """``text`` with any password in a URL replaced by ``***``."""
    return _PASSWORD.sub(r"\1***\2", text or "")


def hide(text: str, *secrets: str) -> str:
    """``text`` redacted (:func:`redact`) and every one of ``secrets`` (a password, a token)
    replaced by ``***``, the longest first."""
    text = redact(text)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def channels_to_check(partner: Any, channel: Any = None) -> list[Any]:
    """What an adapter's ``check(channel)`` looks at: ``channel`` when given, else the
    partner's active channels (none for a partner not saved yet)."""
    if channel is not None:
        return [channel]
    if getattr(partner, "pk", None):
        return list(partner.channels.filter(is_active=True))
    return []
