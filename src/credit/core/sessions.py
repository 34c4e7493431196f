"""The session engine (``SESSION_ENGINE``): Django's database sessions, except that a session
cookie which cannot be a session key is read as no session.

Django's keys are 32 lowercase letters and digits; any other cookie value (one holding NUL,
say) would otherwise be looked up in PostgreSQL and fail with a ``DataError`` wherever the
user is first read — in a view, in the API's authentication, in the call log. Such a request
is anonymous instead, and ``credit.core.inputs`` refuses it for its ``Cookie`` header.
"""

from __future__ import annotations

import re

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

_KEY = re.compile(r"[a-z0-9]{8,40}")


class SessionStore(DatabaseSessionStore):
    """Database sessions whose keys are checked before any query."""

    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and _KEY.fullmatch(key) is not None
