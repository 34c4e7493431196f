"""Reads of the 双公示 (行政许可, 行政处罚) and list (红名单, 黑名单, 重点关注名单) publicity:
records the public may see, filtered, newest first, a page or an export at a time, and the
home page's columns.

Every query starts from :func:`credit.records.publicity.public_q` and returns
:class:`PublicRecord` rows, masked for the public (:mod:`credit.records.disclosure`).

On five million records the obvious query — join the catalog item, order, slice — makes
PostgreSQL read and sort every public record of the kind. Here the catalog items and the
department are resolved to ids first, so that each item's records come newest first from the
``(item, decision_date)`` index and a page reads little more than its own rows; a list of
several items (the black list has five) is merged from each item's newest rows. Counts stop at
a cap, and the statements run without JIT compilation (which costs more than they do) and
under a statement timeout, so that no filter can tie up the database for long.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet
from django.urls import reverse

from credit.catalog.constants import Category
from credit.catalog.models import CatalogItem
from credit.core.masking import mask_name
from credit.core.models import Department
from credit.core.paging import CappedPage, page_within
from credit.objections.repairs import repair_option
from credit.portal import constants as c
from credit.records.disclosure import (
    payload_text,
    record_fields,
    treatment_of,
)
from credit.records.models import CreditRecord
from credit.records.publicity import public_q

#: Where the public lodges an objection to a record (the objections app owns the page).
OBJECTION_PATH = "/objections/new/?record={}"
#: Where the subject applies for credit repair (the objections app checks eligibility).
REPAIR_PATH = "/objections/repair/new/?record={}"
#: The longest a public list's statement may run.
STATEMENT_TIMEOUT = "10s"


class QueryTooBroad(Exception):
    """A public list query ran past the statement timeout (the page asks for narrower
    filters)."""


@dataclass(frozen=True)
class PublicRecord:
    """A record as the public reads it: the subject masked when a natural person, the fields
    the public may read (``fields``: ``(name, value)``), and the objection link."""

    id: int
    item: str
    category: str
    subject_name: str
    subject_code: str
    subject_id: int | None  # the legal person's page; None for a natural person
    department: str
    region: str
    document_no: str
    decision_date: datetime.date | None
    valid_to: datetime.date | None
    kind_value: str = ""  # 许可类别 / 处罚类别
    content: str = ""  # 许可内容 / 处罚内容
    fields: tuple[tuple[str, str], ...] = ()
    #: From when credit repair may be applied for (None: repair does not apply to the record,
    #: see :func:`credit.objections.repairs.repair_option`).
    repair_from: datetime.date | None = None
    #: Why repair does not apply to this dishonesty record (e.g. 失信被执行人); "" otherwise.
    repair_note: str = ""

    @property
    def subject_url(self) -> str:
        """The legal person's page; "" for a natural person (who has none)."""
        return subject_url(self.subject_id) if self.subject_id else ""

    @property
    def objection_url(self) -> str:
        return OBJECTION_PATH.format(self.id)

    @property
    def repair_url(self) -> str:
        """The repair application link where repair applies and the minimum publicity period
        has passed (the application page checks the rest of the eligibility and says why
        not)."""
        if self.repair_from is None or self.repair_from > datetime.date.today():
            return ""
        return REPAIR_PATH.format(self.id)


@functools.cache
def _subject_prefix() -> str:
    """``/portal/subjects/``, reversed once (a reverse per row costs more than the row)."""
    return reverse("portal:subject", kwargs={"pk": 0}).removesuffix("0/")


def subject_url(pk: int) -> str:
    """The public page of the legal person ``pk``."""
    return f"{_subject_prefix()}{pk}/"


def public_record(
    record: CreditRecord,
    *,
    category_field: str = "",
    content_field: str = "",
    with_fields: bool = False,
) -> PublicRecord:
    """One record of a public query, masked for the public (see :mod:`.disclosure`)."""
    payload = record.payload or {}
    how = treatment_of(record)
    if how.natural:
        person = record.natural_person
        name, code, subject_id = mask_name(person.name), person.id_masked, None
    else:
        lp = record.legal_person
        name, code, subject_id = lp.name, lp.uscc or "", lp.pk

    def text(field_code: str) -> str:
        return payload_text(record.item, payload, field_code, natural=how.natural, names=how.names)

    fields = record_fields(record) if with_fields else ()
    repair = repair_option(record)
    return PublicRecord(
        id=record.pk,
        item=record.item.name,
        category=record.item.category,
        subject_name=name,
        subject_code=code,
        subject_id=subject_id,
        department=record.department.name,
        region=record.region.name,
        document_no=record.document_no,
        decision_date=record.decision_date,
        valid_to=record.valid_to,
        kind_value=text(category_field) if category_field else "",
        content=text(content_field) if content_field else "",
        fields=tuple(fields),
        repair_from=repair.repair_from,
        repair_note=f"不适用信用修复：{repair.note}" if repair.excluded else "",
    )


# --------------------------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListFilters:
    """The filters of a publicity list (all optional)."""

    department: str = ""  # Department.code
    region: str = ""  # Region.code of the record (the deciding department's)
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    category: str = ""  # 许可类别 / 处罚类别 value (双公示)
    item: str = ""  # CatalogItem.code (lists)


@dataclass(frozen=True)
class RecordQuery:
    """A public list: the filtered public records (``base``, unordered) of these items,
    shown newest first (see :func:`ordered_ids`)."""

    base: QuerySet[CreditRecord]
    item_ids: tuple[int, ...]
    category_field: str = ""
    content_field: str = ""

    def rows(self, records: Iterable[CreditRecord]) -> list[PublicRecord]:
        return [
            public_record(r, category_field=self.category_field, content_field=self.content_field)
            for r in records
        ]


def _base(filters: ListFilters) -> QuerySet[CreditRecord]:
    qs = CreditRecord.objects.filter(public_q())
    if filters.department:
        department = Department.objects.filter(code=filters.department).values_list("pk", flat=True)
        qs = qs.filter(department_id__in=list(department))
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    if filters.date_from:
        qs = qs.filter(decision_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(decision_date__lte=filters.date_to)
    return qs


def publicity_query(kind: str, filters: ListFilters) -> RecordQuery:
    """The public 行政许可 (``license``) or 行政处罚 (``penalty``) records.

    The category filter matches one value of the 许可类别/处罚类别 field (a penalty may have
    several, separated by ``;``/``；``/``、``)."""
    spec = c.PUBLICITY_KINDS[kind]
    qs = _base(filters)
    if filters.category:
        pattern = "(^|[;；、])" + re.escape(filters.category) + "($|[;；、])"
        qs = qs.filter(**{f"payload__{spec['category_field']}__regex": pattern})
    items = CatalogItem.objects.filter(code=spec["item"]).values_list("pk", flat=True)
    return RecordQuery(qs, tuple(items), spec["category_field"], spec["content_field"])


def list_query(kind: str, filters: ListFilters) -> RecordQuery:
    """The public entries of the red, black or attention lists (``kind`` a list category),
    of one list when ``filters.item`` names it."""
    items = CatalogItem.objects.filter(category=kind)
    if filters.item:
        items = items.filter(code=filters.item)
    return RecordQuery(_base(filters), tuple(items.values_list("pk", flat=True)))


def list_items(kind: str) -> QuerySet[CatalogItem]:
    """The catalog's list items of ``kind``, for the list filter."""
    return CatalogItem.objects.filter(category=kind, is_active=True).order_by("sort_order", "code")


# --------------------------------------------------------------------------------------------
# Reading them: counts, ordered ids, records
# --------------------------------------------------------------------------------------------


@contextlib.contextmanager
def list_settings() -> Iterator[None]:
    """Run the block's statements without JIT and under the statement timeout; a timeout
    becomes :class:`QueryTooBroad`."""
    from django.db.utils import OperationalError

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('statement_timeout', %s, true)",
                [STATEMENT_TIMEOUT],
            )
            yield
    except OperationalError as exc:
        if getattr(exc.__cause__, "sqlstate", "") == "57014":  # query_canceled
            raise QueryTooBroad from exc
        raise


#: An item with at most this many undated records has them sorted here, not walked.
_FEW_UNDATED = 1000

Row = tuple[datetime.date | None, int]


def _rank(row: Row) -> tuple[bool, datetime.date, int]:
    """The list's order, for ``sorted(..., reverse=True)``: newest decision first, then newest
    id; records without a decision date after all dated ones, newest id first."""
    return (row[0] is not None, row[0] or datetime.date.min, row[1])


def _found(query: RecordQuery, n: int) -> list[Row]:
    """``(decision_date, id)`` of at most ``n`` records of the list, in no order: the
    cheapest plan for the filters, stopping at ``n``."""
    if not query.item_ids:
        return []
    rows = query.base.filter(item_id__in=query.item_ids).values_list("decision_date", "id")
    return list(rows[:n])


def _undated_ids(query: RecordQuery, item: int, stop: int, least_id: int) -> list[int]:
    """The newest (by id) ``stop`` undated records of ``item`` with an id of at least
    ``least_id``: read through the ``(item, decision_date)`` index when the item has few of
    them (most have none), walked down the primary key when it has many (a list such as
    A级纳税人 has no decision date at all) — the planner cannot tell the two apart."""
    undated = query.base.filter(item_id=item, decision_date__isnull=True, id__gte=least_id)
    few = list(undated.values_list("id", flat=True)[: _FEW_UNDATED + 1])
    if len(few) <= _FEW_UNDATED:
        return sorted(few, reverse=True)[:stop]
    return list(undated.order_by("-id").values_list("id", flat=True)[:stop])


def ordered_ids(
    query: RecordQuery, start: int, stop: int, found: list[Row], complete: bool
) -> list[int]:
    """The ids of the records ``start:stop`` in the list's order (:func:`_rank`).

    ``found`` are some of the list's records (:func:`_found`), all of them when
    ``complete`` — then they are simply sorted. Otherwise the first ``stop`` records all
    rank at least as high as the ``stop``-th best of ``found`` (``found`` has ``stop`` of them
    up to there), so each catalog item is read newest first from the ``(item, decision_date)``
    index down to that record's date only, at most ``stop`` rows an item, in one statement,
    and merged here. Neither reads nor sorts a whole item's records whatever the filters.
    """
    ranked = sorted(found, key=_rank, reverse=True)
    if complete or stop <= start:
        return [pk for _, pk in ranked[start:stop]]
    least_date, least_id = ranked[stop - 1]
    parts = []
    for item in query.item_ids:
        dated = query.base.filter(item_id=item, decision_date__isnull=False)
        if least_date is not None:
            dated = dated.filter(decision_date__gte=least_date)
        parts.append(
            dated.order_by("-decision_date", "-id").values_list("decision_date", "id")[:stop]
        )
    rows = sorted(parts[0].union(*parts[1:], all=True), key=_rank, reverse=True)
    if least_date is None and len(rows) < stop:  # the page reaches the undated records
        undated: list[int] = []
        for item in query.item_ids:
            undated += _undated_ids(query, item, stop - len(rows), least_id)
        rows += [(None, pk) for pk in sorted(undated, reverse=True)]
    return [pk for _, pk in rows[start:stop]]


def records_in_order(ids: list[int]) -> list[CreditRecord]:
    """The records with these ids, in this order, with what a row shows joined in."""
    found = {
        r.pk: r
        for r in CreditRecord.objects.filter(pk__in=ids)
        .select_related("item", "department", "region", "legal_person", "natural_person")
        .defer(
            "legal_person__name_bigrams",
            "legal_person__registered_address",
            "natural_person__id_cipher",
            "natural_person__id_index",
        )
    }
    return [found[pk] for pk in ids if pk in found]


def page(query: RecordQuery, raw_page: Any) -> CappedPage:
    """A page of public rows (:class:`PublicRecord`), counting at most the list cap."""
    per_page, cap = c.LIST_PAGE_SIZE, c.LIST_COUNT_CAP
    with list_settings():
        found = _found(query, cap + 1)
        total, more = min(len(found), cap), len(found) > cap
        number = page_within(raw_page, total, per_page)
        start = (number - 1) * per_page
        ids = ordered_ids(query, start, min(start + per_page, total), found, not more)
        rows = query.rows(records_in_order(ids))
    return CappedPage(rows, number, per_page, total, more)


def export_rows(query: RecordQuery, limit: int, chunk: int = 1000) -> Iterator[PublicRecord]:
    """The first ``limit`` rows of the list in its order, read ``chunk`` at a time."""
    with list_settings():
        found = _found(query, limit + 1)
        ids = ordered_ids(query, 0, min(limit, len(found)), found, len(found) <= limit)
        for at in range(0, len(ids), chunk):
            yield from query.rows(records_in_order(ids[at : at + chunk]))


# --------------------------------------------------------------------------------------------
# Home page
# --------------------------------------------------------------------------------------------


def home_columns(limit: int = c.HOME_ROWS) -> dict[str, list[PublicRecord]]:
    """The newest public 行政许可, 行政处罚, red-list and black-list records."""
    queries = {
        "license": publicity_query("license", ListFilters()),
        "penalty": publicity_query("penalty", ListFilters()),
        Category.RED_LIST: list_query(Category.RED_LIST, ListFilters()),
        Category.BLACK_LIST: list_query(Category.BLACK_LIST, ListFilters()),
    }
    out = {}
    with list_settings():
        for key, query in queries.items():
            found = _found(query, limit + 1)
            ids = ordered_ids(query, 0, limit, found, len(found) <= limit)
            out[key] = query.rows(records_in_order(ids))
    return out
