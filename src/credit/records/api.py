"""``/api/v1/changes``: the change feed of every credit record (变更订阅).

- ``GET ""``: the record changes after a cursor, in a stable order — created 新增, updated
  更新（新版本）, suspended 暂停公示, restored 恢复公示, corrected 更正, revoked 撤销, repaired
  信用修复, expired 到期 — narrowed by catalog item, region and kind
  (:func:`credit.records.events.changes_for`). An event is handed out once its transaction
  and every older one have ended, so a cursor never skips an event nor returns one twice.

Callers: API clients holding ``changes:read``; staff sessions holding 查看信用记录. Each
receives the changes of the records it may use (usage scope and granted items) or manages
(its tenant). The body carries no personal data: read the record itself where allowed.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from credit.core.schemas import responses
from credit.records import events
from credit.records.models import RecordChange

router = Router(tags=["变更订阅"])

_KINDS_TEXT = " / ".join(f"{v} {label}" for v, label in RecordChange.Kind.choices)
#: A kind to filter by, or "" for every kind.
KindFilter = Literal[("", *RecordChange.Kind.values)]
_KIND = Query("", description="变更类型；省略为全部：" + _KINDS_TEXT)


class RecordChangeOut(Schema):
    event_id: str = Field(..., description="事件编号（UUID），接收方可作幂等键")
    kind: Literal[tuple(RecordChange.Kind.values)] = Field(..., description=_KINDS_TEXT)
    record_id: int = Field(..., description="信用记录编号")
    item: str = Field(..., description="目录项编码")
    item_name: str = Field(..., description="目录项名称")
    region: str = Field(..., description="行政区划代码")
    department: str = Field(..., description="报送部门编码")
    version: int = Field(..., description="变更后的记录版本")
    occurred_at: datetime = Field(..., description="发生时间")


class RecordChangesOut(Schema):
    events: list[RecordChangeOut]
    cursor: str = Field(..., description="下次请求带上的 cursor；没有新事件时原样返回")
    more: bool = Field(..., description="是否还有更多事件可立即拉取")


@router.get("", response=responses(RecordChangesOut), summary="拉取信用记录变更（游标）")
def list_changes(
    request: HttpRequest,
    cursor: str = Query("", max_length=64, description="上次返回的 cursor；首次为空"),
    item: str = Query("", max_length=64, description="目录项编码；省略为全部"),
    region: str = Query("", pattern=r"^([0-9]{6})?$", description="行政区划代码；省略为全部"),
    kind: KindFilter = _KIND,
    limit: int = Query(500, ge=1, le=1000, description="每次最多返回的事件数（1–1000）"),
):
    """Events after ``cursor`` in a stable order; pass the returned cursor next time."""
    found, after, more = events.changes_for(
        request.auth, cursor, limit=limit, item=item, region=region, kind=kind
    )
    request.call_result = {"events": len(found)}
    return {"events": found, "cursor": after, "more": more}
