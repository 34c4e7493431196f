"""The session engine (``credit.core.sessions``): a cookie that cannot be a session key is
no session instead of a database error."""

from __future__ import annotations

import pytest

from credit.core.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_cookie_with_nul_is_no_session_instead_of_a_database_error():
    store = SessionStore("abcdefgh\x00ijklmnop")
    assert store.session_key is None
    assert store.load() == {}


def test_a_real_session_is_still_found():
    store = SessionStore()
    store["x"] = 1
    store.save()
    assert SessionStore(store.session_key).load() == {"x": 1}
