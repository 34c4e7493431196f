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


@dataclass(frozen=True)
class Outgoing:
    key: str
    record_id: int
    version: int
    change_kind: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class Receipt:
    key: str
    ok: bool
    reason: str = ""


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


_builders: dict[str, Callable[[Any], Adapter]] = {}


def register(kind: str, builder: Callable[[Any], Adapter]) -> None:
    """Make ``builder(partner) -> Adapter`` the adapter of partners of ``kind``."""
    _builders[kind] = builder


def adapter_for(partner: Any) -> Adapter:
    """The adapter of ``partner``; :class:`ExchangeError` for a kind with none installed."""
    from credit.exchange.adapters import database, files  # noqa: F401  (register themselves)

    builder = _builders.get(partner.kind)
    if builder is None:
        label = dict(PartnerKind.choices).get(partner.kind, partner.kind)
        raise ExchangeError(f"交换方式“{label}”暂未提供适配器")
    return builder(partner)


_PASSWORD = re.compile(r"(://[^:/@]+:)[^@]*(@)")


def redact(text: str) -> str:
    """``text`` with any password in a URL replaced by ``***``."""
    return _PASSWORD.sub(r"\1***\2", text or "")
