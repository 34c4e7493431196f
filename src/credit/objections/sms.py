"""Sending SMS (短信): verification codes and results to submitters.

The backend is the class named by the ``CREDIT_SMS_BACKEND`` setting (a dotted path); it has
one method, ``send(phone, message)``, which raises :class:`SmsFailed` when the message could
not be handed over. Backends here:

- :class:`LogBackend` (default, **development only**): writes the message — verification
  code included — to the ``credit.objections.sms`` logger, the phone masked.
- :class:`MemoryBackend`: keeps messages in :data:`outbox` (tests).

A production deployment points the setting at a class wrapping the government SMS gateway
(短信平台); the ``objections.W001`` system check warns while production uses the log backend.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from credit.core.masking import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_BACKEND = "credit.objections.sms.LogBackend"


class SmsFailed(Exception):
    """The backend could not send the message."""


class Backend(Protocol):
    def send(self, phone: str, message: str) -> None: ...


class LogBackend:
    """Logs each message (development: the verification code appears in the log)."""

    def send(self, phone: str, message: str) -> None:
        logger.info("短信（开发环境，未实际发送）至 %s：%s", mask_phone(phone), message)


@dataclass(frozen=True)
class Sent:
    phone: str
    message: str


#: Messages "sent" by :class:`MemoryBackend`, oldest first.
outbox: list[Sent] = []


class MemoryBackend:
    """Keeps messages in :data:`outbox` (tests read the codes there)."""

    def send(self, phone: str, message: str) -> None:
        outbox.append(Sent(phone, message))


def backend_path() -> str:
    return getattr(settings, "CREDIT_SMS_BACKEND", "") or DEFAULT_BACKEND


def get_backend() -> Backend:
    return import_string(backend_path())()


def send(phone: str, message: str) -> None:
    """Send ``message`` to ``phone`` through the configured backend; :class:`SmsFailed` on
    any failure of the backend (logged, without the message)."""
    try:
        get_backend().send(phone, message)
    except SmsFailed:
        raise
    except Exception as exc:
        logger.exception("短信发送失败：%s", mask_phone(phone))
        raise SmsFailed(str(exc)) from exc
