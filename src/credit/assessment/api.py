"""``/api/v1/assessment``: the results of the city's performance assessment (绩效考核).

- ``GET /{period}/results``: the units of the city assessment of ``period`` (``2026Q4`` or
  ``2026``) with their automatic, self and final scores, rank and status.

Callers: staff sessions holding 查看绩效考核结果 and API clients holding the scope
``assessment:read``. Which units a caller gets is the pages' rule
(:func:`credit.assessment.selectors.results_rows`): every unit once the results are published;
before that the credit office (who organises the assessment) every unit, anyone else only its
own unit (a department its department, a district's administrator its district), without the
rank. A period not opened, like one the caller may not see, answers 404.
"""

from __future__ import annotations

import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from credit.assessment import selectors
from credit.assessment.constants import AssessmentStatus, UnitKind, UnitStatus
from credit.assessment.periods import PeriodError, parse_period, period_code, period_text
from credit.core.access import Perm, Principal
from credit.core.errors import NotFound, ValidationFailed
from credit.core.schemas import responses

router = Router(tags=["绩效考核"])


def _choices(choices: list[tuple[str, str]]) -> str:
    return "、".join(f"{v}（{label}）" for v, label in choices)


class UnitResultOut(Schema):
    unit: str = Field(..., description="被考核单位名称")
    kind: Literal[tuple(UnitKind.values)] = Field(
        ..., description="单位类型：" + _choices(UnitKind.choices)
    )
    department: str | None = Field(None, description="部门编码；辖市区为 null")
    region: str = Field(..., description="行政区划代码（部门所属区划，或辖市区）")
    auto_score: float | None = Field(None, description="自动计算指标的得分合计（含扣分）")
    self_score: float | None = Field(None, description="自评得分：自动得分加自评指标的自评分")
    final_score: float | None = Field(None, description="最终得分（评审后）；未评审为 null")
    rank: int | None = Field(
        None,
        description="在同类单位（部门或辖市区）中的排名（并列同名次）；"
        "结果公布前只对考核组织者给出，其他调用方为 null",
    )
    status: Literal[tuple(UnitStatus.values)] = Field(
        ..., description="单位状态：" + _choices(UnitStatus.choices)
    )


class ResultsOut(Schema):
    period: str = Field(..., description="考核周期，如 2026Q4、2026")
    name: str = Field(..., description="考核周期名称，如 2026年第四季度")
    status: Literal[tuple(AssessmentStatus.values)] = Field(
        ..., description="考核状态：" + _choices(AssessmentStatus.choices)
    )
    published_at: datetime.datetime | None = Field(None, description="公布时间；未公布为 null")
    units: list[UnitResultOut] = Field(
        ...,
        description="调用方可见的单位：公布后为全部单位；公布前考核组织者为全部，"
        "其他调用方仅本单位。部门在前、辖市区在后，各按名次",
    )


@router.get(
    "/{period}/results",
    response=responses(ResultsOut, 404),
    summary="考核结果",
    description=(
        "全市绩效考核某一周期（季度如 2026Q4，年度如 2026）的结果："
        "各被考核单位（市直部门、辖市区）的"
        "自动得分、自评得分、最终得分、排名和状态。结果公布后返回全部单位；公布前市信用办返回全部"
        "单位，其他调用方只返回本单位且不含排名。错误码：422 invalid_period（周期格式不正确）；"
        "404 not_found（该周期未发起考核，或调用方无权查看）；403 permission_denied、"
        "scope_not_granted。"
    ),
    operation_id="credit_assessment_api_results",
)
def results(
    request: HttpRequest,
    period: str = Path(..., min_length=1, max_length=10, description="考核周期：2026Q4 或 2026"),
):
    principal: Principal = request.auth
    principal.require(Perm.ASSESSMENT_VIEW)
    try:
        code = period_code(parse_period(period))
    except PeriodError as e:
        raise ValidationFailed(str(e), code="invalid_period", details={"field": "period"}) from e
    assessment = selectors.assessment_by_period(principal, code)
    if assessment is None:
        raise NotFound(f"{period_text(code)}的全市考核不存在或尚未发起")
    rows = selectors.results_rows(principal, assessment)
    request.call_result = {"units": len(rows)}
    return {
        "period": assessment.period,
        "name": period_text(assessment.period),
        "status": assessment.status,
        "published_at": assessment.published_at,
        "units": rows,
    }
