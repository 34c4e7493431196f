"""The subjects API: look-up by code, name or ID number (staff and API clients with
``subjects:read``), and the embedded query (S2, 嵌入式接口) ``GET /subjects/{identifier}`` — a
subject's profile for business systems and the government service halls, within the caller's
grants."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema

from credit.core.errors import NotFound
from credit.core.schemas import BODY_ERRORS, links, responses
from credit.subjects import selectors
from credit.subjects.constants import IdType, LegalPersonKind, LegalPersonStatus

router = Router(tags=["信用主体"])


class LegalPersonOut(Schema):
    id: int
    uscc: str | None
    name: str
    kind: Literal[tuple(LegalPersonKind.values)]
    region: str | None
    industry: str
    status: Literal[tuple(LegalPersonStatus.values)]


class NaturalPersonOut(Schema):
    id: int
    name: str
    id_type: Literal[tuple(IdType.values)]
    id_masked: str
    region: str | None


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="代码、名称或身份证号码")


class SearchOut(Schema):
    legal_persons: list[LegalPersonOut]
    natural_persons: list[NaturalPersonOut]


@router.post(
    "/search",
    response=responses(SearchOut, *BODY_ERRORS),
    summary="按代码、名称或身份证号码查询主体",
    openapi_extra=links(
        GetProfile=(
            "credit_subjects_embedded_profile",
            {"identifier": "$response.body#/legal_persons/0/uscc"},
        )
    ),
)
def search(request, body: SearchIn):
    """POST, so an ID number never appears in a URL or an access log."""
    found = selectors.search(request.auth, body.q)
    request.call_subject = body.q  # the call log masks an ID number before storing it
    request.call_result = {"hits": len(found["legal_persons"]) + len(found["natural_persons"])}
    return {
        "legal_persons": [
            {
                "id": s.pk,
                "uscc": s.uscc,
                "name": s.name,
                "kind": s.kind,
                "region": s.region_id,
                "industry": s.industry,
                "status": s.status,
            }
            for s in found["legal_persons"]
        ],
        "natural_persons": [
            {
                "id": p.pk,
                "name": selectors.shown_name(p, request.auth),
                "id_type": p.id_type,
                "id_masked": p.id_masked,
                "region": p.region_id,
            }
            for p in found["natural_persons"]
        ],
    }


# The embedded query ---------------------------------------------------------------------


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
    "/{identifier}",
    response=responses(ProfileOut, 404),
    summary="主体信用信息（嵌入式查询）",
    operation_id="credit_subjects_embedded_profile",  # as first published to integrators
)
def profile(request: HttpRequest, identifier: str = Path(..., max_length=40)):
    """By USCC, legacy code (组织机构代码、注册号 …) or resident ID number."""
    found = selectors.profile_for(request.auth, identifier)
    request.call_subject = identifier
    if found is None:
        raise NotFound("未找到该主体", code="subject_not_found")
    request.call_result = found["counts"]
    return found
