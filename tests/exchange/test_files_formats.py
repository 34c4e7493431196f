"""Data files in xlsx and txt besides XML (each both ways, zipped or not), headers checked, our
receipts in the partner's format, the partner's receipts read back through the runner
(已发送待回执 → 已确认 / 被拒收), file names and their sequence kept in OutboundFile, and
hostile files that fail the run and stay where they are."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import re
import zipfile
from typing import Any

import openpyxl
import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.errors import ValidationFailed
from credit.exchange.adapters import ExchangeError, InboundReceipt, Outgoing
from credit.exchange.adapters.files import FilesAdapter
from credit.exchange.constants import DeliveryStatus, RunStatus
from credit.exchange.models import Delivery, OutboundFile
from credit.exchange.services import runner
from credit.exchange.services.partners import create_channel, create_partner
from credit.records.models import CreditRecord
from tests.exchange.conftest import BLACKLIST, PENALTY, make_subject

pytestmark = pytest.mark.django_db

UP_FIELDS = {"CF_WSH": "document_no", "XDR_MC": "subject_name", "ZT": "_record.status"}
HMD_FIELDS = {"DWMC": "unit_name", "TYSHXYDM": "uscc", "KSSJ": "start_date", "NRLY": "reason"}
_codes = itertools.count(1)


def config(base, **extra: Any) -> dict[str, Any]:
    return {"transport": "local", "path": str(base), "message_code": "XZCF", **extra}


def partner_of(cfg: dict[str, Any]):
    return create_partner(
        actor=None, code=f"files-fmt-{next(_codes)}", name="文件格式测试伙伴", kind="files",
        region="320400", config=cfg,
    )  # fmt: skip


def up_channel_of(partner, fields: dict[str, str] = UP_FIELDS):
    return create_channel(
        actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
        mapping={"fields": fields},
    )  # fmt: skip


def in_channel_of(partner, fields: dict[str, str] = HMD_FIELDS):
    return create_channel(
        actor=None, partner=partner, item=BLACKLIST, direction="down", period="daily",
        department="YJ", mapping={"fields": fields},
    )  # fmt: skip


def outgoing(*names: str) -> list[Outgoing]:
    return [
        Outgoing(
            key=f"{100 + i}-1",
            record_id=100 + i,
            version=1,
            change_kind="created",
            fields={
                "document_no": f"常市监罚〔2026〕{i}号",
                "subject_name": name,
                "_record": {"status": "active"},
            },
        )
        for i, name in enumerate(names, start=1)
    ]


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def txt(rows: list[list[Any]], delimiter: str = "|") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode("utf-8")


def zipped(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def unzip(data: bytes) -> tuple[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = archive.namelist()
        return name, archive.read(name)


def sheet_rows(data: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]
    width = max(map(len, rows))
    return [row + [None] * (width - len(row)) for row in rows]


def txt_rows(data: bytes, delimiter: str = "|") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline=""), delimiter=delimiter))


def today() -> str:
    return timezone.localdate().strftime("%Y%m%d")


# --- upward: xlsx and txt ----------------------------------------------------------------------


def test_an_upward_xlsx_holds_key_kind_version_then_the_mapped_columns_as_text(tmp_path):
    partner = partner_of(config(tmp_path, format="xlsx", zip=False))
    channel = up_channel_of(partner)
    FilesAdapter(partner).send(channel, outgoing("甲公司", '=HYPERLINK("http://x")'))

    (written,) = (tmp_path / "outbox").iterdir()
    assert written.name == f"XZCF_{today()}_00001.xlsx"
    assert sheet_rows(written.read_bytes()) == [
        ["键", "变更类型", "版本", "CF_WSH", "XDR_MC", "ZT"],
        ["101-1", "created", "1", "常市监罚〔2026〕1号", "甲公司", "active"],
        ["102-1", "created", "1", "常市监罚〔2026〕2号", '=HYPERLINK("http://x")', "active"],
    ]
    # A value that looks like a formula is written as text, never as a formula.
    book = openpyxl.load_workbook(io.BytesIO(written.read_bytes()))
    assert book.worksheets[0]["E3"].data_type == "s"
    (row,) = OutboundFile.objects.filter(channel=channel)
    assert (row.name, row.seq, row.records, row.message_code, row.run) == (
        written.name, 1, 2, "XZCF", None,
    )  # fmt: skip


def test_an_upward_txt_is_zipped_with_its_delimiter_and_quotes_values_holding_it(tmp_path):
    partner = partner_of(config(tmp_path, format="txt", zip=True, delimiter=","))
    channel = up_channel_of(partner)
    FilesAdapter(partner).send(channel, outgoing("甲,乙联合体"))

    (written,) = (tmp_path / "outbox").iterdir()
    assert written.name == f"XZCF_{today()}_00001.zip"
    inner, data = unzip(written.read_bytes())
    assert inner == f"XZCF_{today()}_00001.txt"
    assert data.decode("utf-8").splitlines()[0] == "键,变更类型,版本,CF_WSH,XDR_MC,ZT"
    assert txt_rows(data, ",")[1] == [
        "101-1", "created", "1", "常市监罚〔2026〕1号", "甲,乙联合体", "active",
    ]  # fmt: skip
    assert OutboundFile.objects.get(channel=channel).name == written.name


# --- inbound: xlsx and txt, our receipts in the partner's format ---------------------------------


def test_an_inbound_xlsx_is_read_by_header_and_answered_with_an_xlsx_receipt(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "HMD_20260513_00001.xlsx").write_bytes(
        xlsx(
            [
                ["备注", "键", "DWMC", "TYSHXYDM", "KSSJ", "NRLY"],
                ["x", "k7", "甲公司", "913204", datetime.date(2026, 3, 1), "较大事故"],
                [None, None, None, None, None, None],
                ["", 8, " 乙公司 ", None, "2026-04-01", None],
            ]
        )
    )
    partner = partner_of(config(tmp_path, format="xlsx", message_code="HMD"))
    channel = in_channel_of(partner)
    adapter = FilesAdapter(partner)

    offered = adapter.fetch(channel, 100)
    assert [i.fields for i in offered] == [
        {"unit_name": "甲公司", "uscc": "913204", "start_date": "2026-03-01", "reason": "较大事故"},
        {"unit_name": "乙公司", "uscc": None, "start_date": "2026-04-01", "reason": None},
    ]
    adapter.acknowledge(
        channel,
        [
            InboundReceipt(offered[0].key, True, "", 31, 2),
            InboundReceipt(offered[1].key, False, "缺少统一社会信用代码", 31, 3),
        ],
    )
    receipt = (tmp_path / "receipts" / "HMD_20260513_00001.receipt.xlsx").read_bytes()
    assert sheet_rows(receipt) == [
        ["键", "结果", "批次", "行号", "原因"],
        ["k7", "accepted", "31", "2", None],
        ["8", "rejected", "31", "3", "缺少统一社会信用代码"],
    ]
    assert (inbox / "done" / "HMD_20260513_00001.xlsx").exists()


def test_an_inbound_zipped_txt_without_a_key_column_is_keyed_by_row_and_ingested(tmp_path):
    subjects = [make_subject(), make_subject()]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["DWMC", "TYSHXYDM", "KSSJ", "NRLY"]] + [
        [s.name, s.uscc, "2026-03-01", "较大事故"] for s in subjects
    ]
    rows.append(["无代码单位", "不是代码", "", "缺开始时间"])
    (inbox / "HMD_20260513_00002.zip").write_bytes(
        zipped(("HMD_20260513_00002.txt", "\ufeff".encode() + txt(rows)))
    )
    partner = partner_of(config(tmp_path, format="txt", message_code="HMD"))
    channel = in_channel_of(partner)

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received, run.acked, run.rejected) == (RunStatus.PARTIAL, 3, 2, 1)
    assert CreditRecord.objects.filter(item__code=BLACKLIST, legal_person__in=subjects).count() == 2
    receipt = txt_rows((tmp_path / "receipts" / "HMD_20260513_00002.receipt.txt").read_bytes())
    assert receipt[0] == ["键", "结果", "批次", "行号", "原因"]
    assert [(r[0], r[1], r[2], r[3]) for r in receipt[1:]] == [
        ("1", "accepted", str(run.batch_id), "2"),
        ("2", "accepted", str(run.batch_id), "3"),
        ("3", "rejected", str(run.batch_id), "4"),
    ]
    assert receipt[3][4]  # the row's errors, in Chinese
    assert (inbox / "done" / "HMD_20260513_00002.zip").exists()


def test_an_inbound_xml_is_still_read_when_the_partner_format_is_txt(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.xml").write_bytes('<报文><记录 key="9"><DWMC>丙公司</DWMC></记录></报文>'.encode())
    partner = partner_of(config(tmp_path, format="txt", message_code="HMD"))
    channel = in_channel_of(partner)
    adapter = FilesAdapter(partner)
    (offered,) = adapter.fetch(channel, 10)
    assert offered.fields["unit_name"] == "丙公司"
    adapter.acknowledge(channel, [InboundReceipt(offered.key, True, "", 1, 2)])
    assert txt_rows((tmp_path / "receipts" / "a.receipt.txt").read_bytes())[1][:2] == [
        "9", "accepted",
    ]  # fmt: skip


@pytest.mark.parametrize("fmt", ["txt", "xlsx"])
def test_a_header_missing_mapped_columns_names_them_and_the_file_stays(tmp_path, fmt):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [["DWMC", "KSSJ"], ["甲公司", "2026-03-01"]]
    name = f"HMD_1.{fmt}"
    (inbox / name).write_bytes(txt(rows) if fmt == "txt" else xlsx(rows))
    partner = partner_of(config(tmp_path, format=fmt, message_code="HMD"))
    channel = in_channel_of(partner)
    # (the mapping's order as stored: PostgreSQL's jsonb orders an object's keys)
    missing = r"缺少列：(TYSHXYDM、NRLY|NRLY、TYSHXYDM)（表头为：DWMC、KSSJ）"
    with pytest.raises(ExchangeError, match=rf"{name} {missing}"):
        FilesAdapter(partner).fetch(channel, 10)

    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED and re.search(missing, run.error)
    assert (inbox / name).exists() and not (inbox / "done").exists()


def test_a_txt_row_with_more_fields_than_the_header_is_refused(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "HMD_1.txt").write_bytes(
        txt([["DWMC", "TYSHXYDM", "KSSJ", "NRLY"], ["甲", "9132", "2026-03-01", "x", "多出"]])
    )
    partner = partner_of(config(tmp_path, format="txt", message_code="HMD"))
    with pytest.raises(ExchangeError, match="第 2 行有 5 列，多于表头的 4 列"):
        FilesAdapter(partner).fetch(in_channel_of(partner), 10)


# --- hostile files: a failed run, no exception, the file left in place ---------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "HMD_1.zip",
            zipped(("a.txt", b"DWMC\n"), ("b.txt", b"DWMC\n")),
            "应包含且仅包含一个 xml、xlsx 或 txt 文件（其中有 2 个文件）",
        ),
        ("HMD_2.zip", b"PK\x03\x04 not really a zip", "不是有效的 zip 压缩包"),
        ("HMD_3.xlsx", b"just some text, not a workbook", "不是有效的 xlsx 工作簿"),
        (
            "HMD_4.xml",
            '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><报文><记录 键="1">'
            "<DWMC>&a;</DWMC></记录></报文>".encode(),
            "不是有效的 XML",
        ),
        ("HMD_5.txt", "DWMC|KSSJ\n".encode("gbk") + "甲公司".encode("gbk"), "不是 UTF-8 编码"),
        ("HMD_6.zip", zipped(("HMD_6.exe", b"MZ")), "应包含且仅包含一个 xml、xlsx 或 txt 文件"),
    ],
)
def test_a_hostile_inbound_file_fails_the_run_and_stays(tmp_path, name, data, message):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / name).write_bytes(data)
    partner = partner_of(config(tmp_path, format="txt", message_code="HMD"))
    channel = in_channel_of(partner)

    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert name in run.error and message in run.error
    assert (inbox / name).read_bytes() == data
    assert not (tmp_path / "receipts").exists()


# --- the partner's receipts read back ----------------------------------------------------------


def receipt_xml(rows: list[tuple[str, str, str]]) -> bytes:
    records = "".join(f'<记录 键="{k}" 结果="{r}">{why}</记录>' for k, r, why in rows)
    return f'<?xml version="1.0" encoding="UTF-8"?><回执>{records}</回执>'.encode()


@pytest.mark.parametrize("fmt", ["xml", "xlsx", "txt"])
def test_the_partners_receipts_make_sent_deliveries_acked_or_rejected(tmp_path, penalty, fmt):
    records = [penalty(), penalty(), penalty()]
    partner = partner_of(config(tmp_path, format=fmt, zip=True, receipts=True))
    channel = up_channel_of(partner)

    first = runner.run_channel(actor=None, channel=channel)
    assert (first.status, first.sent, first.acked, first.rejected) == (
        RunStatus.SUCCEEDED, 3, 0, 0,
    )  # fmt: skip
    deliveries = {d.record_id: d for d in Delivery.objects.filter(channel=channel)}
    assert {d.status for d in deliveries.values()} == {DeliveryStatus.SENT}
    (written,) = OutboundFile.objects.filter(channel=channel)
    assert (written.run_id, written.records, written.receipt_at) == (first.pk, 3, None)
    assert written.name == f"XZCF_{today()}_00001.zip"
    assert (tmp_path / "outbox" / written.name).exists()

    keys = [f"{r.pk}-1" for r in records]
    rows = [
        (keys[0], "accepted", ""),
        (keys[1], "rejected", "处罚决定书文号重复"),
        (keys[2], "maybe", ""),
    ]
    stem = written.name.removesuffix(".zip")
    if fmt == "xml":
        data = receipt_xml(rows)
    else:
        table = [["键", "结果", "原因"], *[list(r) for r in rows]]
        data = xlsx(table) if fmt == "xlsx" else txt(table)
    receipts = tmp_path / "outbox_receipts"
    receipts.mkdir()
    (receipts / f"{stem}.receipt.{fmt}").write_bytes(data)
    # A receipt for a file of no channel here is left alone.
    (receipts / "XZCF_20000101_00001.receipt.xml").write_bytes(receipt_xml([]))

    second = runner.run_channel(actor=None, channel=channel)
    assert (second.status, second.sent, second.acked, second.rejected) == (
        RunStatus.PARTIAL, 0, 1, 2,
    )  # fmt: skip
    by_record = {d.record_id: d for d in Delivery.objects.filter(channel=channel)}
    assert by_record[records[0].pk].status == DeliveryStatus.ACKED
    assert (by_record[records[1].pk].status, by_record[records[1].pk].reason) == (
        DeliveryStatus.REJECTED, "处罚决定书文号重复",
    )  # fmt: skip
    assert by_record[records[2].pk].status == DeliveryStatus.REJECTED
    assert "结果“maybe”无法识别" in by_record[records[2].pk].reason
    written.refresh_from_db()
    assert (written.accepted, written.rejected) == (1, 2) and written.receipt_at is not None
    assert (receipts / "done" / f"{stem}.receipt.{fmt}").exists()
    assert sorted(p.name for p in receipts.iterdir() if p.is_file()) == [
        "XZCF_20000101_00001.receipt.xml"
    ]

    third = runner.run_channel(actor=None, channel=channel)  # nothing read twice
    assert (third.acked, third.rejected) == (0, 0)


def test_a_zipped_receipt_is_read_and_a_malformed_one_fails_the_run_naming_it(tmp_path, penalty):
    record = penalty()
    partner = partner_of(config(tmp_path, format="txt", zip=False, receipts=True))
    channel = up_channel_of(partner)
    runner.run_channel(actor=None, channel=channel)
    stem = OutboundFile.objects.get(channel=channel).name.removesuffix(".txt")
    receipts = tmp_path / "outbox_receipts"
    receipts.mkdir()
    bad = receipts / f"{stem}.receipt.txt"
    bad.write_bytes(txt([["编号", "结论"], [f"{record.pk}-1", "accepted"]]))

    failed = runner.run_channel(actor=None, channel=channel)
    assert failed.status == RunStatus.FAILED
    assert f"回执文件 {bad.name} 缺少列：结果" in failed.error
    assert bad.exists()
    assert Delivery.objects.get(channel=channel).status == DeliveryStatus.SENT

    bad.unlink()
    (receipts / f"{stem}.receipt.zip").write_bytes(
        zipped((f"{stem}.receipt.xml", receipt_xml([(f"{record.pk}-1", "接收", "")])))
    )
    ok = runner.run_channel(actor=None, channel=channel)
    assert (ok.status, ok.acked) == (RunStatus.SUCCEEDED, 1)
    assert Delivery.objects.get(channel=channel).status == DeliveryStatus.ACKED
    assert (receipts / "done" / f"{stem}.receipt.zip").exists()


def test_without_receipts_a_written_file_acknowledges_at_once(tmp_path, penalty):
    penalty()
    partner = partner_of(config(tmp_path, format="xlsx"))
    channel = up_channel_of(partner)
    run = runner.run_channel(actor=None, channel=channel)
    assert (run.sent, run.acked) == (1, 1)
    assert Delivery.objects.get(channel=channel).status == DeliveryStatus.ACKED
    assert FilesAdapter(partner).collect_receipts(channel) == []


# --- names and their sequence -------------------------------------------------------------------


def test_the_sequence_follows_recorded_and_listed_files_and_starts_again_each_day(
    tmp_path, monkeypatch
):
    partner = partner_of(config(tmp_path, format="xml", zip=False))
    channel = up_channel_of(partner)
    adapter = FilesAdapter(partner)
    day = timezone.localdate()
    # Recorded but gone from the folder (the partner moved it): still taken.
    OutboundFile.objects.create(
        partner=partner, channel=channel, name=f"XZCF_{day:%Y%m%d}_00007.xml",
        message_code="XZCF", day=day, seq=7,
    )  # fmt: skip
    adapter.send(channel, outgoing("甲"))
    assert (tmp_path / "outbox" / f"XZCF_{day:%Y%m%d}_00008.xml").exists()
    # In the folder but not recorded (written by an older version): taken as well.
    (tmp_path / "outbox" / f"XZCF_{day:%Y%m%d}_00012.zip").write_bytes(b"")
    adapter.send(channel, outgoing("乙"))
    assert (tmp_path / "outbox" / f"XZCF_{day:%Y%m%d}_00013.xml").exists()
    # The name is taken by a file of another code: the next sequence.
    OutboundFile.objects.create(
        partner=partner, channel=channel, name=f"XZCF_{day:%Y%m%d}_00014.xml",
        message_code="OTHER", day=day, seq=14,
    )  # fmt: skip
    adapter.send(channel, outgoing("丙"))
    assert (tmp_path / "outbox" / f"XZCF_{day:%Y%m%d}_00015.xml").exists()

    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    monkeypatch.setattr(timezone, "localtime", lambda *a, **k: tomorrow)
    adapter.send(channel, outgoing("丁"))
    assert (tmp_path / "outbox" / f"XZCF_{tomorrow:%Y%m%d}_00001.xml").exists()
    assert list(
        OutboundFile.objects.filter(channel=channel, message_code="XZCF")
        .order_by("day", "seq")
        .values_list("seq", flat=True)
    ) == [7, 8, 13, 15, 1]


def test_a_failed_write_records_no_file(tmp_path):
    partner = partner_of(config(tmp_path, format="xml"))
    channel = up_channel_of(partner)
    (tmp_path / "outbox").write_text("a file where the folder should be")
    with pytest.raises(ExchangeError, match="写入失败"):
        FilesAdapter(partner).send(channel, outgoing("甲"))
    assert not OutboundFile.objects.filter(channel=channel).exists()


def test_the_channel_page_lists_the_files_written(client, make_user, tmp_path, penalty):
    penalty()
    partner = partner_of(config(tmp_path, format="txt", receipts=True))
    channel = up_channel_of(partner)
    runner.run_channel(actor=None, channel=channel)
    written = OutboundFile.objects.get(channel=channel)
    client.force_login(make_user(Role.CITY_ADMIN))
    page = client.get(f"/exchange/channels/{channel.pk}/").content.decode()
    assert "已发送文件" in page and written.name in page and "未读到回执" in page


def test_inbound_channels_sharing_an_inbox_each_read_their_own_message_code(tmp_path):
    listed, quality = make_subject(), make_subject()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "HMD_20260513_00001.txt").write_bytes(
        txt(
            [["DWMC", "TYSHXYDM", "KSSJ", "NRLY"], [listed.name, listed.uscc, "2026-03-01", "事故"]]
        )
    )
    (inbox / "ZLSX_20260513_00001.txt").write_bytes(
        txt([["QYMC", "TYSHXYDM"], [quality.name, quality.uscc]])
    )
    partner = partner_of(config(tmp_path, format="txt", message_code="HMD"))
    blacklist = create_channel(
        actor=None, partner=partner, item=BLACKLIST, direction="down", period="daily",
        department="YJ", mapping={"fields": HMD_FIELDS, "message_code": "HMD"},
    )  # fmt: skip
    dishonest = create_channel(
        actor=None, partner=partner, item="quality-dishonest", direction="down",
        period="daily", department="SCJG",
        mapping={"fields": {"QYMC": "enterprise_name", "TYSHXYDM": "uscc"},
                 "message_code": "ZLSX"},
    )  # fmt: skip

    first = runner.run_channel(actor=None, channel=blacklist)
    assert (first.received, first.acked) == (1, 1)
    assert (inbox / "ZLSX_20260513_00001.txt").exists()  # not this channel's file
    second = runner.run_channel(actor=None, channel=dishonest)
    assert (second.received, second.acked) == (1, 1)
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "HMD_20260513_00001.txt",
        "ZLSX_20260513_00001.txt",
    ]
    assert CreditRecord.objects.filter(
        item__code="quality-dishonest", legal_person=quality
    ).exists()
    with pytest.raises(ValidationFailed, match="报文号 message_code 应为"):
        create_channel(
            actor=None, partner=partner, item="admin-license", direction="in",
            period="daily", department="SCJG",
            mapping={"fields": {"XKZ": "subject_name"}, "message_code": "bad code"},
        )  # fmt: skip
