"""The 红黑榜 of civil servants (seed L434–L436), as the rule in force says
(:class:`~credit.integrity.models.HonourRule`, data with an effective date).

- **黑榜** (:func:`black_list`): civil servants with at least ``min_count`` active records of
  the rule's catalog items (政务失信, 纪律处分 …) decided within the last ``years`` years and
  still valid — with how many and what came of each (the item and its result or handling).
- **红榜** (:func:`red_list`): civil servants of long-standing integrity — no deduction of their
  score (a :class:`~credit.integrity.models.ScoreItem` with negative points, of a record not
  revoked or repaired) counted at any time during the last ``years`` years and, when the rule
  requires it, an 优秀 annual assessment (公务员考核结果) for one of those years — with how long
  they have kept faith (since their last deduction ended, else since their archive begins) and
  their 评优评先 results (the years assessed or reviewed 优秀).

Staff read the lists within the archives they may read (:func:`~.archive_q`, the one scope of
archives). The public reads them only while the rule in force says the list is published
(``published``), names masked, with the unit's name and never an ID number or a record
number; the rows leave this module as plain dataclasses, already masked.

"The last ``years`` years" ends today and begins on the same day ``years`` years earlier
(:func:`period_start`), both days included.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Coalesce
from django.utils import timezone

from credit.core.masking import mask_name, mask_numbers_in_text
from credit.core.paging import CappedPage, capped_page
from credit.integrity.constants import ASSESSMENT, PARTY_REVIEW, TIMELINE_ITEMS, HonourKind
from credit.integrity.models import CivilServant, HonourRule, ScoreItem
from credit.integrity.selectors import archive_q
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

#: The value of an annual assessment (考核结果) or a party review (评议结果) that counts as 优秀.
EXCELLENT = "优秀"
#: The payload fields that tell what came of a record, in order of preference: the result of
#: a 处分, the handling of a 政务失信, the content of a penalty, the situation of a debtor …
RESULT_FIELDS = (
    "result",
    "handling",
    "penalty_content",
    "dishonest_situation",
    "behaviour",
    "violation",
)
#: Records whose deduction no longer stands at all (withdrawn as wrong, or repaired).
_VOID = (RecordStatus.REVOKED, RecordStatus.REPAIRED)


def period_start(today: datetime.date, years: int) -> datetime.date:
    """The first day of "the last ``years`` years" ending ``today`` (29 February → 28th)."""
    year = today.year - years
    try:
        return today.replace(year=year)
    except ValueError:
        return today.replace(year=year, day=28)


def rule_in_force(kind: str, day: datetime.date | None = None) -> HonourRule | None:
    """The rule of the 红榜 (``red``) or 黑榜 (``black``) in force on ``day`` (today): the latest
    one effective on or before it; None when there is none yet."""
    day = day or timezone.localdate()
    return (
        HonourRule.objects.filter(kind=kind, effective_from__lte=day)
        .order_by("-effective_from")
        .first()
    )


@dataclass(frozen=True)
class HonourFilters:
    """Filters of a list (all optional): the civil servant's region (code), unit (the
    department's code) and — for staff only — a fragment of the name."""

    region: str = ""
    unit: str = ""
    name: str = ""


@dataclass(frozen=True)
class Outcome:
    """What one record of a black-list entry is and what came of it."""

    item: str
    result: str
    decision_date: datetime.date | None
    document_no: str = ""  # staff only

    @property
    def text(self) -> str:
        return f"{self.item}（{self.result}）" if self.result else self.item


@dataclass(frozen=True)
class BlackRow:
    """One civil servant of the 黑榜."""

    civil_servant_id: int
    name: str
    unit: str
    region: str
    position: str
    count: int
    outcomes: tuple[Outcome, ...]
    id_masked: str = ""  # staff only

    @property
    def latest(self) -> datetime.date | None:
        return max((o.decision_date for o in self.outcomes if o.decision_date), default=None)

    @property
    def results_text(self) -> str:
        return "；".join(o.text for o in self.outcomes)


@dataclass(frozen=True)
class RedRow:
    """One civil servant of the 红榜."""

    civil_servant_id: int
    name: str
    unit: str
    region: str
    position: str
    faith_since: datetime.date
    kept_days: int
    honours: tuple[str, ...]
    score: int | None = None
    grade: str = ""
    id_masked: str = ""  # staff only

    @property
    def kept_text(self) -> str:
        """How long, in words: ``3年2个月``, ``5个月``, ``12天``."""
        days = self.kept_days
        years, rest = divmod(days, 365)
        months = rest // 30
        if years:
            return f"{years}年{months}个月" if months else f"{years}年"
        if months:
            return f"{months}个月"
        return f"{days}天"

    @property
    def honours_text(self) -> str:
        return "、".join(self.honours)


@dataclass
class HonourList:
    """A list as at ``today`` under ``rule``: the civil servants on it (``people``, ordered,
    annotated) and how a page of them reads (:meth:`rows`). ``shown`` is False when there is
    nothing to show: no rule in force, or a public reader and the rule does not publish it
    (``people`` is then empty)."""

    kind: str
    rule: HonourRule | None
    public: bool
    today: datetime.date
    people: QuerySet[CivilServant]
    shown: bool = True
    since: datetime.date | None = None

    @property
    def title(self) -> str:
        return HonourKind(self.kind).label

    def rows(self, people: Iterable[CivilServant]) -> list[BlackRow] | list[RedRow]:
        people = list(people)
        if self.kind == HonourKind.BLACK:
            return _black_rows(self, people)
        return _red_rows(self, people)

    def page(self, raw_page: Any, *, per_page: int = 30, cap: int = 5000) -> CappedPage:
        """A page of rows (the total counted up to ``cap``)."""
        found = capped_page(self.people, raw_page, per_page=per_page, cap=cap)
        found.object_list = self.rows(found.object_list)
        return found

    def slice(self, offset: int, limit: int) -> list[BlackRow] | list[RedRow]:
        return self.rows(self.people[offset : offset + limit])

    def count(self) -> int:
        return self.people.count()


# --------------------------------------------------------------------------------------------
# Who is on the lists
# --------------------------------------------------------------------------------------------


def _scoped(actor: Any, *, public: bool, filters: HonourFilters | None) -> QuerySet[CivilServant]:
    """The civil servants a list is drawn from: every one for the public (published lists),
    else those whose archives ``actor`` may read; narrowed by the filters."""
    qs = CivilServant.objects.all() if public else CivilServant.objects.filter(archive_q(actor))
    filters = filters or HonourFilters()
    if filters.region:
        qs = qs.filter(region_id=filters.region)
    if filters.unit:
        qs = qs.filter(unit__code=filters.unit)
    if filters.name and not public:
        qs = qs.filter(natural_person__name__contains=filters.name.strip())
    return qs.select_related("natural_person", "region", "unit")


def _black_records(rule: HonourRule, today: datetime.date, since: datetime.date) -> Q:
    """The records that put someone on the 黑榜: of the rule's items, active, decided within
    the period and still valid."""
    return (
        Q(item__code__in=list(rule.items), status=RecordStatus.ACTIVE)
        & Q(decision_date__gte=since, decision_date__lte=today)
        & (Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        & Q(natural_person__isnull=False)
    )


def _empty(kind: str, rule: HonourRule | None, public: bool, today: datetime.date) -> HonourList:
    return HonourList(kind, rule, public, today, CivilServant.objects.none(), shown=False)


def black_list(
    actor: Any = None,
    *,
    public: bool = False,
    filters: HonourFilters | None = None,
    today: datetime.date | None = None,
) -> HonourList:
    """The 黑榜 as at ``today``: the most records first, then the latest decision.

    ``public``: the portal's list (nothing unless the rule in force publishes it; names
    masked); otherwise the staff's, within the archives ``actor`` may read."""
    today = today or timezone.localdate()
    rule = rule_in_force(HonourKind.BLACK, today)
    if rule is None or (public and not rule.published) or not rule.items:
        return _empty(HonourKind.BLACK, rule, public, today)
    since = period_start(today, rule.years)
    records = CreditRecord.objects.filter(_black_records(rule, today, since))
    counted = (
        records.filter(natural_person_id=OuterRef("natural_person_id"))
        .order_by()
        .values("natural_person_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    latest = (
        records.filter(natural_person_id=OuterRef("natural_person_id"))
        .order_by("-decision_date")
        .values("decision_date")[:1]
    )
    listed = (
        records.order_by()
        .values("natural_person_id")
        .annotate(n=Count("id"))
        .filter(n__gte=max(1, rule.min_count))
        .values("natural_person_id")
    )
    people = (
        _scoped(actor, public=public, filters=filters)
        .filter(natural_person_id__in=listed)
        .annotate(
            honour_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0),
            honour_latest=Subquery(latest),
        )
        .order_by("-honour_count", "-honour_latest", "pk")
    )
    return HonourList(HonourKind.BLACK, rule, public, today, people, since=since)


def _deductions(since: datetime.date, today: datetime.date) -> Q:
    """Score items that deducted points at some time during [since, today]: a negative item
    whose window (``counts_from`` … ``counts_until``, exclusive; open: while valid) overlaps
    the period, of a record neither revoked nor repaired."""
    return (
        Q(points__lt=0, counts_from__lte=today)
        & (Q(counts_until__isnull=True) | Q(counts_until__gt=since))
        & ~Q(record__status__in=_VOID)
    )


def _years_since(since: datetime.date, today: datetime.date) -> list[str]:
    """The assessment years that lie in the period, as text (a year field may hold either)."""
    return [str(y) for y in range(since.year, today.year + 1)]


def red_list(
    actor: Any = None,
    *,
    public: bool = False,
    filters: HonourFilters | None = None,
    today: datetime.date | None = None,
) -> HonourList:
    """The 红榜 as at ``today``: the highest score first for staff; by district and unit for
    the public (no ranking by score).

    ``public``: the portal's list (nothing unless the rule in force publishes it; names
    masked); otherwise the staff's, within the archives ``actor`` may read."""
    today = today or timezone.localdate()
    rule = rule_in_force(HonourKind.RED, today)
    if rule is None or (public and not rule.published):
        return _empty(HonourKind.RED, rule, public, today)
    since = period_start(today, rule.years)
    deducted = ScoreItem.objects.filter(_deductions(since, today), civil_servant_id=OuterRef("pk"))
    people = _scoped(actor, public=public, filters=filters).filter(~Exists(deducted))
    if rule.require_excellent:
        excellent = (
            CreditRecord.objects.filter(
                item__code=ASSESSMENT,
                status=RecordStatus.ACTIVE,
                natural_person_id=OuterRef("natural_person_id"),
            )
            .alias(result_text=KT("payload__result"), year_text=KT("payload__year"))
            .filter(result_text=EXCELLENT, year_text__in=_years_since(since, today))
        )
        people = people.filter(Exists(excellent))
    if public:  # no ranking by score in public: by district and unit
        people = people.order_by("region_id", "unit_name", "pk")
    else:
        people = people.order_by(F("score").desc(nulls_last=True), "pk")
    return HonourList(HonourKind.RED, rule, public, today, people, since=since)


def honour_list(kind: str, actor: Any = None, **kwargs: Any) -> HonourList:
    """:func:`red_list` or :func:`black_list` by ``kind`` (``red``/``black``)."""
    return (red_list if kind == HonourKind.RED else black_list)(actor, **kwargs)


# --------------------------------------------------------------------------------------------
# How the rows read
# --------------------------------------------------------------------------------------------


def _who(honour: HonourList, cs: CivilServant) -> dict[str, Any]:
    person = cs.natural_person
    return {
        "civil_servant_id": cs.pk,
        "name": mask_name(person.name) if honour.public else person.name,
        "unit": cs.unit_name,
        "region": cs.region.name if cs.region_id else "",
        "position": "" if honour.public else cs.position,
        "id_masked": "" if honour.public else person.id_masked,
    }


def result_of(payload: dict[str, Any]) -> str:
    """What came of a record, from the first of :data:`RESULT_FIELDS` it fills."""
    for code in RESULT_FIELDS:
        value = payload.get(code)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _black_rows(honour: HonourList, people: Sequence[CivilServant]) -> list[BlackRow]:
    if not people or honour.rule is None:
        return []
    by_person: dict[int, list[Outcome]] = defaultdict(list)
    records = (
        CreditRecord.objects.filter(
            _black_records(honour.rule, honour.today, honour.since or honour.today),
            natural_person_id__in=[cs.natural_person_id for cs in people],
        )
        .select_related("item")
        .only("natural_person_id", "item__name", "payload", "decision_date", "document_no")
        .order_by("-decision_date", "-id")
    )
    for record in records:
        result = result_of(record.payload or {})
        if honour.public:
            result = mask_numbers_in_text(result)
        by_person[record.natural_person_id].append(
            Outcome(
                item=record.item.name,
                result=result[:200],
                decision_date=record.decision_date,
                document_no="" if honour.public else record.document_no,
            )
        )
    rows = []
    for cs in people:
        outcomes = tuple(by_person.get(cs.natural_person_id, ()))
        rows.append(BlackRow(**_who(honour, cs), count=len(outcomes), outcomes=outcomes))
    return rows


def _evaluations(person_ids: list[int]) -> tuple[dict[int, list[str]], dict[int, int]]:
    """Each person's 评优评先 results — the years assessed 优秀 (考核) and reviewed 优秀 (党员评议),
    newest first — and the first year any assessment or review of theirs covers."""
    found: dict[int, set[tuple[int, str]]] = defaultdict(set)
    first: dict[int, int] = {}
    rows = (
        CreditRecord.objects.filter(
            item__code__in=(ASSESSMENT, PARTY_REVIEW),
            status=RecordStatus.ACTIVE,
            natural_person_id__in=person_ids,
        )
        .annotate(result_text=KT("payload__result"), year_text=KT("payload__year"))
        .values_list("natural_person_id", "item__code", "year_text", "result_text")
    )
    for person_id, code, year_text, result in rows:
        try:
            year = int(str(year_text).strip())
        except ValueError:
            continue
        first[person_id] = min(year, first.get(person_id, year))
        if result == EXCELLENT:
            found[person_id].add(
                (year, "年度考核优秀" if code == ASSESSMENT else "党员年度评议优秀")
            )
    honours = {
        pk: [f"{year}{what}" for year, what in sorted(items, reverse=True)]
        for pk, items in found.items()
    }
    return honours, first


def _faith_since(
    people: Sequence[CivilServant], today: datetime.date, first_year: dict[int, int]
) -> dict[int, datetime.date]:
    """Since when each civil servant has kept faith: the first day after their last deduction
    stopped counting, else the start of their archive — the earliest of its creation, their
    earliest dated record and the first day of the first year an assessment or review of
    theirs covers."""
    ids = [cs.pk for cs in people]
    ended: dict[int, datetime.date] = {}
    for cs_id, start, until in (
        ScoreItem.objects.filter(civil_servant_id__in=ids, points__lt=0)
        .exclude(record__status__in=_VOID)
        .values_list("civil_servant_id", "counts_from", "counts_until")
    ):
        last = min(max(until or today, start), today)
        if cs_id not in ended or last > ended[cs_id]:
            ended[cs_id] = last
    first_record = dict(
        CreditRecord.objects.filter(
            natural_person_id__in=[cs.natural_person_id for cs in people],
            item__code__in=TIMELINE_ITEMS,
            decision_date__isnull=False,
        )
        .order_by()
        .values("natural_person_id")
        .annotate(first=Min("decision_date"))
        .values_list("natural_person_id", "first")
    )
    out = {}
    for cs in people:
        if cs.pk in ended:
            out[cs.pk] = ended[cs.pk]
            continue
        starts = [timezone.localdate(cs.created_at) if cs.created_at else today]
        if cs.natural_person_id in first_record:
            starts.append(first_record[cs.natural_person_id])
        year = first_year.get(cs.natural_person_id)
        if year and 1949 <= year <= today.year:
            starts.append(datetime.date(year, 1, 1))
        out[cs.pk] = min(starts)
    return out


def _red_rows(honour: HonourList, people: Sequence[CivilServant]) -> list[RedRow]:
    if not people:
        return []
    honours, first_year = _evaluations([cs.natural_person_id for cs in people])
    since = _faith_since(people, honour.today, first_year)
    rows = []
    for cs in people:
        start = since[cs.pk]
        rows.append(
            RedRow(
                **_who(honour, cs),
                faith_since=start,
                kept_days=max(0, (honour.today - start).days),
                honours=tuple(honours.get(cs.natural_person_id, ())),
                score=None if honour.public else cs.score,
                grade="" if honour.public else cs.grade,
            )
        )
    return rows
