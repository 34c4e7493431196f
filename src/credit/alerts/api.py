"""``/api/v1/warnings``: the warnings visible to the caller (预警), for staff sessions with
``alerts.view`` and API clients with the scope ``warnings:read`` alike, scoped by the same
selector as the pages (:func:`credit.alerts.selectors.filtered`)."""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from credit.alerts import selectors
from credit.alerts.constants import Level, Status
from credit.alerts.models import Warning
from credit.core.inputs import Offset
from credit.core.schemas import responses

router = Router(tags=["预警"])

#: A status to filter by: one of the life cycle, ``live`` (open or acknowledged) or "" (all).
StatusFilter = Literal[("", "live", *Status.values)]
#: A level to filter by, or "" for every level.
LevelFilter = Literal[("", *Level.values)]


class WarningOut(Schema):
    id: int
    rule: str = Field(..., description="规则标识")
    rule_name: str = Field(..., description="规则名称")
    level: Literal[tuple(Level.values)] = Field(
        ..., description="notice 提示 / warning 预警 / severe 严重"
    )
    region: str | None = Field(None, description="所属区划代码（全市或辖市区）")
    department: str | None = Field(None, description="部门编码")
    period: str = Field(..., description="统计周期，如 2026-11")
    text: str = Field(
        ..., description="预警内容：什么情况、为什么预警（含指标值、阈值或平均值、周期）"
    )
    evidence_url: str = Field(..., description="依据：证明该情况的列表页面（需登录平台查看）")
    created: datetime.datetime = Field(..., description="预警时间")
    status: Literal[tuple(Status.values)] = Field(
        ..., description="open 待处理 / acknowledged 已确认 / closed 已关闭"
    )


def warning_out(request: HttpRequest, w: Warning) -> dict:
    return {
        "id": w.pk,
        "rule": w.rule.code,
        "rule_name": w.rule.name,
        "level": w.level,
        "region": w.region_id,
        "department": w.department.code if w.department_id else None,
        "period": w.period_label,
        "text": w.text,
        "evidence_url": request.build_absolute_uri(w.evidence_url) if w.evidence_url else "",
        "created": w.created_at,
        "status": w.status,
    }


@router.get(
    "",
    response=responses(list[WarningOut]),
    summary="预警列表",
    operation_id="credit_alerts_api_list_warnings",
    openapi_extra={
        "responses": {
            200: {
                "headers": {
                    "X-Total-Count": {
                        "description": "符合筛选条件的预警总数（分页前）",
                        "schema": {"type": "integer"},
                    }
                }
            }
        }
    },
)
def list_warnings(
    request: HttpRequest,
    response: HttpResponse,
    status: StatusFilter = "",
    level: LevelFilter = "",
    region: str = Query("", pattern=r"^([0-9]{6})?$", description="行政区划代码"),
    department: str = Query("", max_length=32, description="部门编码"),
    rule: str = Query("", max_length=64, description="规则标识"),
    limit: int = Query(100, ge=1, le=500),
    offset: Offset = 0,
):
    """``status``: open 待处理, acknowledged 已确认, closed 已关闭, live 未关闭 (open and
    acknowledged), or all when omitted.

    The warnings visible to the caller — the whole city for the credit office, its district
    for a district, its department for a department and its systems — most urgent first (open
    before acknowledged before closed, severe first, newest first). The total matching the
    filters is in the header ``X-Total-Count``."""
    qs = selectors.filtered(
        request.auth, status=status, level=level, region=region, department=department, rule=rule
    )
    found = list(qs[offset : offset + limit])
    response["X-Total-Count"] = str(qs.count())
    request.call_result = {"warnings": len(found)}
    return [warning_out(request, w) for w in found]
