"""Writes of the login protection: the audit of failed logins and lockouts, and unlocking.

- :func:`record_failed_login` is called by the axes handler after each failed login (the
  failure itself is already counted by axes); it writes ``login.failed`` and, when the
  failure locked the account or the address, ``login.locked``.
- :func:`unlock_login` lifts the lock of one account or one address for an administrator
  (管理用户; a district administrator: its district's accounts only; addresses: city-wide
  administrators only) or for the system (``actor=None``, the CLI), audited as
  ``login.unlocked`` in the same transaction.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import QuerySet

from credit.accounts.login import rules, selectors
from credit.accounts.login.selectors import LoginState
from credit.accounts.models import User
from credit.accounts.selectors import users_for
from credit.core import audit
from credit.core.access import Perm, principal_of, require
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed

#: ``object_type`` of audit entries about an address (an account's is ``accounts.user``).
ADDRESS_OBJECT = "accounts.login_address"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _account_object(username: str) -> dict[str, str]:
    """Audit object of an account: the user when it exists, else just the name typed."""
    pk = User.objects.filter(username=username).values_list("pk", flat=True).first()
    return {
        "object_type": "accounts.user",
        "object_id": str(pk) if pk else "",
        "object_repr": username,
    }


def _address_object(ip: str) -> dict[str, str]:
    return {"object_type": ADDRESS_OBJECT, "object_id": ip, "object_repr": ip}


def _record_lock(obj: dict[str, str], *, kind: str, until: Any, **facts: Any) -> None:
    audit.record("login.locked", **obj, after={"kind": kind, **facts, "locked_until": _iso(until)})


@transaction.atomic
def record_failed_login(
    *, username: str | None, ip: str | None, path: str, blocked: bool
) -> LoginState:
    """Audit one failed login of ``username`` from ``ip`` (``blocked``: refused because the
    account or the address was already locked, password not checked). The password is never
    passed here. Returns the failures and locks after this attempt."""
    state = selectors.login_state(username=username, ip=ip)
    target = _account_object(username) if username else _address_object(ip or "")
    audit.record(
        "login.failed",
        **target,
        after={
            "username": username,
            "ip": ip,
            "path": path[:200],
            "blocked": blocked,
            "account_failures": state.account_failures,
            "address_failures": state.address_failures,
        },
    )
    if blocked:
        return state
    # Not blocked: neither was locked before this attempt, so a lock now is a new one.
    if state.account_locked and username:
        _record_lock(
            target,
            kind="account",
            username=username,
            ip=ip,
            failures=state.account_failures,
            limit=rules.account_limit(),
            until=state.account_locked_until,
        )
    if state.address_locked and ip:
        _record_lock(
            _address_object(ip),
            kind="address",
            username=username,
            ip=ip,
            failures=state.address_failures,
            limit=rules.address_limit(),
            until=state.address_locked_until,
        )
    return state


def _detach(attempts: QuerySet[AccessAttempt], field: str) -> None:
    """Stop counting ``attempts`` against their account (``field="username"``) or their
    address (``field="ip_address"``) while they keep counting against the other side.

    Each row loses that value (NULL counts for nothing, see ``selectors``) and is merged into
    the row already holding the other side alone, so that such rows stay unique per address or
    account and user agent, as axes expects of its rows."""
    other = "ip_address" if field == "username" else "username"
    for row in attempts.select_for_update().order_by("pk"):
        kept = getattr(row, other)
        if kept is None:
            row.delete()
            continue
        twin = (
            AccessAttempt.objects.select_for_update()
            .filter(**{f"{field}__isnull": True, other: kept, "user_agent": row.user_agent})
            .first()
        )
        if twin is None:
            setattr(row, field, None)
            row.save(update_fields=[field])
        else:
            twin.failures_since_start += row.failures_since_start
            twin.attempt_time = max(twin.attempt_time, row.attempt_time)
            twin.save(update_fields=["failures_since_start", "attempt_time"])
            row.delete()


def normalise_ip(text: str) -> str:
    """``" 2001:DB8::1 "`` → ``"2001:db8::1"``, as addresses are counted; a wrong one is a
    ``ValidationFailed`` (``ip_invalid``)."""
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        raise ValidationFailed(
            f"“{text}”不是有效的 IP 地址，请核对后重新输入", code="ip_invalid"
        ) from None
    return str(getattr(address, "ipv4_mapped", None) or address)


@transaction.atomic
def unlock_login(
    *, actor: Any, username: str | None = None, ip: str | None = None, via: str = "page"
) -> LoginState:
    """Lift the lock of the account ``username`` or of the address ``ip`` (exactly one),
    clearing the failures that count against it; returns the state it had.

    Unlocking an account forgets its failures for the account only: they still count against
    the addresses they came from, so a district administrator cannot lift an address's lock
    by unlocking an account (and the other way round). ``via`` says where it was done
    (``page``, ``cli:<operating-system user>``) for the audit entry."""
    if (username is None) == (ip is None):
        raise ValueError("unlock_login needs exactly one of username and ip")
    if actor is not None:
        require(actor, Perm.USER_MANAGE)
    city_wide = actor is None or principal_of(actor).city_wide
    if username is not None:
        if not city_wide and not users_for(actor).filter(username=username).exists():
            raise NotFound(
                f"本辖市区没有账号“{username}”的登录锁定；其他辖市区的账号请联系市信用办管理员解除",
                code="login_lock_not_found",
            )
        state = selectors.login_state(username=username, ip=None)
        if not state.account_failures:
            raise NotFound(
                f"账号“{username}”目前没有登录失败记录，无需解除", code="login_lock_not_found"
            )
        _detach(AccessAttempt.objects.filter(username=username), "username")
        failures, until, target = (
            state.account_failures,
            state.account_locked_until,
            _account_object(username),
        )
    else:
        if not city_wide:
            raise PermissionDenied(
                "按地址的登录锁定只能由市信用办管理员解除，请联系市信用办管理员",
                code="login_unlock_address_denied",
            )
        ip = normalise_ip(ip or "")
        state = selectors.login_state(username=None, ip=ip)
        if not state.address_failures:
            raise NotFound(f"地址 {ip} 目前没有登录失败记录，无需解除", code="login_lock_not_found")
        _detach(AccessAttempt.objects.filter(ip_address=ip), "ip_address")
        failures, until, target = (
            state.address_failures,
            state.address_locked_until,
            _address_object(ip),
        )
    audit.record(
        "login.unlocked",
        actor=actor,
        **target,
        before={"failures": failures, "locked_until": _iso(until)},
        after={"username": username, "ip": ip, "failures": 0, "via": via},
    )
    return state
