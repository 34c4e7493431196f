"""Catalog endpoints: items, an item's field specifications, its Excel template — the city's
items and the caller's own district's extension items (another district's are not found)."""

from typing import Literal

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from credit.catalog import selectors
from credit.catalog.constants import (
    Category,
    DataType,
    FieldRole,
    Sensitivity,
    SubjectType,
    UpdatePeriod,
    UsageScope,
    Validator,
)
from credit.catalog.excel import build_template, template_filename
from credit.core.access import Perm, require
from credit.core.errors import NotFound
from credit.core.http import XLSX, xlsx_response
from credit.core.schemas import links, responses

router = Router(tags=["信用信息资源目录"])
CategoryCode = Literal[tuple(Category.values)]


class ItemOut(Schema):
    code: str
    name: str
    category: Literal[tuple(Category.values)]
    subject_type: Literal[tuple(SubjectType.values)]
    update_period: Literal[tuple(UpdatePeriod.values)]
    usage_scope: Literal[tuple(UsageScope.values)] = Field(
        ..., description="public 社会公开 / shared 政务共享 / restricted 授权查询"
    )
    version: int
    region: str | None = Field(None, description="扩展目录项所属辖市区代码；全市目录项为 null")
    source_departments: list[str]
    field_count: int


class FieldOut(Schema):
    position: int
    code: str
    name: str
    aliases: list[str]
    type: Literal[tuple(DataType.values)]
    max_length: int | None
    decimal_places: int | None
    required: bool
    conditions: list[dict]
    code_table: str | None
    code_values: list[str]
    multi_value: bool
    validator: Literal[tuple(Validator.values)]
    sensitivity: Literal[tuple(Sensitivity.values)]
    usage_scope: Literal[tuple(UsageScope.values)]
    role: Literal[tuple(FieldRole.values)]
    unit: str = Field(
        "", description="金额字段的计量单位（如 万元）；带单位或以元填写的值按此换算，空为无单位"
    )


class ItemDetailOut(ItemOut):
    natural_key: list[str]
    description: str
    basis: str
    checks: list[dict] = Field(
        ...,
        description="跨字段校验规则（date_order、uscc_category、amount_bound；"
        "reject 退回，warn 提示）",
    )
    fields: list[FieldOut]


def _item_out(item, field_count: int) -> dict:
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "subject_type": item.subject_type,
        "update_period": item.update_period,
        "usage_scope": item.usage_scope,
        "version": item.version,
        "region": item.region_id,
        "source_departments": [d.code for d in item.source_departments.all()],
        "field_count": field_count,
    }


@router.get(
    "/items",
    response=responses(list[ItemOut]),
    summary="目录项列表",
    openapi_extra=links(
        GetItem=("credit_catalog_api_get_item", {"code": "$response.body#/items/0/code"}),
        GetTemplate=(
            "credit_catalog_api_download_template",
            {"code": "$response.body#/items/0/code"},
        ),
    ),
)
@paginate
def list_items(
    request,
    category: CategoryCode | None = None,
    q: str | None = Query(None, max_length=100, description="名称或标识的片段"),
):
    require(request.auth, Perm.CATALOG_VIEW)
    return [
        _item_out(i, i.field_count)
        for i in selectors.items(actor=request.auth, category=category, q=q)
    ]


def _get(request, code: str):
    item = selectors.item_for(request.auth, code)
    if item is None:
        raise NotFound(f"目录项“{code}”不存在", code="catalog_item_not_found")
    return item


@router.get("/items/{code}", response=responses(ItemDetailOut, 404), summary="目录项及字段规格")
def get_item(request, code: str):
    require(request.auth, Perm.CATALOG_VIEW)
    item = _get(request, code)
    fields = list(item.fields.all())
    out = _item_out(item, len(fields))
    out.update(
        natural_key=list(item.natural_key),
        description=item.description,
        basis=item.basis,
        checks=list(item.checks or []),
    )
    out["fields"] = [
        {
            "position": f.position,
            "code": f.code,
            "name": f.name,
            "aliases": list(f.aliases),
            "type": f.data_type,
            "max_length": f.max_length,
            "decimal_places": f.decimal_places,
            "required": f.required,
            "conditions": list(f.conditions),
            "code_table": f.code_table.code if f.code_table_id else None,
            "code_values": [v.value for v in f.code_table.values.all()] if f.code_table_id else [],
            "multi_value": f.multi_value,
            "validator": f.validator,
            "sensitivity": f.sensitivity,
            "usage_scope": f.effective_scope,
            "role": f.role,
            "unit": f.unit,
        }
        for f in fields
    ]
    return out


@router.get(
    "/items/{code}/template",
    summary="下载 Excel 报送模板",
    response=responses({200: None}, 404),
    openapi_extra={
        "responses": {
            200: {
                "description": "xlsx 文件",
                "content": {XLSX: {}},
            }
        }
    },
)
def download_template(request, code: str):
    require(request.auth, Perm.CATALOG_TEMPLATE)
    item = _get(request, code)
    return xlsx_response(build_template(item), template_filename(item))
