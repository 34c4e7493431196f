"""Reads of the login protection: the failures of an account and an address, and the current
lockouts an administrator may see.

Only failures inside the cool-off count. A row of ``axes_accessattempt`` counts for its
username and for its address; a row whose username or address is empty (NULL) counts for
nothing on that side — that is how an unlock stops counting an account's failures against it
while they still count against the addresses they came from (``services.unlock_login``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace
from functools import reduce
from operator import or_
from typing import Any

from axes.models import AccessAttempt
from django.db.models import Max, Q, QuerySet, Sum
from django.utils import timezone

from credit.accounts.login import rules
from credit.accounts.models import User
from credit.accounts.selectors import users_for
from credit.core.access import Perm, principal_of, require


@dataclass(frozen=True)
class LoginState:
    """The failures of one account and one address within the cool-off, and their locks."""

    username: str | None
    ip: str | None
    account_failures: int = 0
    address_failures: int = 0
    account_locked_until: datetime.datetime | None = None
    address_locked_until: datetime.datetime | None = None

    @property
    def account_locked(self) -> bool:
        return self.account_locked_until is not None

    @property
    def address_locked(self) -> bool:
        return self.address_locked_until is not None

    @property
    def locked(self) -> bool:
        return self.account_locked or self.address_locked

    @property
    def locked_until(self) -> datetime.datetime | None:
        """When the later of the two locks ends (``None`` when neither is locked)."""
        ends = [t for t in (self.account_locked_until, self.address_locked_until) if t]
        return max(ends) if ends else None

    @property
    def captcha_required(self) -> bool:
        return max(self.account_failures, self.address_failures) >= rules.captcha_after()

    @property
    def account_remaining(self) -> int:
        """Failures the account may still have before it is locked."""
        return max(rules.account_limit() - self.account_failures, 0)


def _recent(now: datetime.datetime | None = None) -> QuerySet[AccessAttempt]:
    since = (now or timezone.now()) - rules.cool_off()
    return AccessAttempt.objects.filter(attempt_time__gte=since)


def login_state(
    *, username: str | None, ip: str | None, now: datetime.datetime | None = None
) -> LoginState:
    """The failures and locks of ``username`` and of ``ip`` (one query)."""
    username, ip = username or None, ip or None
    if username is None and ip is None:
        return LoginState(username=None, ip=None)
    wanted = [Q(username=username)] if username is not None else []
    if ip is not None:
        wanted.append(Q(ip_address=ip))
    rows = list(
        _recent(now)
        .filter(reduce(or_, wanted))
        .values_list("username", "ip_address", "attempt_time", "failures_since_start")
    )
    mine = [(t, n) for u, _, t, n in rows if username is not None and u == username]
    here = [(t, n) for _, a, t, n in rows if ip is not None and a == ip]
    cool_off = rules.cool_off()
    return LoginState(
        username=username,
        ip=ip,
        account_failures=sum(n for _, n in mine),
        address_failures=sum(n for _, n in here),
        account_locked_until=rules.locked_until(
            mine, limit=rules.account_limit(), cool_off=cool_off
        ),
        address_locked_until=rules.locked_until(
            here, limit=rules.address_limit(), cool_off=cool_off
        ),
    )


@dataclass(frozen=True)
class Lockout:
    """One current lock: of an account (``kind="account"``) or of an address."""

    kind: str
    value: str
    failures: int
    last_failure: datetime.datetime
    locked_until: datetime.datetime
    user: User | None = None

    @property
    def kind_label(self) -> str:
        return "账号" if self.kind == "account" else "地址"


def _locked(
    recent: QuerySet[AccessAttempt], field: str, limit: int, values: QuerySet | None
) -> list[Lockout]:
    groups = recent.exclude(**{f"{field}__isnull": True})
    if values is not None:
        groups = groups.filter(**{f"{field}__in": values})
    totals = {
        row[field]: row
        for row in groups.values(field)
        .annotate(total=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(total__gte=limit)
    }
    if not totals:
        return []
    rows: dict[str, list[tuple[datetime.datetime, int]]] = {}
    for value, when, count in recent.filter(**{f"{field}__in": list(totals)}).values_list(
        field, "attempt_time", "failures_since_start"
    ):
        rows.setdefault(value, []).append((when, count))
    cool_off = rules.cool_off()
    found = []
    for value, row in totals.items():
        until = rules.locked_until(rows.get(value, []), limit=limit, cool_off=cool_off)
        if until is not None:
            found.append(
                Lockout(
                    kind="account" if field == "username" else "address",
                    value=value,
                    failures=row["total"],
                    last_failure=row["last"],
                    locked_until=until,
                )
            )
    return found


def lockouts_for(principal: Any) -> list[Lockout]:
    """The current lockouts an administrator may lift, the most recent first: a city-wide
    administrator every account (existing or not) and every address, a district administrator
    the accounts of its district's users only. ``principal=None`` is the system (CLI)."""
    if principal is not None:
        require(principal, Perm.USER_MANAGE)
    city_wide = principal is None or principal_of(principal).city_wide
    recent = _recent()
    scope = None if city_wide else users_for(principal).values("username")
    found = _locked(recent, "username", rules.account_limit(), scope)
    users = User.objects.select_related("region").in_bulk(
        [lock.value for lock in found], field_name="username"
    )
    found = [replace(lock, user=users.get(lock.value)) for lock in found]
    if city_wide:
        found += _locked(recent, "ip_address", rules.address_limit(), None)
    return sorted(found, key=lambda lock: lock.last_failure, reverse=True)
