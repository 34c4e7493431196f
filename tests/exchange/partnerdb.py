"""Scratch partner databases for the exchange tests (测试用交换伙伴中间库).

The exchange tests write to real partner databases on this machine, never to mocks:

- MariaDB at 127.0.0.1:3306 (user ``root``, no password, database ``test``):
  :func:`mariadb_url`, :func:`mariadb_available`, and :func:`require_mariadb` which skips a test
  with a clear reason when the server does not answer — except under ``CI=true``, where it fails.
- PostgreSQL at 127.0.0.1:5432: :func:`scratch_pg_url` creates (once per process) a scratch
  database ``exchange_partner_<pid>`` that is dropped when the process exits.
- :func:`unique_table` gives a table name no other test or helper uses at the same time, and
  :func:`partner_table` creates a table from a channel mapping (the CREATE TABLE of
  :func:`credit.exchange.adapters.database.partner_ddl`), optionally fills it, yields its name
  and drops it afterwards.

Usage::

    from tests.exchange.partnerdb import partner_table, require_mariadb, unique_table

    url = require_mariadb()
    mapping = {"table": unique_table("xzcf"), "key_column": "record_key", "fields": {...}}
    with partner_table(url, mapping, "up", item=item) as table:
        ...  # run the channel, then count rows with rows(url, table)
"""

from __future__ import annotations

import atexit
import contextlib
import itertools
import os
import socket
from collections.abc import Iterator
from typing import Any

import pytest

MARIADB_HOST = "127.0.0.1"
MARIADB_PORT = 3306
PG_HOST = "127.0.0.1"
PG_PORT = 5432

_serial = itertools.count(1)
_scratch_pg: str | None = None


def mariadb_url(database: str = "test") -> str:
    """The SQLAlchemy URL of the machine's MariaDB (root, no password)."""
    return f"mysql+pymysql://root@{MARIADB_HOST}:{MARIADB_PORT}/{database}"


def mariadb_available() -> bool:
    """Whether MariaDB answers on 127.0.0.1:3306 (a login as root, within 3 s)."""
    try:
        with socket.create_connection((MARIADB_HOST, MARIADB_PORT), timeout=3):
            pass
        import pymysql

        conn = pymysql.connect(
            host=MARIADB_HOST, port=MARIADB_PORT, user="root", database="test", connect_timeout=3
        )
        conn.close()
    except Exception:
        return False
    return True


def require_mariadb() -> str:
    """The MariaDB URL; skips the calling test when the server does not answer, unless
    ``CI=true`` (then the test fails: CI must run the MariaDB tests)."""
    if mariadb_available():
        return mariadb_url()
    reason = "MariaDB 未在 127.0.0.1:3306 运行（root 无密码，数据库 test），跳过中间库测试"
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "；CI=true 时必须可用")
    pytest.skip(reason)


def _pg_admin():
    import psycopg

    return psycopg.connect(
        host=PG_HOST, port=PG_PORT, user="postgres", dbname="postgres", autocommit=True
    )


def scratch_pg_url() -> str:
    """The SQLAlchemy URL (``postgresql+psycopg://``) of a scratch PostgreSQL database
    ``exchange_partner_<pid>``, created on first use and dropped at process exit."""
    global _scratch_pg
    if _scratch_pg is None:
        name = f"exchange_partner_{os.getpid()}"
        with _pg_admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        atexit.register(_drop_scratch_pg, name)
        _scratch_pg = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    return _scratch_pg


def _drop_scratch_pg(name: str) -> None:
    with contextlib.suppress(Exception), _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def unique_table(stem: str) -> str:
    """A table name unique to this process and call: ``x<pid>_<n>_<stem>``."""
    return f"x{os.getpid()}_{next(_serial)}_{stem}"[:60]


def engine(url: str):
    """A small SQLAlchemy engine on ``url`` (the caller disposes of it)."""
    import sqlalchemy as sa

    return sa.create_engine(url, pool_pre_ping=True)


@contextlib.contextmanager
def partner_table(
    url: str,
    mapping: dict[str, Any],
    direction: str = "up",
    *,
    item: Any = None,
    rows: list[dict[str, Any]] | None = None,
    ddl: str | None = None,
) -> Iterator[str]:
    """Create ``mapping["table"]`` in the partner database at ``url`` (the CREATE TABLE of
    :func:`~credit.exchange.adapters.database.partner_ddl` for ``direction``, column types
    from ``item``'s fields when given; or ``ddl`` verbatim), insert ``rows`` (dicts of column →
    value), yield the table's name and drop the table afterwards."""
    import sqlalchemy as sa

    from credit.exchange.adapters.database import partner_ddl

    table = mapping["table"]
    eng = engine(url)
    try:
        statement = ddl or partner_ddl(eng.dialect.name, mapping, direction=direction, item=item)
        with eng.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {_quote(eng, table)}"))
            conn.execute(sa.text(statement))
            if rows:
                meta = sa.MetaData()
                t = sa.Table(table, meta, autoload_with=conn)
                keys = list(dict.fromkeys(k for row in rows for k in row))
                conn.execute(t.insert(), [{k: row.get(k) for k in keys} for row in rows])
        yield table
    finally:
        with contextlib.suppress(Exception), eng.begin() as conn:
            conn.execute(sa.text(f"DROP TABLE IF EXISTS {_quote(eng, table)}"))
        eng.dispose()


def rows(url: str, table: str, order_by: str | None = None) -> list[dict[str, Any]]:
    """Every row of ``table`` at ``url`` as dicts (ordered by ``order_by`` when given)."""
    import sqlalchemy as sa

    eng = engine(url)
    try:
        with eng.connect() as conn:
            t = sa.Table(table, sa.MetaData(), autoload_with=conn)
            query = sa.select(t)
            if order_by:
                query = query.order_by(t.c[order_by])
            return [dict(r._mapping) for r in conn.execute(query)]
    finally:
        eng.dispose()


def _quote(eng: Any, name: str) -> str:
    return eng.dialect.identifier_preparer.quote(name)
