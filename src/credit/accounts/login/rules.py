"""Rules of the login protection: the thresholds from the settings, and when a lock ends.

The settings (``CREDIT_LOGIN_*``, see ``credit.settings``) are read on every call, so a test or
an operator changing them needs no restart of anything but the process. django-axes reads the
account limit and the cool-off through :func:`account_limit` and :func:`cool_off`
(``AXES_FAILURE_LIMIT``, ``AXES_COOLOFF_TIME``), so there is one source for each number.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.conf import settings


def captcha_after() -> int:
    """Failures of an account or an address from which the login form asks for a captcha."""
    return settings.CREDIT_LOGIN_CAPTCHA_AFTER


def account_limit(request: Any = None, credentials: Any = None) -> int:
    """Failures of one account (from any address) that lock it (``AXES_FAILURE_LIMIT``)."""
    return settings.CREDIT_LOGIN_LOCK_AFTER


def address_limit() -> int:
    """Failures from one address (for any username) that lock it."""
    return settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER


def cool_off(request: Any = None) -> datetime.timedelta:
    """How long a failure counts (``AXES_COOLOFF_TIME``): a lock ends this long after the
    failure that keeps it at its limit."""
    return datetime.timedelta(minutes=settings.CREDIT_LOGIN_COOLOFF_MINUTES)


def locked_until(
    failures: Iterable[tuple[datetime.datetime, int]], *, limit: int, cool_off: datetime.timedelta
) -> datetime.datetime | None:
    """When a lock ends, from the ``(last failure time, failures)`` rows of one account or
    address still inside the cool-off; ``None`` when the rows do not reach ``limit``.

    Rows leave the count one by one as they grow older than the cool-off, oldest first. Taken
    newest first, the row at which the running total reaches the limit is the one whose expiry
    brings the total below it."""
    total = 0
    for when, count in sorted(failures, key=lambda row: row[0], reverse=True):
        total += count
        if total >= limit:
            return when + cool_off
    return None
