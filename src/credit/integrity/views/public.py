"""The portal's 政务诚信 column (``/portal/integrity/``, namespace ``integrity_portal``).

- ``""`` (index): the government dishonesty records (政务失信记录) the public may see
  (:func:`credit.integrity.selectors.government.public_records`), each with its reason,
  handling and accountability result; filters, pages and an Excel export. A revoked record
  is gone at once (it is no longer active).
- ``honour/``: the 红榜 and 黑榜 of civil servants, only while the rule in force publishes
  them; names masked, units named, no ID number, the measures of the rule stated.
- ``me/``: a signed-in real-name account (``credit.identity``) who is a civil servant reads
  their own archive — score, grade, every explained point change, the records by kind and
  the yearly scores; nothing of their own is masked but the ID number. Each reading is
  audited. Anyone else gets a plain explanation.

No page here shows another person's archive, and nothing from the archive items reaches a
page but through the 红黑榜's own masked rows.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from credit.core import audit
from credit.core import paging as c
from credit.core.http import xlsx_download
from credit.core.models import Region
from credit.core.paging import capped_page
from credit.identity.models import PublicAccount
from credit.identity.session import account_required, current_account
from credit.integrity.constants import TIMELINE_ITEMS, HonourKind
from credit.integrity.models import CivilServant
from credit.integrity.selectors import explanation
from credit.integrity.selectors import government as gov
from credit.integrity.selectors import honour as honours
from credit.integrity.selectors.honour import result_of
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.subjects.constants import IdType
from credit.subjects.models import NaturalPerson

NAV = "integrity"


# --------------------------------------------------------------------------------------------
# Government dishonesty records
# --------------------------------------------------------------------------------------------


class GovFilterForm(forms.Form):
    """Filters of the column (GET), read leniently: a value that does not parse is dropped."""

    type = forms.ChoiceField(label="失信类型", required=False)
    region = forms.ChoiceField(label="所属区划", required=False)
    year = forms.IntegerField(label="认定年度", required=False, min_value=1949, max_value=2999)
    name = forms.CharField(label="失信主体名称", max_length=50, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", "全部"), *((t, t) for t in gov.dishonesty_types())]
        self.fields["region"].choices = [
            ("", "全市"),
            *Region.objects.filter(is_active=True)
            .order_by("sort_order", "code")
            .values_list("code", "name"),
        ]

    def filters(self) -> gov.GovFilters:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return gov.GovFilters(
            type=data.get("type") or "",
            region=data.get("region") or "",
            year=data.get("year") or None,
            name=(data.get("name") or "").strip(),
        )

    def query(self) -> str:
        f = self.filters()
        values = {"type": f.type, "region": f.region, "year": f.year or "", "name": f.name}
        return urlencode({k: str(v) for k, v in values.items() if v})

    def describe(self) -> list[str]:
        f = self.filters()
        regions = dict(self.fields["region"].choices)
        out = [
            f"失信类型：{f.type}" if f.type else "",
            f"所属区划：{regions.get(f.region, f.region)}" if f.region else "",
            f"认定年度：{f.year}" if f.year else "",
            f"失信主体名称：{f.name}" if f.name else "",
        ]
        return [s for s in out if s]


def index(request: HttpRequest) -> HttpResponse:
    """政务诚信: the public government dishonesty records, newest first."""
    form = GovFilterForm(request.GET or None)
    qs = gov.public_records(form.filters())
    page = capped_page(
        qs, request.GET.get("page"), per_page=c.PUBLIC_PAGE_SIZE, cap=c.PUBLIC_COUNT_CAP
    )
    page.object_list = [gov.public_row(r) for r in page.object_list]
    black = honours.rule_in_force(HonourKind.BLACK)
    red = honours.rule_in_force(HonourKind.RED)
    return render(
        request,
        "integrity/public_index.html",
        {
            "nav": NAV,
            "form": form,
            "page": page,
            "query": form.query(),
            "export_limit": c.PUBLIC_EXPORT_LIMIT,
            "honour_published": any(r is not None and r.published for r in (black, red)),
            "account": current_account(request),
        },
    )


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


def export(request: HttpRequest) -> HttpResponse:
    """The filtered records as a workbook (at most ``PUBLIC_EXPORT_LIMIT`` rows)."""
    form = GovFilterForm(request.GET or None)
    qs = gov.public_records(form.filters())
    written = 0

    def rows() -> Iterator[list[Any]]:
        nonlocal written
        for record in qs[: c.PUBLIC_EXPORT_LIMIT].iterator(chunk_size=500):
            r = gov.public_row(record)
            written += 1
            yield [r.subject_name, r.uscc, r.dishonesty_type, r.behaviour, r.reason,
                   r.document_no, r.authority, _date(r.decision_date), r.handling,
                   r.accountability, r.region, _date(r.publicity_end)]  # fmt: skip

    def sheets() -> Iterator[tuple[str, list[str], Iterable[Iterable[Any]]]]:
        headers = ["失信主体名称", "统一社会信用代码", "失信类型", "失信行为", "具体原因",
                   "认定文书号", "认定单位", "认定日期", "处理结果", "追责结果", "所属区划",
                   "公示截止期"]  # fmt: skip
        yield "政务失信记录", headers, rows()
        yield (
            "说明",
            ["项目", "内容"],
            [
                ["名称", "政务失信记录"],
                ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
                ["筛选条件", "；".join(form.describe()) or "无"],
                ["导出行数", str(written)],
                ["说明", f"每次最多导出{c.PUBLIC_EXPORT_LIMIT}行（按认定日期从新到旧）。"],
                ["来源", "信用常州（常州市公共信用信息平台），仅含依法公示的政务失信记录。"],
            ],
        )

    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_download(f"政务失信记录-{stamp}.xlsx", sheets())


# --------------------------------------------------------------------------------------------
# 红黑榜
# --------------------------------------------------------------------------------------------


def honour(request: HttpRequest) -> HttpResponse:
    """The published 红榜 or 黑榜 (``?kind=red|black``), names masked."""
    kind = request.GET.get("kind", "")
    kind = kind if kind in HonourKind.values else HonourKind.RED
    found = honours.honour_list(kind, None, public=True)
    page = found.page(request.GET.get("page"), per_page=c.PUBLIC_PAGE_SIZE, cap=c.PUBLIC_COUNT_CAP)
    return render(
        request,
        "integrity/public_honour.html",
        {
            "nav": NAV,
            "kind": kind,
            "kinds": HonourKind.choices,
            "honour": found,
            "rule": found.rule,
            "page": page,
            "query": urlencode({"kind": kind}),
        },
    )


# --------------------------------------------------------------------------------------------
# One's own archive
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OwnItem:
    """One explained point change of one's own score."""

    kind: str
    record: str
    rule: str
    points: int
    counts_from: datetime.date
    last_day: datetime.date | None
    counted: bool
    note: str


@dataclass(frozen=True)
class OwnRecord:
    """One record of one's own archive."""

    kind: str
    document_no: str
    decision_date: datetime.date | None
    result: str
    status: str
    department: str
    #: The record, when its subject may object to it (it is in force): the objection form's.
    objectable_id: int | None = None


def civil_servant_of(account: PublicAccount) -> CivilServant | None:
    """The civil servant a real-name account is (by the blind index of its ID number), or
    None: a company's agent, a person not in the library, or not a civil servant."""
    person = NaturalPerson.objects.filter(
        id_type=IdType.RESIDENT_ID, id_index=account.id_index
    ).first()
    if person is None:
        return None
    return (
        CivilServant.objects.select_related("natural_person", "region", "ruleset")
        .filter(natural_person=person)
        .first()
    )


_STATUS = dict(RecordStatus.choices)


def _note(item: explanation.Explained, today: datetime.date) -> str:
    """Why an item does not count now ("" when it does), in the portal's words."""
    if item.in_force:
        return ""
    if item.record_status != RecordStatus.ACTIVE:
        return f"不计分：{_STATUS.get(item.record_status, item.record_status)}"
    if item.counts_from and item.counts_from > today:
        return f"自 {item.counts_from:%Y-%m-%d} 起计分"
    return "不计分：已过计分期限"


def _own_items(cs: CivilServant, today: datetime.date) -> list[OwnItem]:
    return [
        OwnItem(
            kind=i.kind,
            record=i.record_label,
            rule=i.rule,
            points=i.points,
            counts_from=i.counts_from,
            last_day=i.last_day,
            counted=i.in_force,
            note=_note(i, today),
        )
        for i in explanation.explained_items(cs, today=today)
    ]


def _own_records(cs: CivilServant) -> list[OwnRecord]:
    order = {code: n for n, code in enumerate(TIMELINE_ITEMS)}
    records = (
        CreditRecord.objects.filter(natural_person_id=cs.natural_person_id)
        .filter(item__code__in=TIMELINE_ITEMS)
        .select_related("item", "department")
        .order_by("-decision_date", "-id")[:500]
    )
    rows = [
        (
            order.get(r.item.code, 99),
            OwnRecord(
                kind=r.item.name,
                document_no=r.document_no,
                decision_date=r.decision_date,
                result=result_of(r.payload or {})[:200],
                status=_STATUS.get(r.status, r.status),
                department=r.department.name,
                objectable_id=r.pk if r.status == RecordStatus.ACTIVE else None,
            ),
        )
        for r in records
    ]
    return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


@account_required
def me(request: HttpRequest) -> HttpResponse:
    """我的诚信档案: one's own archive, if one is a civil servant (audited)."""
    account = current_account(request)
    cs = civil_servant_of(account)
    if cs is None:
        return render(
            request, "integrity/public_me.html", {"nav": NAV, "account": account, "cs": None}
        )
    audit.record(
        "integrity.own_archive_viewed",
        obj=cs,
        after={"channel": "portal", "account": account.pk},
    )
    today = timezone.localdate()
    response = render(
        request,
        "integrity/public_me.html",
        {
            "nav": NAV,
            "account": account,
            "cs": cs,
            "person": cs.natural_person,
            "items": _own_items(cs, today),
            "records": _own_records(cs),
            "years": list(cs.years.order_by("-year")[:20]),
            "today": today,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


urls = [
    path("", index, name="index"),
    path("export.xlsx", export, name="export"),
    path("honour/", honour, name="honour"),
    path("me/", me, name="me"),
]
