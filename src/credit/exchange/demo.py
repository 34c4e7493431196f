"""The demo's provincial exchange partner (``credit seed-demo``): 江苏省公共信用信息平台（演示）,
an intermediate database on this machine's MariaDB (``127.0.0.1:3306``, user root without a
password, database ``test``), with four channels:

- 上报 行政处罚 (daily) into ``demo_province_xzcf``: the city's penalty records written by
  idempotent key (``<record id>-<version>``) with the change kind, version and time — every
  existing one put in the outbox when the channel is made (初始全量: the demo's bulk-loaded
  records made no change events), then the change feed;
- 下发 严重质量失信企业 (irregular) from ``demo_province_hmd``: the province's list rows,
  collected for 市场监管局 through the ingest pipeline, each row's outcome written back to its
  ``sync_status``/``sync_message`` columns (one row with a wrong code, to show a refusal);
- 上报 行政处罚 异议和更正结果 (daily) into ``demo_province_yyjg``: every outcome of an
  objection, a credit repair or a department's correction of a penalty (the demo's earlier
  ones included), one row each (:mod:`credit.exchange.services.contents`);
- 上报 行政处罚 资源目录 (irregular) into ``demo_province_mulu``: the item's definition, one row
  per version.

The tables are the ones :func:`credit.exchange.adapters.database.partner_ddl` gives for the
mappings (created when missing, or made again when the demo partner is new on this platform;
the list rows inserted only into a new table). Every channel runs once. When MariaDB cannot
be reached the demo says so and creates nothing.

Idempotent: a second run finds the partner, channels and tables and runs the channels again
(nothing new to send or collect).
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

PARTNER_CODE = "js-province-demo"
PARTNER_NAME = "江苏省公共信用信息平台（演示）"
URL = "mysql+pymysql://root@127.0.0.1:3306/test"
HOST, PORT = "127.0.0.1", 3306
UNREACHABLE = "未连接到 MariaDB（127.0.0.1:3306），演示省平台交换伙伴未配置"

#: The demo's tables in the partner database are named ``<prefix>xzcf`` and ``<prefix>hmd``.
TABLE_PREFIX = "demo_province_"
#: 下发 严重质量失信企业: the item and the department its rows are collected for.
DOWN_ITEM = "quality-dishonest"
DOWN_DEPARTMENT = "SCJG"


def up_mapping(prefix: str = TABLE_PREFIX) -> dict[str, Any]:
    """上报 行政处罚: partner column → field code (or record metadata), into ``<prefix>xzcf``."""
    return {
        "table": f"{prefix}xzcf",
        "key_column": "record_key",
        "fields": {
            "CF_XDR_MC": "subject_name",
            "CF_XDR_SHXYM": "uscc",
            "CF_WSH": "document_no",
            "CF_WFXW": "violation_type",
            "CF_CFLB": "penalty_category",
            "CF_NR": "penalty_content",
            "CF_JDRQ": "decision_date",
            "CF_CFJG": "authority",
            "XZQH": "_record.region",
            "ZT": "_record.status",
        },
        "kind_column": "change_kind",
        "version_column": "record_version",
        "time_column": "synced_at",
    }


def down_mapping(prefix: str = TABLE_PREFIX) -> dict[str, Any]:
    """下发 严重质量失信企业 from ``<prefix>hmd``: partner column → field code, and the status
    columns the platform writes back."""
    return {
        "table": f"{prefix}hmd",
        "key_column": "id",
        "fields": {"QYMC": "enterprise_name", "TYSHXYDM": "uscc"},
        "status_column": "sync_status",
        "message_column": "sync_message",
    }


def objections_mapping(prefix: str = TABLE_PREFIX) -> dict[str, Any]:
    """上报 行政处罚 异议和更正结果 into ``<prefix>yyjg``: partner column → outcome code."""
    return {
        "table": f"{prefix}yyjg",
        "key_column": "event_key",
        "fields": {
            "JLBH": "record_id",
            "BGLX": "change_kind",
            "BLLX": "case_type",
            "SLBH": "case_no",
            "CLJG": "result",
            "CLYJ": "reason",
            "BLSJ": "decided_at",
            "LYBM": "department",
            "XDR_MC": "subject_name",
            "XDR_DM": "subject_code",
            "XZQH": "region",
        },
        "version_column": "record_version",
        "time_column": "synced_at",
    }


def catalog_mapping(prefix: str = TABLE_PREFIX) -> dict[str, Any]:
    """上报 行政处罚 资源目录 into ``<prefix>mulu``: partner column → definition code."""
    return {
        "table": f"{prefix}mulu",
        "key_column": "version_key",
        "fields": {
            "MLBS": "code",
            "MLMC": "name",
            "BB": "version",
            "FL": "category",
            "ZTLX": "subject_type",
            "GXZQ": "update_period",
            "SYFW": "usage_scope",
            "LYBM": "source_departments",
            "ZDS": "field_count",
            "ZDGG": "fields",
            "YJ": "basis",
        },
        "kind_column": "change_kind",
        "time_column": "synced_at",
    }


#: The row of the province's list whose code is wrong (its refusal goes back to the province).
BAD_ROW = {"QYMC": "常州某某质量失信企业（代码有误）", "TYSHXYDM": "91320400MA1XXXXXX0"}


def reachable(host: str = HOST, port: int = PORT, timeout: float = 1.0) -> bool:
    """Whether something listens on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _create_tables(url: str, report: Callable[[str], Any], prefix: str, *, fresh: bool) -> bool:
    """The partner's two tables, created when missing (the partner's side of the demo) — or
    made again when the demo partner is ``fresh`` (new on this platform: tables left by an
    earlier demo name other records); the province's list rows inserted into a new list
    table. True when the list table is new."""
    import sqlalchemy as sa

    from credit.catalog.models import CatalogItem
    from credit.exchange.adapters.database import partner_ddl
    from credit.exchange.constants import Content, Direction
    from credit.exchange.services.contents import vocabulary

    engine = sa.create_engine(url, connect_args={"connect_timeout": 5})
    up, down = up_mapping(prefix), down_mapping(prefix)
    created_list = False
    try:
        with engine.begin() as conn:
            existing = set(sa.inspect(conn).get_table_names())
            quote = conn.dialect.identifier_preparer.quote
            for mapping, direction, code, content in (
                (up, Direction.UP, "admin-penalty", Content.RECORDS),
                (down, Direction.DOWN, DOWN_ITEM, Content.RECORDS),
                (objections_mapping(prefix), Direction.UP, "admin-penalty", Content.OBJECTIONS),
                (catalog_mapping(prefix), Direction.UP, "admin-penalty", Content.CATALOG),
            ):
                if mapping["table"] in existing:
                    if not fresh:
                        continue
                    conn.execute(sa.text(f"DROP TABLE {quote(mapping['table'])}"))
                item = vocabulary(content, CatalogItem.objects.get(code=code))
                ddl = partner_ddl(conn.dialect.name, mapping, direction=direction, item=item)
                conn.execute(sa.text(ddl))
                report(f"  省平台中间库：已建表 {mapping['table']}")
                created_list = created_list or mapping is down
            if created_list:
                rows = _province_rows()
                table = sa.table(down["table"], sa.column("QYMC"), sa.column("TYSHXYDM"))
                conn.execute(sa.insert(table), rows)
                report(f"  省平台中间库：{down['table']} 写入 {len(rows)} 行待下发名单")
    finally:
        engine.dispose()
    return created_list


def _province_rows() -> list[dict[str, str]]:
    """A few enterprises of the demo on the province's list, and one row whose code is
    wrong (its refusal is written back to the province)."""
    from credit.subjects.models import LegalPerson

    rows = [
        {"QYMC": lp.name, "TYSHXYDM": lp.uscc}
        for lp in LegalPerson.objects.exclude(uscc="").order_by("id")[:3]
    ]
    rows.append(dict(BAD_ROW))
    return rows


def _partner(report: Callable[[str], Any], url: str, prefix: str) -> tuple[Any, int]:
    """The demo partner and its channels, made when missing; a new upward channel gets
    every existing 行政处罚 record in its outbox (初始全量). Returns the partner and how many
    records that put in the outbox."""
    from credit.core.models import Department
    from credit.exchange.adapters import redact
    from credit.exchange.constants import Content, Direction, PartnerKind, Period
    from credit.exchange.models import Channel, Partner
    from credit.exchange.services import partners as services
    from credit.exchange.services.runner import load_all

    partner = Partner.objects.filter(code=PARTNER_CODE).first()
    if partner is None:
        partner = services.create_partner(
            actor=None,
            code=PARTNER_CODE,
            name=PARTNER_NAME,
            kind=PartnerKind.DATABASE,
            region="320400",
            config={"url": url},
            note="演示：本机 MariaDB 的 test 库模拟省平台中间库",
        )
        report(f"  交换伙伴：{PARTNER_NAME}（{redact(url)}）")
    loaded = 0
    if not Channel.objects.filter(
        partner=partner, direction=Direction.UP, content=Content.RECORDS
    ).exists():
        channel = services.create_channel(
            actor=None,
            partner=partner,
            item="admin-penalty",
            direction=Direction.UP,
            period=Period.DAILY,
            mapping=up_mapping(prefix),
        )
        # 初始全量: the records loaded in bulk by the demo made no change events
        loaded = load_all(actor=None, channel=channel)
        report(f"  上报 行政处罚 初始全量：{loaded} 条放入待发送")
    if not Channel.objects.filter(partner=partner, direction=Direction.DOWN).exists():
        services.create_channel(
            actor=None,
            partner=partner,
            item=DOWN_ITEM,
            direction=Direction.DOWN,
            period=Period.IRREGULAR,
            department=Department.objects.get(code=DOWN_DEPARTMENT),
            mapping=down_mapping(prefix),
        )
    for content, period, mapping in (
        (Content.OBJECTIONS, Period.DAILY, objections_mapping(prefix)),
        (Content.CATALOG, Period.IRREGULAR, catalog_mapping(prefix)),
    ):
        if not Channel.objects.filter(partner=partner, content=content).exists():
            services.create_channel(
                actor=None,
                partner=partner,
                item="admin-penalty",
                direction=Direction.UP,
                content=content,
                period=period,
                mapping=mapping,
            )
    return partner, loaded


def seed_exchange(
    *, report: Callable[[str], Any] = print, url: str = URL, prefix: str = TABLE_PREFIX
) -> dict[str, int]:
    """The demo provincial partner on MariaDB with its channels, each run once; counts of the
    records sent, acknowledged, collected and refused (empty when MariaDB is unreachable; the
    outcome and catalog channels are reported, not counted). ``url`` and ``prefix`` (of the
    tables' names) let the tests use tables of their own."""
    from credit.exchange.constants import Content, Direction
    from credit.exchange.models import Partner
    from credit.exchange.services.runner import run_channel

    if not reachable():
        report(UNREACHABLE)
        return {}
    try:
        fresh = not Partner.objects.filter(code=PARTNER_CODE).exists()
        _create_tables(url, report, prefix, fresh=fresh)
    except Exception as exc:
        from credit.exchange.adapters import redact

        report(f"{UNREACHABLE}：{redact(str(exc))[:200]}")
        return {}
    partner, loaded = _partner(report, url, prefix)
    counts = {
        "loaded": loaded,
        "sent": 0,
        "acked": 0,
        "rejected": 0,
        "received": 0,
        "collected": 0,
        "returned": 0,
    }
    for channel in partner.channels.select_related("item").order_by("direction", "id"):
        run = run_channel(actor=None, channel=channel, trigger="job", limit=100_000)
        if channel.content != Content.RECORDS:
            report(
                f"  上报 {channel.item.name}{channel.get_content_display()}：取出 {run.taken} "
                f"发送 {run.sent} 确认 {run.acked} 拒收 {run.rejected}"
                f"（{run.get_status_display()}）"
            )
        elif channel.direction == Direction.UP:
            counts["sent"] += run.sent
            counts["acked"] += run.acked
            counts["rejected"] += run.rejected
            report(
                f"  上报 {channel.item.name}：取出 {run.taken} 发送 {run.sent} "
                f"确认 {run.acked} 拒收 {run.rejected}（{run.get_status_display()}）"
            )
        else:
            counts["received"] += run.received
            counts["collected"] += run.acked
            counts["returned"] += run.rejected
            report(
                f"  下发 {channel.item.name}：接收 {run.received} 入库 {run.acked} "
                f"退回 {run.rejected}（{run.get_status_display()}）"
            )
        if run.error:
            report(f"  {run.error}")
    dated = _history(partner)
    if dated:
        report(f"  按每日交换补记 {dated} 条上报记录的发送时间（对账、上报时效可查看往期）")
    return counts


def _history(partner: Any) -> int:
    """The demo's upward records as if the daily exchange had run all along: each delivery
    this seeding just sent and got confirmed is dated on a working day 1–6 after its record's
    decision (one in twenty 8–12, late for the 7-working-day rule), sent at 01:00 the next
    day, confirmed a minute later — never later than now. The deliveries of an earlier
    seeding keep their dates. How many were dated."""
    import datetime

    from django.utils import timezone

    from credit.core import workdays
    from credit.exchange.constants import Content, DeliveryStatus, Direction
    from credit.exchange.models import Delivery

    now = timezone.now()
    fresh = list(
        Delivery.objects.filter(
            channel__partner=partner,
            channel__direction=Direction.UP,
            channel__content=Content.RECORDS,
            status=DeliveryStatus.ACKED,
            sent_at__gte=now - datetime.timedelta(hours=1),
        )
        .exclude(record__decision_date=None)
        .select_related("record")
    )
    if not fresh:
        return 0
    days = [d.record.decision_date for d in fresh]
    calendar = workdays.WorkdayCalendar(min(days), max(days) + datetime.timedelta(days=40))
    tz = timezone.get_default_timezone()
    dated = []
    for delivery in fresh:
        pk = delivery.record_id
        after = 8 + pk % 5 if pk % 20 == 0 else 1 + pk % 6
        day = calendar.add_working_days(delivery.record.decision_date, after)
        queued = datetime.datetime.combine(day, datetime.time(17, 0), tzinfo=tz)
        sent = queued + datetime.timedelta(hours=8)
        if sent <= now - datetime.timedelta(hours=1):  # else it keeps its time
            delivery.created_at, delivery.sent_at = queued, sent
            delivery.acked_at = sent + datetime.timedelta(minutes=1)
            dated.append(delivery)
    Delivery.objects.bulk_update(dated, ["created_at", "sent_at", "acked_at"], batch_size=1000)
    return len(dated)


# --- the district's sub-platform: data files with receipts -----------------------------------

DISTRICT_CODE = "tianning-sub-demo"
DISTRICT_NAME = "天宁区信用子平台（演示，数据文件）"
DISTRICT_REGION = "320402"
#: Why the demo's sub-platform refuses the first key of the first file (to show a refusal).
DISTRICT_REFUSAL = "演示：子平台校验未通过（处罚决定书文号与本地记录重复）"


def district_folder() -> Any:
    """The demo sub-platform's folder: ``<CREDIT_VAR_DIR or var>/exchange/tianning``."""
    import os
    from pathlib import Path

    from credit.dbserver import PROJECT_ROOT

    base = Path(os.environ.get("CREDIT_VAR_DIR") or PROJECT_ROOT / "var")
    return base / "exchange" / "tianning"


def _answer_files(folder: Any) -> int:
    """Play the sub-platform: answer every file in ``outbox/`` that has no receipt yet with a
    receipt file (``outbox_receipts/<stem>.receipt.xml``) accepting every key but the first
    of the first file. Returns how many files were answered."""
    import io
    import zipfile
    from xml.etree import ElementTree as ET

    from defusedxml import ElementTree as SafeET

    outbox, answers = folder / "outbox", folder / "outbox_receipts"
    answered = 0
    for path in sorted(outbox.glob("*.zip")) if outbox.is_dir() else []:
        stem = path.name.rsplit(".", 1)[0]
        receipt = f"{stem}.receipt.xml"
        if (answers / receipt).exists() or (answers / "done" / receipt).exists():
            continue
        with zipfile.ZipFile(path) as archive:
            data = archive.read(archive.namelist()[0])
        keys = [r.get("键") for r in SafeET.fromstring(data).iter("记录")]
        root = ET.Element("回执", {"文件": path.name})
        for n, key in enumerate(keys):
            refused = n == 0 and stem.endswith("_00001")
            ET.SubElement(
                root, "记录", {"键": key, "结果": "rejected" if refused else "accepted"}
            ).text = DISTRICT_REFUSAL if refused else None
        answers.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        ET.ElementTree(root).write(buffer, encoding="utf-8", xml_declaration=True)
        (answers / receipt).write_bytes(buffer.getvalue())
        answered += 1
    return answered


def seed_district_exchange(*, report: Callable[[str], Any] = print) -> dict[str, int]:
    """天宁区's sub-platform as a partner of the 天宁区 tenant (managed by its district
    administrator, ``tianning``): data files in a local folder (:func:`district_folder`), XML
    zipped, the partner's receipts read back. One upward channel sends the district's 行政处罚
    records (初始全量 when new): the first run writes the files (已发送待回执), the demo answers
    them as the sub-platform would, and the second run reads the receipts (已确认, one 被拒收
    with its reason). Idempotent: run again, nothing new is written or answered twice."""
    from credit.exchange.constants import Direction, PartnerKind, Period
    from credit.exchange.models import Channel, Partner
    from credit.exchange.services import partners as services
    from credit.exchange.services.runner import load_all, run_channel

    folder = district_folder()
    folder.mkdir(parents=True, exist_ok=True)
    partner = Partner.objects.filter(code=DISTRICT_CODE).first()
    if partner is None:
        partner = services.create_partner(
            actor=None,
            code=DISTRICT_CODE,
            name=DISTRICT_NAME,
            kind=PartnerKind.FILES,
            region=DISTRICT_REGION,
            config={
                "transport": "local",
                "path": str(folder),
                "format": "xml",
                "zip": True,
                "message_code": "XZCF",
                "receipts": True,
            },
            note="演示：本机目录模拟天宁区子平台的交换目录，子平台对每个文件写回执",
        )
        report(f"  交换伙伴：{DISTRICT_NAME}（{folder}）")
    channel = Channel.objects.filter(partner=partner, direction=Direction.UP).first()
    loaded = 0
    if channel is None:
        channel = services.create_channel(
            actor=None,
            partner=partner,
            item="admin-penalty",
            direction=Direction.UP,
            period=Period.DAILY,
            mapping={
                "fields": {
                    "XDR_MC": "subject_name",
                    "XDR_DM": "uscc",
                    "CF_WSH": "document_no",
                    "CF_JDRQ": "decision_date",
                    "CF_CFJG": "authority",
                    "ZT": "_record.status",
                }
            },
        )
        loaded = load_all(actor=None, channel=channel)
    first = run_channel(actor=None, channel=channel, trigger="job", limit=100_000)
    answered = _answer_files(folder)
    second = run_channel(actor=None, channel=channel, trigger="job", limit=100_000)
    report(
        f"  天宁区子平台 上报 行政处罚：初始全量 {loaded}，写入文件 {first.sent} 条；"
        f"子平台回执 {answered} 个文件，确认 {second.acked} 拒收 {second.rejected}"
    )
    return {
        "district_loaded": loaded,
        "district_sent": first.sent,
        "district_acked": second.acked,
        "district_rejected": second.rejected,
    }
