"""The REST adapter (REST 接口) against a real HTTP partner on 127.0.0.1
(:mod:`tests.exchange.restpartner`): pulling a partner's list page by page with the cursor
saved only after the rows are in and answered, receipts posted back, upward pushes with the
partner's receipts, the three authentication modes (credit-hmac checked with the platform's own
signing code), failures that fail the run without a secret in the message, and the validation
of configurations and mappings."""

from __future__ import annotations

import datetime
import json

import pytest

from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.exchange.adapters import ExchangeError, Outgoing, adapter_for
from credit.exchange.adapters.rest import RestAdapter, validate_config, validate_mapping
from credit.exchange.constants import DeliveryStatus, RunStatus
from credit.exchange.models import Channel, Delivery, Partner
from credit.exchange.services import runner
from credit.exchange.services.partners import create_channel, create_partner, update_partner
from credit.records.models import CreditRecord
from tests.exchange.conftest import BLACKLIST, PENALTY, item, make_subject
from tests.exchange.restpartner import RestPartner

pytestmark = pytest.mark.django_db

SECRET = "s3cr3t-Only-For-Tests-7f2a"
TOKEN = "tok-Only-For-Tests-91c4"

UP_MAPPING = {
    "path": "/credit/records",
    "fields": {
        "CF_WSH": "document_no",
        "XDR_DM": "uscc",
        "CF_JDRQ": "decision_date",
        "CF_FK": "fine_amount",
        "ZT": "_record.status",
        "JLID": "_record.id",
    },
}


def in_mapping(**extra) -> dict:
    return {
        "path": "/credit/lists",
        "params": {"type": "hmd", "scope": "常州 市"},
        "items": "records",
        "key_field": "id",
        "cursor_param": "cursor",
        "cursor_field": "cursor",
        "more_field": "more",
        "limit_param": "limit",
        "fields": {
            "dwmc": "unit_name",
            "tyshxydm": "uscc",
            "kssj": "start_date",
            "nrly": "reason",
        },
        "ack_path": "/credit/lists/receipts",
        **extra,
    }


@pytest.fixture
def server():
    partners: list[RestPartner] = []

    def start(**kwargs) -> RestPartner:
        partner = RestPartner(**kwargs).start()
        partners.append(partner)
        return partner

    yield start
    for partner in partners:
        partner.stop()


_serial = iter(range(1, 10_000))


def rest_partner(base_url: str, **config) -> Partner:
    n = next(_serial)
    return create_partner(
        actor=None,
        code=f"rest{n}",
        name=f"测试接口伙伴{n}",
        kind="rest",
        region="320400",
        config={"base_url": base_url, "timeout": 5, **config},
    )


def inbound(partner: Partner, mapping: dict | None = None) -> Channel:
    return create_channel(
        actor=None,
        partner=partner,
        item=BLACKLIST,
        direction="in",
        period="daily",
        department="YJ",
        mapping=mapping or in_mapping(),
    )


def upward(partner: Partner, mapping: dict | None = None) -> Channel:
    return create_channel(
        actor=None,
        partner=partner,
        item=PENALTY,
        direction="up",
        period="daily",
        mapping=mapping or UP_MAPPING,
    )


def feed_rows(count: int, *, start: int = 1) -> list[dict]:
    rows = []
    for n in range(start, start + count):
        subject = make_subject()
        rows.append(
            {
                "id": n,
                "dwmc": subject.name,
                "tyshxydm": subject.uscc,
                "kssj": "2026-03-01",
                "nrly": "发生较大生产安全责任事故",
                "extra": {"ignored": True},
            }
        )
    return rows


def bad_row(n: int) -> dict:
    return {"id": n, "dwmc": f"无代码单位{n}", "tyshxydm": "不是代码", "kssj": None, "nrly": ""}


def collected(rows: list[dict]) -> int:
    return CreditRecord.objects.filter(
        item__code=BLACKLIST, legal_person__uscc__in=[r["tyshxydm"] for r in rows]
    ).count()


# --- pulling (接口调用, 主动采集) ------------------------------------------------------------


def test_a_pull_reads_pages_saves_the_cursor_and_resumes_there(server):
    partner = server(auth="credit-hmac", key="ck_platform", secret=SECRET, prefix="/gateway")
    partner.feed = feed_rows(5)
    partner.page_cap = 2
    channel = inbound(
        rest_partner(partner.url, auth="credit-hmac", key="ck_platform", secret=SECRET)
    )

    first = runner.run_channel(actor=None, channel=channel, limit=3)
    assert (first.status, first.received, first.acked, first.rejected) == (
        RunStatus.SUCCEEDED, 3, 3, 0,
    )  # fmt: skip
    channel.refresh_from_db()
    assert channel.cursor == "pos-3"
    gets = [r for r in partner.requests if r["method"] == "GET"]
    assert [r["query"].get("cursor") for r in gets] == [None, "pos-2"]
    assert [r["query"]["limit"] for r in gets] == ["3", "1"]
    assert {r["path"] for r in gets} == {"/gateway/credit/lists"}
    assert all(r["query"]["type"] == "hmd" and r["query"]["scope"] == "常州 市" for r in gets)
    assert partner.verified == len(partner.requests)  # every request signed and verified
    assert [(a["key"], a["result"], a["row"]) for a in partner.acks] == [
        ("1", "accepted", 2), ("2", "accepted", 3), ("3", "accepted", 4),
    ]  # fmt: skip
    assert {a["batch"] for a in partner.acks} == {first.batch_id}
    assert collected(partner.feed) == 3

    partner.requests.clear()
    second = runner.run_channel(actor=None, channel=channel)
    assert (second.status, second.received, second.acked) == (RunStatus.SUCCEEDED, 2, 2)
    assert partner.requests[0]["query"]["cursor"] == "pos-3"
    channel.refresh_from_db()
    assert channel.cursor == "pos-5"
    assert collected(partner.feed) == 5
    assert [a["key"] for a in partner.acks] == ["1", "2", "3", "4", "5"]

    third = runner.run_channel(actor=None, channel=channel)
    assert (third.status, third.received, third.batch_id) == (RunStatus.SUCCEEDED, 0, None)
    channel.refresh_from_db()
    assert channel.cursor == "pos-5"


def test_rows_with_errors_are_answered_with_rejected_receipts(server):
    partner = server()
    partner.feed = [*feed_rows(2), bad_row(3)]
    channel = inbound(rest_partner(partner.url))

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received, run.acked, run.rejected) == (RunStatus.PARTIAL, 3, 2, 1)
    by_key = {a["key"]: a for a in partner.acks}
    assert [by_key[k]["result"] for k in ("1", "2", "3")] == ["accepted", "accepted", "rejected"]
    assert by_key["1"]["reason"] == ""
    reason = by_key["3"]["reason"]
    assert reason and any("\u4e00" <= ch <= "\u9fff" for ch in reason)
    assert (by_key["3"]["batch"], by_key["3"]["row"]) == (run.batch_id, 4)
    channel.refresh_from_db()
    assert channel.cursor == "pos-3"


def test_a_failure_after_the_fetch_keeps_the_cursor_and_the_next_run_reads_the_rows_again(
    server,
):
    partner = server()
    partner.feed = feed_rows(2)
    partner.fail["/credit/lists/receipts"] = 503
    channel = inbound(rest_partner(partner.url))

    failed = runner.run_channel(actor=None, channel=channel)
    assert (failed.status, failed.received) == (RunStatus.FAILED, 2)
    assert "HTTP 503" in failed.error and "回执失败" in failed.error
    channel.refresh_from_db()
    assert channel.cursor == ""

    del partner.fail["/credit/lists/receipts"]
    again = runner.run_channel(actor=None, channel=channel)
    assert (again.status, again.received, again.acked) == (RunStatus.SUCCEEDED, 2, 2)
    channel.refresh_from_db()
    assert channel.cursor == "pos-2"
    assert collected(partner.feed) == 2  # the same rows again: upserted, not doubled
    assert [a["key"] for a in partner.acks] == ["1", "2"]


def test_a_partner_whose_cursor_does_not_move_fails_the_run_instead_of_looping(server):
    partner = server()
    partner.feed = feed_rows(3)
    partner.page_cap = 1
    partner.stuck_cursor = True
    channel = inbound(rest_partner(partner.url))

    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "游标 cursor 未前进" in run.error
    assert [r["query"].get("cursor") for r in partner.requests] == [None, "pos-0"]
    channel.refresh_from_db()
    assert channel.cursor == ""


def test_a_partner_without_ack_path_or_limit_parameter_is_read_without_them(server):
    partner = server()
    partner.feed = feed_rows(2)
    mapping = in_mapping(limit_param="")
    del mapping["ack_path"]
    channel = inbound(rest_partner(partner.url), mapping)

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received) == (RunStatus.SUCCEEDED, 2)
    assert "limit" not in partner.requests[0]["query"]
    assert partner.acks == []
    assert [r["method"] for r in partner.requests] == ["GET"]


# --- pushing up (上报) -----------------------------------------------------------------------


def test_an_upward_push_saves_the_partners_accepted_and_rejected_receipts(server, penalty):
    records = [penalty() for _ in range(4)]
    partner = server(auth="bearer", token=TOKEN)
    refused = records[1].document_no
    partner.refuse = lambda r: "处罚决定书文号重复" if r["fields"]["CF_WSH"] == refused else None
    partner.omit = {f"{records[3].pk}-1"}
    channel = upward(rest_partner(partner.url, auth="bearer", token=TOKEN))

    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.taken, run.sent, run.acked, run.rejected) == (
        RunStatus.PARTIAL, 4, 4, 2, 1,
    )  # fmt: skip
    status = {d.key: (d.status, d.reason) for d in Delivery.objects.filter(channel=channel)}
    assert status[f"{records[0].pk}-1"] == (DeliveryStatus.ACKED, "")
    assert status[f"{records[1].pk}-1"] == (DeliveryStatus.REJECTED, "处罚决定书文号重复")
    assert status[f"{records[2].pk}-1"] == (DeliveryStatus.ACKED, "")
    assert status[f"{records[3].pk}-1"] == (DeliveryStatus.PENDING, "交换伙伴未返回该记录的回执")

    post = next(r for r in partner.requests if r["method"] == "POST")
    assert post["headers"]["Authorization"] == f"Bearer {TOKEN}"
    assert post["headers"]["Content-Type"].startswith("application/json")
    sent = partner.records[f"{records[0].pk}-1"]
    assert (sent["change_kind"], sent["version"]) == ("created", 1)
    assert sent["fields"] == {
        "CF_WSH": records[0].document_no,
        "XDR_DM": records[0].legal_person.uscc,
        "CF_JDRQ": records[0].decision_date.isoformat(),
        "CF_FK": "2.5",
        "ZT": "active",
        "JLID": records[0].pk,
    }
    body = json.loads(post["body"])
    assert sorted(r["key"] for r in body["records"]) == sorted(f"{r.pk}-1" for r in records)


def test_a_wrong_secret_is_refused_by_the_partner_and_fails_the_run_without_the_secret(
    server, penalty
):
    penalty()
    partner = server(auth="credit-hmac", key="ck_platform", secret=SECRET)
    wrong = "wrong-" + SECRET[::-1]
    rest = rest_partner(partner.url, auth="credit-hmac", key="ck_platform", secret=wrong)
    channel = upward(rest)

    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "HTTP 401" in run.error and "签名无效" in run.error
    assert wrong not in run.error and SECRET not in run.error
    audit = AuditEntry.objects.filter(event_type="exchange.run", object_id=str(run.pk)).get()
    assert wrong not in json.dumps(audit.after, ensure_ascii=False)
    created = AuditEntry.objects.get(event_type="exchange.partner_created", object_id=str(rest.pk))
    assert created.after["config"]["secret"] == "***"
    assert Delivery.objects.get(channel=channel).status == DeliveryStatus.PENDING
    assert partner.records == {}

    update_partner(actor=None, partner=rest, config={**rest.config, "secret": SECRET})
    Delivery.objects.filter(channel=channel).update(next_attempt_at=None)
    fixed = runner.run_channel(actor=None, channel=channel)
    assert (fixed.status, fixed.acked) == (RunStatus.SUCCEEDED, 1)
    assert partner.verified == 1


def test_a_wrong_bearer_token_echoed_by_the_partner_is_hidden_in_the_error(server):
    partner = server(auth="bearer", token=TOKEN)
    wrong = "tok-wrong-" + TOKEN
    adapter = adapter_for(rest_partner(partner.url, auth="bearer", token=wrong))
    with pytest.raises(ExchangeError) as caught:
        adapter.send(Channel(mapping=UP_MAPPING), [Outgoing("1-1", 1, 1, "created", {})])
    adapter.close()
    message = str(caught.value)
    assert "HTTP 401" in message and "令牌无效" in message
    assert wrong not in message and "***" in message


# --- failures --------------------------------------------------------------------------------


def test_a_partner_that_does_not_answer_in_time_fails_the_run(server):
    partner = server()
    partner.delay = 2.5
    channel = inbound(rest_partner(partner.url, timeout=1))
    run = runner.run_channel(actor=None, channel=channel)
    assert (run.status, run.received) == (RunStatus.FAILED, 0)
    assert "超时" in run.error and "1 秒" in run.error


def test_an_answer_that_is_not_json_fails_the_run_and_is_quoted_at_most_200_characters(
    server, penalty
):
    penalty()
    partner = server()
    partner.raw["/credit/records"] = ("<html>" + "系统维护中" * 300 + "</html>").encode()
    channel = upward(rest_partner(partner.url))
    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "应答不是 JSON" in run.error and "HTTP 200" in run.error
    quoted = run.error.split("HTTP 200，", 1)[1]
    assert quoted.startswith("<html>系统维护中") and len(quoted) <= 201
    assert Delivery.objects.get(channel=channel).status == DeliveryStatus.PENDING


def test_an_answer_of_the_wrong_shape_fails_the_run(server):
    partner = server()
    partner.raw["/credit/lists"] = json.dumps({"records": {"id": 1}}).encode()
    channel = inbound(rest_partner(partner.url))
    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "应答格式不符" in run.error and "records 应为列表" in run.error


def test_an_unreachable_partner_fails_the_run_and_check_says_so(server):
    rest = rest_partner("http://127.0.0.1:1/api", auth="bearer", token=TOKEN)
    channel = inbound(rest)
    run = runner.run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "REST http://127.0.0.1:1 读取失败：无法连接" in run.error
    assert TOKEN not in run.error
    with pytest.raises(ExchangeError, match="连接失败"):
        adapter_for(rest).check()


def test_check_answers_with_the_partners_http_status(server):
    partner = server(auth="credit-hmac", key="ck_platform", secret=SECRET, prefix="/gateway")
    adapter = adapter_for(
        rest_partner(partner.url, auth="credit-hmac", key="ck_platform", secret=SECRET)
    )
    assert isinstance(adapter, RestAdapter)
    port = partner.url.split(":")[2].split("/")[0]
    assert adapter.check() == f"REST http://127.0.0.1:{port} 可访问（HTTP 200）"
    assert partner.requests[0]["path"] == "/gateway"
    assert partner.verified == 1
    partner.fail["/"] = 500
    assert adapter.check().endswith("可访问（HTTP 500）")
    adapter.close()


# --- configuration and mapping ---------------------------------------------------------------


def test_the_configuration_is_checked():
    assert validate_config({"base_url": "https://api.example.gov.cn/v1"}) == []
    assert (
        validate_config(
            {"base_url": "http://10.0.0.5:8080", "auth": "bearer", "token": "t", "timeout": 120}
        )
        == []
    )
    assert validate_config([]) == ["连接配置应为 JSON 对象"]
    assert validate_config({"base_url": "ftp://x"})[0].startswith("REST 接口需要地址 base_url")
    assert validate_config({"base_url": "https://u:pw@api.example"}) == [
        "base_url 中不能含用户名或密码，请用认证方式 auth 配置凭据"
    ]
    assert validate_config({"base_url": "https://api.example:99999"}) == [
        "base_url 的端口应为 1–65535"
    ]
    assert validate_config({"base_url": "https://a.example", "auth": "basic"}) == [
        "认证方式 auth 应为 none、bearer、credit-hmac 之一"
    ]
    assert validate_config({"base_url": "https://a.example", "auth": "bearer"}) == [
        "认证方式 bearer 需要令牌 token"
    ]
    assert validate_config({"base_url": "https://a.example", "auth": "credit-hmac"}) == [
        "认证方式 credit-hmac 需要访问密钥 key",
        "认证方式 credit-hmac 需要签名密钥 secret",
    ]
    for timeout in (0, 121, "10", True):
        assert validate_config({"base_url": "https://a.example", "timeout": timeout}) == [
            "超时 timeout 应为 1–120 秒"
        ]
    assert validate_config({"base_url": "https://a.example", "verify_tls": 0}) == [
        "verify_tls 应为 true、false 或 CA 证书文件路径"
    ]
    assert validate_config({"base_url": "https://a.example", "verify_tls": "/etc/ca.pem"}) == []
    assert validate_config({"base_url": "https://a.example", "proxy": "socks://p"}) == [
        "代理 proxy 应为 http:// 或 https:// 开头的地址"
    ]


def test_the_mapping_is_checked_for_each_direction():
    penalty, blacklist = item(PENALTY), item(BLACKLIST)
    assert validate_mapping("up", UP_MAPPING, penalty) == []
    assert validate_mapping("in", in_mapping(), blacklist) == []
    assert (
        validate_mapping("down", {"path": "/l", "fields": in_mapping()["fields"]}, blacklist) == []
    )
    assert validate_mapping(
        "up", {"path": "/r", "fields": {"x": "_record.id"}, "table": "t"}, penalty
    ) == ["未知的映射项 table"]
    assert validate_mapping("up", {"path": "r", "fields": {"x": "document_no"}}, penalty) == [
        "接口路径 path“r”不合法（以 / 开头，不含空白、? 和 #，至多 200 个字符）"
    ]
    assert validate_mapping("up", {"fields": {"x": "document_no"}}, penalty) == [
        "缺少接口路径 path"
    ]
    assert validate_mapping("up", {"path": "/r"}, penalty) == [
        "缺少字段对应 fields（JSON 名 → 字段标识）"
    ]
    errors = validate_mapping(
        "up",
        {"path": "/r", "fields": {"x" * 65: "document_no", "y": "nope", "z": "_record.x"}},
        penalty,
    )
    assert errors == [
        f"JSON 名“{'x' * 65}”不合法（1–64 个字符）",
        f"JSON 名 y：“nope”不是目录项“{penalty.name}”的字段",
        "JSON 名 z：未知的记录属性 _record.x",
    ]
    fields = in_mapping()["fields"]
    errors = validate_mapping(
        "in",
        {
            "path": "/l",
            "ack_path": "/l?x=1",
            "key_field": 7,
            "params": {"cursor": "x", "k": {"a": 1}},
            "fields": {**{k: v for k, v in fields.items() if v != "uscc"}, "s": "_record.status"},
        },
        blacklist,
    )
    assert errors[0].startswith("回执路径 ack_path“/l?x=1”不合法")
    assert errors[1:4] == [
        "键名 key_field应为 1–64 个字符的文本",
        "固定查询参数 cursor 与游标或条数参数重名",
        "固定查询参数 k 的值应为文本或数字",
    ]
    assert errors[4] == "JSON 名 s：记录属性 _record.status 只能用于上报"
    assert errors[5].startswith("目录项必填字段未对应JSON 名：") and "（uscc）" in errors[5]
    assert len(errors) == 6


def test_a_rest_partner_and_its_channels_are_made_through_the_services(server):
    with pytest.raises(ValidationFailed) as caught:
        rest_partner("https://api.example", auth="credit-hmac", key="ck_x")
    assert caught.value.details["errors"] == ["认证方式 credit-hmac 需要签名密钥 secret"]

    rest = rest_partner("https://api.example/v1", auth="bearer", token=TOKEN)
    assert rest.kind == "rest"
    audit = AuditEntry.objects.get(event_type="exchange.partner_created", object_id=str(rest.pk))
    assert audit.after["config"]["token"] == "***"
    assert TOKEN not in json.dumps(audit.after)

    channel = inbound(rest)
    assert (channel.direction, channel.mapping["path"]) == ("in", "/credit/lists")
    with pytest.raises(ValidationFailed) as caught:
        upward(rest, {"path": "/credit/records", "fields": {"CF_WSH": "no_such_field"}})
    assert caught.value.code == "channel_invalid"
    assert "“no_such_field”不是目录项" in caught.value.details["errors"][0]


def test_a_cursor_longer_than_the_channel_holds_fails_the_fetch(server):
    partner = server()
    partner.raw["/credit/lists"] = json.dumps(
        {"records": [], "cursor": "c" * 65, "more": False}
    ).encode()
    adapter = adapter_for(rest_partner(partner.url))
    channel = Channel(mapping=in_mapping(), cursor="")
    with pytest.raises(ExchangeError, match="超过 64 个字符"):
        adapter.fetch(channel, 10)
    adapter.close()


def test_values_are_handed_to_the_ingest_pipeline_as_text(server):
    partner = server()
    partner.feed = [
        {"id": "a", "dwmc": "  甲单位 ", "tyshxydm": 913204, "kssj": "", "nrly": ["x", 1]},
        {"id": 2, "dwmc": None, "tyshxydm": True, "kssj": datetime.date(2026, 1, 2).isoformat()},
    ]
    adapter = adapter_for(rest_partner(partner.url))
    rows = adapter.fetch(Channel(mapping=in_mapping(), cursor=""), 10)
    adapter.close()
    assert [r.key for r in rows] == ["a", "2"]
    assert rows[0].fields == {
        "unit_name": "甲单位", "uscc": "913204", "start_date": None, "reason": '["x", 1]',
    }  # fmt: skip
    assert rows[1].fields == {
        "unit_name": None, "uscc": "true", "start_date": "2026-01-02", "reason": None,
    }  # fmt: skip
    assert adapter.next_cursor == "pos-2"
