"""Subject look-up by code, name or ID number (staff and API clients with ``subjects:read``)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

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
