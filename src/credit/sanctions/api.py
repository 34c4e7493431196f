"""The check service (S3): ``GET /sanctions/check`` and the feedback that closes the loop."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from credit.catalog.constants import LIST_KINDS, ListKind
from credit.core.errors import NotFound
from credit.core.inputs import Id
from credit.core.schemas import BODY_ERRORS, links, responses
from credit.records.models import ListChange
from credit.sanctions import selectors, services
from credit.sanctions.constants import Scenario
from credit.sanctions.models import Check, CheckFeedback

router = Router(tags=["联合奖惩"])
#: A list kind to filter by, or "" for every kind.
ListKindFilter = Literal[("", *LIST_KINDS)]
#: A scenario, or "" for every scenario.
ScenarioFilter = Literal[("", *Scenario.values)]


class CheckQuery(Schema):
    id: str = Field(
        ..., min_length=1, max_length=40, description="统一社会信用代码、原代码或身份证号码"
    )
    scenario: ScenarioFilter = Field(
        "",
        description="应用场景（省略为全部场景）："
        + "、".join(f"{v}（{label}）" for v, label in Scenario.choices),
    )
    reason: str = Field(..., min_length=1, max_length=200, description="核查事由")


class MeasureOut(Schema):
    code: str
    kind: str
    text: str
    legal_basis: str
    memorandum: str
    implementing: str
    scenarios: list[str]


class EntryOut(Schema):
    record: int
    item: str
    item_name: str
    list_kind: ListKind
    department: str
    document_no: str
    decision_date: str | None
    valid_from: str | None
    valid_to: str | None
    measures: list[MeasureOut]


class FeedbackOut(Schema):
    record: int
    measure: str
    action: str
    reason: str
    at: datetime


class CheckOut(Schema):
    number: str
    checked_at: datetime
    result: Literal[tuple(Check.Result.values)] = Field(
        ..., description="clean 未发现名单信息 / hit 发现名单信息 / not_found 未找到主体"
    )
    subject_type: Literal["legal", "natural"] | None = Field(
        None, description="legal 法人 / natural 自然人"
    )
    subject_name: str
    query: str = Field(..., description="所查代码（身份证号码脱敏）")
    scenario: str
    reason: str
    entries: list[EntryOut]
    feedback: list[FeedbackOut]
    certificate_url: str = Field(..., description="可打印的核查证明（链接 90 天内有效）")


class FeedbackIn(Schema):
    record: Id = Field(..., description="名单记录（entries[].record）")
    measure: str = Field(..., description="措施编号（entries[].measures[].code）")
    action: Literal[tuple(CheckFeedback.Action.values)] = Field(
        ..., description="applied 已实施 / not_applicable 不适用 / exempted 依法免予实施"
    )
    reason: str = Field("", max_length=500, description="不适用或免予实施时必填")


def check_out(request: HttpRequest, check: Check, *, fresh: bool = False) -> dict[str, Any]:
    return {
        "number": check.number,
        "checked_at": check.checked_at,
        "result": check.result,
        "subject_type": "legal"
        if check.legal_person_id
        else "natural"
        if check.natural_person_id
        else None,
        "subject_name": check.subject_name,
        "query": check.query,
        "scenario": check.scenario,
        "reason": check.reason,
        "entries": check.hits,
        "feedback": []
        if fresh  # a check just made has no feedback yet: no query
        else [
            {
                "record": f.record_id,
                "measure": f.measure.code,
                "action": f.action,
                "reason": f.reason,
                "at": f.updated_at,
            }
            for f in check.feedback.select_related("measure").order_by("id")
        ],
        "certificate_url": request.build_absolute_uri(services.certificate_url(check)),
    }


@router.get(
    "/check",
    response=responses(CheckOut),
    summary="联合奖惩核查",
    openapi_extra=links(
        GetCheck=("credit_sanctions_api_check_detail", {"number": "$response.body#/number"}),
        GiveFeedback=("credit_sanctions_api_feedback", {"number": "$response.body#/number"}),
    ),
)
def check(request: HttpRequest, query: Query[CheckQuery]):
    """Finds the subject, its red/black/attention list entries in force and the measures for
    the scenario (all scenarios when omitted); records who checked, when and why."""
    done = services.run_check(
        principal=request.auth, identifier=query.id, reason=query.reason, scenario=query.scenario
    )
    request.call_subject = query.id
    request.call_result = {"result": done.result, "entries": len(done.hits)}
    return check_out(request, done, fresh=True)


@router.get("/checks/{number}", response=responses(CheckOut, 404), summary="查看一次核查")
def check_detail(request: HttpRequest, number: str = Path(..., max_length=32)):
    found = selectors.check_for(request.auth, number)
    if found is None:
        raise NotFound(f"核查编号 {number} 不存在", code="check_not_found")
    return check_out(request, found)


@router.post(
    "/checks/{number}/feedback",
    response=responses(CheckOut, 404, *BODY_ERRORS),
    summary="反馈措施实施情况",
)
def feedback(request: HttpRequest, body: FeedbackIn, number: str = Path(..., max_length=32)):
    services.record_feedback(
        principal=request.auth,
        number=number,
        measure_code=body.measure,
        record_id=body.record,
        action=body.action,
        reason=body.reason,
    )
    return check_out(request, selectors.check_for(request.auth, number))


class ChangeOut(Schema):
    event_id: str
    kind: Literal[tuple(ListChange.Kind.values)] = Field(
        ...,
        description=(
            "listed 列入 / updated 变更 / expired 到期移出 / removed 移出（修复、撤销）/ "
            "suspended 异议暂停公示 / restored 恢复公示"
        ),
    )
    occurred_at: datetime
    record: int
    item: str
    list_kind: ListKind
    region: str
    department: str
    subject_type: Literal["legal", "natural"]
    subject_code: str = Field(..., description="统一社会信用代码，或脱敏的身份证号码")
    subject_name: str
    version: int


class ChangesOut(Schema):
    events: list[ChangeOut]
    cursor: str = Field(..., description="下次请求带上的 cursor；没有新事件时原样返回")
    more: bool = Field(..., description="是否还有更多事件可立即拉取")


@router.get("/changes", response=responses(ChangesOut), summary="拉取名单变更（游标）")
def list_changes(
    request: HttpRequest,
    cursor: str = Query("", max_length=64, description="上次返回的 cursor；首次为空"),
    limit: int = Query(500, ge=1, le=5000),
    list_kind: ListKindFilter = "",
    region: str = Query("", pattern=r"^([0-9]{6})?$", description="行政区划代码"),
):
    """Events after ``cursor`` in a stable order; pass the returned cursor next time. An event
    is handed out once its transaction and every older one have ended, so a cursor never
    skips an event nor returns one twice."""
    found, after, more = selectors.changes_for(
        request.auth, cursor, limit=limit, list_kind=list_kind, region=region
    )
    request.call_result = {"events": len(found)}
    return {"events": found, "cursor": after, "more": more}
