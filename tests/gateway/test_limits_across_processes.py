"""The per-second limit holds across processes: two processes counting requests of one client
in the same second together pass exactly the limit (the counter lives in PostgreSQL)."""

from __future__ import annotations

import multiprocessing
import uuid

import pytest

LIMIT = 10
PER_PROCESS = 12
NOW = 1_764_115_200.5


def _hammer(database: dict, client_id: int, tag: str, out) -> None:
    import django

    django.setup()
    from django.db import connection

    connection.settings_dict["NAME"] = database["NAME"]  # the test database
    from credit.gateway import services
    from credit.gateway.models import ApiClient

    client = ApiClient.objects.get(pk=client_id)
    passed = 0
    for n in range(PER_PROCESS):
        try:
            services._count(client, f"{tag}-{n}", NOW)
            passed += 1
        except services.RateLimited:
            pass
    out.put(passed)


@pytest.fixture
def committed_client(django_db_setup, django_db_blocker):
    from credit.core.models import Department
    from credit.gateway import services
    from credit.gateway.models import ApiClient

    with django_db_blocker.unblock():
        client, _ = services.create_client(
            actor=None,
            name=f"限流测试-{uuid.uuid4().hex[:8]}",
            kind=ApiClient.Kind.DEPARTMENT,
            department=Department.objects.get(code="SCJG"),
            ips=["127.0.0.1/32"],
            scopes=["subjects:read"],
            rate_limit=LIMIT,
            daily_quota=1_000,
        )
    yield client
    with django_db_blocker.unblock():
        user = client.user
        client.delete()  # nonces and counters go with it
        user.delete()


def test_two_processes_share_one_limit(committed_client):
    from django.db import connection

    database = dict(connection.settings_dict)
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(database, committed_client.pk, f"p{i}", out))
        for i in range(2)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    passed = [out.get(timeout=5), out.get(timeout=5)]
    assert sum(passed) == LIMIT
