"""The django-axes handler of the platform (``AXES_HANDLER``): axes' database handler, with
the account and the address each held to its own limit, and the audit of failed logins.

Axes decides with one number: a request is locked when ``get_failures`` reaches
``AXES_FAILURE_LIMIT`` (the account limit). The address has a limit of its own (an office
behind one address should not be locked by one colleague's typing), so :meth:`get_failures`
reports the account's failures, raised to the account limit exactly when the address has
reached its own limit. Counting, storing and expiring the failures stay axes' own.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username

from credit.accounts.login import rules, selectors, services


class LoginThrottleHandler(AxesDatabaseHandler):
    def get_failures(self, request: Any, credentials: dict | None = None) -> int:
        state = selectors.login_state(
            username=get_client_username(request, credentials), ip=request.axes_ip_address
        )
        if state.address_locked:
            return max(state.account_failures, rules.account_limit())
        return state.account_failures

    def user_login_failed(
        self, sender: Any, credentials: dict, request: Any = None, **kwargs: Any
    ) -> None:
        # Set by axes' backend before the password was looked at: the attempt was refused
        # because of an existing lock (and axes does not count it).
        blocked = bool(getattr(request, "axes_locked_out", False))
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None:
            return
        services.record_failed_login(
            username=get_client_username(request, credentials),
            ip=request.axes_ip_address,
            path=request.axes_path_info,
            blocked=blocked,
        )
