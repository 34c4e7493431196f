"""The backstop of ``credit.core.inputs``: a value PostgreSQL refuses (``DataError``) while a
request is served is answered 400 (pages) or 422 ``invalid_input`` (API), logged at warning
level — never a 500."""

from __future__ import annotations

import logging

import pytest
from django.db import connection, transaction

from credit.catalog import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def overflowing_catalog(monkeypatch):
    """The catalog's item list runs into a value the database refuses (bigint overflow)."""

    def items(**_):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT %s::bigint", [10**20])
        return []

    monkeypatch.setattr(selectors, "items", items)


@pytest.fixture
def staff(client, admin_user):
    client.raise_request_exception = False
    client.force_login(admin_user)
    return client


def test_a_database_refusal_on_a_page_is_a_chinese_400(staff, overflowing_catalog, caplog):
    with caplog.at_level(logging.WARNING, logger="credit.core.inputs"):
        response = staff.get("/catalog/")
    assert response.status_code == 400
    assert "提交的内容中有无法处理的值" in response.content.decode()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("/catalog/" in message for message in warnings)


def test_a_database_refusal_in_the_api_is_422_invalid_input(staff, overflowing_catalog, caplog):
    with caplog.at_level(logging.WARNING, logger="credit.core.inputs"):
        response = staff.get("/api/v1/catalog/items")
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "invalid_input" and "请检查后重试" in body["message"]
    assert body["details"] == {}
    assert any(r.levelno == logging.WARNING for r in caplog.records)
