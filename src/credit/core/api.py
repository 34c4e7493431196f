"""Regions and departments (reference data for integrators)."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Query, Router, Schema

from credit.core import selectors
from credit.core.models import Department, Region
from credit.core.schemas import responses

router = Router(tags=["基础数据"])


class RegionOut(Schema):
    code: str
    name: str
    level: Literal[tuple(Region.Level.values)] = Field(..., description="city 市 / district 辖市区")
    parent: str | None
    historic_codes: list[str]


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    uscc: str
    region: str
    region_name: str
    kind: Literal[tuple(Department.Kind.values)] = Field(
        ..., description="city 市级部门 / district 辖市区部门 / credit_office 信用主管部门"
    )


@router.get("/regions", response=responses(list[RegionOut]), summary="行政区划（市及辖市区）")
def list_regions(request):
    return [
        RegionOut(
            code=r.code,
            name=r.name,
            level=r.level,
            parent=r.parent_id,
            historic_codes=r.historic_codes,
        )
        for r in selectors.regions()
    ]


@router.get("/departments", response=responses(list[DepartmentOut]), summary="部门")
def list_departments(
    request,
    region: str | None = Query(None, pattern=r"^[0-9]{6}$", description="行政区划代码"),
):
    return [
        DepartmentOut(
            code=d.code,
            name=d.name,
            short_name=d.short_name,
            uscc=d.uscc,
            region=d.region_id,
            region_name=d.region.name,
            kind=d.kind,
        )
        for d in selectors.departments(region=region)
    ]
