"""The intermediate-database adapter (中间库适配器) against the real MariaDB and PostgreSQL of
this machine: idempotent upserts, refused rows with the database's reason, fetch and
acknowledgement of inbound rows, an unreachable partner, the mapping's validation and the
CREATE TABLE given to partners."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from credit.exchange.adapters import ExchangeError, InboundReceipt, Outgoing, adapter_for
from credit.exchange.adapters.database import DatabaseAdapter, partner_ddl, validate_mapping
from credit.exchange.models import Channel, Partner
from tests.exchange.partnerdb import (
    partner_table,
    require_mariadb,
    rows,
    scratch_pg_url,
    unique_table,
)

pytestmark = pytest.mark.django_db

BACKENDS = ["mariadb", "postgresql"]


@pytest.fixture(params=BACKENDS)
def url(request) -> str:
    """The partner database: MariaDB's ``test`` or a scratch PostgreSQL database."""
    return require_mariadb() if request.param == "mariadb" else scratch_pg_url()


@pytest.fixture
def item():
    from credit.catalog.models import CatalogItem

    return CatalogItem.objects.get(code="admin-penalty")


def _partner(url: str) -> Partner:
    from credit.core.models import Region

    return Partner(
        code="prov",
        name="省平台",
        kind="database",
        region=Region.objects.get(code="320400"),
        config={"url": url},
    )


def _up_mapping() -> dict:
    return {
        "table": unique_table("xzcf"),
        "key_column": "record_key",
        "fields": {
            "CF_WSH": "document_no",
            "CF_XDR": "subject_name",
            "CF_FK": "fine_amount",
            "CF_JDRQ": "decision_date",
            "ZT": "_record.status",
            "JLID": "_record.id",
        },
        "kind_column": "change_kind",
        "version_column": "record_version",
        "time_column": "synced_at",
    }


def _out(record_id: int, version: int = 1, kind: str = "created", **fields) -> Outgoing:
    payload = {
        "document_no": f"常市监罚〔2026〕{record_id}号",
        "subject_name": f"常州某公司{record_id}",
        "fine_amount": "1.5",
        "decision_date": "2026-03-02",
        "_record": {"id": record_id, "status": "active", "version": version},
    }
    payload.update(fields)
    return Outgoing(f"{record_id}-{version}", record_id, version, kind, payload)


def test_send_twice_keeps_one_row_per_key_with_the_latest_values(url, item):
    mapping = _up_mapping()
    adapter = adapter_for(_partner(url))
    assert isinstance(adapter, DatabaseAdapter)
    channel = Channel(item=item, direction="up", mapping=mapping)
    with partner_table(url, mapping, "up", item=item) as table:
        first = adapter.send(channel, [_out(1), _out(2), _out(3)])
        again = adapter.send(
            channel, [_out(1), _out(2, fine_amount="20.25", kind="corrected"), _out(3)]
        )
        landed = rows(url, table, order_by="record_key")
    adapter.close()
    assert sorted((r.key, r.ok, r.reason) for r in first) == [
        ("1-1", True, ""),
        ("2-1", True, ""),
        ("3-1", True, ""),
    ]
    assert sorted((r.key, r.ok) for r in again) == [("1-1", True), ("2-1", True), ("3-1", True)]
    assert [r["record_key"] for r in landed] == ["1-1", "2-1", "3-1"]
    second = landed[1]
    assert second["CF_WSH"] == "常市监罚〔2026〕2号"
    assert second["CF_XDR"] == "常州某公司2"
    assert second["CF_FK"] == Decimal("20.25")
    assert second["CF_JDRQ"] == datetime.date(2026, 3, 2)
    assert second["ZT"] == "active"
    assert second["JLID"] == 2
    assert second["change_kind"] == "corrected"
    assert second["record_version"] == 1
    assert isinstance(second["synced_at"], datetime.datetime)
    assert landed[0]["CF_FK"] == Decimal("1.5")


def test_a_new_version_is_a_new_row_and_missing_values_are_null(url, item):
    mapping = _up_mapping()
    adapter = adapter_for(_partner(url))
    channel = Channel(item=item, direction="up", mapping=mapping)
    with partner_table(url, mapping, "up", item=item) as table:
        adapter.send(channel, [_out(7)])
        adapter.send(channel, [_out(7, version=2, kind="updated", fine_amount="")])
        landed = rows(url, table, order_by="record_key")
    adapter.close()
    assert [(r["record_key"], r["record_version"], r["change_kind"]) for r in landed] == [
        ("7-1", 1, "created"),
        ("7-2", 2, "updated"),
    ]
    assert landed[1]["CF_FK"] is None


def test_a_refused_row_is_reported_with_the_databases_reason_while_the_others_land(url, item):
    mapping = _up_mapping()
    adapter = adapter_for(_partner(url))
    channel = Channel(item=item, direction="up", mapping=mapping)
    too_long = "文" * 129  # the column is VARCHAR(128)
    with partner_table(url, mapping, "up", item=item) as table:
        receipts = adapter.send(
            channel,
            [_out(1), _out(2, document_no=too_long), _out(3, fine_amount="约五万"), _out(4)],
        )
        landed = rows(url, table, order_by="record_key")
    adapter.close()
    by_key = {r.key: r for r in receipts}
    assert sorted(by_key) == ["1-1", "2-1", "3-1", "4-1"]
    assert [k for k, r in sorted(by_key.items()) if r.ok] == ["1-1", "4-1"]
    reason = by_key["2-1"].reason
    if "mysql" in url:
        assert reason == "(1406, \"Data too long for column 'CF_WSH' at row 1\")"
    else:
        assert reason == "value too long for type character varying(128)"
    assert by_key["3-1"].reason == "列 CF_FK 的值“约五万”无法转换为数值"
    assert [r["record_key"] for r in landed] == ["1-1", "4-1"]


def test_a_key_column_without_unique_index_is_upserted_by_select_then_update(item):
    url = scratch_pg_url()
    mapping = _up_mapping()
    table = mapping["table"]
    ddl = (
        f'CREATE TABLE "{table}" (record_key VARCHAR(64), "CF_WSH" VARCHAR(128), '
        '"CF_XDR" VARCHAR(200), "CF_FK" NUMERIC(20, 6), "CF_JDRQ" DATE, "ZT" VARCHAR(10), '
        '"JLID" BIGINT, change_kind VARCHAR(12), record_version INTEGER, synced_at TIMESTAMP)'
    )
    adapter = adapter_for(_partner(url))
    channel = Channel(item=item, direction="up", mapping=mapping)
    with partner_table(url, mapping, "up", ddl=ddl):
        adapter.send(channel, [_out(1), _out(2)])
        adapter.send(channel, [_out(2, fine_amount="3"), _out(5)])
        landed = rows(url, table, order_by="record_key")
    adapter.close()
    assert [(r["record_key"], r["CF_FK"]) for r in landed] == [
        ("1-1", Decimal("1.5")),
        ("2-1", Decimal("3")),
        ("5-1", Decimal("1.5")),
    ]


def _in_mapping() -> dict:
    return {
        "table": unique_table("hmd"),
        "key_column": "id",
        "fields": {"DWMC": "subject_name", "WSH": "document_no", "JDRQ": "decision_date"},
        "status_column": "sync_status",
        "message_column": "sync_message",
        "batch_column": "batch_id",
    }


def test_fetch_offers_unprocessed_rows_by_key_and_acknowledge_writes_the_outcome_back(url, item):
    mapping = _in_mapping()
    adapter = adapter_for(_partner(url))
    channel = Channel(item=item, direction="in", mapping=mapping)
    partner_rows = [
        {"DWMC": "甲公司", "WSH": "文1", "JDRQ": datetime.date(2026, 1, 5)},
        {"DWMC": "乙公司", "WSH": "文2", "JDRQ": None, "sync_status": ""},
        {"DWMC": "丙公司", "WSH": "文3", "JDRQ": None, "sync_status": "accepted"},
        {"DWMC": "丁公司", "WSH": "文4", "JDRQ": datetime.date(2026, 2, 1)},
    ]
    with partner_table(url, mapping, "in", item=item, rows=partner_rows) as table:
        first = adapter.fetch(channel, 2)
        assert [(i.key, i.fields) for i in first] == [
            ("1", {"subject_name": "甲公司", "document_no": "文1", "decision_date": "2026-01-05"}),
            ("2", {"subject_name": "乙公司", "document_no": "文2", "decision_date": None}),
        ]
        adapter.acknowledge(
            channel,
            [
                InboundReceipt("1", True, batch_id=41, row_no=2),
                InboundReceipt("2", False, "处罚决定日期：必填" * 100, batch_id=41, row_no=3),
            ],
        )
        rest = adapter.fetch(channel, 10)
        landed = rows(url, table, order_by="id")
    adapter.close()
    assert [(i.key, i.fields["subject_name"]) for i in rest] == [("4", "丁公司")]
    assert [(r["id"], r["sync_status"], r["batch_id"]) for r in landed] == [
        (1, "accepted", 41),
        (2, "rejected", 41),
        (3, "accepted", None),
        (4, None, None),
    ]
    assert landed[0]["sync_message"] == ""
    assert landed[1]["sync_message"] == ("处罚决定日期：必填" * 100)[:500]


def test_check_reports_the_table_and_refuses_a_missing_column(url, item):
    mapping = _up_mapping()
    adapter = adapter_for(_partner(url))
    channel = Channel(item=item, direction="up", mapping=mapping)
    with partner_table(url, mapping, "up", item=item) as table:
        line = adapter.check(channel)
        broken = dict(mapping, fields={**mapping["fields"], "NO_SUCH": "remark"})
        with pytest.raises(ExchangeError) as missing:
            adapter.check(Channel(item=item, direction="up", mapping=broken))
    with pytest.raises(ExchangeError) as gone:
        adapter.check(channel)
    adapter.close()
    backend, where = ("mysql", "127.0.0.1:3306/test") if "mysql" in url else ("postgresql", "")
    assert line.startswith(f"中间库 {backend} 127.0.0.1:")
    assert where in line
    assert line.endswith(f"已连接；表 {table} 可读写（10 列）")
    assert str(missing.value) == f"中间库表 {table} 缺少列：NO_SUCH"
    assert str(gone.value).endswith(f"中没有表 {table}")


@pytest.mark.parametrize(
    "url",
    [
        "mysql+pymysql://root:s3cret-pw@127.0.0.1:1/test",
        "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/partner",
    ],
)
def test_an_unreachable_partner_raises_exchange_error_without_the_password(url, item):
    adapter = adapter_for(_partner(url))
    channel = Channel(item=item, direction="up", mapping=_up_mapping())
    for call in (lambda: adapter.send(channel, [_out(1)]), adapter.check):
        with pytest.raises(ExchangeError) as failed:
            call()
        message = str(failed.value)
        assert "s3cret" not in message
        assert "127.0.0.1:1/" in message
        assert "失败" in message
    adapter.close()


def test_a_partner_without_url_or_with_a_bad_url_is_refused_in_chinese():
    from credit.core.models import Region

    region = Region.objects.get(code="320400")
    with pytest.raises(ExchangeError, match="未配置中间库地址 url"):
        DatabaseAdapter(Partner(name="省平台", kind="database", region=region, config={}))
    with pytest.raises(ExchangeError) as bad:
        DatabaseAdapter(
            Partner(name="省平台", kind="database", region=region, config={"url": "nonsense:x"})
        )
    assert str(bad.value).startswith("中间库地址无效")


def test_validate_mapping_names_each_problem_in_chinese(item):
    assert validate_mapping("up", _up_mapping(), item) == []
    assert validate_mapping("up", ["table"], item) == ["字段映射应为 JSON 对象"]
    assert validate_mapping("up", {"table": "x y", "fields": {}, "extra": 1}, item) == [
        "未知的映射项 extra",
        "表名 table“x y”不合法（字母、数字、下划线，字母开头）",
        "缺少键列 key_column",
        "缺少字段对应 fields（伙伴列名 → 字段标识）",
    ]
    up = {
        "table": "xzcf",
        "key_column": "k",
        "fields": {"A": "no_such_field", "B": "_record.secret", "k": "remark"},
    }
    assert sorted(validate_mapping("up", up, item)) == sorted(
        [
            "列 A：“no_such_field”不是目录项“行政处罚”的字段",
            "列 B：未知的记录属性 _record.secret（可用 _record.id、_record.item、"
            "_record.region、_record.department、_record.status、_record.decision_date、"
            "_record.version）",
            "列 k 既是键列、变更类型、版本或时间列，又出现在 fields 中",
        ]
    )
    inbound = {
        "table": "hmd",
        "key_column": "id",
        "fields": {"A": "subject_name", "B": "subject_name", "C": "_record.id"},
    }
    problems = validate_mapping("in", inbound, item)
    assert "缺少状态列 status_column" in problems
    assert "缺少说明列 message_column" in problems
    assert "字段 subject_name 对应了两列（A、B）" in problems
    assert "列 C：记录属性 _record.id 只能用于上报" in problems
    required = [p for p in problems if p.startswith("目录项必填字段未对应伙伴列：")]
    assert len(required) == 1
    assert "行政处罚决定书文号（document_no）" in required[0]
    assert "行政相对人名称（subject_name）" not in required[0]


def test_partner_ddl_gives_typed_columns_and_the_key_for_each_dialect(item):
    mapping = _up_mapping()
    mapping["table"] = "xzcf"
    mysql = partner_ddl("mysql", mapping, item=item)
    assert mysql.startswith("CREATE TABLE xzcf (")
    assert "record_key VARCHAR(64) NOT NULL COMMENT '幂等键'" in mysql
    assert "`CF_WSH` VARCHAR(128) COMMENT '行政处罚决定书文号'" in mysql
    assert "`CF_FK` NUMERIC(20, 6)" in mysql
    assert "`CF_JDRQ` DATE" in mysql
    assert "`JLID` BIGINT" in mysql
    assert "synced_at DATETIME" in mysql
    assert "PRIMARY KEY (record_key)" in mysql
    assert mysql.endswith("ENGINE=InnoDB CHARSET=utf8mb4 COMMENT='行政处罚'")
    pg = partner_ddl("postgresql", mapping, item=item)
    assert '"CF_WSH" VARCHAR(128)' in pg
    assert "synced_at TIMESTAMP WITHOUT TIME ZONE" in pg
    inbound = partner_ddl("mariadb", _in_mapping() | {"table": "hmd"}, item=item)
    assert "id BIGINT NOT NULL COMMENT '主键' AUTO_INCREMENT" in inbound
    assert "sync_status VARCHAR(16)" in inbound
    assert "sync_message VARCHAR(500)" in inbound
    assert "batch_id BIGINT" in inbound
