"""No page fails on a hostile date in its address: every GET page of the permission matrix
(tests/access/test_matrix.py), opened by the city's administrator with the earliest and
latest dates Python knows in every date parameter the pages read, answers without a server
error (an invalid filter is dropped or refused with a message, never a 500)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from tests.access import test_matrix as matrix

world = matrix.world

HOSTILE = [
    {"start": "0001-01-01", "end": "9999-12-31", "date_from": "0001-01-01",
     "date_to": "9999-12-31", "from": "0001-01", "to": "9999-12", "month": "9999-12",
     "day": "9999-12-31", "year": "9999", "period": "9999Q4"},
    {"start": "9999-12-31", "end": "9999-12-31", "date_from": "9999-12-31",
     "date_to": "9999-12-31", "from": "9999-12", "to": "9999-12", "month": "0001-01",
     "day": "0001-01-01", "year": "0", "period": "0001Q1"},
]  # fmt: skip


@pytest.mark.parametrize("query", HOSTILE)
def test_no_page_fails_on_a_hostile_date(query, world, make_user):
    from credit.accounts.roles import Role

    client = Client(raise_request_exception=False)
    client.force_login(make_user(Role.CITY_ADMIN))
    patterns = dict(matrix._url_patterns())
    failed = []
    for name, (method, _rule) in sorted(matrix.PAGES.items()):
        if method != "GET":
            continue
        url = reverse(name, kwargs=matrix._kwargs(world, name, patterns[name]))
        status = client.get(url, query).status_code
        if status == 500:
            failed.append(f"{url} {status}")
    assert not failed, "\n".join(failed)
