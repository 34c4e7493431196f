"""The embedded query (S2, 嵌入式接口): ``GET /subjects/{identifier}`` — a subject's profile for
business systems and the government service halls, within the caller's grants."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from credit.core.errors import NotFound
from credit.core.schemas import responses
from credit.subjects import selectors

router = Router(tags=["信用主体"])


class RecordOut(Schema):
    record: int
    item: str
    item_name: str
    list_kind: str = Field(..., description="目录类别：double_publicity、red_list、black_list …")
    department: str
    document_no: str
    decision_date: datetime.date | None
    valid_to: datetime.date | None
    severity: str
    payload: dict[str, Any] = Field(..., description="数据项（身份证号码等已脱敏）")


class ProfileOut(Schema):
    subject: dict[str, Any] = Field(..., description="基本信息；自然人姓名对接口调用方脱敏")
    licenses: list[RecordOut] = Field(..., description="行政许可（有效，最近 50 条）")
    penalties: list[RecordOut] = Field(..., description="行政处罚（公示期内，最近 50 条）")
    list_entries: list[RecordOut] = Field(..., description="红黑名单及重点关注名单（有效）")
    counts: dict[str, int] = Field(..., description="各部分的总条数")


@router.get(
    "/{identifier}", response=responses(ProfileOut, 404), summary="主体信用信息（嵌入式查询）"
)
def profile(request: HttpRequest, identifier: str = Path(..., max_length=40)):
    """By USCC, legacy code (组织机构代码、注册号 …) or resident ID number."""
    found = selectors.profile_for(request.auth, identifier)
    request.call_subject = identifier
    if found is None:
        raise NotFound("未找到该主体", code="subject_not_found")
    request.call_result = found["counts"]
    return found
