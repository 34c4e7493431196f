"""Reads of the public portal (信用常州): enterprise search, subject pages and notices (the
双公示 and list publicity are in :mod:`credit.portal.publicity`).

Anyone may read these pages, so every read here is of public data only:

- records through :func:`credit.records.publicity.public_q` — in force, of public usage
  scope, publishable under the publicity policy and within the publicity window;
- fields of a record through :mod:`credit.records.disclosure` (public fields as they are,
  personal ones masked, sensitive ones never);
- subjects: legal persons only (a natural person is never searched for nor given a page);
  legal representatives masked, a sole trader's address masked; a natural person appears in
  a publicity list with the masked name and ID number only.

Everything a page shows leaves this module already masked (rows are plain dataclasses, not
model instances), so a template cannot print a clear name by mistake.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, models, transaction
from django.db.models import Func, Q, QuerySet, Value
from django.db.models.functions import StrIndex, Upper
from django.db.models.lookups import GreaterThan

from credit.catalog.constants import LIST_CATEGORIES, Category
from credit.core.access import Perm, require
from credit.core.identifiers import detect, normalize_code
from credit.core.masking import mask_address, mask_id_number, mask_name
from credit.core.paging import CappedPage, capped_page, page_within
from credit.integrity.constants import GOV_DISHONESTY
from credit.portal import constants as c
from credit.portal.constants import NoticeKind
from credit.portal.models import Notice
from credit.portal.publicity import PublicRecord, public_record, subject_url
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from credit.subjects.constants import IdentifierScheme, LegalPersonKind, LegalPersonStatus
from credit.subjects.models import LegalPerson, LegalPersonIdentifier

# --------------------------------------------------------------------------------------------
# Enterprise search
# --------------------------------------------------------------------------------------------

#: A code typed into the search box: a USCC or a legacy code (8–20 letters and digits).
_CODE_SHAPE = re.compile(r"^(?=.*\d)[0-9A-Z]{8,20}$")
_HIT_COLUMNS = ("id", "name", "uscc", "kind", "legal_representative", "status", "region__name")


@dataclass(frozen=True)
class SubjectHit:
    """A search result: a legal person as the public sees it (representative masked)."""

    id: int
    name: str
    uscc: str
    kind: str
    legal_representative: str
    region: str
    status: str

    @property
    def url(self) -> str:
        return subject_url(self.id)


@dataclass(frozen=True)
class SearchOutcome:
    """What a search found: ``mode`` ``"code"`` (USCC or legacy code, exact) or ``"name"``
    (name fragment), ``page`` of :class:`SubjectHit` (None when nothing was searched), and a
    ``message`` for the reader when the query was refused or needs explaining. ``query`` is
    the query as the page may echo it (an ID number masked)."""

    query: str
    mode: str = ""
    page: CappedPage | None = None
    message: str = ""


_KIND_LABELS = dict(LegalPersonKind.choices)
_STATUS_LABELS = dict(LegalPersonStatus.choices)


def _hit(row: dict[str, Any]) -> SubjectHit:
    return SubjectHit(
        id=row["id"],
        name=row["name"],
        uscc=row["uscc"] or "",
        kind=_KIND_LABELS.get(row["kind"], row["kind"]),
        legal_representative=mask_name(row["legal_representative"]),
        region=row["region__name"] or "",
        status=_STATUS_LABELS.get(row["status"], row["status"]),
    )


def _hit_rows(queryset: QuerySet[LegalPerson]) -> list[SubjectHit]:
    """The hits of an ordered, sliced query, read as plain rows (no model instances)."""
    return [_hit(row) for row in queryset.values(*_HIT_COLUMNS)]


@contextlib.contextmanager
def _search_settings() -> Iterator[None]:
    """Plan the search's statements for their own parameters, without parallel workers.

    Statements run often are prepared (``CREDIT_DB_PREPARE_THRESHOLD``), and PostgreSQL may
    then switch to one generic plan for all parameters; but a fragment in every name (常州)
    and a rare one need opposite plans, so a custom plan per execution (a fraction of a
    millisecond) is worth it. Parallel workers and JIT compilation cost more to start than
    these statements take (they stop after 1,001 rows) and compete for the cores under load.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
            " set_config('max_parallel_workers_per_gather', '0', true),"
            " set_config('jit', 'off', true)"
        )
        yield


def name_matches(q: str) -> QuerySet[LegalPerson]:
    """Legal persons whose name contains ``q`` (longer than two characters; Latin letters in
    any case), unordered (two characters: :func:`_bigram_page`).

    Every bigram of ``q`` must be among the name's (the GIN index on ``name_bigrams``; the
    same SQL function computes both sides), and ``strpos(upper(name), upper(q)) > 0`` checks
    the bigrams' order — not ``LIKE``, whose selectivity estimate (a few in ten thousand,
    multiplied with the bigrams') would make the planner take every fragment for a rare one.
    """
    bigrams = Func(
        Value(q),
        function="credit_name_bigrams",
        output_field=ArrayField(models.CharField(max_length=2)),
    )
    return LegalPerson.objects.filter(
        GreaterThan(StrIndex(Upper("name"), Upper(Value(q))), 0), name_bigrams__contains=bigrams
    )


def _ids(queryset: QuerySet[LegalPerson]) -> list[int]:
    """The ids a query selects, fetched as plain tuples (up to a thousand rows: Django's
    row-by-row conversion would cost more than the statement)."""
    sql, params = queryset.values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [pk for (pk,) in cursor.fetchall()]


def _name_page(q: str, raw_page: Any) -> CappedPage:
    """A page of the legal persons whose name contains ``q``, in id order, the matches
    counted up to the cap, with plans that stay fast whatever the fragment (measured on a
    million names, see bench/bench_portal.py):

    - a 2-character fragment (the usual query): the name-bigram posting table
      (:func:`_bigram_page`);
    - longer: (1) the ids of at most cap + 1 matches, unordered — through the GIN index on
      ``name_bigrams``; (2) at most cap matches: sort those ids and take the page's slice,
      rows fetched by id; (3) more: the first ``n`` matches by id all have an id ≤ the
      ``n``-th smallest id found in (1), so the page is taken in id order from that range
      only — a bounded walk of the primary key or a small bitmap, never a sort of hundreds
      of thousands of matches.
    """
    per_page, cap = c.SEARCH_PAGE_SIZE, c.SEARCH_COUNT_CAP
    if len(q) == 2:
        return _bigram_page(q.upper(), raw_page)
    hits = name_matches(q).order_by("id")
    with _search_settings():
        ids = _ids(name_matches(q)[: cap + 1])
        more = len(ids) > cap
        count = min(len(ids), cap)
        number = page_within(raw_page, count, per_page)
        start = (number - 1) * per_page
        stop = min(start + per_page, count)
        ids.sort()
        if more and stop:
            rows = _hit_rows(hits.filter(id__lte=ids[stop - 1])[start:stop])
        else:
            page_ids = ids[start:stop]
            by_id = LegalPerson.objects.filter(pk__in=page_ids).order_by("id")
            rows = _hit_rows(by_id) if page_ids else []
    return CappedPage(rows, number, per_page, count, more)


def _bigram_page(gram: str, raw_page: Any) -> CappedPage:
    """A page of the legal persons whose name contains the two characters ``gram``, from the
    name-bigram posting table (``subjects_namegram``, kept by triggers): its primary key
    ``(gram, legal_person_id)`` counts the matches up to the cap and yields the page's ids in
    id order with index-only scans, so only the page's own rows are read from the
    legal-person table — the same cost for a fragment in every name (常州) and a rare one."""
    per_page, cap = c.SEARCH_PAGE_SIZE, c.SEARCH_COUNT_CAP
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM (SELECT 1 FROM subjects_namegram WHERE gram = %s LIMIT %s) s",
            [gram, cap + 1],
        )
        found = cursor.fetchone()[0]
        count, more = min(found, cap), found > cap
        number = page_within(raw_page, count, per_page)
        start = (number - 1) * per_page
        cursor.execute(
            "SELECT legal_person_id FROM subjects_namegram WHERE gram = %s "
            "ORDER BY legal_person_id OFFSET %s LIMIT %s",
            [gram, start, max(0, min(per_page, count - start))],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
    rows = _hit_rows(LegalPerson.objects.filter(pk__in=ids).order_by("id")) if ids else []
    return CappedPage(rows, number, per_page, count, more)


def _by_code(code: str) -> list[SubjectHit]:
    """Legal persons known by ``code``: the USCC (unique index), else a legacy code of the
    cross-walk (工商注册号, 组织机构代码, 税务登记号 …; unique per scheme)."""
    if len(code) == 18:
        found = _hit_rows(LegalPerson.objects.filter(uscc=code)[:1])
        if found:
            return found
    owners = list(
        LegalPersonIdentifier.objects.filter(
            scheme__in=IdentifierScheme.values, value=code
        ).values_list("legal_person_id", flat=True)[: c.SEARCH_PAGE_SIZE]
    )
    if not owners:
        return []
    return _hit_rows(LegalPerson.objects.filter(pk__in=owners).order_by("id"))


def search_legal_persons(q: str, page: Any = 1) -> SearchOutcome:
    """The public enterprise search (企业信用查询).

    A USCC or a legacy code finds its legal person exactly; otherwise ``q`` is a name
    fragment of at least two characters, matched anywhere in the name. Results come 20 a
    page in id order; at most 1,000 are counted (the page says "1000+" beyond). Natural
    persons are never searched: an ID number finds nothing and is not echoed in clear.
    """
    q = " ".join((q or "").split())[: c.SEARCH_MAX_CHARS]
    if not q:
        return SearchOutcome(query="")
    code = normalize_code(q, remove_hyphens=True)
    if _CODE_SHAPE.fullmatch(code):
        hits = _by_code(code)
        if hits:
            return SearchOutcome(
                query=q, mode="code", page=CappedPage(hits, 1, c.SEARCH_PAGE_SIZE, len(hits), False)
            )
        if detect(code) == "resident_id":
            return SearchOutcome(
                query=mask_id_number(code),
                message="本站只提供法人和非法人组织的信用信息查询，不提供自然人信息查询。",
            )
    if len(q) < c.SEARCH_MIN_CHARS:
        return SearchOutcome(
            query=q,
            message=f"请输入至少{c.SEARCH_MIN_CHARS}个字的企业名称，或完整的统一社会信用代码。",
        )
    result = _name_page(q, page)
    return SearchOutcome(query=q, mode="name", page=result)


# --------------------------------------------------------------------------------------------
# Subject page
# --------------------------------------------------------------------------------------------

#: Sections of a subject page: (key, title, filter on the record's item).
SUBJECT_SECTIONS: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("licenses", "行政许可", {"code": c.LICENSE_ITEM}),
    ("penalties", "行政处罚", {"code": c.PENALTY_ITEM}),
    ("red_list", "红名单", {"category": Category.RED_LIST}),
    ("black_list", "黑名单", {"category": Category.BLACK_LIST}),
    ("attention_list", "重点关注名单", {"category": Category.ATTENTION_LIST}),
    # A government body's 政务失信记录 (政务诚信), shown only when it has some.
    ("gov_dishonesty", "政务失信记录", {"code": GOV_DISHONESTY}),
)
#: Sections left out of a subject page when they hold nothing.
OPTIONAL_SECTIONS = frozenset({"gov_dishonesty"})


@dataclass
class Section:
    key: str
    title: str
    records: list[PublicRecord] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return self.total - len(self.records)


@dataclass(frozen=True)
class PublicCommitment:
    """A published commitment of a legal person, as its page lists it."""

    number: str
    kind: str
    item: str
    department: str
    committed_on: datetime.date
    published_on: datetime.date | None
    valid_until: datetime.date | None


def public_commitments_of(subject: LegalPerson) -> tuple[PublicCommitment, ...]:
    """The subject's published commitments in force (at most the section limit)."""
    from credit.commitments import selectors as commitments

    found = (
        commitments.published({"legal_person": subject.pk})
        .select_related("item", "department")
        .order_by("-committed_on", "-id")[: c.SUBJECT_SECTION_LIMIT]
    )
    return tuple(
        PublicCommitment(
            number=cm.number,
            kind=cm.get_kind_display(),
            item=cm.item.name,
            department=cm.department.name,
            committed_on=cm.committed_on,
            published_on=cm.published_on,
            valid_until=cm.valid_until,
        )
        for cm in found
    )


@dataclass(frozen=True)
class SubjectProfile:
    """A legal person's public page: basic facts (masked where personal) and its public
    records by section."""

    id: int
    name: str
    facts: tuple[tuple[str, str], ...]
    sections: tuple[Section, ...]
    #: Its published credit commitments in force (信用承诺), newest first.
    commitments: tuple[PublicCommitment, ...] = ()


def public_legal_person(pk: int) -> LegalPerson | None:
    """The legal person with this id, or None (the portal knows no other subjects)."""
    return (
        LegalPerson.objects.select_related("region")
        .defer("name_bigrams", "division_code", "org_type")
        .filter(pk=pk)
        .first()
    )


def _section_of(record: CreditRecord) -> str:
    for key, _, match in SUBJECT_SECTIONS:
        if match.get("code") == record.item.code or match.get("category") == record.item.category:
            return key
    return ""


def subject_profile(subject: LegalPerson) -> SubjectProfile:
    """What the public reads about ``subject``: basic information (legal representative
    masked; a sole trader's registered address masked, as it is usually its keeper's home)
    and its public 行政许可, 行政处罚 and list records, and a government body's 政务失信记录
    (at most 50 a section, the total counted), each field as :mod:`.disclosure` allows, and
    its published credit commitments in force (信用承诺)."""
    sole_trader = subject.kind == LegalPersonKind.SOLE_TRADER
    address = subject.registered_address
    facts = (
        ("统一社会信用代码", subject.uscc or "—"),
        ("主体类别", subject.get_kind_display()),
        ("经营者" if sole_trader else "法定代表人", mask_name(subject.legal_representative)),
        ("所属区划", subject.region.name if subject.region_id else "—"),
        ("行业门类", subject.get_industry_display() or "—"),
        ("成立日期", subject.established_on.isoformat() if subject.established_on else "—"),
        ("登记状态", subject.get_status_display()),
        ("注册地址", (mask_address(address) if sole_trader else address) or "—"),
    )
    sections = {key: Section(key, title) for key, title, _ in SUBJECT_SECTIONS}
    records = (
        CreditRecord.objects.filter(public_q(), legal_person=subject)
        .filter(
            Q(item__category__in=(Category.DOUBLE_PUBLICITY, *LIST_CATEGORIES))
            | Q(item__code=GOV_DISHONESTY)
        )
        .select_related("item", "department", "region")
        .order_by("-decision_date", "-id")
    )
    for record in records.iterator(chunk_size=200):
        section = sections.get(_section_of(record))
        if section is None:
            continue
        section.total += 1
        if len(section.records) < c.SUBJECT_SECTION_LIMIT:
            record.legal_person = subject  # already loaded; no query per record
            section.records.append(public_record(record, with_fields=True))
    shown = tuple(s for s in sections.values() if s.total or s.key not in OPTIONAL_SECTIONS)
    return SubjectProfile(subject.pk, subject.name, facts, shown, public_commitments_of(subject))


# --------------------------------------------------------------------------------------------
# Notices
# --------------------------------------------------------------------------------------------


def published_notices(kind: str = "") -> QuerySet[Notice]:
    """Published notices (of one column when ``kind`` is given), newest first."""
    qs = Notice.objects.filter(is_published=True)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-published_at", "-id")


def latest_notices(limit: int = c.HOME_NOTICES) -> dict[str, list[Notice]]:
    """The newest published notices of each column, for the home page."""
    return {kind: list(published_notices(kind).defer("body")[:limit]) for kind in NoticeKind}


def page_of_notices(queryset: QuerySet[Notice], raw_page: Any) -> CappedPage:
    return capped_page(
        queryset.defer("body"), raw_page, per_page=c.NOTICE_PAGE_SIZE, cap=c.LIST_COUNT_CAP
    )


def published_notice(pk: int) -> Notice | None:
    """A published notice; an unpublished or missing one is None (404)."""
    return published_notices().filter(pk=pk).first()


def notices_for(principal: Any, *, kind: str = "") -> QuerySet[Notice]:
    """Every notice, drafts included, for the staff who manage the portal."""
    require(principal, Perm.PORTAL_MANAGE)
    qs = Notice.objects.select_related("created_by").defer("body")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-updated_at", "-id")


def notice_for(principal: Any, pk: int) -> Notice | None:
    require(principal, Perm.PORTAL_MANAGE)
    return Notice.objects.filter(pk=pk).first()
