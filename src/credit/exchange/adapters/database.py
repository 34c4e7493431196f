"""The intermediate-database adapter (中间库适配器): a partner reached through a table in its
database (MariaDB/MySQL, PostgreSQL, or any database SQLAlchemy speaks), with SQLAlchemy Core.

``partner.config = {"url": "mysql+pymysql://root@127.0.0.1:3306/test", "schema": optional}``
(``postgresql+psycopg://…`` for PostgreSQL). One engine per adapter (``pool_pre_ping``, connect
timeout 5 s); tables are reflected, never declared with the ORM.

The channel's ``mapping`` says which table and columns (:func:`validate_mapping` checks it):

- 上报 (``up``)::

    {"table": "xzcf", "key_column": "record_key",
     "fields": {"CF_WSH": "document_no", "CF_JDRQ": "decision_date", "ZT": "_record.status"},
     "kind_column": "change_kind", "version_column": "record_version", "time_column": "synced_at"}

  ``fields`` maps a partner column to one of the item's field codes, or to a record attribute
  ``_record.<id|item|region|department|status|decision_date|version>``; the last three keys
  are optional. :meth:`DatabaseAdapter.send` upserts every item on ``key_column`` (the
  delivery's idempotent key ``<record id>-<version>``) in one transaction: MariaDB/MySQL
  ``INSERT … ON DUPLICATE KEY UPDATE``, PostgreSQL ``INSERT … ON CONFLICT (key) DO UPDATE``,
  other databases (or a key column without a unique index) select, then insert or update. A row
  the database refuses (too long, a constraint) is found by retrying the chunk row by row and
  reported refused with the database's message; the others land.
- 下发/采集 (``down``/``in``)::

    {"table": "hmd", "key_column": "id", "fields": {"DWMC": "subject_name", …},
     "status_column": "sync_status", "message_column": "sync_message", "batch_column": "batch_id"}

  :meth:`DatabaseAdapter.fetch` reads the rows whose status column is NULL or empty, by key;
  :meth:`DatabaseAdapter.acknowledge` writes ``accepted``/``rejected``, the reason (cut to the
  column's length) and the batch id back.

:func:`partner_ddl` gives the CREATE TABLE a partner runs for a mapping (docs/exchange.md).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import re
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from credit.exchange.adapters import (
    ExchangeError,
    InboundReceipt,
    Incoming,
    Outgoing,
    Receipt,
    Words,
    channels_to_check,
    field_errors,
    mapped_fields,
    redact,
    register,
    unmapped_required,
)
from credit.exchange.constants import Direction, PartnerKind

#: How mapping errors name a partner's column.
WORDS = Words(one="列", two="两列", side="伙伴列", list_meta=True)

#: Rows per INSERT (executemany) in :meth:`DatabaseAdapter.send`.
CHUNK = 1000

ACCEPTED = "accepted"
REJECTED = "rejected"

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_UP_KEYS = ("table", "key_column", "fields", "kind_column", "version_column", "time_column")
_IN_KEYS = ("table", "key_column", "fields", "status_column", "message_column", "batch_column")


class _Refused(Exception):
    """A value that cannot be converted to its column's type (the row is refused)."""


# --------------------------------------------------------------------------------------------
# Mapping
# --------------------------------------------------------------------------------------------


def validate_config(config: Any) -> list[str]:
    """The problems of a database partner's ``config`` (Chinese; empty when usable):
    ``{"url": SQLAlchemy URL, "schema": optional}``."""
    if not isinstance(config, dict):
        return ["连接配置应为 JSON 对象"]
    errors = []
    url = config.get("url")
    if not isinstance(url, str) or "://" not in url:
        errors.append("中间库的连接配置需要 url（如 mysql+pymysql://用户@主机:3306/库名）")
    schema = config.get("schema")
    if schema is not None and not isinstance(schema, str):
        errors.append("连接配置中的 schema 应为文本")
    return errors


def validate_mapping(direction: str, mapping: Any, item: Any) -> list[str]:
    """The problems of ``mapping`` for a channel of ``item`` in ``direction`` (Chinese
    messages; empty when it can be used)."""
    if not isinstance(mapping, dict):
        return ["字段映射应为 JSON 对象"]
    upward = direction == Direction.UP
    allowed = _UP_KEYS if upward else _IN_KEYS
    errors = [f"未知的映射项 {key}" for key in mapping if key not in allowed]
    required = ["table", "key_column"] + ([] if upward else ["status_column", "message_column"])
    labels = {
        "table": "表名 table",
        "key_column": "键列 key_column",
        "status_column": "状态列 status_column",
        "message_column": "说明列 message_column",
        "kind_column": "变更类型列 kind_column",
        "version_column": "版本列 version_column",
        "time_column": "同步时间列 time_column",
        "batch_column": "批次列 batch_column",
    }
    for key in allowed:
        if key == "fields":
            continue
        value = mapping.get(key)
        if value in (None, ""):
            if key in required:
                errors.append(f"缺少{labels[key]}")
        elif not isinstance(value, str) or not _IDENTIFIER.match(value):
            errors.append(f"{labels[key]}“{value}”不合法（字母、数字、下划线，字母开头）")
    fields = mapping.get("fields")
    if not isinstance(fields, dict) or not fields:
        errors.append("缺少字段对应 fields（伙伴列名 → 字段标识）")
        return errors
    found, seen = field_errors(
        fields,
        upward=upward,
        item=item,
        words=WORDS,
        name_error=lambda column: (
            None
            if _IDENTIFIER.match(column)
            else f"列名“{column}”不合法（字母、数字、下划线，字母开头）"
        ),
    )
    errors += found
    # Only the names that passed the check above (a list or a number was reported there).
    special = [
        mapping[k]
        for k in allowed
        if k not in ("fields", "table") and isinstance(mapping.get(k), str) and mapping[k]
    ]
    if upward:
        for column in special:
            if column in fields:
                errors.append(f"列 {column} 既是键列、变更类型、版本或时间列，又出现在 fields 中")
    else:
        for column in special:
            if column != mapping.get("key_column") and column in fields:
                errors.append(f"列 {column} 既是状态、说明或批次列，又出现在 fields 中")
        errors += unmapped_required(item, seen, WORDS)
    if len(set(special)) != len(special):
        errors.append("键列、状态列等特殊列不能重名")
    return errors


def _mapping_direction(mapping: dict[str, Any]) -> str:
    return Direction.IN if mapping.get("status_column") else Direction.UP


# --------------------------------------------------------------------------------------------
# CREATE TABLE for the partner
# --------------------------------------------------------------------------------------------

_META_TYPES: dict[str, Any] = {
    "id": sa.BigInteger(),
    "item": sa.String(64),
    "region": sa.String(12),
    "department": sa.String(32),
    "status": sa.String(10),
    "decision_date": sa.Date(),
    "version": sa.Integer(),
}


def _field_type(spec: Any) -> Any:
    if spec is None:
        return sa.String(500)
    kind = spec.data_type
    if kind == "date":
        return sa.Date()
    if kind == "decimal":
        return sa.Numeric(20, spec.decimal_places if spec.decimal_places is not None else 6)
    if kind == "integer":
        return sa.BigInteger()
    if kind == "text" or spec.multi_value:
        return sa.Text()
    return sa.String(spec.max_length or (100 if kind == "code" else 500))


def _dialect(name: str) -> Any:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    name = (name or "").lower()
    if name in ("mysql", "mariadb"):
        return mysql.dialect(is_mariadb=name == "mariadb")
    if name in ("postgresql", "postgres"):
        return postgresql.dialect()
    if name == "sqlite":
        return sqlite.dialect()
    return sa.engine.default.DefaultDialect()


def partner_ddl(
    dialect: str, mapping: dict[str, Any], *, direction: str | None = None, item: Any = None
) -> str:
    """The CREATE TABLE the partner runs for ``mapping`` on a ``dialect`` database
    (``mysql``/``mariadb``, ``postgresql``): column types from ``item``'s fields when given
    (else text), the key column unique. Upward: the key is the platform's idempotent key
    (VARCHAR(64) PRIMARY KEY); inbound: the partner's own auto-increment key, and the status,
    message and batch columns the platform writes back."""
    direction = direction or _mapping_direction(mapping)
    upward = direction == Direction.UP
    specs = {f.code: f for f in item.fields.all()} if item is not None else {}
    columns: list[sa.Column] = []
    key = mapping["key_column"]
    if upward:
        columns.append(sa.Column(key, sa.String(64), primary_key=True, comment="幂等键"))
    else:
        columns.append(
            sa.Column(key, sa.BigInteger(), primary_key=True, autoincrement=True, comment="主键")
        )
    for column, code in mapped_fields(mapping).items():
        if column == key:
            continue
        if code.startswith("_record."):
            name = code.removeprefix("_record.")
            kind, comment = _META_TYPES.get(name, sa.String(100)), f"记录属性 {name}"
        else:
            spec = specs.get(code)
            kind, comment = _field_type(spec), (spec.name if spec is not None else code)
        columns.append(sa.Column(column, kind, nullable=True, comment=comment))
    extras = (
        [
            ("kind_column", sa.String(12), "变更类型"),
            ("version_column", sa.Integer(), "记录版本"),
            ("time_column", sa.DateTime(), "同步时间"),
        ]
        if upward
        else [
            ("status_column", sa.String(16), "处理状态（accepted/rejected，空为待处理）"),
            ("message_column", sa.String(500), "处理说明"),
            ("batch_column", sa.BigInteger(), "入库批次"),
        ]
    )
    for name, kind, comment in extras:
        if mapping.get(name):
            columns.append(sa.Column(mapping[name], kind, nullable=True, comment=comment))
    table = sa.Table(
        mapping["table"],
        sa.MetaData(),
        *columns,
        comment=getattr(item, "name", None),
        mysql_engine="InnoDB",
        mysql_charset="utf8mb4",
    )
    return str(sa.schema.CreateTable(table).compile(dialect=_dialect(dialect))).strip()


# --------------------------------------------------------------------------------------------
# The adapter
# --------------------------------------------------------------------------------------------


class DatabaseAdapter:
    """An intermediate database (中间库) reached with SQLAlchemy Core; one engine per adapter,
    released by :meth:`close`."""

    def __init__(self, partner: Any) -> None:
        self.partner = partner
        config = partner.config or {}
        raw = str(config.get("url") or "").strip()
        if not raw:
            raise ExchangeError(f"交换伙伴“{partner.name}”未配置中间库地址 url")
        try:
            self.url = sa.engine.make_url(raw)
        except Exception as exc:
            raise ExchangeError(f"中间库地址无效：{redact(raw)}") from exc
        self.schema = config.get("schema") or None
        driver = self.url.drivername
        connect_args: dict[str, Any] = {}
        if driver.startswith(("mysql", "mariadb")):
            connect_args = {"connect_timeout": 5, "read_timeout": 300, "write_timeout": 300}
        elif driver.startswith("postgresql"):
            connect_args = {"connect_timeout": 5}
        try:
            self.engine = sa.create_engine(
                self.url, pool_pre_ping=True, pool_size=2, connect_args=connect_args
            )
        except Exception as exc:  # unknown dialect, driver not installed
            raise ExchangeError(f"中间库地址无效：{self.where}（{redact(str(exc))}）") from exc
        self._tables: dict[str, sa.Table] = {}
        self._unique: dict[str, list[list[str]]] = {}

    # -- helpers ------------------------------------------------------------------------------

    @property
    def where(self) -> str:
        """``mysql 127.0.0.1:3306/test`` — the database, no password."""
        url = self.url
        port = f":{url.port}" if url.port else ""
        return f"{url.get_backend_name()} {url.host or ''}{port}/{url.database or ''}"

    @contextlib.contextmanager
    def _guard(self, action: str) -> Iterator[None]:
        """Database errors as :class:`ExchangeError` (redacted, in Chinese)."""
        try:
            yield
        except ExchangeError:
            raise
        except sa_exc.SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
                action = "连接中断"
            raise ExchangeError(
                f"中间库 {self.where} {action}失败：{redact(str(detail))[:400]}"
            ) from exc
        except OSError as exc:
            raise ExchangeError(f"中间库 {self.where} {action}失败：{redact(str(exc))}") from exc

    def _table(self, conn: sa.Connection, name: str) -> sa.Table:
        table = self._tables.get(name)
        if table is None:
            try:
                table = sa.Table(name, sa.MetaData(schema=self.schema), autoload_with=conn)
            except sa_exc.NoSuchTableError as exc:
                raise ExchangeError(f"中间库 {self.where} 中没有表 {name}") from exc
            inspector = sa.inspect(conn)
            self._tables[name] = table
            uniques = [list(table.primary_key.columns.keys())]
            uniques += [
                u["column_names"]
                for u in inspector.get_unique_constraints(name, schema=self.schema)
            ]
            uniques += [
                i["column_names"]
                for i in inspector.get_indexes(name, schema=self.schema)
                if i.get("unique")
            ]
            self._unique[name] = uniques
        return table

    def _columns(self, table: sa.Table, mapping: dict[str, Any], keys: list[str]) -> None:
        wanted = [mapping["key_column"], *mapped_fields(mapping)]
        wanted += [mapping[k] for k in keys if mapping.get(k)]
        missing = [c for c in wanted if c not in table.c]
        if missing:
            raise ExchangeError(f"中间库表 {table.name} 缺少列：{'、'.join(missing)}")

    # -- check --------------------------------------------------------------------------------

    def check(self, channel: Any = None) -> str:
        """Connect; for ``channel`` (or every active channel of the partner) check its table
        and columns exist and can be read and updated. A Chinese line, e.g. 中间库 mysql
        127.0.0.1:3306/test 已连接；表 xzcf 可读写（12 列）."""
        parts = [f"中间库 {self.where} 已连接"]
        with self._guard("连接"), self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            for ch in channels_to_check(self.partner, channel):
                mapping = ch.mapping or {}
                upward = ch.direction == Direction.UP
                keys = (
                    ["kind_column", "version_column", "time_column"]
                    if upward
                    else ["status_column", "message_column", "batch_column"]
                )
                self._tables.pop(mapping.get("table"), None)
                table = self._table(conn, mapping.get("table") or "")
                self._columns(table, mapping, keys)
                key = table.c[mapping["key_column"]]
                conn.execute(sa.select(key).limit(0))
                # an UPDATE of no row: refused when the account may not write the table
                conn.execute(sa.update(table).where(sa.false()).values({key.name: key}))
                conn.rollback()
                parts.append(f"表 {table.name} 可读写（{len(table.c)} 列）")
        return "；".join(parts)

    # -- up -----------------------------------------------------------------------------------

    def send(self, channel: Any, items: list[Outgoing]) -> list[Receipt]:
        """Upsert ``items`` into the channel's table in one transaction; one receipt each."""
        mapping = channel.mapping
        if not items:
            return []
        receipts: list[Receipt] = []
        with self._guard("写入"), self.engine.begin() as conn:
            table = self._table(conn, mapping["table"])
            self._columns(table, mapping, ["kind_column", "version_column", "time_column"])
            key = mapping["key_column"]
            now = _now()
            rows: list[dict[str, Any]] = []
            for out in items:
                try:
                    rows.append(self._row(table, mapping, out, now))
                except _Refused as exc:
                    receipts.append(Receipt(out.key, False, str(exc)))
            upsert = self._upsert(conn, table, key)
            for start in range(0, len(rows), CHUNK):
                receipts += self._write(conn, table, upsert, rows[start : start + CHUNK], key)
        return receipts

    def _row(
        self, table: sa.Table, mapping: dict[str, Any], out: Outgoing, now: datetime.datetime
    ) -> dict[str, Any]:
        row: dict[str, Any] = {mapping["key_column"]: out.key}
        for column, code in mapped_fields(mapping).items():
            row[column] = _convert(table.c[column], out.value(code))
        if mapping.get("kind_column"):
            row[mapping["kind_column"]] = out.change_kind
        if mapping.get("version_column"):
            row[mapping["version_column"]] = out.version
        if mapping.get("time_column"):
            column = table.c[mapping["time_column"]]
            row[column.name] = _convert(column, now)
        return row

    def _upsert(self, conn: sa.Connection, table: sa.Table, key: str):
        """The dialect's upsert on ``key`` when ``key`` is unique, else None (the generic
        select, then insert or update of :meth:`_execute`)."""
        name = conn.dialect.name
        unique = [key] in self._unique.get(table.name, [])
        if name in ("mysql", "mariadb") and unique:
            from sqlalchemy.dialects.mysql import insert

            stmt = insert(table)
            others = {c.name: stmt.inserted[c.name] for c in table.c if c.name != key}
            return stmt.on_duplicate_key_update(others) if others else stmt.prefix_with("IGNORE")
        if name in ("postgresql", "sqlite") and unique:
            if name == "postgresql":
                from sqlalchemy.dialects.postgresql import insert
            else:
                from sqlalchemy.dialects.sqlite import insert
            stmt = insert(table)
            others = {c.name: stmt.excluded[c.name] for c in table.c if c.name != key}
            if not others:
                return stmt.on_conflict_do_nothing(index_elements=[key])
            return stmt.on_conflict_do_update(index_elements=[key], set_=others)
        return None

    def _write(
        self,
        conn: sa.Connection,
        table: sa.Table,
        upsert: Any,
        chunk: list[dict[str, Any]],
        key: str,
    ) -> list[Receipt]:
        """Write ``chunk``; when the database refuses it, row by row to find the refused."""
        try:
            with conn.begin_nested():
                self._execute(conn, table, upsert, chunk, key)
            return [Receipt(row[key], True) for row in chunk]
        except (sa_exc.DataError, sa_exc.IntegrityError):
            pass
        receipts = []
        for row in chunk:
            try:
                with conn.begin_nested():
                    self._execute(conn, table, upsert, [row], key)
                receipts.append(Receipt(row[key], True))
            except (sa_exc.DataError, sa_exc.IntegrityError) as exc:
                reason = redact(str(getattr(exc, "orig", exc))).strip()
                receipts.append(Receipt(row[key], False, reason[:480]))
        return receipts

    def _execute(
        self, conn: sa.Connection, table: sa.Table, upsert: Any, rows: list[dict], key: str
    ) -> None:
        if upsert is not None:
            conn.execute(upsert, rows)
            return
        # generic: select the keys present, then update those and insert the others
        column = table.c[key]
        keys = [row[key] for row in rows]
        present = set(conn.execute(sa.select(column).where(column.in_(keys))).scalars())
        new = [row for row in rows if row[key] not in present]
        old = [row for row in rows if row[key] in present]
        if new:
            conn.execute(table.insert(), new)
        if old:
            others = [c.name for c in table.c if c.name != key and c.name in old[0]]
            if others:
                stmt = (
                    table.update()
                    .where(column == sa.bindparam("_key"))
                    .values({c: sa.bindparam(f"_v_{c}") for c in others})
                )
                conn.execute(
                    stmt, [{"_key": r[key], **{f"_v_{c}": r[c] for c in others}} for r in old]
                )

    # -- down / in ----------------------------------------------------------------------------

    def fetch(self, channel: Any, limit: int) -> list[Incoming]:
        """At most ``limit`` rows not yet processed (status column NULL or empty), by key;
        fields as text keyed by the platform's field codes."""
        mapping = channel.mapping
        with self._guard("读取"), self.engine.connect() as conn:
            table = self._table(conn, mapping["table"])
            self._columns(table, mapping, ["status_column", "message_column", "batch_column"])
            key = table.c[mapping["key_column"]]
            status = table.c[mapping["status_column"]]
            fields = mapped_fields(mapping)
            query = (
                sa.select(key.label("_key"), *[table.c[c] for c in fields])
                .where(sa.or_(status.is_(None), status == ""))
                .order_by(key)
                .limit(limit)
            )
            result = []
            for row in conn.execute(query).mappings():
                values = {code: _text(row[column]) for column, code in fields.items()}
                result.append(Incoming(key=str(row["_key"]), fields=values))
        return result

    def acknowledge(self, channel: Any, receipts: list[InboundReceipt]) -> None:
        """Write each row's outcome (accepted/rejected), reason and batch back, in one
        transaction."""
        if not receipts:
            return
        mapping = channel.mapping
        with self._guard("回写"), self.engine.begin() as conn:
            table = self._table(conn, mapping["table"])
            self._columns(table, mapping, ["status_column", "message_column", "batch_column"])
            key = table.c[mapping["key_column"]]
            status = table.c[mapping["status_column"]]
            message = table.c[mapping["message_column"]]
            length = getattr(message.type, "length", None) or 2000
            values = {status.name: sa.bindparam("_status"), message.name: sa.bindparam("_msg")}
            batch = mapping.get("batch_column")
            if batch:
                values[batch] = sa.bindparam("_batch")
            stmt = table.update().where(key == sa.bindparam("_key")).values(values)
            params = []
            for r in receipts:
                p = {
                    "_key": _key_value(key, r.key),
                    "_status": ACCEPTED if r.ok else REJECTED,
                    "_msg": (r.reason or "")[:length],
                }
                if batch:
                    p["_batch"] = r.batch_id
                params.append(p)
            for start in range(0, len(params), CHUNK):
                conn.execute(stmt, params[start : start + CHUNK])

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _now() -> datetime.datetime:
    from django.utils import timezone

    return timezone.now()


def _convert(column: sa.Column, value: Any) -> Any:
    """``value`` (payload text, or a metadata value) for ``column``'s type; None and "" stay
    NULL; :class:`_Refused` when it cannot be converted."""
    if value is None or value == "":
        return None
    if isinstance(value, list | tuple):
        value = "；".join(str(v) for v in value)
    kind = column.type
    try:
        python = kind.python_type
    except NotImplementedError:
        python = None
    try:
        if python is datetime.datetime:
            if isinstance(value, str):
                value = datetime.datetime.fromisoformat(value.strip())
            elif isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
                value = datetime.datetime.combine(value, datetime.time())
            if not getattr(kind, "timezone", False) and value.tzinfo is not None:
                from django.utils import timezone

                value = timezone.localtime(value).replace(tzinfo=None)
            return value
        if python is datetime.date:
            if isinstance(value, datetime.datetime):
                return value.date()
            if isinstance(value, datetime.date):
                return value
            return datetime.date.fromisoformat(str(value).strip()[:10])
        if python is decimal.Decimal or isinstance(kind, sa.Numeric):
            number = decimal.Decimal(str(value).strip().replace(",", ""))
            if not number.is_finite():
                raise ValueError(value)
            return float(number) if python is float else number
        if python is float:
            return float(value)
        if python is int:
            number = decimal.Decimal(str(value).strip())
            if number != number.to_integral_value():
                raise ValueError(value)
            return int(number)
        if python is bool:
            return str(value).strip().lower() in ("1", "true", "是", "y", "yes")
    except (ValueError, decimal.InvalidOperation, TypeError) as exc:
        raise _Refused(f"列 {column.name} 的值“{value}”无法转换为{_type_label(python)}") from exc
    if python is str:
        return str(value)
    return value


def _type_label(python: Any) -> str:
    return {
        datetime.datetime: "时间",
        datetime.date: "日期",
        decimal.Decimal: "数值",
        float: "数值",
        int: "整数",
        bool: "是否",
    }.get(python, "该列类型")


def _text(value: Any) -> str | None:
    """A partner's value as the text the ingest pipeline reads."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        text = format(value, "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _key_value(column: sa.Column, key: str) -> Any:
    try:
        if column.type.python_type is int:
            return int(key)
    except (NotImplementedError, ValueError):
        pass
    return key


register(
    PartnerKind.DATABASE,
    DatabaseAdapter,
    config_errors=validate_config,
    mapping_errors=validate_mapping,
)
