"""Regions and departments (reference data for integrators)."""

from __future__ import annotations

from ninja import Router, Schema

from credit.core import selectors

router = Router(tags=["基础数据"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent: str | None
    historic_codes: list[str]


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    uscc: str
    region: str
    region_name: str
    kind: str


@router.get("/regions", response=list[RegionOut], summary="行政区划（市及辖市区）")
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


@router.get("/departments", response=list[DepartmentOut], summary="部门")
def list_departments(request, region: str | None = None):
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
