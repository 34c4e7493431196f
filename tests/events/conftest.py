"""Fixtures of the push tests: a local webhook, an API client that may subscribe, and the
list entry of the sanctions tests (``listed``)."""

from __future__ import annotations

import pytest

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.gateway import services as gateway
from tests.events.helpers import Receiver
from tests.sanctions.conftest import listed  # noqa: F401 — a list entry in force


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(*statuses, location: str = "") -> Receiver:
        made.append(Receiver(statuses, location))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def api_client():
    """A department client (市场监管局 unless told) with the changes scope (and the ``scopes``
    given), granted the 失信被执行人 list."""

    def make(
        name="推送接收系统",
        items=("dishonest-judgment-debtor",),
        scopes=("sanctions:changes",),
        department="SCJG",
    ):
        client, secret = gateway.create_client(
            actor=None,
            name=name,
            kind="department",
            department=Department.objects.get(code=department),
            ips=["127.0.0.1/32"],
            scopes=list(scopes),
            items=[CatalogItem.objects.get(code=c) for c in items],
        )
        return client, secret

    return make
