"""Fixtures of the exchange tests: real partner databases (MariaDB on 127.0.0.1:3306, a scratch
PostgreSQL database: :mod:`tests.exchange.partnerdb`), 行政处罚 records written through the
records service, and partners and channels made through the exchange services.

Inside a test transaction the change feed never passes the reader's horizon (the test's own
transaction is running), so :func:`past_the_horizon` moves the horizon past it (as the list
feed's tests do); the horizon itself is tested in tests/records.

- ``mariadb``: the MariaDB URL (the test is skipped with a clear reason when the server does
  not answer, unless ``CI=true``);
- ``penalty(department="SCJG", **overrides)``: an 行政处罚 record of a fresh legal person;
- ``make_partner(url, region="320400", code=None)``: a database partner (as the system);
- ``up_mapping()`` / ``up_channel(partner, table)``: the upward 行政处罚 mapping and channel;
- ``hmd_mapping()`` / ``in_channel(partner, table)``: the 采集 channel of the
  安全生产不良记录黑名单 for 应急管理局 (YJ).
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest
from django.utils import timezone

from tests.exchange.partnerdb import require_mariadb, unique_table

_serial = itertools.count(1)

PENALTY = "admin-penalty"
BLACKLIST = "work-safety-blacklist"


@pytest.fixture(autouse=True)
def past_the_horizon(monkeypatch):
    """Treat this test's own (running) transaction as ended."""
    from django.db import connection

    from credit.events import feed

    def beyond() -> int:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_current_xact_id()::text::bigint + 1")
            return cur.fetchone()[0]

    monkeypatch.setattr(feed, "horizon", beyond)


@pytest.fixture
def mariadb() -> str:
    return require_mariadb()


def make_subject(division: str = "320402"):
    from credit.core.identifiers import make_uscc
    from credit.subjects.services import register_legal_person

    n = next(_serial)
    subject, _ = register_legal_person(
        actor=None,
        uscc=make_uscc("91", division, f"{n + 70_000_000:08d}"),
        name=f"常州市交换测试{n}有限公司",
        legal_representative="赵六",
    )
    return subject


def write_penalty(department: str = "SCJG", subject: Any = None, **overrides: Any):
    """An 行政处罚 record through :func:`credit.records.services.upsert_record` (so the change
    feed gets its event); ``overrides`` change payload fields."""
    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.records.services import upsert_record
    from tests.catalog.factories import legal_person_payload

    dept = Department.objects.get(code=department)
    subject = subject or make_subject(dept.region_id if dept.region_id != "320400" else "320402")
    today = timezone.localdate()
    n = next(_serial)
    payload = legal_person_payload(
        subject_name=subject.name,
        uscc=subject.uscc,
        document_no=f"常交测处〔{today.year}〕{n}号",
        decision_date=(today - datetime.timedelta(days=3)).isoformat(),
        valid_to=(today + datetime.timedelta(days=365)).isoformat(),
        publicity_end=(today + datetime.timedelta(days=300)).isoformat(),
        fine_amount="2.5",
    )
    payload.update(overrides)
    return upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code=PENALTY),
        department=dept,
        subject=subject,
        payload=payload,
    ).record


@pytest.fixture
def penalty(db):
    return write_penalty


@pytest.fixture
def make_partner(db):
    from credit.exchange.services.partners import create_partner

    def make(url: str, region: str = "320400", code: str | None = None, **extra: Any):
        n = next(_serial)
        return create_partner(
            actor=extra.pop("actor", None),
            code=code or f"p{n}",
            name=extra.pop("name", f"测试交换伙伴{n}"),
            kind="database",
            region=region,
            config={"url": url},
            **extra,
        )

    return make


def up_mapping(table: str | None = None) -> dict[str, Any]:
    return {
        "table": table or unique_table("xzcf"),
        "key_column": "record_key",
        "fields": {
            "cf_wsh": "document_no",
            "xdr_mc": "subject_name",
            "xdr_dm": "uscc",
            "cf_jdrq": "decision_date",
            "cf_fk": "fine_amount",
            "zt": "_record.status",
        },
        "kind_column": "change_kind",
        "version_column": "record_version",
        "time_column": "synced_at",
    }


def hmd_mapping(table: str | None = None) -> dict[str, Any]:
    return {
        "table": table or unique_table("hmd"),
        "key_column": "id",
        "fields": {
            "dwmc": "unit_name",
            "tyshxydm": "uscc",
            "kssj": "start_date",
            "nrly": "reason",
        },
        "status_column": "sync_status",
        "message_column": "sync_message",
        "batch_column": "batch_id",
    }


@pytest.fixture
def up_channel(db):
    from credit.exchange.services.partners import create_channel

    def make(partner, mapping: dict[str, Any], period: str = "daily", actor: Any = None):
        return create_channel(
            actor=actor,
            partner=partner,
            item=PENALTY,
            direction="up",
            period=period,
            mapping=mapping,
        )

    return make


@pytest.fixture
def in_channel(db):
    from credit.exchange.services.partners import create_channel

    def make(partner, mapping: dict[str, Any], direction: str = "down", actor: Any = None):
        return create_channel(
            actor=actor,
            partner=partner,
            item=BLACKLIST,
            direction=direction,
            period="daily",
            department="YJ",
            mapping=mapping,
        )

    return make


def item(code: str):
    from credit.catalog.models import CatalogItem

    return CatalogItem.objects.get(code=code)
