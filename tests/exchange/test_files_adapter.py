"""The data-file adapter (数据文件) on a local folder, a real SFTP server (asyncssh, started
here) and a real FTP server (pyftpdlib, in a thread): outgoing files named
``<报文号>_YYYYMMDD_NNNNN`` zipped in ``outbox/`` with one <记录> per key, inbound files read
from ``inbox/`` once, receipts in ``receipts/``; the runner end to end on a local folder."""

from __future__ import annotations

import asyncio
import io
import itertools
import os
import threading
import zipfile
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET
from django.utils import timezone

from credit.core.errors import ValidationFailed
from credit.exchange.adapters import ExchangeError, InboundReceipt, Outgoing, adapter_for
from credit.exchange.adapters.files import (
    FilesAdapter,
    transports,
    validate_config,
    validate_mapping,
)
from credit.exchange.constants import RunStatus
from credit.exchange.services import runner
from credit.exchange.services.partners import create_channel, create_partner
from credit.ingest.models import Batch
from credit.records.models import CreditRecord
from tests.exchange.conftest import BLACKLIST, PENALTY, item, make_subject

pytestmark = pytest.mark.django_db

UP_FIELDS = {"CF_WSH": "document_no", "XDR_MC": "subject_name", "CF_FK": "fine_amount"}
UP_FIELDS_META = {**UP_FIELDS, "ZT": "_record.status"}
HMD_FIELDS = {"DWMC": "unit_name", "TYSHXYDM": "uscc", "KSSJ": "start_date", "NRLY": "reason"}
_codes = itertools.count(1)


class _Partner:
    """A partner as the adapter sees it (code, name, kind, config) — no database row."""

    kind = "files"
    name = "测试文件伙伴"

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config


class _Channel:
    def __init__(self, fields: dict[str, str]) -> None:
        self.mapping = {"fields": fields}


def local_config(base, **extra) -> dict[str, Any]:
    return {"transport": "local", "path": str(base), "zip": True, "message_code": "XZCF", **extra}


def files_partner(config: dict[str, Any], code: str | None = None):
    return create_partner(
        actor=None, code=code or f"files-{next(_codes)}", name="省平台文件交换（测试）",
        kind="files", region="320400", config=config,
    )  # fmt: skip


def up_pair(config: dict[str, Any], fields: dict[str, str] = UP_FIELDS_META):
    """A files partner row with an upward 行政处罚 channel, and the partner's adapter."""
    partner = files_partner(config)
    channel = create_channel(
        actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
        mapping={"fields": fields},
    )  # fmt: skip
    return FilesAdapter(partner), channel


def outgoing(n: int) -> list[Outgoing]:
    return [
        Outgoing(
            key=f"{100 + i}-1",
            record_id=100 + i,
            version=1,
            change_kind="created",
            fields={
                "document_no": f"常市监罚〔2026〕{i}号",
                "subject_name": f"常州市测试{i}有限公司",
                "fine_amount": "2.5",
                "_record": {"status": "active"},
            },
        )
        for i in range(1, n + 1)
    ]


def unzip(data: bytes) -> tuple[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        (name,) = archive.namelist()
        return name, SafeET.fromstring(archive.read(name))


def inbox_xml(rows: list[dict[str, Any]]) -> bytes:
    records = "".join(
        f'<记录 键="{key}">' + "".join(f"<{k}>{v}</{k}>" for k, v in row.items()) + "</记录>"
        for key, row in rows
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><报文 报文号="HMD">{records}</报文>'.encode()


def receipt_of(data: bytes) -> list[tuple[str, str, str | None]]:
    root = SafeET.fromstring(data)
    return [(r.get("键"), r.get("结果"), r.text) for r in root.iter("记录")]


# --- the adapter on a local folder ------------------------------------------------------------


def test_send_writes_a_zipped_xml_named_by_message_code_day_and_sequence(tmp_path):
    adapter, channel = up_pair(local_config(tmp_path))
    day = timezone.localdate().strftime("%Y%m%d")

    receipts = adapter.send(channel, outgoing(2))
    assert [(r.key, r.ok, r.pending) for r in receipts] == [
        ("101-1", True, False), ("102-1", True, False),
    ]  # fmt: skip
    adapter.send(channel, outgoing(1))  # a re-send: same key, a new file
    assert sorted(p.name for p in (tmp_path / "outbox").iterdir()) == [
        f"XZCF_{day}_00001.zip",
        f"XZCF_{day}_00002.zip",
    ]
    name, root = unzip((tmp_path / "outbox" / f"XZCF_{day}_00001.zip").read_bytes())
    assert name == f"XZCF_{day}_00001.xml"
    assert (root.tag, root.get("报文号"), root.get("记录数")) == ("报文", "XZCF", "2")
    records = root.findall("记录")
    assert [(r.get("键"), r.get("变更类型"), r.get("版本")) for r in records] == [
        ("101-1", "created", "1"),
        ("102-1", "created", "1"),
    ]
    assert {child.tag: child.text for child in records[1]} == {
        "CF_WSH": "常市监罚〔2026〕2号",
        "XDR_MC": "常州市测试2有限公司",
        "CF_FK": "2.5",
        "ZT": "active",
    }
    _, again = unzip((tmp_path / "outbox" / f"XZCF_{day}_00002.zip").read_bytes())
    assert [r.get("键") for r in again.findall("记录")] == ["101-1"]


def test_send_without_zip_writes_the_plain_xml(tmp_path):
    adapter, channel = up_pair(local_config(tmp_path, zip=False, message_code="XK"), UP_FIELDS)
    adapter.send(channel, outgoing(1))
    (written,) = (tmp_path / "outbox").iterdir()
    assert written.name.startswith("XK_") and written.name.endswith("_00001.xml")
    root = SafeET.fromstring(written.read_bytes())
    assert root.find("记录/CF_WSH").text == "常市监罚〔2026〕1号"


def test_fetch_reads_each_inbox_file_once_and_acknowledge_writes_its_receipt(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "HMD_20260513_00001.xml").write_bytes(
        inbox_xml([("7", {"DWMC": "甲公司", "TYSHXYDM": "913204", "KSSJ": "2026-03-01"})])
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("HMD_20260513_00002.xml", inbox_xml([("8", {"DWMC": "乙公司"})]))
    (inbox / "HMD_20260513_00002.zip").write_bytes(buffer.getvalue())
    adapter = FilesAdapter(_Partner(local_config(tmp_path)))
    channel = _Channel(HMD_FIELDS)

    offered = adapter.fetch(channel, 100)
    assert [i.fields for i in offered] == [
        {"unit_name": "甲公司", "uscc": "913204", "start_date": "2026-03-01", "reason": None},
        {"unit_name": "乙公司", "uscc": None, "start_date": None, "reason": None},
    ]
    adapter.acknowledge(
        channel,
        [
            InboundReceipt(offered[0].key, True, "", 31, 2),
            InboundReceipt(offered[1].key, False, "缺少统一社会信用代码", 31, 3),
        ],
    )
    receipts = tmp_path / "receipts"
    assert receipt_of((receipts / "HMD_20260513_00001.receipt.xml").read_bytes()) == [
        ("7", "accepted", None)
    ]
    assert receipt_of((receipts / "HMD_20260513_00002.receipt.xml").read_bytes()) == [
        ("8", "rejected", "缺少统一社会信用代码")
    ]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [
        "HMD_20260513_00001.xml",
        "HMD_20260513_00002.zip",
    ]
    assert adapter.fetch(channel, 100) == []  # processed once


def test_fetch_takes_whole_files_up_to_the_limit(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in (1, 2):
        rows = [(f"{n}{k}", {"DWMC": f"单位{n}{k}"}) for k in range(3)]
        (inbox / f"HMD_{n}.xml").write_bytes(inbox_xml(rows))
    adapter = FilesAdapter(_Partner(local_config(tmp_path)))
    assert len(adapter.fetch(_Channel(HMD_FIELDS), 4)) == 3  # the second file waits


def test_a_hostile_xml_is_refused_not_expanded(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "bomb.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><报文><记录 键="1">'
        "<DWMC>&a;</DWMC></记录></报文>",
        encoding="utf-8",
    )
    adapter = FilesAdapter(_Partner(local_config(tmp_path)))
    with pytest.raises(ExchangeError, match=r"bomb\.xml 不是有效的 XML"):
        adapter.fetch(_Channel(HMD_FIELDS), 10)


def test_a_missing_folder_fails_the_check_in_chinese(tmp_path):
    adapter = FilesAdapter(_Partner(local_config(tmp_path / "absent")))
    with pytest.raises(ExchangeError, match=r"数据文件 本机目录 .* 连接失败"):
        adapter.check()
    (tmp_path / "absent").mkdir()
    assert "已连接" in adapter.check()


def test_mapping_validation_names_bad_elements_and_unknown_field_codes():
    penalty = item(PENALTY)
    assert validate_mapping("up", {"fields": UP_FIELDS_META}, penalty) == []
    errors = validate_mapping(
        "up", {"fields": {"1BAD": "document_no", "XY": "nope", "ZT": "_record.colour"}}, penalty
    )
    assert errors == [
        "元素名“1BAD”不合法（字母或汉字开头，可含数字、下划线、连字符、点）",
        f"元素 XY：“nope”不是目录项“{penalty.name}”的字段",
        "元素 ZT：未知的记录属性 _record.colour",
    ]
    assert validate_mapping("in", {"fields": {"单位名称": "unit_name"}}, item(BLACKLIST))[
        0
    ].startswith("目录项必填字段未对应元素")


def test_a_files_partner_needs_a_path_and_a_message_code(admin_user):
    with pytest.raises(ValidationFailed) as caught:
        create_partner(
            actor=admin_user,
            code="files-bad",
            name="坏的文件伙伴",
            kind="files",
            region="320400",
            config={"transport": "scp"},
        )
    assert caught.value.details["errors"] == [
        f"传输方式 transport 应为 {'、'.join(transports())} 之一",
        "需要报文号 message_code（1–20 位字母或数字，如 XZCF）",
    ]
    assert transports()[:3] == ("local", "sftp", "ftp")
    assert validate_config({"transport": "local", "message_code": "XZCF"}) == [
        "数据文件的连接配置需要目录 path"
    ]
    assert validate_config(
        local_config("/x", format="csv", zip="yes", delimiter="ab", receipt_timeout_hours=0)
    ) == [
        "文件格式 format 应为 xml、xlsx、txt 之一",
        "zip 应为 true 或 false",
        "分隔符 delimiter 应为一个符号（如 | , 或制表符），不能是引号、换行、字母或数字",
        "回执等待时间 receipt_timeout_hours 应为大于 0、不超过 720 的数（小时）",
    ]
    ftp = {"transport": "ftp", "path": "/p", "port": 70000, "message_code": "XZCF"}
    assert validate_config(ftp) == [
        "FTP 需要主机 host", "端口 port 应为 1–65535 的整数", "FTP 需要用户名 user",
    ]  # fmt: skip


# --- the runner end to end on a local folder --------------------------------------------------


def test_an_upward_run_writes_one_file_with_every_new_record(tmp_path, penalty):
    records = [penalty(), penalty()]
    partner = files_partner(local_config(tmp_path))
    assert adapter_for(partner).__class__ is FilesAdapter
    channel = create_channel(
        actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
        mapping={"fields": UP_FIELDS_META},
    )  # fmt: skip

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.taken, run.sent, run.acked) == (RunStatus.SUCCEEDED, 2, 2, 2)
    (written,) = (tmp_path / "outbox").iterdir()
    _, root = unzip(written.read_bytes())
    by_key = {r.get("键"): r for r in root.findall("记录")}
    assert sorted(by_key) == sorted(f"{r.pk}-1" for r in records)
    first = by_key[f"{records[0].pk}-1"]
    assert first.find("CF_WSH").text == records[0].document_no
    assert first.find("ZT").text == "active"

    again = runner.run_channel(actor=None, channel=channel)
    assert (again.taken, again.sent) == (0, 0)
    assert len(list((tmp_path / "outbox").iterdir())) == 1  # no empty file


def test_an_inbound_run_ingests_the_rows_of_an_xml_file_and_writes_the_receipt(tmp_path):
    subjects = [make_subject(), make_subject()]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [
        (f"k{n}", {"DWMC": s.name, "TYSHXYDM": s.uscc, "KSSJ": "2026-03-01", "NRLY": "较大事故"})
        for n, s in enumerate(subjects)
    ]
    rows.append(("bad", {"DWMC": "无代码单位", "TYSHXYDM": "不是代码", "NRLY": "缺开始时间"}))
    (inbox / "HMD_20260513_00001.xml").write_bytes(inbox_xml(rows))
    partner = files_partner(local_config(tmp_path, message_code="HMD"), code="files-in")
    channel = create_channel(
        actor=None, partner=partner, item=BLACKLIST, direction="down", period="daily",
        department="YJ", mapping={"fields": HMD_FIELDS},
    )  # fmt: skip

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received, run.acked, run.rejected) == (RunStatus.PARTIAL, 3, 2, 1)
    assert (run.batch.channel, run.batch.total, run.batch.inserted) == (
        Batch.Channel.EXCHANGE, 3, 2,
    )  # fmt: skip
    assert CreditRecord.objects.filter(item__code=BLACKLIST, legal_person__in=subjects).count() == 2
    receipt = receipt_of((tmp_path / "receipts" / "HMD_20260513_00001.receipt.xml").read_bytes())
    assert [(k, r) for k, r, _ in receipt] == [
        ("k0", "accepted"), ("k1", "accepted"), ("bad", "rejected"),
    ]  # fmt: skip
    assert receipt[2][2] and any("\u4e00" <= ch <= "\u9fff" for ch in receipt[2][2])
    assert (inbox / "done" / "HMD_20260513_00001.xml").exists()

    again = runner.run_channel(actor=None, channel=channel)
    assert (again.received, again.batch_id) == (0, None)


# --- SFTP (a real asyncssh server) and FTP (a real pyftpdlib server) ---------------------------


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(reason + "；CI=true 时必须可用")
    pytest.skip(reason)


@pytest.fixture
def sftp_server(tmp_path):
    """An SFTP server on 127.0.0.1 (random port) rooted in ``tmp_path/sftp``; user credit,
    password s3cret-pw."""
    try:
        import asyncssh
    except ImportError:
        _unavailable("未安装 asyncssh，跳过 SFTP 测试")
    root = tmp_path / "sftp"
    (root / "partner").mkdir(parents=True)

    class Server(asyncssh.SSHServer):
        def begin_auth(self, username: str) -> bool:
            return True

        def password_auth_supported(self) -> bool:
            return True

        def validate_password(self, username: str, password: str) -> bool:
            return (username, password) == ("credit", "s3cret-pw")

    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    host_key = asyncssh.generate_private_key("ssh-ed25519")

    async def start():
        return await asyncssh.listen(
            "127.0.0.1",
            0,
            server_host_keys=[host_key],
            server_factory=Server,
            sftp_factory=lambda chan: asyncssh.SFTPServer(chan, chroot=str(root)),
        )

    try:
        server = asyncio.run_coroutine_threadsafe(start(), loop).result(15)
    except Exception as exc:
        loop.call_soon_threadsafe(loop.stop)
        _unavailable(f"无法启动测试用 SFTP 服务（{exc}），跳过 SFTP 测试")
    port = server.sockets[0].getsockname()[1]
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text(f"[127.0.0.1]:{port} {host_key.export_public_key().decode().strip()}\n")
    yield root, port, str(known_hosts)
    loop.call_soon_threadsafe(server.close)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)


@pytest.fixture
def ftp_server(tmp_path):
    """An FTP server on 127.0.0.1 (random port) rooted in ``tmp_path/ftp``."""
    try:
        from pyftpdlib.authorizers import DummyAuthorizer
        from pyftpdlib.handlers import FTPHandler
        from pyftpdlib.servers import FTPServer
    except ImportError:
        _unavailable("未安装 pyftpdlib，跳过 FTP 测试")
    root = tmp_path / "ftp"
    (root / "partner").mkdir(parents=True)
    authorizer = DummyAuthorizer()
    authorizer.add_user("credit", "s3cret-pw", str(root), perm="elradfmwMT")
    handler = type("Handler", (FTPHandler,), {"authorizer": authorizer})
    server = FTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"timeout": 0.05, "handle_exit": False}, daemon=True
    )
    thread.start()
    yield root, server.address[1]
    server.close_all()
    thread.join(5)


def remote_round_trip(root, config: dict[str, Any]) -> None:
    """send → the zip lands in ``partner/outbox``; an inbox file → fetch → acknowledge → the
    receipt and ``done/``; a wrong password fails in Chinese without showing it."""
    adapter, channel = up_pair(config, UP_FIELDS)
    try:
        assert "已连接" in adapter.check()
        assert [r.ok for r in adapter.send(channel, outgoing(2))] == [True, True]
        (written,) = (root / "partner" / "outbox").iterdir()
        assert written.name.endswith("_00001.zip")
        _, xml = unzip(written.read_bytes())
        assert [r.get("键") for r in xml.findall("记录")] == ["101-1", "102-1"]

        (root / "partner" / "inbox").mkdir()
        (root / "partner" / "inbox" / "HMD_1.xml").write_bytes(
            inbox_xml([("9", {"DWMC": "丙公司", "KSSJ": "2026-04-01"})])
        )
        (offered,) = adapter.fetch(_Channel(HMD_FIELDS), 10)
        assert offered.fields["unit_name"] == "丙公司"
        adapter.acknowledge(_Channel(HMD_FIELDS), [InboundReceipt(offered.key, True, "", 5, 2)])
        receipt = (root / "partner" / "receipts" / "HMD_1.receipt.xml").read_bytes()
        assert receipt_of(receipt) == [("9", "accepted", None)]
        assert (root / "partner" / "inbox" / "done" / "HMD_1.xml").exists()
        assert adapter.fetch(_Channel(HMD_FIELDS), 10) == []
    finally:
        adapter.close()

    wrong = FilesAdapter(_Partner({**config, "password": "wrong-pw-123"}))
    try:
        with pytest.raises(ExchangeError) as caught:
            wrong.check()
        assert "连接失败" in str(caught.value) and "wrong-pw-123" not in str(caught.value)
    finally:
        wrong.close()


def test_sftp_round_trip_against_a_real_server(sftp_server):
    root, port, known_hosts = sftp_server
    config = {
        "transport": "sftp", "host": "127.0.0.1", "port": port, "user": "credit",
        "password": "s3cret-pw", "path": "/partner", "zip": True, "message_code": "XZCF",
        "known_hosts": known_hosts,
    }  # fmt: skip
    remote_round_trip(root, config)


def test_an_sftp_server_with_another_host_key_is_refused(sftp_server, tmp_path):
    import asyncssh

    _, port, _ = sftp_server
    impostor = tmp_path / "impostor_known_hosts"
    other = asyncssh.generate_private_key("ssh-ed25519").export_public_key().decode().strip()
    impostor.write_text(f"[127.0.0.1]:{port} {other}\n")
    config = {
        "transport": "sftp", "host": "127.0.0.1", "port": port, "user": "credit",
        "password": "s3cret-pw", "path": "/partner", "message_code": "XZCF",
        "known_hosts": str(impostor),
    }  # fmt: skip
    assert validate_config(config) == []
    adapter = FilesAdapter(_Partner(config))
    try:
        with pytest.raises(ExchangeError) as refused:
            adapter.check()
        assert "s3cret-pw" not in str(refused.value)
    finally:
        adapter.close()
    assert any("known_hosts" in e for e in validate_config({**config, "known_hosts": ""}))
    assert validate_config({**config, "known_hosts": "", "host_key_check": False}) == []


def test_ftp_round_trip_against_a_real_server(ftp_server):
    root, port = ftp_server
    config = {
        "transport": "ftp", "host": "127.0.0.1", "port": port, "user": "credit",
        "password": "s3cret-pw", "path": "/partner", "zip": True, "message_code": "XZCF",
    }  # fmt: skip
    remote_round_trip(root, config)


def test_an_unreachable_sftp_partner_fails_in_chinese():
    adapter = FilesAdapter(
        _Partner(
            {
                "transport": "sftp",
                "host": "127.0.0.1",
                "port": 1,
                "user": "u",
                "password": "topsecret",
                "path": "/x",
                "message_code": "XZCF",
                "host_key_check": False,
            }
        )
    )
    try:
        with pytest.raises(ExchangeError, match=r"数据文件 SFTP 127\.0\.0\.1:1/x 连接失败"):
            adapter.check()
    finally:
        adapter.close()
