"""The platform's SOAP WebService (``/ws/credit/``, WSDL at ``/ws/credit/?wsdl``): SOAP 1.1,
document/literal, namespace :data:`TNS`, for partners whose systems speak SOAP rather than
REST (docs/exchange.md, "WebService (SOAP)").

Three operations, each a thin wrapper over what the REST API calls:

- ``QueryCredit(code)`` — a subject's profile, as ``GET /api/v1/subjects/{identifier}``
  (:func:`credit.subjects.selectors.profile_for`; the caller's usage scope and granted items,
  natural persons' names masked); needs the scope ``subjects:read``.
- ``ReportRecords(item, department, records)`` — rows pushed into the ingest pipeline as
  ``POST /api/v1/ingest/{item}`` (:func:`credit.ingest.pipeline.ingest_payloads` with the
  caller as actor: only its own department, or one the credit office lets it report for); the
  batch's counts and one ``Receipt`` per record, under the record's ``key``; needs
  ``ingest:push``.
- ``GetChanges(cursor, item, region, kind, limit)`` — the record change feed, as
  ``GET /api/v1/changes`` (:func:`credit.records.events.changes_for`); needs ``changes:read``.

Every POST is a signed request exactly like ``/api/v1`` (``X-Credit-Key``,
``X-Credit-Timestamp``, ``X-Credit-Nonce``, ``X-Credit-Signature`` over ``POST``, the path
``/ws/credit/`` and the raw SOAP body; :mod:`credit.gateway.signing`): key, signature, clock,
source address, nonce, limits and quota as :func:`credit.gateway.services.authenticate` checks
them, and each operation needs the scope of the REST route it mirrors
(:data:`OPERATION_ROUTES`, :func:`credit.gateway.scopes.scope_for`). Every call is written to
the API call log (route ``/ws/credit/<operation>``). A refusal or invalid input is a SOAP
Fault (HTTP 500, as SOAP 1.1 has it) whose ``faultcode`` is ``Client.<error code>`` (the codes
of the REST API) and whose ``faultstring`` is Chinese; a failure of ours is
``Server.internal_error``.

The request is parsed without DTDs or entities (no external entity is read, no network is
used) and a document with a document type declaration is refused outright.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.encoding import escape_uri_path
from django.views.decorators.csrf import csrf_exempt
from lxml import etree
from spyne import (
    Application,
    Array,
    Boolean,
    ComplexModel,
    Date,
    DateTime,
    Fault,
    Integer,
    ServiceBase,
    Unicode,
    rpc,
)
from spyne.interface.wsdl import Wsdl11
from spyne.protocol.soap import Soap11
from spyne.server.django import DjangoServer

from credit.core import context
from credit.core.errors import CreditError, NotAuthenticated
from credit.core.netaddr import client_ip

logger = logging.getLogger(__name__)

TNS = "http://credit.changzhou.gov.cn/exchange"
SERVICE_NAME = "CreditExchangeService"
#: The REST route (method, path under ``/api/v1``) each operation mirrors: its scope is the
#: operation's.
OPERATION_ROUTES: dict[str, tuple[str, str]] = {
    "QueryCredit": ("GET", "/subjects/"),
    "ReportRecords": ("POST", "/ingest/"),
    "GetChanges": ("GET", "/changes"),
}
#: Records one ``ReportRecords`` call may carry (as a REST push).
MAX_RECORDS = 5000
#: The largest SOAP request body (a push of :data:`MAX_RECORDS` records fits).
MAX_BODY_BYTES = 32 * 1024 * 1024
CALL_ROUTE = "/ws/credit/"


# --------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------


class Field(ComplexModel):
    """One value of a record, by the catalog field's code (or its national standard name)."""

    __namespace__ = TNS
    _type_info = [
        ("name", Unicode(min_occurs=1, max_len=100)),
        ("value", Unicode(max_len=20_000)),
    ]


class Record(ComplexModel):
    """One record pushed: the sender's own ``key`` (echoed in its receipt) and its fields."""

    __namespace__ = TNS
    _type_info = [
        ("key", Unicode(min_occurs=1, max_len=64)),
        ("fields", Array(Field)),
    ]


class Receipt(ComplexModel):
    """What became of one record: ``ok`` (入库) or refused with the ``reason``; ``row`` is
    its row number in the batch (the first record is row 2, as in a file)."""

    __namespace__ = TNS
    _type_info = [
        ("key", Unicode),
        ("ok", Boolean),
        ("reason", Unicode),
        ("row", Integer),
    ]


class ReportResult(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("batch", Integer),
        ("total", Integer),
        ("inserted", Integer),
        ("updated", Integer),
        ("unchanged", Integer),
        ("corrected", Integer),
        ("rejected", Integer),
        ("receipts", Array(Receipt)),
    ]


class Subject(ComplexModel):
    """The subject's basic information (``type`` legal or natural; a natural person's name
    masked for systems, its ID number only masked)."""

    __namespace__ = TNS
    _type_info = [
        ("type", Unicode),
        ("name", Unicode),
        ("uscc", Unicode),
        ("id_masked", Unicode),
        ("kind", Unicode),
        ("region", Unicode),
        ("industry", Unicode),
        ("status", Unicode),
        ("legal_representative", Unicode),
        ("established_on", Date),
    ]


class CreditEntry(ComplexModel):
    """One record of the profile, with the fields the caller may use (ID numbers masked)."""

    __namespace__ = TNS
    _type_info = [
        ("record", Integer),
        ("item", Unicode),
        ("item_name", Unicode),
        ("list_kind", Unicode),
        ("department", Unicode),
        ("document_no", Unicode),
        ("decision_date", Date),
        ("valid_to", Date),
        ("severity", Unicode),
        ("fields", Array(Field)),
    ]


class Count(ComplexModel):
    """How many records a part of the profile holds (``licenses``, ``penalties``,
    ``list_entries``), beyond the at most 50 listed."""

    __namespace__ = TNS
    _type_info = [("name", Unicode), ("count", Integer)]


class CreditProfile(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("subject", Subject),
        ("licenses", Array(CreditEntry)),
        ("penalties", Array(CreditEntry)),
        ("list_entries", Array(CreditEntry)),
        ("counts", Array(Count)),
    ]


class Change(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("event_id", Unicode),
        ("kind", Unicode),
        ("record_id", Integer),
        ("item", Unicode),
        ("item_name", Unicode),
        ("region", Unicode),
        ("department", Unicode),
        ("version", Integer),
        ("occurred_at", DateTime),
    ]


class Changes(ComplexModel):
    __namespace__ = TNS
    _type_info = [
        ("events", Array(Change)),
        ("cursor", Unicode),
        ("more", Boolean),
    ]


# --------------------------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------------------------


class CreditFault(Fault):
    """A refusal of the platform's own: ``Client.<code>`` (the REST API's codes) or
    ``Server.<code>``, its ``faultstring`` in Chinese."""


def _fault(code: str, message: str, *, server: bool = False) -> CreditFault:
    return CreditFault(faultcode=f"{'Server' if server else 'Client'}.{code}", faultstring=message)


#: The Chinese words for the faults spyne raises itself (a request it cannot read), by the
#: last part of their ``faultcode``.
_SPYNE_FAULTS = {
    "XMLSyntaxError": "请求不是格式正确的 XML 报文",
    "SoapError": "请求不是有效的 SOAP 1.1 报文",
    "ResourceNotFound": "请求的操作不存在（可用的操作见 ?wsdl）",
    "RequestNotAllowed": "请使用 POST 调用 WebService（Content-Type: text/xml）",
    "RequestTooLong": "请求体过大，请分批报送",
    "ValidationError": "请求参数不符合服务描述（WSDL）",
    "SchemaValidationError": "请求参数不符合服务描述（WSDL）",
    "InvalidInput": "请求参数不符合服务描述（WSDL）",
    "ArgumentError": "请求参数不符合服务描述（WSDL）",
}


class _Server(DjangoServer):
    """spyne's Django server whose own faults (a request it cannot read) speak Chinese."""

    def handle_error(self, p_ctx: Any, others: Any, error: Any) -> HttpResponse:
        if isinstance(error, Fault) and not isinstance(error, CreditFault):
            code = str(error.faultcode or "")
            if code.startswith("Server"):
                error.faultstring = "服务器内部错误，请稍后重试"
            else:
                label = _SPYNE_FAULTS.get(code.rsplit(".", 1)[-1], "请求不是有效的 SOAP 1.1 报文")
                detail = str(error.faultstring or "").strip()[:300]
                error.faultstring = f"{label}（{detail}）" if detail else label
        return super().handle_error(p_ctx, others, error)


def authenticate(request: HttpRequest, operation: str) -> Any:
    """The principal of the API client that signed ``request`` for ``operation``; a
    :class:`CreditError` (with the REST API's code and Chinese message) when it may not.

    The signature covers ``POST``, the service's path and the raw SOAP body, as for any
    ``/api/v1`` call; :func:`credit.gateway.services.authenticate` checks the key, the
    signature, the clock, the source address, the scope of the REST route the operation
    mirrors (:data:`OPERATION_ROUTES`), then counts the nonce, the per-second limit and the
    daily quota as for any call."""
    from credit.gateway import services

    key = request.headers.get("X-Credit-Key", "")
    if not key:
        raise NotAuthenticated(
            "请求未签名：须携带 X-Credit-Key、X-Credit-Timestamp、X-Credit-Nonce、"
            "X-Credit-Signature（签名方法见接入指南）",
            code="not_authenticated",
        )
    client = services.authenticate(
        key=key,
        method=request.method or "POST",
        path=escape_uri_path(request.path),
        query=request.META.get("QUERY_STRING", ""),
        body=request.body,
        headers=request.headers,
        source_ip=client_ip(request),
        route=OPERATION_ROUTES[operation],
    )
    request.api_client = client
    request.user = client.user
    return client.as_principal()


# --------------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------------


def _run(ctx: Any, name: str, function: Callable[..., Any], *args: Any) -> Any:
    """Run operation ``name`` as the signed caller (``function(principal, request, *args)``),
    its refusals as SOAP Faults and any other failure as ``Server.internal_error``."""
    request = ctx.transport.req
    request.soap_operation = name
    try:
        principal = authenticate(request, name)
        return function(principal, request, *args)
    except Fault:
        raise
    except CreditError as exc:
        raise _fault(exc.code, exc.message) from None
    except RequestDataTooBig:
        raise _fault("body_too_large", "请求体过大，请分批提交") from None
    except Exception:
        logger.exception("SOAP %s failed", name)
        raise _fault("internal_error", "服务器内部错误，请稍后重试", server=True) from None


def _fields(values: dict[str, Any]) -> list[Field]:
    return [Field(name=str(k), value=_text(v)) for k, v in (values or {}).items()]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return "；".join(str(v) for v in value)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _entry(found: dict[str, Any]) -> CreditEntry:
    return CreditEntry(
        record=found["record"],
        item=found["item"],
        item_name=found["item_name"],
        list_kind=found["list_kind"],
        department=found["department"],
        document_no=found["document_no"],
        decision_date=found["decision_date"],
        valid_to=found["valid_to"],
        severity=found["severity"],
        fields=_fields(found["payload"]),
    )


def query_credit(principal: Any, request: HttpRequest, code: str | None) -> CreditProfile:
    """``QueryCredit``: :func:`credit.subjects.selectors.profile_for`, as the REST query."""
    from credit.core.errors import NotFound
    from credit.subjects import selectors

    request.call_subject = code
    found = selectors.profile_for(principal, code or "")
    if found is None:
        raise NotFound("未找到该主体", code="subject_not_found")
    request.call_result = found["counts"]
    basic = found["subject"]
    return CreditProfile(
        subject=Subject(**{k: basic.get(k) for k in Subject._type_info}),
        licenses=[_entry(e) for e in found["licenses"]],
        penalties=[_entry(e) for e in found["penalties"]],
        list_entries=[_entry(e) for e in found["list_entries"]],
        counts=[Count(name=k, count=v) for k, v in found["counts"].items()],
    )


def report_records(
    principal: Any,
    request: HttpRequest,
    item: str | None,
    department: str | None,
    records: list[Any] | None,
) -> ReportResult:
    """``ReportRecords``: :func:`credit.ingest.pipeline.ingest_payloads` with the caller as
    actor, as the REST push; one receipt per record, in order."""
    from credit.core.errors import ValidationFailed
    from credit.exchange.services.runner import row_outcomes
    from credit.ingest.pipeline import ingest_payloads

    records = [r for r in records or [] if r is not None]
    if not records:
        raise ValidationFailed("请至少报送一条记录", code="rows_required")
    if len(records) > MAX_RECORDS:
        raise ValidationFailed(
            f"每次至多报送 {MAX_RECORDS} 条，本次 {len(records)} 条", code="too_many_rows"
        )
    rows = [{f.name: f.value for f in r.fields or [] if f is not None and f.name} for r in records]
    batch = ingest_payloads(
        actor=principal, rows=rows, item_code=item or "", department_code=department or None
    )
    request.call_result = batch.summary()
    receipts = [
        Receipt(key=record.key, ok=ok, reason=reason, row=n)
        for record, (n, ok, reason) in zip(records, row_outcomes(batch, len(records)), strict=True)
    ]
    return ReportResult(**batch.summary(), receipts=receipts)


def get_changes(
    principal: Any,
    request: HttpRequest,
    cursor: str | None,
    item: str | None,
    region: str | None,
    kind: str | None,
    limit: int | None,
) -> Changes:
    """``GetChanges``: :func:`credit.records.events.changes_for`, as ``GET /changes``."""
    from credit.records import events

    found, after, more = events.changes_for(
        principal,
        cursor or "",
        limit=limit or 500,
        item=item or "",
        region=region or "",
        kind=kind or "",
    )
    request.call_result = {"events": len(found)}
    # Beijing time with its offset (the same instant /api/v1 gives in UTC, ending in Z)
    return Changes(
        events=[
            Change(**{**e, "occurred_at": timezone.localtime(e["occurred_at"])}) for e in found
        ],
        cursor=after,
        more=more,
    )


class CreditExchangeService(ServiceBase):
    """The operations (names as published in the WSDL)."""

    @rpc(
        Unicode(min_occurs=1, max_len=40),
        _returns=CreditProfile,
        _operation_name="QueryCredit",
    )
    def op_query_credit(ctx, code):
        return _run(ctx, "QueryCredit", query_credit, code)

    @rpc(
        Unicode(min_occurs=1, max_len=64),
        Unicode(max_len=32, pattern=r"[A-Za-z0-9_\-]*"),
        Array(Record),
        _returns=ReportResult,
        _operation_name="ReportRecords",
    )
    def op_report_records(ctx, item, department, records):
        return _run(ctx, "ReportRecords", report_records, item, department, records)

    @rpc(
        Unicode(max_len=64),
        Unicode(max_len=64),
        Unicode(max_len=6),
        Unicode(max_len=12),
        Integer(ge=1, le=1000),
        _returns=Changes,
        _operation_name="GetChanges",
    )
    def op_get_changes(ctx, cursor, item, region, kind, limit):
        return _run(ctx, "GetChanges", get_changes, cursor, item, region, kind, limit)


class _Soap11(Soap11):
    """SOAP 1.1 that refuses a document carrying a document type declaration (the parser
    already neither loads DTDs nor resolves entities nor uses the network)."""

    def create_in_document(self, ctx: Any, charset: str | None = None) -> None:
        super().create_in_document(ctx, charset)
        root = ctx.in_document[0]
        docinfo = root.getroottree().docinfo
        if docinfo.doctype or docinfo.internalDTD is not None:
            raise _fault("dtd_forbidden", "请求不得包含文档类型声明（DOCTYPE）或实体定义")


application = Application(
    [CreditExchangeService],
    tns=TNS,
    name=SERVICE_NAME,
    in_protocol=_Soap11(
        validator="soft",
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
    ),
    out_protocol=Soap11(),
)
_server = _Server(application)
_wsdl_lock = threading.Lock()
_wsdl: dict[str, bytes] = {}


# --------------------------------------------------------------------------------------------
# The view
# --------------------------------------------------------------------------------------------


def _wsdl_response(request: HttpRequest) -> HttpResponse:
    """The WSDL, its service address the URL it was asked on (built once per address)."""
    url = request.build_absolute_uri(request.path)
    with _wsdl_lock:  # building a WSDL document is not thread-safe
        document = _wsdl.get(url)
        if document is None:
            wsdl = Wsdl11(application.interface)
            wsdl.build_interface_document(url)
            if len(_wsdl) >= 20:  # one per address the site answers on (ALLOWED_HOSTS)
                _wsdl.clear()
            document = _wsdl[url] = wsdl.get_interface_document()
    return HttpResponse(document, content_type="text/xml; charset=utf-8")


def _fault_response(
    code: str, message: str, status: int = 500, *, server: bool = False
) -> HttpResponse:
    """A SOAP 1.1 Fault written without the service (a request it cannot be given, or a
    failure of spyne's own: ``server``)."""
    env = "http://schemas.xmlsoap.org/soap/envelope/"
    envelope = etree.Element(f"{{{env}}}Envelope", nsmap={"soap11env": env})
    fault = etree.SubElement(etree.SubElement(envelope, f"{{{env}}}Body"), f"{{{env}}}Fault")
    etree.SubElement(
        fault, "faultcode"
    ).text = f"soap11env:{'Server' if server else 'Client'}.{code}"
    etree.SubElement(fault, "faultstring").text = message
    body = etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")
    return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")


@csrf_exempt
def soap_view(request: HttpRequest) -> HttpResponse:
    """``GET ?wsdl``: the WSDL (no signature); ``POST``: one SOAP call, logged in the API call
    log."""
    if request.method in ("GET", "HEAD"):
        if any(k.lower() == "wsdl" for k in request.GET):
            return _wsdl_response(request)
        return HttpResponse(
            "公共信用信息平台 WebService：服务描述见 ?wsdl，调用请使用 POST（SOAP 1.1）。",
            content_type="text/plain; charset=utf-8",
        )
    if request.method != "POST":
        response = _fault_response("method_not_allowed", "请使用 POST 调用 WebService", 405)
        response["Allow"] = "GET, POST"
        return response
    called_at = timezone.now()
    started = time.perf_counter()
    response = _call(request)
    _log(request, response, called_at, round((time.perf_counter() - started) * 1000))
    if response.status_code >= 500:
        # A Fault is the SOAP answer to a refused call, not a server error for Django's log;
        # a failure of ours is logged where it happens.
        response._has_been_logged = True
    return response


def _call(request: HttpRequest) -> HttpResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    limit = max(MAX_BODY_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0)
    if length > limit:
        return _fault_response(
            "body_too_large", f"请求体过大：至多 {limit / 1024 / 1024:.1f} MB，请分批报送", 413
        )
    if length > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
        request._body = request.read()  # within our own, larger limit
    if not (request.content_type or "").endswith("xml"):
        return _fault_response(
            "content_type_invalid", "请求须为 SOAP 1.1 报文（Content-Type: text/xml）", 415
        )
    try:
        return _server.handle_rpc(request)
    except Exception:  # spyne itself failed: still a Fault, never an error page
        logger.exception("SOAP request could not be handled")
        return _fault_response("internal_error", "服务器内部错误，请稍后重试", server=True)


def _log(request: HttpRequest, response: HttpResponse, called_at: Any, latency_ms: int) -> None:
    from credit.gateway import calllog
    from credit.gateway.models import ApiClient

    try:
        client = getattr(request, "api_client", None)
        client_id = department_id = user_id = None
        if client is not None:
            client_id, user_id, department_id = client.pk, client.user_id, client.department_id
        else:
            key = request.headers.get("X-Credit-Key", "")[:40]
            if key:
                found = ApiClient.objects.filter(key=key).values_list("pk", "department_id")
                client_id, department_id = found.first() or (None, None)
        operation = getattr(request, "soap_operation", "")
        calllog.record_call(
            called_at=called_at,
            method=request.method or "",
            route=CALL_ROUTE + operation,
            path=request.path,
            status=response.status_code,
            latency_ms=latency_ms,
            client_id=client_id,
            user_id=user_id,
            department_id=department_id,
            subject=getattr(request, "call_subject", None),
            result=getattr(request, "call_result", None),
            source_ip=client_ip(request),
            request_id=context.current().request_id,
        )
    except Exception:  # the log must never break the response
        logger.warning("call log: could not describe a SOAP call", exc_info=True)
