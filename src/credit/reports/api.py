"""``/api/v1/reports``: credit reports (信用报告) for business systems.

- ``POST /reports`` requests a report of a legal person (by USCC) from a template for a
  purpose (:func:`credit.reports.services.request_by_api`). A department's system asks for its
  own procedures (信用核查): a template marked 部门核查即时出具 issues at once (``issued``),
  any other waits for the two reviews (``submitted``). Any other system needs the subject's
  authorisation (授权) of its organisation — the client's registered USCC — for the purpose,
  in force today.
- ``GET /reports/{number}`` answers the signed PDF once issued; ``GET
  /reports/{number}/status`` where the request stands.

Callers: API clients holding the scope ``reports:request``; staff sessions holding the
permission 通过接口请求信用报告 (the city administrator) for the POST and 查看信用报告申请和报告
for the GETs (their tenant's applications). A client reads only its own requests (a
department's system also its department's), a third party only while the authorisation it
requested under is in force; another's number answers 404 like a missing one. Every PDF
handed out is counted and audited (:func:`credit.reports.extraction.download`).
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Path, Router, Schema, Status

from credit.core.access import Perm
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.identifiers import detect, normalize_code
from credit.core.netaddr import client_ip
from credit.core.schemas import BODY_ERRORS, ErrorOut, links, responses
from credit.reports import extraction, rules, selectors, services
from credit.reports.constants import ApplicationStatus, Purpose, ReportStatus
from credit.reports.models import Application
from credit.subjects.constants import IdentifierScheme
from credit.subjects.selectors import legal_person_by_identifier

router = Router(tags=["信用报告"])

#: A report number as the POST answers it (``XY`` + date + 8 digits; ``-n`` for a re-issue).
Number = Path(..., min_length=1, max_length=28, pattern=r"^[A-Za-z0-9-]+$", description="报告编号")
#: What a report's state reads as for integrators (``expired``: past its validity).
REPORT_STATES = (*ReportStatus.values, rules.EXPIRED)

_OP_PDF = "credit_reports_api_report_pdf"
_OP_STATUS = "credit_reports_api_report_status"


class ReportRequestIn(Schema):
    subject: str = Field(
        ..., min_length=1, max_length=40, description="信息主体的统一社会信用代码（仅限法人）"
    )
    template: str = Field(
        ...,
        min_length=1,
        max_length=40,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="报告模板标识，如 general（企业信用报告（通用版））",
    )
    purpose: Literal[tuple(Purpose.values)] = Field(
        ..., description="报告用途：" + "、".join(f"{v}（{label}）" for v, label in Purpose.choices)
    )
    purpose_text: str = Field("", max_length=200, description="用途说明，如项目名称、审批事项")


class ReportRequestOut(Schema):
    number: str = Field(..., description="报告编号：凭它获取报告和查询进度")
    status: Literal[tuple(ApplicationStatus.values)] = Field(
        ...,
        description="申请状态："
        + "、".join(f"{v}（{label}）" for v, label in ApplicationStatus.choices),
    )


class ReportStatusOut(Schema):
    number: str = Field(..., description="报告编号（请求时返回的编号）")
    status: Literal[tuple(ApplicationStatus.values)] = Field(
        ...,
        description="申请状态："
        + "、".join(f"{v}（{label}）" for v, label in ApplicationStatus.choices),
    )
    return_reason: str = Field(..., description="退回原因（status 为 returned 时）")
    report_number: str | None = Field(
        None, description="当前报告的编号（更正重出的报告编号带 -2、-3 …）；尚未出具为 null"
    )
    report_status: Literal[REPORT_STATES] | None = Field(
        None,
        description="当前报告的状态：valid 有效 / superseded 已更新（所载信息已变更）/ "
        "revoked 已撤销 / expired 已过期；尚未出具为 null",
    )
    issued_at: datetime.datetime | None = Field(None, description="出具时间")
    valid_until: datetime.date | None = Field(None, description="有效期至")
    sha256: str | None = Field(None, description="报告文件的 SHA-256（与下载的文件比对）")
    verify_url: str | None = Field(
        None, description="核验页面地址（即报告上二维码的内容），任何收到报告的人都可核验"
    )
    deliverable: bool = Field(
        ...,
        description="现在能否下载报告：已出具、有效，且第三方依据的授权仍在有效期内",
    )


def _subject(value: str):
    """The legal person with this USCC; a personal number or a malformed code is refused."""
    found = legal_person_by_identifier(value, IdentifierScheme.USCC)
    if found is not None:
        return found
    kind = detect(value)
    if kind == "resident_id":
        raise ValidationFailed(
            "接口只受理法人的信用报告请求（统一社会信用代码）；个人信用报告须本人实名申请",
            code="subject_not_legal",
        )
    if kind != "uscc":
        raise ValidationFailed("subject 应为18位统一社会信用代码", code="subject_invalid")
    raise NotFound(
        f"未找到统一社会信用代码为 {normalize_code(value)} 的法人", code="subject_not_found"
    )


@router.post(
    "",
    response=responses({201: ReportRequestOut}, 404, *BODY_ERRORS),
    summary="请求信用报告",
    description=(
        "请求一家法人（统一社会信用代码）的信用报告。部门业务系统为本部门办理事项核查"
        "（信用核查）时，模板标明“部门核查即时出具”的立即出具（status 为 issued，可直接获取 PDF），"
        "否则等待市信用办初审、复核（submitted）。第三方机构须取得信息主体对其机构"
        "（登记的机构统一社会信用代码）就该用途、在有效期内的授权，否则 403 not_authorised。"
        "错误码：404 subject_not_found（无此法人）、template_not_found；"
        "422 subject_not_legal（个人证件号码：接口只受理法人）、subject_invalid、"
        "template_inactive、template_subject_type、template_purpose（模板不适用该用途）、"
        "invalid_request（用途不在枚举中）；403 not_authorised、permission_denied。"
    ),
    operation_id="credit_reports_api_request_report",
    openapi_extra=links(
        201,
        GetReport=(_OP_PDF, {"number": "$response.body#/number"}),
        GetStatus=(_OP_STATUS, {"number": "$response.body#/number"}),
    ),
)
def request_report(request: HttpRequest, body: ReportRequestIn):
    """Resolve the subject (legal persons only) and template, then request through the one
    service; the permission is checked before anything is looked up."""
    principal = request.auth
    principal.require(Perm.REPORT_REQUEST)
    subject = _subject(body.subject)
    request.call_subject = subject.uscc
    template = selectors.template_by_code(body.template)
    if template is None:
        raise NotFound(f"报告模板“{body.template}”不存在", code="template_not_found")
    application = services.request_by_api(
        actor=principal,
        template=template,
        subject=subject,
        purpose=body.purpose,
        purpose_text=body.purpose_text,
    )
    request.call_result = {"number": application.number, "status": application.status}
    return Status(201, {"number": application.number, "status": application.status})


def _application(request: HttpRequest, number: str) -> Application:
    found = selectors.requested_application_for(request.auth, number)
    if found is None:
        raise NotFound(f"报告编号 {number} 不存在", code="report_not_found")
    if found.legal_person_id:
        request.call_subject = found.legal_person.uscc
    return found


def _authorised(application: Application, today: datetime.date) -> bool:
    """A request made under a subject's authorisation is served only while it holds."""
    grant = application.authorisation
    return grant is None or rules.authorisation_in_force(
        valid_from=grant.valid_from,
        valid_to=grant.valid_to,
        revoked=grant.revoked_at is not None,
        today=today,
    )


def _conflict(code: str, message: str, **details: str) -> Status:
    return Status(409, {"code": code, "message": message, "details": details})


_PDF_RESPONSES = {
    "responses": {
        200: {
            "description": "已出具的信用报告（PDF，带电子签章）",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "X-Report-SHA256": {
                    "description": "文件的 SHA-256，与核验页面显示的一致",
                    "required": True,
                    "schema": {"type": "string"},
                },
                "X-Report-Number": {
                    "description": "所下载报告的编号（更正重出的报告带 -2、-3 …）",
                    "required": True,
                    "schema": {"type": "string"},
                },
            },
        },
        409: {
            "description": "报告尚未出具（report_not_issued，details.status 为申请状态），"
            "或已撤销（report_revoked）、已更新待重出（report_superseded）"
        },
    }
}


@router.get(
    "/{number}",
    response=responses({409: ErrorOut}, 404),
    summary="获取信用报告（PDF）",
    description=(
        "已出具的信用报告 PDF（带电子签章；更正重出后为更正后的报告），文件的 SHA-256 在响应头 "
        "X-Report-SHA256。只提供给请求它的系统（部门业务系统也可获取本部门的请求）和数据范围内的"
        "工作人员；第三方机构只能在其依据的授权有效期内获取（授权已撤销或过期为 403 "
        "authorisation_ended）。尚未出具 409 report_not_issued（details.status 为申请状态）；"
        "已撤销 409 report_revoked；所载信息已变更、更正报告待复核 409 report_superseded。"
        "他人的编号与不存在的编号一样答 404 report_not_found。每次下载记入审计日志。"
    ),
    operation_id=_OP_PDF,
    openapi_extra=_PDF_RESPONSES,
)
def report_pdf(request: HttpRequest, number: str = Number):
    """The current report's signed PDF, through the audited download."""
    application = _application(request, number)
    today = timezone.localdate()
    report = selectors.reports_of(application).last()
    if report is None:
        return _conflict(
            "report_not_issued",
            f"报告尚未出具（{application.get_status_display()}）",
            status=application.status,
        )
    if not _authorised(application, today):
        raise PermissionDenied(
            "信息主体的授权已撤销或已过期，不能再获取该报告", code="authorisation_ended"
        )
    if report.status == ReportStatus.REVOKED:
        return _conflict("report_revoked", "该报告已撤销", status=report.status)
    if report.status == ReportStatus.SUPERSEDED:
        return _conflict(
            "report_superseded",
            "报告所载信息已变更，更正后的报告待复核后出具",
            status=report.status,
        )
    report = extraction.download(
        application=application, channel="api", actor=request.auth, source_ip=client_ip(request)
    )
    request.call_result = {"report": report.number, "sha256": report.sha256}
    response = HttpResponse(bytes(report.pdf), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"{report.number}.pdf"
    )
    response["X-Report-SHA256"] = report.sha256
    response["X-Report-Number"] = report.number
    response["Cache-Control"] = "no-store"
    return response


@router.get(
    "/{number}/status",
    response=responses(ReportStatusOut, 404),
    summary="查询信用报告请求的进度",
    description=(
        "请求的办理状态，出具后还有当前报告的编号、状态、有效期、文件 SHA-256 和核验地址"
        "（即报告二维码的内容）。SHA-256 和核验地址只在报告可下载（deliverable 为 true）时给出。"
        "访问范围与获取报告相同。"
    ),
    operation_id=_OP_STATUS,
)
def report_status(request: HttpRequest, number: str = Number):
    """Where the request stands; the hash and verify URL only while deliverable."""
    application = _application(request, number)
    today = timezone.localdate()
    report = selectors.reports_of(application).last()
    out = {
        "number": application.number,
        "status": application.status,
        "return_reason": application.return_reason
        if application.status == ApplicationStatus.RETURNED
        else "",
        "deliverable": False,
    }
    if report is None:
        return out
    deliverable = _authorised(application, today) and report.status == ReportStatus.VALID
    out.update(
        report_number=report.number,
        report_status=rules.report_state(report.status, report.valid_until, today),
        issued_at=report.issued_at,
        valid_until=report.valid_until,
        deliverable=deliverable,
    )
    if deliverable:
        out.update(
            sha256=report.sha256,
            verify_url=services.verify_url(report.number, report.verify_code),
        )
    return out
