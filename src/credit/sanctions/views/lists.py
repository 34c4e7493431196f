"""The list management page (名单管理): counts per list and the entries in the caller's scope
(:mod:`credit.sanctions.lists`), filtered and exported."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from credit.catalog.constants import LIST_CATEGORIES, LIST_KIND_LABELS
from credit.catalog.models import CatalogItem
from credit.core import audit
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.http import EXPORT_LIMIT, xlsx_download
from credit.core.masking import mask_numbers_in_text
from credit.core.models import Region
from credit.sanctions import lists

STATES = [("", "全部"), (lists.IN_FORCE, "有效"), (lists.ENDED, "已失效（到期、修复或撤销）")]
KINDS = LIST_KIND_LABELS


def _counts_chart(counts: list[dict], filters: dict[str, str]) -> dict:
    """The counts per list as a chart: entries in force and ended, each number linking to
    the entries it counts (the page's other filters kept)."""
    kept = {k: v for k, v in filters.items() if v and k not in ("item", "state")}

    def links(state: str) -> list[str]:
        return [f"?{urlencode({**kept, 'item': c['item__code'], 'state': state})}" for c in counts]

    return {
        "unit": "条",
        "categories": [c["item__name"] for c in counts],
        "series": [
            {
                "name": "有效",
                "data": [c["in_force"] for c in counts],
                "links": links(lists.IN_FORCE),
            },
            {"name": "已失效", "data": [c["ended"] for c in counts], "links": links(lists.ENDED)},
        ],
        "empty_text": "没有名单记录",
    }


def _filters(request: HttpRequest) -> dict[str, str]:
    keys = ("list_kind", "item", "region", "state", "q")
    return {k: request.GET.get(k, "").strip()[:100] for k in keys}


@perm_required(Perm.RECORD_VIEW)
def entry_list(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    entries = lists.entries_for(request.user, **filters)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    counts = lists.counts(entries)
    return render(
        request,
        "sanctions/lists.html",
        {
            "page": page,
            "counts": counts,
            "chart": _counts_chart(counts, filters),
            "filters": filters,
            "query": urlencode({k: v for k, v in filters.items() if v}),
            "kinds": KINDS,
            "states": STATES,
            "items": CatalogItem.objects.filter(category__in=LIST_CATEGORIES).order_by("code"),
            "regions": Region.objects.order_by("code"),
        },
    )


@perm_required(Perm.RECORD_VIEW)
def entry_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered entries (ID numbers masked) and their counts. Entries name natural
    persons, so the export is an audited read (``listentries.exported``)."""
    filters = _filters(request)
    entries = lists.entries_for(request.user, **filters)
    headers = ["名单", "类型", "主体名称", "统一社会信用代码/证件号码", "认定部门", "所属区划",
               "文书号", "认定日期", "有效期至", "状态"]  # fmt: skip
    exported = {"rows": 0, "people": set()}

    def rows():
        for e in entries[:EXPORT_LIMIT].iterator(chunk_size=2000):
            exported["rows"] += 1
            if e.natural_person_id:
                exported["people"].add(e.natural_person_id)
            subject = e.legal_person or e.natural_person
            code = e.legal_person.uscc if e.legal_person else e.natural_person.id_masked
            yield [
                e.item.name,
                KINDS.get(e.item.category, ""),
                subject.name if subject else "",
                code or "",
                e.department.name,
                e.region.name,
                e.document_no,
                e.decision_date.isoformat() if e.decision_date else "",
                e.valid_to.isoformat() if e.valid_to else "长期",
                e.get_status_display(),
            ]

    counts = [
        [c["item__name"], KINDS.get(c["item__category"], ""), c["in_force"], c["ended"], c["total"]]
        for c in lists.counts(entries)
    ]
    response = xlsx_download(
        "名单.xlsx",
        [("名单", headers, rows()), ("统计", ["名单", "类型", "有效", "已失效", "合计"], counts)],
    )
    audit.record(
        "listentries.exported",
        actor=request.user,
        object_type="records.creditrecord",
        after={
            "filters": {k: mask_numbers_in_text(v) for k, v in filters.items() if v},
            "rows": exported["rows"],
            "natural_persons": sorted(exported["people"]),
        },
    )
    return response
