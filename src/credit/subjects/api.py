"""Subject look-up by code, name or ID number (staff and API clients with ``subjects:read``)."""

from __future__ import annotations

from ninja import Field, Router, Schema

from credit.subjects import selectors

router = Router(tags=["信用主体"])


class LegalPersonOut(Schema):
    id: int
    uscc: str | None
    name: str
    kind: str
    region: str | None
    industry: str
    status: str


class NaturalPersonOut(Schema):
    id: int
    name: str
    id_type: str
    id_masked: str
    region: str | None


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=100, description="代码、名称或身份证号码")


class SearchOut(Schema):
    legal_persons: list[LegalPersonOut]
    natural_persons: list[NaturalPersonOut]


@router.post("/search", response=SearchOut, summary="按代码、名称或身份证号码查询主体")
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
