"""The SOAP WebService (``/ws/credit/``) called with zeep over real HTTP, and the SOAP partner
adapter sending upward to it.

The service runs in a live HTTP server thread that shares this test's database connection
(its transaction): what the test writes, the server reads, and nothing is committed. The
partner of the adapter's tests is that server: a second instance of this platform on the
same database.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
import zeep
import zeep.exceptions
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.test import override_settings
from django.test.testcases import QuietWSGIRequestHandler
from lxml import etree

from credit.core.models import Department
from credit.gateway import services as gateway
from credit.gateway.models import ApiClient, CallLog
from tests.catalog.factories import legal_person_payload
from tests.exchange.conftest import PENALTY, write_penalty

pytestmark = pytest.mark.django_db

TNS = "http://credit.changzhou.gov.cn/exchange"


class _SharedConnectionServer(ThreadedWSGIServer):
    def _close_connections(self) -> None:
        """The test's connection stays open after each request."""


@pytest.fixture
def live(db) -> Iterator[str]:
    """The site served over HTTP on 127.0.0.1 (its URL), on this test's connection."""
    connection = connections["default"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    connection.inc_thread_sharing()
    server = _SharedConnectionServer(
        ("127.0.0.1", 0),
        QuietWSGIRequestHandler,
        allow_reuse_address=False,
        connections_override={"default": connection},
    )
    server.set_app(WSGIHandler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with override_settings(ALLOWED_HOSTS=["127.0.0.1", "testserver"]):
            yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        connection.dec_thread_sharing()
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def make_api():
    """``make_api(scopes, department="SCJG", kind="department")`` → (client, secret)."""

    def make(scopes: list[str], department: str | None = "SCJG", **extra: Any):
        n = len(ApiClient.objects.all()) + 1
        return gateway.create_client(
            actor=None,
            name=f"WebService 测试调用方{n}",
            kind=extra.pop("kind", ApiClient.Kind.DEPARTMENT),
            department=Department.objects.get(code=department) if department else None,
            ips=["127.0.0.1/32"],
            scopes=scopes,
            **extra,
        )

    return make


def soap_client(url: str, key: str | None = None, secret: str | None = None) -> zeep.Client:
    """A zeep client of the service at ``url``, signing its calls when given a key."""
    from credit.exchange.adapters.web import CreditHmacAuth

    session = requests.Session()
    if key:
        session.auth = CreditHmacAuth(key, secret or "")
    transport = zeep.Transport(session=session, timeout=30, operation_timeout=30)
    return zeep.Client(f"{url}/ws/credit/?wsdl", transport=transport)


def fault_of(call) -> zeep.exceptions.Fault:
    with pytest.raises(zeep.exceptions.Fault) as caught:
        call()
    return caught.value


# --- the WSDL ---------------------------------------------------------------------------------


def test_the_wsdl_is_served_without_a_signature_and_lists_the_three_operations(live):
    response = requests.get(f"{live}/ws/credit/?wsdl", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert f'targetNamespace="{TNS}"' in response.text
    assert f'location="{live}/ws/credit/"' in response.text
    client = zeep.Client(f"{live}/ws/credit/?wsdl")
    operations = {
        name
        for service in client.wsdl.services.values()
        for port in service.ports.values()
        for name in port.binding._operations
    }
    assert operations == {"QueryCredit", "ReportRecords", "GetChanges"}


# --- QueryCredit ------------------------------------------------------------------------------


def test_query_credit_returns_the_profile_the_rest_query_returns(live, make_api, client):
    record = write_penalty()
    api, secret = make_api(["subjects:read"])
    uscc = record.legal_person.uscc
    found = soap_client(live, api.key, secret).service.QueryCredit(code=uscc)
    assert found.subject.name == record.legal_person.name
    assert found.subject.uscc == uscc
    assert found.subject.type == "legal"
    counts = {c.name: c.count for c in found.counts.Count}
    assert counts["penalties"] == 1
    (penalty,) = found.penalties.CreditEntry
    assert penalty.record == record.pk
    assert penalty.item == PENALTY
    assert penalty.document_no == record.document_no
    fields = {f.name: f.value for f in penalty.fields.Field}
    assert fields["document_no"] == record.document_no
    # the same as the REST query's
    from credit.gateway.client import signed_headers

    path = f"/api/v1/subjects/{uscc}"
    rest = client.get(
        path, headers=signed_headers(api.key, secret, "GET", path), REMOTE_ADDR="127.0.0.1"
    ).json()
    assert rest["counts"] == counts
    assert [r["record"] for r in rest["penalties"]] == [penalty.record]
    # logged like an API call
    logged = CallLog.objects.filter(client_id=api.pk, route="/ws/credit/QueryCredit").get()
    assert (logged.status, logged.subject, logged.method) == (200, uscc, "POST")


def test_an_unknown_subject_is_a_fault_in_chinese(live, make_api, uscc_factory):
    api, secret = make_api(["subjects:read"])
    fault = fault_of(lambda: soap_client(live, api.key, secret).service.QueryCredit(uscc_factory()))
    assert fault.message == "未找到该主体"
    assert fault.code.endswith("Client.subject_not_found")


def test_an_unsigned_call_is_a_fault(live):
    fault = fault_of(lambda: soap_client(live).service.QueryCredit(code="913204000000000000"))
    assert "请求未签名" in fault.message
    assert fault.code.endswith("Client.not_authenticated")
    assert not CallLog.objects.filter(route="/ws/credit/QueryCredit", status=200).exists()


def test_a_wrong_secret_or_a_missing_scope_is_a_fault(live, make_api):
    api, secret = make_api(["subjects:read"])
    fault = fault_of(lambda: soap_client(live, api.key, "x" + secret).service.QueryCredit("1"))
    assert (fault.code.split(":")[-1], fault.message) == (
        "Client.signature_invalid",
        "签名不正确",
    )
    other, other_secret = make_api(["changes:read"])
    service = soap_client(live, other.key, other_secret).service
    fault = fault_of(lambda: service.QueryCredit("913204000000000000"))
    assert fault.code.endswith("Client.scope_not_granted")
    assert fault.message == "未授权调用该接口：查询法人信用档案"
    assert service.GetChanges(limit=1).cursor  # the scope it holds is served
    # a refused call is logged with its client
    assert CallLog.objects.filter(client_id=other.pk, route="/ws/credit/QueryCredit").exists()


def test_a_replayed_request_is_refused(live, make_api):
    from credit.gateway.client import signed_headers

    api, secret = make_api(["subjects:read"])
    body = _envelope("<tns:QueryCredit><tns:code>913204000000000000</tns:code></tns:QueryCredit>")
    headers = signed_headers(api.key, secret, "POST", "/ws/credit/", "", body)
    headers["Content-Type"] = "text/xml; charset=utf-8"
    first = requests.post(f"{live}/ws/credit/", data=body, headers=headers, timeout=30)
    again = requests.post(f"{live}/ws/credit/", data=body, headers=headers, timeout=30)
    assert "subject_not_found" in first.text
    assert again.status_code == 500
    assert "nonce_reused" in again.text
    assert "请求编号（nonce）已使用过" in again.text


# --- ReportRecords ----------------------------------------------------------------------------


def _record(service: Any, key: str, payload: dict[str, Any]) -> Any:
    record_type = service._client.get_type(f"{{{TNS}}}Record")
    field_type = service._client.get_type(f"{{{TNS}}}Field")
    array = service._client.get_type(f"{{{TNS}}}FieldArray")
    return record_type(
        key=key, fields=array(Field=[field_type(name=k, value=v) for k, v in payload.items()])
    )


def test_report_records_ingests_and_answers_one_receipt_per_record(live, make_api, uscc_factory):
    from credit.ingest.models import Batch
    from credit.records.models import CreditRecord

    api, secret = make_api(["ingest:push"])
    zc = soap_client(live, api.key, secret)
    good = legal_person_payload(
        uscc=uscc_factory(), subject_name="常州市报送测试有限公司", document_no="常软测〔2025〕1号"
    )
    bad = legal_person_payload(uscc="91320400BAD", document_no="常软测〔2025〕2号")
    records = zc.get_type(f"{{{TNS}}}RecordArray")(
        Record=[_record(zc.service, "k-1", good), _record(zc.service, "k-2", bad)]
    )
    result = zc.service.ReportRecords(item=PENALTY, department="SCJG", records=records)
    assert (result.total, result.inserted, result.rejected) == (2, 1, 1)
    first, second = result.receipts.Receipt
    assert (first.key, first.ok, first.row) == ("k-1", True, 2)
    assert (second.key, second.ok, second.row) == ("k-2", False, 3)
    assert "统一社会信用代码" in second.reason
    batch = Batch.objects.get(pk=result.batch)
    assert batch.department.code == "SCJG"
    assert CreditRecord.objects.filter(document_no="常软测〔2025〕1号").exists()
    logged = CallLog.objects.get(client_id=api.pk, route="/ws/credit/ReportRecords")
    assert logged.result["batch"] == batch.pk


def test_another_departments_write_is_refused_as_the_rest_push_refuses_it(live, make_api, client):
    import json

    from credit.gateway.client import signed_headers

    api, secret = make_api(["ingest:push"])
    zc = soap_client(live, api.key, secret)
    records = zc.get_type(f"{{{TNS}}}RecordArray")(
        Record=[_record(zc.service, "k-1", legal_person_payload())]
    )
    fault = fault_of(
        lambda: zc.service.ReportRecords(item=PENALTY, department="YJ", records=records)
    )
    path = f"/api/v1/ingest/{PENALTY}"
    body = json.dumps({"department": "YJ", "rows": [legal_person_payload()]}).encode()
    rest = client.post(
        path,
        data=body,
        content_type="application/json",
        headers=signed_headers(api.key, secret, "POST", path, "", body),
        REMOTE_ADDR="127.0.0.1",
    )
    assert rest.status_code == 403
    assert fault.code.endswith(f"Client.{rest.json()['code']}")
    assert fault.message == rest.json()["message"]


def test_report_records_needs_the_push_scope(live, make_api):
    api, secret = make_api(["subjects:read"])
    zc = soap_client(live, api.key, secret)
    records = zc.get_type(f"{{{TNS}}}RecordArray")(
        Record=[_record(zc.service, "k-1", legal_person_payload())]
    )
    fault = fault_of(lambda: zc.service.ReportRecords(item=PENALTY, records=records))
    assert fault.message == "未授权调用该接口：推送本部门信用数据"


# --- GetChanges -------------------------------------------------------------------------------


def test_get_changes_reads_the_change_feed_as_the_rest_feed(live, make_api):
    api, secret = make_api(["changes:read"])
    record = write_penalty()
    service = soap_client(live, api.key, secret).service
    found = service.GetChanges(item=PENALTY, limit=1000)
    ours = [e for e in found.events.Change if e.record_id == record.pk]
    assert [(e.kind, e.item, e.version) for e in ours] == [("created", PENALTY, 1)]
    assert ours[0].occurred_at.utcoffset() == datetime.timedelta(hours=8)  # Beijing time
    assert found.cursor
    after = service.GetChanges(cursor=found.cursor, item=PENALTY)
    assert after.events is None
    assert after.more is False
    fault = fault_of(lambda: service.GetChanges(cursor="not-a-cursor"))
    assert fault.code.endswith("Client.cursor_invalid")
    assert "cursor 格式不正确" in fault.message


# --- hostile and malformed requests -----------------------------------------------------------


def _envelope(body: str, prolog: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
        f'xmlns:tns="{TNS}"><soap:Body>{body}</soap:Body></soap:Envelope>'
    ).encode()


def _post_signed(live: str, api: Any, secret: str, body: bytes) -> requests.Response:
    from credit.gateway.client import signed_headers

    headers = signed_headers(api.key, secret, "POST", "/ws/credit/", "", body)
    headers["Content-Type"] = "text/xml; charset=utf-8"
    return requests.post(f"{live}/ws/credit/", data=body, headers=headers, timeout=30)


def test_an_external_entity_is_never_read_and_the_request_is_a_fault(live, make_api, tmp_path):
    secret_file = tmp_path / "secret.txt"
    secret_file.write_text("TOP-SECRET-CONTENT")
    api, secret = make_api(["subjects:read"])
    body = _envelope(
        "<tns:QueryCredit><tns:code>&xxe;</tns:code></tns:QueryCredit>",
        prolog=f'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file://{secret_file}">]>',
    )
    response = _post_signed(live, api, secret, body)
    assert response.status_code == 500
    assert "<faultstring>" in response.text
    assert "文档类型声明" in response.text
    assert "TOP-SECRET" not in response.text
    assert not CallLog.objects.filter(subject__contains="TOP-SECRET").exists()


def test_an_entity_expansion_bomb_is_a_fault(live, make_api):
    api, secret = make_api(["subjects:read"])
    entities = '<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    body = _envelope(
        "<tns:QueryCredit><tns:code>&i;</tns:code></tns:QueryCredit>",
        prolog=f"<!DOCTYPE foo [{entities}]>",
    )
    response = _post_signed(live, api, secret, body)
    assert response.status_code == 500
    assert "faultstring" in response.text


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"<not-xml", "请求不是格式正确的 XML 报文"),
        (b"", "请求不是格式正确的 XML 报文"),
        (_envelope("<tns:NoSuchOperation/>"), "请求的操作不存在"),
        (
            _envelope("<tns:GetChanges><tns:limit>many</tns:limit></tns:GetChanges>"),
            "请求参数不符合服务描述（WSDL）",
        ),
        (
            _envelope("<tns:GetChanges><tns:limit>5000</tns:limit></tns:GetChanges>"),
            "请求参数不符合服务描述（WSDL）",
        ),
        (b'<?xml version="1.0"?><a/>', "请求不是有效的 SOAP 1.1 报文"),
    ],
)
def test_malformed_requests_are_faults_in_chinese_not_error_pages(live, make_api, body, words):
    api, secret = make_api(["changes:read"])
    response = _post_signed(live, api, secret, body)
    assert response.status_code == 500, response.text
    assert response.headers["Content-Type"].startswith("text/xml")
    fault = etree.fromstring(response.content).find(".//{*}Fault")
    assert fault.findtext("faultcode").split(":")[-1].startswith("Client")
    assert fault.findtext("faultstring").startswith(words), fault.findtext("faultstring")


def test_other_methods_and_content_types_are_answered_without_an_error_page(live):
    assert requests.get(f"{live}/ws/credit/", timeout=30).status_code == 200
    put = requests.put(f"{live}/ws/credit/", data=b"x", timeout=30)
    assert put.status_code == 405
    assert "faultstring" in put.text
    json_post = requests.post(f"{live}/ws/credit/", json={"a": 1}, timeout=30)
    assert json_post.status_code == 415
    assert "Content-Type: text/xml" in json_post.text


def test_a_failure_of_the_soap_library_itself_is_a_server_fault(client, monkeypatch):
    from credit.exchange import soap_service

    def broken(request):
        raise RuntimeError("spyne broke")

    monkeypatch.setattr(soap_service._server, "handle_rpc", broken)
    response = client.post(
        "/ws/credit/", data=_envelope("<tns:GetChanges/>"), content_type="text/xml"
    )
    assert response.status_code == 500
    fault = etree.fromstring(response.content).find(".//{*}Fault")
    assert fault.findtext("faultcode") == "soap11env:Server.internal_error"
    assert fault.findtext("faultstring") == "服务器内部错误，请稍后重试"
    assert "spyne broke" not in response.content.decode()


# --- the SOAP partner adapter -----------------------------------------------------------------

PENALTY_FIELDS = (
    "subject_name",
    "subject_category",
    "uscc",
    "legal_rep",
    "document_no",
    "violation_type",
    "violation_facts",
    "penalty_basis",
    "penalty_category",
    "penalty_content",
    "fine_amount",
    "decision_date",
    "valid_to",
    "publicity_end",
    "authority",
    "authority_uscc",
    "source_dept",
    "source_dept_uscc",
)


def soap_mapping(**overrides: Any) -> dict[str, Any]:
    return {
        "operation": "ReportRecords",
        "item": PENALTY,
        "department": "SCJG",
        "fields": {code: code for code in PENALTY_FIELDS},
        **overrides,
    }


@pytest.fixture
def soap_partner(live, make_api):
    """A WebService partner: this platform's own service, called with a pushing client."""
    from credit.exchange.services.partners import create_partner

    api, secret = make_api(["ingest:push"])
    return create_partner(
        actor=None,
        code="ws-partner",
        name="WebService 伙伴",
        kind="soap",
        region="320400",
        config={
            "wsdl": f"{live}/ws/credit/?wsdl",
            "auth": "credit-hmac",
            "key": api.key,
            "secret": secret,
            "timeout": 30,
        },
    )


def test_the_adapter_sends_records_upward_and_saves_the_partners_receipts(soap_partner, up_channel):
    from credit.exchange.adapters import adapter_for
    from credit.exchange.constants import DeliveryStatus, RunStatus
    from credit.exchange.models import Delivery
    from credit.exchange.services.runner import run_channel
    from credit.records.models import CreditRecord

    good = write_penalty()
    bad = write_penalty()
    # a value the partner's rules refuse (written directly: ours would refuse it as well)
    CreditRecord.objects.filter(pk=bad.pk).update(payload={**bad.payload, "fine_amount": "很多"})
    channel = up_channel(soap_partner, soap_mapping())
    adapter = adapter_for(soap_partner)
    try:
        assert adapter.check() == (
            f"{adapter.where} 已连接；提供操作：GetChanges、QueryCredit、ReportRecords"
        )
    finally:
        adapter.close()
    run = run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.PARTIAL, run.error
    deliveries = {d.record_id: d for d in Delivery.objects.filter(channel=channel)}
    assert deliveries[good.pk].status == DeliveryStatus.ACKED
    assert deliveries[bad.pk].status == DeliveryStatus.REJECTED
    assert "“罚款金额(万元)”不是有效数值：很多" in deliveries[bad.pk].reason
    assert (run.sent, run.acked, run.rejected) == (2, 1, 1)


def test_a_partner_refusing_the_call_fails_the_run_and_keeps_the_records_pending(
    live, make_api, up_channel
):
    from credit.exchange.constants import DeliveryStatus, RunStatus
    from credit.exchange.models import Delivery
    from credit.exchange.services.partners import create_partner
    from credit.exchange.services.runner import run_channel

    api, secret = make_api(["subjects:read"])  # not allowed to push
    partner = create_partner(
        actor=None,
        code="ws-refusing",
        name="WebService 拒收伙伴",
        kind="soap",
        region="320400",
        config={
            "wsdl": f"{live}/ws/credit/?wsdl",
            "auth": "credit-hmac",
            "key": api.key,
            "secret": secret,
        },
    )
    write_penalty()
    channel = up_channel(partner, soap_mapping())
    run = run_channel(actor=None, channel=channel)
    assert run.status == RunStatus.FAILED
    assert "拒绝接收报送：未授权调用该接口：推送本部门信用数据" in run.error
    assert secret not in run.error
    assert set(Delivery.objects.filter(channel=channel).values_list("status", flat=True)) == {
        DeliveryStatus.PENDING
    }


def test_an_unreachable_wsdl_is_an_exchange_error_without_the_secret(db):
    from credit.exchange.adapters import ExchangeError
    from credit.exchange.adapters.soap import SoapAdapter
    from credit.exchange.models import Partner

    partner = Partner(
        name="不可达",
        kind="soap",
        config={
            "wsdl": "http://127.0.0.1:9/ws?wsdl",
            "auth": "credit-hmac",
            "key": "ck_x",
            "secret": "s3cr3t-value",
            "timeout": 2,
        },
    )
    adapter = SoapAdapter(partner)
    with pytest.raises(ExchangeError) as caught:
        adapter.check()
    assert str(caught.value).startswith("WebService http://127.0.0.1:9 读取服务描述失败")
    assert "s3cr3t" not in str(caught.value)
    assert "s3cr3t" not in repr(adapter.session.auth)


def test_the_partner_config_and_the_mapping_are_checked(db):
    from credit.catalog.models import CatalogItem
    from credit.exchange.adapters.soap import validate_config, validate_mapping

    assert validate_config({"wsdl": "https://ws.example.gov.cn/credit/?wsdl"}) == []
    assert validate_config({"wsdl": "ftp://x"})[0].startswith("WebService 需要服务描述地址 wsdl")
    assert validate_config({"wsdl": "https://u:p@x/?wsdl"}) == [
        "wsdl 中不能含用户名或密码，请用认证方式 auth 配置凭据"
    ]
    assert validate_config({"wsdl": "https://x/?wsdl", "auth": "credit-hmac"}) == [
        "认证方式 credit-hmac 需要访问密钥 key",
        "认证方式 credit-hmac 需要签名密钥 secret",
    ]
    assert validate_config({"wsdl": "https://x/?wsdl", "timeout": 0}) == [
        "超时 timeout 应为 1–120 秒"
    ]
    item = CatalogItem.objects.get(code=PENALTY)
    assert validate_mapping("up", soap_mapping(), item) == []
    for direction in ("down", "in"):
        (error,) = validate_mapping(direction, soap_mapping(), item)
        assert error.startswith("WebService 通道只能用于上报")
    errors = validate_mapping(
        "up",
        soap_mapping(operation="GetChanges", item="", fields={"X": "no_such_field"}, extra=1),
        item,
    )
    assert errors == [
        "未知的映射项 extra",
        "操作 operation 应为 ReportRecords",
        "缺少伙伴的目录项编码 item（1–64 个字符）",
        "字段名 X：“no_such_field”不是目录项“行政处罚”的字段",
    ]


def test_an_inbound_soap_channel_is_refused_by_the_partner_service(soap_partner, in_channel):
    from credit.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        in_channel(soap_partner, soap_mapping())
    assert "WebService 通道只能用于上报" in caught.value.message
