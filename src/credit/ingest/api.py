"""Push rows as JSON (``POST /ingest/{item}``) and read batch receipts and feedback.

A push carries at most :data:`MAX_ROWS` rows and at most ``CREDIT_PUSH_MAX_BYTES`` of JSON
(``credit.core.inputs``: more is 413 ``body_too_large``, before the body is read).
"""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Path, Router, Schema

from credit.core.errors import NotFound, ValidationFailed
from credit.core.inputs import Id
from credit.core.schemas import BODY_ERRORS, links, responses
from credit.ingest import selectors
from credit.ingest.feedback import feedback_rows, record_download
from credit.ingest.models import BatchRow
from credit.ingest.pipeline import ingest_payloads

router = Router(tags=["数据归集"])
MAX_ROWS = 5000


class PushIn(Schema):
    department: str | None = Field(
        None,
        max_length=32,
        pattern=r"^[A-Za-z0-9_-]+$",
        description=(
            "报送部门编码；省略时为调用方所属部门。只能是本部门，或市信用办授权代报的部门"
        ),
    )
    rows: list[dict[str, Any]] = Field(
        ...,
        description=(
            f"每行一个对象，键为字段标识或国家标准字段名；每次至多 {MAX_ROWS} 行"
            "（超出为 422 too_many_rows）"
        ),
        json_schema_extra={"maxItems": MAX_ROWS},
    )


class FeedbackRowOut(Schema):
    row: int
    source: str
    status: Literal[tuple(BatchRow.Status.values)] = Field(
        ..., description="accepted 已接收 / corrected 已纠正后接收 / rejected 退回"
    )
    errors: list[dict[str, str]] = Field(..., description="field, code, class, message")
    warnings: list[dict[str, str]] = Field(
        default_factory=list, description="多数据源提示（已接收）：field, code, class, message"
    )


class ReceiptOut(Schema):
    batch: int
    total: int
    inserted: int
    updated: int
    unchanged: int
    corrected: int
    rejected: int


class PushOut(ReceiptOut):
    feedback: list[FeedbackRowOut]


@router.post(
    "/{item}",
    response=responses(PushOut, 404, *BODY_ERRORS),
    summary="推送一批数据（JSON）",
    openapi_extra=links(
        GetReceipt=("credit_ingest_api_receipt", {"batch_id": "$response.body#/batch"}),
        GetFeedback=("credit_ingest_api_feedback", {"batch_id": "$response.body#/batch"}),
    ),
)
def push(request, body: PushIn, item: str = Path(..., max_length=64)):
    if len(body.rows) > MAX_ROWS:
        raise ValidationFailed(
            f"每次至多推送 {MAX_ROWS} 行，本次 {len(body.rows)} 行", code="too_many_rows"
        )
    principal = request.auth
    batch = ingest_payloads(
        actor=principal, rows=body.rows, item_code=item, department_code=body.department
    )
    request.call_result = batch.summary()  # the receipt's counts, for the call log
    return {**batch.summary(), "feedback": feedback_rows(batch, principal=principal)}


@router.get("/batches/{batch_id}", response=responses(ReceiptOut, 404), summary="批次回执")
def receipt(request, batch_id: Id):
    batch = selectors.batch_for(request.auth, batch_id)
    if batch is None:
        raise NotFound(f"批次 {batch_id} 不存在", code="batch_not_found")
    return batch.summary()


@router.get(
    "/batches/{batch_id}/feedback",
    response=responses(list[FeedbackRowOut], 404),
    summary="批次逐行反馈",
)
def feedback(request, batch_id: Id):
    # Masked unless the caller may see ID numbers; every read is audited (feedback.py).
    batch = selectors.batch_for(request.auth, batch_id)
    if batch is None:
        raise NotFound(f"批次 {batch_id} 不存在", code="batch_not_found")
    rows = feedback_rows(batch, principal=request.auth)
    record_download(batch, principal=request.auth, fmt="api")
    return rows
