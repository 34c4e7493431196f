"""``/api/v1/commitments``: credit commitments (信用承诺) for departments' systems and the
checks that rely on the city's coverage figures.

- ``GET /coverage``: the coverage against the 示范城市 targets today (tender lines 441–445):
  per target the covered count, the total, the ratio, the target ratio and whether it is met.
- ``POST ""``: a department's system records a commitment its procedure received (a subject
  by USCC or ID number, an item by code, the date it was signed): published at once, channel
  接口推送 (:func:`credit.commitments.services.commitments.record_via_api`).
- ``POST /{number}/breach``: the department records that a commitment was broken (违诺): a
  违背信用承诺 record is written and enters the library, publicity and the joint-punishment
  check (:func:`credit.commitments.services.commitments.breach`).
- ``GET ""``: the published commitments in force, filtered and paged.

Callers: API clients holding ``commitments:write`` (the POSTs; a department's system only,
for the items of its own department — an item of another department is refused with 403
``department_not_allowed``) or ``commitments:read`` (the GETs); staff sessions holding
查看信用承诺和覆盖率 (GETs) or 录入信用承诺 and 审核信用承诺 (POSTs) within their tenant. A
number outside the caller's tenant answers 404 exactly like an unknown one. Natural persons'
names come masked to API clients, their ID numbers always.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from credit.commitments import selectors
from credit.commitments.constants import Channel, Kind, Target
from credit.commitments.constants import Status as CommitmentStatus
from credit.commitments.models import Commitment
from credit.commitments.selectors import coverage
from credit.commitments.services import commitments as services
from credit.core.access import Kind as PrincipalKind
from credit.core.access import Perm, Principal
from credit.core.errors import NotFound, ValidationFailed
from credit.core.inputs import Offset
from credit.core.masking import mask_name
from credit.core.schemas import BODY_ERRORS, links, responses

router = Router(tags=["信用承诺"])

#: A commitment number: ``<kind>-<department>-<YYYYMMDD>-<sequence>``.
Number = Path(..., min_length=1, max_length=40, pattern=r"^[A-Za-z0-9-]+$", description="承诺编号")

_OP_BREACH = "credit_commitments_api_breach"


class FigureOut(Schema):
    target: Literal[tuple(Target.values)] = Field(
        ..., description="指标：" + "、".join(f"{v}（{label}）" for v, label in Target.choices)
    )
    label: str = Field(..., description="指标名称")
    covered: int = Field(..., description="已覆盖数（主体数或事项数）")
    total: int = Field(..., description="应覆盖数")
    ratio: float = Field(..., description="覆盖率（0–1；应覆盖数为 0 时为 1）")
    target_ratio: float = Field(..., description="目标比例（0–1），如 0.9")
    met: bool = Field(..., description="是否达到目标")


class CoverageOut(Schema):
    day: datetime.date = Field(..., description="统计日期")
    scope: str = Field(
        ...,
        description="统计范围：接口调用方为全市；工作人员为其数据范围（全市、本辖市区、本部门）",
    )
    targets: list[FigureOut]


class CommitmentIn(Schema):
    subject: str = Field(
        ...,
        min_length=1,
        max_length=40,
        description="承诺人：法人的统一社会信用代码，或自然人的居民身份证号码",
    )
    item: str = Field(
        ...,
        min_length=1,
        max_length=64,
        pattern=r"^[-a-zA-Z0-9_]+$",
        description="承诺事项编码（本部门的承诺事项）",
    )
    committed_on: datetime.date = Field(..., description="承诺日期（签署日期）")
    signer: str = Field("", max_length=50, description="签署人（法定代表人或经办人）")


class BreachIn(Schema):
    facts: str = Field(..., min_length=1, max_length=2000, description="违诺情形")
    date: datetime.date | None = Field(None, description="认定日期；不填为今天")


class CommitmentOut(Schema):
    number: str = Field(..., description="承诺编号：承诺类型-部门编码-日期-序号")
    status: Literal[tuple(CommitmentStatus.values)] = Field(
        ...,
        description="状态："
        + "、".join(f"{v}（{label}）" for v, label in CommitmentStatus.choices),
    )
    kind: Literal[tuple(Kind.values)] = Field(
        ..., description="承诺类型：" + "、".join(f"{v}（{label}）" for v, label in Kind.choices)
    )
    item: str = Field(..., description="承诺事项编码")
    item_name: str = Field(..., description="承诺事项")
    item_version: int = Field(..., description="所签承诺书模板的版本")
    department: str = Field(..., description="承诺部门编码")
    department_name: str = Field(..., description="承诺部门")
    subject_type: Literal["legal", "natural"] = Field(
        ..., description="承诺人类别：legal 法人 / natural 自然人"
    )
    promisor_name: str = Field(..., description="承诺人名称（自然人对接口调用方脱敏）")
    promisor_code: str = Field(..., description="统一社会信用代码，或脱敏的证件号码")
    signer: str = Field(..., description="签署人（对接口调用方脱敏）")
    committed_on: datetime.date = Field(..., description="承诺日期")
    published_on: datetime.date | None = Field(None, description="公示日期；未公示为 null")
    valid_until: datetime.date | None = Field(None, description="有效期至；null 为长期")
    channel: Literal[tuple(Channel.values)] = Field(
        ...,
        description="来源渠道：" + "、".join(f"{v}（{label}）" for v, label in Channel.choices),
    )
    fulfilled_on: datetime.date | None = Field(None, description="践诺日期")
    breach_record: int | None = Field(
        None, description="违诺时生成的“违背信用承诺”信用记录的编号；未违诺为 null"
    )


class CommitmentPageOut(Schema):
    count: int = Field(..., description="符合筛选条件的承诺总数（分页前）")
    commitments: list[CommitmentOut]


def commitment_out(c: Commitment, principal: Principal) -> dict:
    """A commitment as the API answers it; a natural person's and a signer's names masked
    for callers that get names masked."""
    natural = c.natural_person_id is not None
    masked = principal.masked_names
    return {
        "number": c.number,
        "status": c.status,
        "kind": c.kind,
        "item": c.item.code,
        "item_name": c.item.name,
        "item_version": c.item_version.version,
        "department": c.department.code,
        "department_name": c.department.name,
        "subject_type": "natural" if natural else "legal",
        "promisor_name": mask_name(c.promisor_name) if natural and masked else c.promisor_name,
        "promisor_code": c.promisor_code,
        "signer": mask_name(c.signer_name) if masked and c.signer_name else c.signer_name,
        "committed_on": c.committed_on,
        "published_on": c.published_on,
        "valid_until": c.valid_until,
        "channel": c.channel,
        "fulfilled_on": c.fulfilled_on,
        "breach_record": c.breach_record_id,
    }


def _loaded(qs):
    return qs.select_related("item", "item_version", "department")


@router.get(
    "/coverage",
    response=responses(CoverageOut),
    summary="信用承诺覆盖率",
    description=(
        "按示范城市指标统计的信用承诺覆盖情况：主动承诺和行业自律型承诺覆盖在营法人"
        "（目标 90%）、证照分离19项告知承诺事项（100%）、容缺受理事项（100%）、在营黑名单主体的"
        "信用修复型承诺（100%）。每项给出已覆盖数、应覆盖数、覆盖率、目标比例和是否达标。"
        "接口调用方得到全市数字；工作人员得到其数据范围（辖市区管理员为本辖市区）的数字。"
    ),
    operation_id="credit_commitments_api_coverage",
)
def coverage_figures(request: HttpRequest):
    principal: Principal = request.auth
    principal.require(Perm.COMMITMENT_VIEW)
    day = timezone.localdate()
    scope = (
        coverage.CITY if principal.kind == PrincipalKind.CLIENT else coverage.scope_for(principal)
    )
    figures = coverage.compute(day, scope)
    request.call_result = {"targets": len(figures)}
    return {
        "day": day,
        "scope": scope.label,
        "targets": [
            {
                "target": f.target,
                "label": f.label,
                "covered": f.covered,
                "total": f.total,
                "ratio": float(f.ratio),
                "target_ratio": float(f.target_ratio),
                "met": bool(f.met),
            }
            for f in figures
        ],
    }


@router.post(
    "",
    response=responses({201: CommitmentOut}, 404, *BODY_ERRORS),
    summary="记录信用承诺",
    description=(
        "部门业务系统记录办理事项中收到的信用承诺：承诺人（法人统一社会信用代码或自然人身份证号码）、"
        "本部门的承诺事项编码、承诺日期和签署人。记录后立即公示（状态 published，渠道 api），"
        "返回结构化的承诺编号。只能记录本部门的承诺事项：其他部门的事项 403 "
        "department_not_allowed。"
        "错误码：404 subject_not_found（库中无此主体）、item_not_found；422 subject_invalid"
        "（既不是统一社会信用代码也不是身份证号码）、date_in_future、date_too_early（晚于今天或早于2000年）、"
        "item_inactive 等业务规则；"
        "403 scope_not_granted、permission_denied。"
    ),
    operation_id="credit_commitments_api_record",
    openapi_extra=links(201, RecordBreach=(_OP_BREACH, {"number": "$response.body#/number"})),
)
def record_commitment(request: HttpRequest, body: CommitmentIn):
    """Record through the one service, which resolves the subject and item and checks the
    department; the permission is checked before anything is looked up."""
    principal: Principal = request.auth
    principal.require(Perm.COMMITMENT_ENTER)
    request.call_subject = body.subject  # the call log masks an ID number
    _not_after_today(body.committed_on, "承诺日期")
    commitment = services.record_via_api(
        actor=principal,
        subject_code=body.subject,
        item_code=body.item,
        committed_on=body.committed_on,
        signer_name=body.signer.strip(),
    )
    commitment = _loaded(Commitment.objects).get(pk=commitment.pk)
    request.call_result = {"number": commitment.number, "status": commitment.status}
    return Status(201, commitment_out(commitment, principal))


#: The earliest date a commitment or a breach may carry (the social credit system's start).
EARLIEST = datetime.date(2000, 1, 1)


def _not_after_today(value: datetime.date, label: str) -> None:
    """A date that has already come, and not before :data:`EARLIEST`."""
    if value > timezone.localdate():
        raise ValidationFailed(f"{label}不能晚于今天", code="date_in_future")
    if value < EARLIEST:
        raise ValidationFailed(f"{label}不能早于{EARLIEST:%Y年%m月%d日}", code="date_too_early")


def _commitment(principal: Principal, number: str) -> Commitment:
    found = selectors.commitment_for(principal, number)
    if found is None:
        raise NotFound(f"承诺编号 {number} 不存在", code="commitment_not_found")
    return found


@router.post(
    "/{number}/breach",
    response=responses(CommitmentOut, 404, *BODY_ERRORS),
    summary="记录违诺",
    description=(
        "记录承诺人违背信用承诺：生成“违背信用承诺”信用记录（列入重点关注名单，进入公示和联合"
        "奖惩核查），承诺状态变为 breached，返回的 breach_record 为该记录的编号。只能对已公示或"
        "已践诺的承诺记录违诺（其他状态 422 commitment_not_in_force；认定日期晚于今天 422 "
        "date_in_future）。错误码：404 "
        "commitment_not_found（无此编号，或不在调用方的数据范围内）；403 permission_denied。"
    ),
    operation_id=_OP_BREACH,
)
def record_breach(request: HttpRequest, body: BreachIn, number: str = Number):
    principal: Principal = request.auth
    principal.require(Perm.COMMITMENT_REVIEW)
    if body.date is not None:
        _not_after_today(body.date, "认定日期")
    commitment = _commitment(principal, number)
    request.call_subject = commitment.promisor_code
    services.breach(actor=principal, commitment=commitment, facts=body.facts, on=body.date)
    commitment = _loaded(Commitment.objects).get(pk=commitment.pk)
    request.call_result = {"number": commitment.number, "record": commitment.breach_record_id}
    return commitment_out(commitment, principal)


@router.get(
    "",
    response=responses(CommitmentPageOut),
    summary="已公示的信用承诺",
    description=(
        "已公示、在有效期内的信用承诺（已践诺的仍在列；待审核、已退回、已违诺、已撤回的不在列），"
        "按承诺日期从新到旧。自然人承诺人的姓名和签署人对接口调用方脱敏，证件号码始终脱敏。"
    ),
    operation_id="credit_commitments_api_published",
)
def published_commitments(
    request: HttpRequest,
    subject: str = Query("", max_length=40, description="承诺人统一社会信用代码或名称（部分）"),
    item: str = Query("", max_length=64, description="承诺事项编码"),
    kind: Literal[("", *Kind.values)] = Query("", description="承诺类型"),
    department: str = Query("", max_length=32, description="承诺部门编码"),
    limit: int = Query(50, ge=1, le=500),
    offset: Offset = 0,
):
    principal: Principal = request.auth
    principal.require(Perm.COMMITMENT_VIEW)
    qs = public_commitments(
        subject=subject.strip(), item=item.strip(), kind=kind, department=department.strip()
    )
    found = list(_loaded(qs)[offset : offset + limit])
    request.call_result = {"commitments": len(found)}
    return {"count": qs.count(), "commitments": [commitment_out(c, principal) for c in found]}


def public_commitments(
    *, subject: str = "", item: str = "", kind: str = "", department: str = "", name: str = ""
) -> QuerySet[Commitment]:
    """The published commitments in force (:func:`credit.commitments.selectors.published`)
    narrowed by the API's and the portal's filters; ``subject`` is a USCC (or an ID number's
    masked form) or part of the promisor's name."""
    qs = selectors.published({"kind": kind, "item": item, "department": department, "name": name})
    if subject:
        qs = qs.filter(Q(promisor_code=subject.upper()) | Q(promisor_name__icontains=subject))
    return qs
