"""The RabbitMQ transport of the data-file adapter (消息队列) against the real broker on
127.0.0.1:5672 (guest/guest): each upward file one persistent message in ``<prefix>.outbox``,
the partner's files read from ``<prefix>.inbox`` and acknowledged only once ingested and
answered (the receipt a message in ``<prefix>.receipts``), nothing lost when a run fails
between the two, and a wrong password failing the run in Chinese without showing it.

Every test uses its own queue prefix and deletes its queues afterwards. Without a broker the
tests are skipped with the reason, except under ``CI=true`` where they fail."""

from __future__ import annotations

import io
import itertools
import os
import socket
import zipfile
from typing import Any

import pytest
from defusedxml import ElementTree as SafeET

from credit.exchange.adapters import ExchangeError, adapter_for
from credit.exchange.adapters.amqp import AmqpTransport, config_errors
from credit.exchange.constants import DeliveryStatus, RunStatus
from credit.exchange.models import Delivery
from credit.exchange.services import runner
from credit.exchange.services.partners import create_channel, create_partner
from credit.records.models import CreditRecord
from tests.exchange.conftest import BLACKLIST, PENALTY, make_subject

pytestmark = pytest.mark.django_db

HOST, PORT = "127.0.0.1", 5672
URL = f"amqp://guest:guest@{HOST}:{PORT}/%2F"
FOLDERS = ("outbox", "receipts", "inbox", "outbox_receipts")
UP_FIELDS = {"CF_WSH": "document_no", "XDR_MC": "subject_name", "ZT": "_record.status"}
HMD_FIELDS = {"DWMC": "unit_name", "TYSHXYDM": "uscc", "KSSJ": "start_date", "NRLY": "reason"}

_serial = itertools.count(1)


def _broker_up() -> bool:
    try:
        with socket.create_connection((HOST, PORT), timeout=3):
            return True
    except OSError:
        return False


class Broker:
    """The test's side of the broker: publish as the partner would, read and count queues."""

    def __init__(self, prefix: str) -> None:
        import pika

        self.prefix = prefix
        self.conn = pika.BlockingConnection(pika.URLParameters(URL))
        self.channel = self.conn.channel()

    def queue(self, folder: str) -> str:
        return f"{self.prefix}.{folder}"

    def publish(self, folder: str, name: str | None, body: bytes, **props: Any) -> None:
        import pika

        self.channel.queue_declare(self.queue(folder), durable=True)
        self.channel.basic_publish(
            "",
            self.queue(folder),
            body,
            pika.BasicProperties(
                delivery_mode=2, headers={"filename": name} if name else None, **props
            ),
        )

    def count(self, folder: str) -> int:
        """Messages ready in ``folder``'s queue (0 when it does not exist)."""
        import pika.exceptions

        try:
            return self.channel.queue_declare(self.queue(folder), passive=True).method.message_count
        except pika.exceptions.ChannelClosedByBroker:
            self.channel = self.conn.channel()
            return 0

    def take(self, folder: str) -> list[tuple[Any, bytes]]:
        """Every message of ``folder``'s queue (properties, body), acknowledged."""
        found = []
        while True:
            method, properties, body = self.channel.basic_get(self.queue(folder), auto_ack=True)
            if method is None:
                return found
            found.append((properties, body))

    def close(self) -> None:
        for folder in FOLDERS:
            self.channel.queue_delete(self.queue(folder))
        self.conn.close()


@pytest.fixture
def broker():
    if not _broker_up():
        reason = f"RabbitMQ 未在 {HOST}:{PORT} 运行（guest/guest），跳过消息队列测试"
        if os.environ.get("CI") == "true":
            pytest.fail(reason + "；CI=true 时必须可用")
        pytest.skip(reason)
    b = Broker(f"czcredit.test.{os.getpid()}.{next(_serial)}")
    try:
        yield b
    finally:
        b.close()


def amqp_config(broker: Broker, **extra: Any) -> dict[str, Any]:
    return {
        "transport": "amqp",
        "url": URL,
        "queue_prefix": broker.prefix,
        "format": "xml",
        "zip": True,
        "message_code": "XZCF",
        **extra,
    }


def amqp_partner(config: dict[str, Any], code: str = "mq-province"):
    return create_partner(
        actor=None, code=code, name="省平台消息队列（测试）", kind="files", region="320400",
        config=config,
    )  # fmt: skip


def inbox_xml(rows: list[tuple[str, dict[str, Any]]]) -> bytes:
    records = "".join(
        f'<记录 键="{key}">' + "".join(f"<{k}>{v}</{k}>" for k, v in row.items()) + "</记录>"
        for key, row in rows
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><报文 报文号="HMD">{records}</报文>'.encode()


def hmd_rows(subjects: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"k{n}", {"DWMC": s.name, "TYSHXYDM": s.uscc, "KSSJ": "2026-03-01", "NRLY": "较大事故"})
        for n, s in enumerate(subjects)
    ]


def down_channel(partner):
    return create_channel(
        actor=None, partner=partner, item=BLACKLIST, direction="down", period="daily",
        department="YJ", mapping={"fields": HMD_FIELDS},
    )  # fmt: skip


def blacklisted(subjects: list[Any]) -> int:
    return CreditRecord.objects.filter(item__code=BLACKLIST, legal_person__in=subjects).count()


# --- configuration --------------------------------------------------------------------------


def test_config_errors_name_a_bad_url_and_queue_prefix():
    assert config_errors({"url": URL, "queue_prefix": "czcredit.js-province"}) == []
    assert (
        config_errors({"url": "amqps://mq.example.gov.cn:5671/credit", "queue_prefix": "a"}) == []
    )
    assert config_errors({"url": "http://mq.example.gov.cn", "queue_prefix": "有 空格"}) == [
        "消息队列需要连接地址 url（amqp:// 或 amqps:// 开头）",
        "队列前缀 queue_prefix 应为 1–100 位字母、数字、点、下划线或连字符",
    ]
    assert config_errors({"url": "amqp://:99999/", "queue_prefix": "x" * 101}) == [
        "消息队列连接地址 url 格式不正确",
        "队列前缀 queue_prefix 应为 1–100 位字母、数字、点、下划线或连字符",
    ]
    assert config_errors({"queue_prefix": "p", "url": "amqp:///x"}) == [
        "消息队列连接地址 url 缺少主机"
    ]
    assert config_errors({"queue_prefix": "p", "url": "amqp://h/?heartbeat=soon"}) == [
        "消息队列连接地址 url 的参数有误（如 heartbeat、ssl_options）"
    ]
    assert config_errors({"queue_prefix": "p", "url": URL, "password": 7}) == [
        "password 应为字符串"
    ]


def test_a_partner_with_a_bad_queue_prefix_is_refused(db):
    from credit.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        amqp_partner({"transport": "amqp", "url": URL, "queue_prefix": "a/b", "message_code": "X"})
    assert (
        "队列前缀 queue_prefix 应为 1–100 位字母、数字、点、下划线或连字符"
        in (caught.value.details["errors"])
    )


def test_where_names_host_port_and_prefix_never_the_password():
    transport = AmqpTransport({"url": "amqp://czxy:Pa55w0rd@mq.local:5673/v", "queue_prefix": "p"})
    assert transport.where == "RabbitMQ mq.local:5673/p"
    assert transport.queue("outbox_receipts") == "p.outbox_receipts"
    assert transport.queue("inbox/done") == "p.inbox.done"


# --- upward -----------------------------------------------------------------------------------


def test_an_upward_run_publishes_one_persistent_message_holding_the_zipped_xml(broker, penalty):
    records = [penalty(), penalty()]
    partner = amqp_partner(amqp_config(broker))
    channel = create_channel(
        actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
        mapping={"fields": UP_FIELDS},
    )  # fmt: skip

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.error, run.taken, run.sent) == (RunStatus.SUCCEEDED, "", 2, 2)
    (message,) = broker.take("outbox")
    properties, body = message
    name = properties.headers["filename"]
    assert name.startswith("XZCF_") and name.endswith("_00001.zip")
    assert (properties.message_id, properties.content_type, properties.delivery_mode) == (
        name, "application/zip", 2,
    )  # fmt: skip
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        (inner,) = archive.namelist()
        root = SafeET.fromstring(archive.read(inner))
    assert inner == name.replace(".zip", ".xml")
    by_key = {r.get("键"): r for r in root.findall("记录")}
    assert sorted(by_key) == sorted(f"{r.pk}-1" for r in records)
    assert by_key[f"{records[1].pk}-1"].find("CF_WSH").text == records[1].document_no
    assert set(Delivery.objects.filter(channel=channel).values_list("status", flat=True)) <= {
        DeliveryStatus.SENT,
        DeliveryStatus.ACKED,
    }

    penalty()
    again = runner.run_channel(actor=None, channel=channel)
    assert (again.status, again.sent) == (RunStatus.SUCCEEDED, 1)
    (second,) = broker.take("outbox")
    assert second[0].headers["filename"].endswith("_00002.zip")  # the day's next sequence


# --- inbound ----------------------------------------------------------------------------------


def test_an_inbound_run_ingests_a_file_message_and_publishes_its_receipt(broker):
    subjects = [make_subject(), make_subject()]
    rows = [*hmd_rows(subjects), ("bad", {"DWMC": "无代码单位", "TYSHXYDM": "不是代码"})]
    broker.publish("inbox", "HMD_20260513_00001.xml", inbox_xml(rows))
    channel = down_channel(amqp_partner(amqp_config(broker, message_code="HMD")))

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received, run.acked, run.rejected) == (RunStatus.PARTIAL, 3, 2, 1)
    assert blacklisted(subjects) == 2
    assert broker.count("inbox") == 0  # acknowledged: processed once
    (receipt,) = broker.take("receipts")
    properties, body = receipt
    assert properties.headers["filename"] == "HMD_20260513_00001.receipt.xml"
    root = SafeET.fromstring(body)
    assert root.get("文件") == "HMD_20260513_00001.xml"
    assert [(r.get("键"), r.get("结果")) for r in root.iter("记录")] == [
        ("k0", "accepted"), ("k1", "accepted"), ("bad", "rejected"),
    ]  # fmt: skip

    again = runner.run_channel(actor=None, channel=channel)
    assert (again.status, again.received, again.batch_id) == (RunStatus.SUCCEEDED, 0, None)


def test_a_run_failing_before_the_acknowledgement_loses_nothing_and_duplicates_nothing(
    broker, monkeypatch
):
    from credit.exchange.adapters.files import FilesAdapter
    from credit.ingest import pipeline

    subjects = [make_subject(), make_subject()]
    broker.publish("inbox", "HMD_20260513_00001.xml", inbox_xml(hmd_rows(subjects)))
    channel = down_channel(amqp_partner(amqp_config(broker, message_code="HMD")))

    # 1. The run fails while ingesting: nothing is in, the message is back in its queue.
    real_ingest = pipeline.ingest_payloads

    def broken(**kwargs: Any):
        raise RuntimeError("数据库暂不可用")

    monkeypatch.setattr(pipeline, "ingest_payloads", broken)
    failed = runner.run_channel(actor=None, channel=channel)
    assert (failed.status, failed.received) == (RunStatus.FAILED, 2)
    assert blacklisted(subjects) == 0
    assert broker.count("inbox") == 1

    # 2. The run ingests and then fails before acknowledging: the records are in, the message
    # goes back, and the next run reads it again without making the records twice.
    monkeypatch.setattr(pipeline, "ingest_payloads", real_ingest)

    def lost(self, channel, receipts):
        raise ExchangeError("回执发送失败")

    with monkeypatch.context() as patch:
        patch.setattr(FilesAdapter, "acknowledge", lost)
        crashed = runner.run_channel(actor=None, channel=channel)
    assert (crashed.status, crashed.received, crashed.acked) == (RunStatus.FAILED, 2, 2)
    assert blacklisted(subjects) == 2
    assert broker.count("inbox") == 1
    assert broker.count("receipts") == 0

    done = runner.run_channel(actor=None, channel=channel)
    assert (done.status, done.received, done.acked) == (RunStatus.SUCCEEDED, 2, 2)
    assert blacklisted(subjects) == 2
    assert (broker.count("inbox"), broker.count("receipts")) == (0, 1)


def test_closing_without_acknowledging_puts_the_messages_back(broker):
    broker.publish("inbox", None, b"<a/>", message_id="m-1")
    broker.publish("inbox", "../../etc/passwd.xml", b"<b/>")
    broker.publish("inbox", "dup.xml", b"<c/>")
    broker.publish("inbox", "dup.xml", b"<d/>")
    transport = AmqpTransport(amqp_config(broker))
    try:
        names = transport.listdir("inbox")
        assert names == sorted(names)
        assert [n for n in names if not n.startswith("dup~")] == [
            "dup.xml", "msg-m-1.xml", "passwd.xml",
        ]  # fmt: skip
        (twin,) = (n for n in names if n.startswith("dup~"))  # a second file of the same name
        assert twin.endswith(".xml")
        assert transport.read("inbox/passwd.xml") == b"<b/>"
        assert {transport.read(f"inbox/{n}") for n in names if n.startswith("dup")} == {
            b"<c/>", b"<d/>",
        }  # fmt: skip
        assert transport.listdir("inbox") == names  # held, not taken twice
        assert broker.count("inbox") == 0  # held by the platform, not ready for others
        assert transport.listdir("outbox") == []  # never takes what it publishes
        transport.move("inbox/msg-m-1.xml", "inbox/done/msg-m-1.xml")
        with pytest.raises(FileNotFoundError):
            transport.read("inbox/msg-m-1.xml")
    finally:
        transport.close()
    assert broker.count("inbox") == 3  # the three not acknowledged are back


# --- the partner's receipts for our files ------------------------------------------------------


def test_the_partners_receipts_come_through_outbox_receipts(broker, penalty):
    from credit.exchange.adapters.files import FilesAdapter

    if not hasattr(FilesAdapter, "collect_receipts"):
        pytest.skip("数据文件适配器尚未读取交换伙伴的回执")
    records = [penalty(), penalty()]
    partner = amqp_partner(amqp_config(broker, receipts=True))
    channel = create_channel(
        actor=None, partner=partner, item=PENALTY, direction="up", period="daily",
        mapping={"fields": UP_FIELDS},
    )  # fmt: skip
    sent = runner.run_channel(actor=None, channel=channel)
    assert sent.status == RunStatus.SUCCEEDED
    keys = sorted(Delivery.objects.filter(channel=channel).values_list("key", flat=True))
    assert set(Delivery.objects.filter(channel=channel).values_list("status", flat=True)) == {
        DeliveryStatus.SENT
    }
    ((properties, _),) = broker.take("outbox")
    name = properties.headers["filename"]
    xml_name = name.removesuffix(".zip") + ".xml"
    receipt = (
        f'<?xml version="1.0" encoding="UTF-8"?><回执 文件="{xml_name}">'
        f'<记录 键="{keys[0]}" 结果="accepted"/>'
        f'<记录 键="{keys[1]}" 结果="rejected">处罚决定书文号重复</记录></回执>'
    )
    broker.publish(
        "outbox_receipts", xml_name.removesuffix(".xml") + ".receipt.xml", receipt.encode()
    )

    read = runner.run_channel(actor=None, channel=channel)
    assert (read.status, read.acked, read.rejected) == (RunStatus.PARTIAL, 1, 1)
    statuses = dict(Delivery.objects.filter(channel=channel).values_list("key", "status"))
    assert statuses == {keys[0]: DeliveryStatus.ACKED, keys[1]: DeliveryStatus.REJECTED}
    assert Delivery.objects.get(key=keys[1], channel=channel).reason == "处罚决定书文号重复"
    assert broker.count("outbox_receipts") == 0
    assert {r.pk for r in records}  # the records stay as they were


# --- reaching the broker ----------------------------------------------------------------------


def test_check_reaches_the_broker_and_counts_the_waiting_files(broker):
    broker.publish("inbox", "HMD_1.xml", inbox_xml([]))
    partner = amqp_partner(
        amqp_config(broker, url=f"amqp://guest@{HOST}:{PORT}/%2F", password="guest")
    )
    adapter = adapter_for(partner)
    try:
        said = adapter.check()
    finally:
        adapter.close()
    assert f"RabbitMQ {HOST}:{PORT}/{broker.prefix}" in said and "已连接" in said
    assert "待取文件 1 个" in said
    assert broker.count("inbox") == 1  # checking takes nothing


def test_a_wrong_password_fails_the_run_in_chinese_without_showing_it(broker):
    from credit.core.models import AuditEntry

    config = amqp_config(broker, url=f"amqp://guest:Wr0ng-Secret@{HOST}:{PORT}/%2F")
    channel = down_channel(amqp_partner(config, code="mq-wrong"))
    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "用户名或密码错误" in run.error and "Wr0ng-Secret" not in run.error
    assert f"RabbitMQ {HOST}:{PORT}/{broker.prefix}" in run.error
    logged = AuditEntry.objects.get(event_type="exchange.run", object_id=str(run.pk))
    assert "用户名或密码错误" in logged.after["error"]
    assert "Wr0ng-Secret" not in str(logged.after)
    partner_entry = AuditEntry.objects.get(
        event_type="exchange.partner_created", object_id=str(channel.partner.pk)
    )
    assert "Wr0ng-Secret" not in str(partner_entry.after)

    adapter = adapter_for(channel.partner)
    try:
        with pytest.raises(ExchangeError) as caught:
            adapter.check()
    finally:
        adapter.close()
    assert "Wr0ng-Secret" not in str(caught.value)


def test_credentials_come_from_user_and_password_over_the_url():
    from credit.exchange.adapters.amqp import connection_parameters

    params = connection_parameters({"url": "amqps://czxy@mq.local/credit?heartbeat=30"})
    assert (params.host, params.port, params.virtual_host, params.heartbeat) == (
        "mq.local", 5671, "credit", 30,
    )  # fmt: skip
    assert (params.credentials.username, params.credentials.password) == ("czxy", "")
    params = connection_parameters(
        {"url": "amqp://a:b%40c@mq.local/%2F", "user": "other", "password": "kept"}
    )
    assert (params.credentials.username, params.credentials.password) == ("other", "kept")
    assert params.heartbeat == 600 and params.virtual_host == "/"
    assert connection_parameters({"url": "amqp://a:b%40c@mq.local"}).credentials.password == "b@c"


def test_an_unusable_url_fails_the_first_call_in_chinese():
    transport = AmqpTransport({"url": "amqp://u:Pw-123@h:1/?heartbeat=x", "queue_prefix": "p"})
    assert transport.where == "RabbitMQ h:1/p"
    with pytest.raises(ConnectionError, match="url 的参数有误") as caught:
        transport.listdir("inbox")
    assert "Pw-123" not in str(caught.value)
    transport.close()


def test_an_unreachable_broker_fails_in_chinese():
    transport = AmqpTransport(
        {"url": "amqp://guest:Top-Secret@127.0.0.1:1/%2F", "queue_prefix": "nowhere"}
    )
    with pytest.raises(ConnectionError) as caught:
        transport.listdir("inbox")
    assert str(caught.value).startswith("无法连接 RabbitMQ")
    assert "Top-Secret" not in str(caught.value)
    transport.close()
