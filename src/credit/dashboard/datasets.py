"""The dataset catalogue (数据集目录) of the dashboards: named, permission-checked queries with
parameters that every panel — of the built-in 一张图 and of the dashboards the credit office
composes (:mod:`credit.boards`) — draws from. Users choose datasets; nobody types SQL.

A dataset answers a :class:`Result`: columns (the first is the category, the others numbers),
rows, a unit and, per row, the link to the list its number counts. Every run is scoped by the
same principal rules as the rest of the platform: a district administrator's filters are
pinned to its district, a department officer's to its departments (:func:`effective_filters`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from django.http import QueryDict

from credit.core.access import Perm, Principal, principal_of
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.inputs import describe, find_invalid
from credit.core.models import Department, Region

#: Groups of the catalogue, in the order of the screen's columns.
GROUPS = {
    "map": "区域分布",
    "collection": "数据归集",
    "subjects": "信用主体",
    "status": "信用状况",
    "applications": "信用应用",
}

#: Chart types a panel may take (the designer's choices).
CHART_TYPES = {
    "bar": "柱状图",
    "line": "折线图",
    "pie": "饼图",
    "map": "地图",
    "table": "表格",
    "number": "数字",
}

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Filters:
    """What every panel is filtered by (linked charts): a district, a department, a catalog
    item and a period of whole months (``start`` and ``end`` are first days of months)."""

    region: str | None = None  # region code of a district (or the city)
    department: str | None = None  # department code
    item: str | None = None  # catalog item code
    start: datetime.date | None = None
    end: datetime.date | None = None

    @classmethod
    def from_query(cls, query: QueryDict | dict) -> Filters:
        """Filters from a page's or an endpoint's query (``region``, ``department``, ``item``,
        ``from`` and ``to`` as ``YYYY-MM``); unknown codes raise :class:`ValidationFailed` with
        a Chinese message naming the parameter."""
        get = query.get
        region = _text(get("region"), "region", "区划代码")
        department = _text(get("department"), "department", "部门编码")
        item = _text(get("item"), "item", "目录项")
        if region and not Region.objects.filter(code=region).exists():
            raise ValidationFailed(f"区划代码“{region}”不存在", details={"field": "region"})
        if department and not Department.objects.filter(code=department).exists():
            raise ValidationFailed(f"部门编码“{department}”不存在", details={"field": "department"})
        if item:
            from credit.catalog.models import CatalogItem

            if not CatalogItem.objects.filter(code=item).exists():
                raise ValidationFailed(f"目录项“{item}”不存在", details={"field": "item"})
        start = parse_month(get("from"), "from")
        end = parse_month(get("to"), "to")
        if start and end and start > end:
            raise ValidationFailed("起始月份不能晚于截止月份", details={"field": "from"})
        return cls(region=region, department=department, item=item, start=start, end=end)

    def as_query(self, **extra: Any) -> dict[str, str]:
        """The filters as query parameters (for links), with ``extra`` added."""
        query = {
            "region": self.region or "",
            "department": self.department or "",
            "item": self.item or "",
            "from": self.start.strftime("%Y-%m") if self.start else "",
            "to": self.end.strftime("%Y-%m") if self.end else "",
        }
        query.update({k: "" if v is None else str(v) for k, v in extra.items()})
        return {k: v for k, v in query.items() if v}


def _text(value: Any, name: str, label: str) -> str | None:
    """A code from a query, stripped; refused when it holds a character no code has (NUL,
    another control character, a lone surrogate), which the database could not even compare."""
    value = str(value or "").strip()
    if not value:
        return None
    at = find_invalid(value)
    if at is not None:
        raise ValidationFailed(
            f"{label}中有无法处理的字符（{describe(value[at])}），请检查后重试",
            details={"field": name},
        )
    return value


def parse_month(value: str | None, name: str, label: str = "") -> datetime.date | None:
    value = str(value or "").strip()
    if not value:
        return None
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2100:
        label = label or ("起始月份" if name == "from" else "截止月份")
        raise ValidationFailed(f"{label}应为“年-月”，如 2026-01", details={"field": name})
    return datetime.date(int(match.group(1)), int(match.group(2)), 1)


@dataclass
class Result:
    """What a dataset answers. ``columns`` are ``(key, label)``: the first is the category
    (district, department, month …), the others are numbers in ``unit``. Each row is a dict
    keyed by column, plus ``_key`` (the category's code, e.g. a region code) and ``_link`` (the
    list its numbers count, or None)."""

    code: str
    title: str
    unit: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    note: str = ""  # e.g. 数据截至 12:10（每 10 分钟更新）
    empty_text: str = "暂无数据"

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title,
            "unit": self.unit,
            "columns": [{"key": k, "label": label} for k, label in self.columns],
            "rows": self.rows,
            "note": self.note,
            "empty_text": self.empty_text,
        }


@dataclass(frozen=True)
class Dataset:
    """One named query of the catalogue."""

    code: str
    title: str
    group: str  # a key of GROUPS
    description: str
    unit: str
    #: The chart types that suit it; the first is the built-in screen's.
    charts: tuple[str, ...]
    compute: Callable[[Principal, Filters], Result]
    perm: Perm = Perm.DASHBOARD_VIEW
    #: Shown only when it has data (applications that may not exist yet).
    optional: bool = False
    extra_perms: tuple[Perm, ...] = field(default=())


REGISTRY: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    if dataset.code in REGISTRY:
        raise ValueError(f"dataset {dataset.code} registered twice")
    if dataset.group not in GROUPS:
        raise ValueError(f"dataset {dataset.code}: unknown group {dataset.group}")
    REGISTRY[dataset.code] = dataset
    return dataset


def _load() -> None:
    """Import the modules that register datasets (once)."""
    from credit.dashboard import panels  # noqa: F401 — registers on import


def catalogue(actor: Any) -> list[Dataset]:
    """The datasets ``actor`` may use, in catalogue order."""
    _load()
    principal = principal_of(actor)
    return [
        d
        for d in REGISTRY.values()
        if principal.has_perm(d.perm) and all(principal.has_perm(p) for p in d.extra_perms)
    ]


def get(code: str) -> Dataset:
    _load()
    try:
        return REGISTRY[code]
    except KeyError:
        raise NotFound(f"数据集“{code}”不存在", code="dataset_not_found") from None


def effective_filters(principal: Principal, filters: Filters) -> Filters:
    """``filters`` narrowed to the principal's tenant: a district administrator's region is
    pinned to its district; a department officer sees its own departments only (a filter on
    another department is refused, not silently replaced)."""
    if principal.city_wide:
        return filters
    if principal.departments is not None:
        own = sorted(
            Department.objects.filter(pk__in=principal.departments).values_list("code", flat=True)
        )
        if filters.department and filters.department not in own:
            raise PermissionDenied(
                "您只能查看本部门的统计", details={"department": filters.department}
            )
        if not filters.department and len(own) == 1:
            return replace(filters, department=own[0])
        return filters
    if principal.region_id:
        if filters.region and filters.region != principal.region_id:
            raise PermissionDenied("您只能查看本辖市区的统计", details={"region": filters.region})
        return replace(filters, region=principal.region_id)
    raise PermissionDenied("您的账号没有数据范围，请联系市信用办")


def run(code: str, actor: Any, filters: Filters | None = None) -> Result:
    """Run dataset ``code`` for ``actor`` (permission, then tenant) with ``filters``."""
    dataset = get(code)
    principal = principal_of(actor)
    principal.require(dataset.perm)
    for perm in dataset.extra_perms:
        principal.require(perm)
    return dataset.compute(principal, effective_filters(principal, filters or Filters()))
