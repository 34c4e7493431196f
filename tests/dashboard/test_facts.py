"""The pre-aggregated counts (:mod:`credit.dashboard.facts`) equal plain ``GROUP BY`` queries
over the records through the platform's own definitions — public is
``credit.records.publicity.public_q``, in force is the list-entry rule of
``credit.sanctions.lists``, on time is ``credit.core.workdays.deadline`` — on data at the
boundaries of each; a refresh run twice gives the same facts; and every number of the
dashboard that links to a list (records or legal persons) equals that list's count."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from credit.core import workdays
from credit.dashboard import datasets, facts, selectors
from credit.dashboard.models import LegalPersonFact, NaturalPersonFact, RecordFact, Snapshot
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from credit.records.publicity import valid_q as list_in_force
from credit.subjects.models import LegalPerson, NaturalPerson
from tests.dashboard.conftest import at, years_before

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py
YESTERDAY = TODAY - datetime.timedelta(days=1)
TOMORROW = TODAY + datetime.timedelta(days=1)
LAST_MONTH = (TODAY.replace(day=1) - datetime.timedelta(days=1)).replace(day=15)


@pytest.fixture
def boundaries(make_record, make_company, make_person):
    """Records at the edge of every definition, each group in its own district and category:

    - 天宁区, 双公示: publicity ended yesterday (not public) / ends today (public), a
      government-shared one, an unpublished one, one whose publicity starts tomorrow, a
      repaired one;
    - 钟楼区, 黑名单: validity ended yesterday / ends today / starts tomorrow / no bounds, an
      expired one;
    - 新北区, 双公示: decided ten working days ago and reported at 23:30 of the 7th working
      day (on time) and at 00:30 of the 8th (late), one with no decision date;
    - 武进区, a natural person's penalty; a company with no district.
    """
    tianning, zhonglou, xinbei = (make_company(d) for d in ("320402", "320404", "320411"))
    nowhere = make_company("320402")
    LegalPerson.objects.filter(pk=nowhere.pk).update(region=None)
    nowhere.refresh_from_db()
    person = make_person("320412")
    # Decided ten working days ago: its 7th and 8th working days are both past.
    decided = workdays.add_working_days(TODAY, -10)
    seventh = workdays.deadline(decided)
    eighth = workdays.add_working_days(decided, 8)
    old = TODAY - datetime.timedelta(days=200)
    made = {
        "ended": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            tianning,
            decided=old,
            publicity_end=YESTERDAY,
            severity="general",
            arrived=at(old),
        ),
        "ends_today": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            tianning,
            decided=old,
            publicity_end=TODAY,
            severity="serious",
            arrived=at(old),
        ),
        "shared": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            tianning,
            decided=old,
            usage_scope="shared",
            severity="general",
        ),
        "unpublished": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            tianning,
            decided=old,
            publishable=False,
            severity="minor",
        ),
        "starts_tomorrow": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            tianning,
            decided=old,
            publicity_start=TOMORROW,
            severity="general",
        ),
        "repaired": make_record(
            "admin-penalty",
            "TNQ-SCJG",
            tianning,
            decided=old,
            status="repaired",
            severity="general",
        ),
        "valid_ended": make_record(
            "dishonest-judgment-debtor", "ZLQ-SCJG", zhonglou, decided=old, valid_to=YESTERDAY
        ),
        "valid_today": make_record(
            "dishonest-judgment-debtor", "ZLQ-SCJG", zhonglou, decided=old, valid_to=TODAY
        ),
        "valid_tomorrow": make_record(
            "dishonest-judgment-debtor", "ZLQ-SCJG", zhonglou, decided=old, valid_from=TOMORROW
        ),
        "valid_always": make_record("dishonest-judgment-debtor", "ZLQ-SCJG", zhonglou, decided=old),
        "list_expired": make_record(
            "dishonest-judgment-debtor", "ZLQ-SCJG", zhonglou, decided=old, status="expired"
        ),
        "on_time": make_record(
            "admin-license", "XBQ-SCJG", xinbei, decided=decided, arrived=at(seventh, 23, 30)
        ),
        "late": make_record(
            "admin-license", "XBQ-SCJG", xinbei, decided=decided, arrived=at(eighth, 0, 30)
        ),
        "undated": make_record("admin-license", "XBQ-SCJG", xinbei, arrived=at(LAST_MONTH)),
        "natural": make_record(
            "admin-penalty",
            "WJQ-SCJG",
            person,
            decided=LAST_MONTH,
            severity="general",
            publicity_end=TODAY + datetime.timedelta(days=90),
            arrived=at(LAST_MONTH),
        ),
        "no_district": make_record(
            "admin-penalty", "SCJG", nowhere, decided=LAST_MONTH, severity="serious"
        ),
    }
    return made


def _expected_by_district_and_category(today: datetime.date) -> dict:
    """The plain GROUP BY over the records, through the platform's definitions."""
    district = Coalesce("legal_person__region_id", "natural_person__region_id")
    rows = (
        CreditRecord.objects.annotate(district=district)
        .values("district", "item__category")
        .annotate(
            records=Count("id"),
            public=Count("id", filter=public_q(today)),
            in_force=Count("id", filter=list_in_force(today)),
            decided=Count("id", filter=Q(decision_date__isnull=False)),
        )
    )
    out = {
        (r["district"], r["item__category"]): {
            k: r[k] for k in ("records", "public", "in_force", "decided")
        }
        for r in rows
    }
    on_time: Counter = Counter()
    for record in CreditRecord.objects.annotate(district=district).filter(
        decision_date__isnull=False
    ):
        arrived = timezone.localtime(record.created_at).date()
        if arrived <= workdays.deadline(record.decision_date):
            on_time[(record.district, record.item.category)] += 1
    for key, row in out.items():
        row["on_time"] = on_time[key]
    return out


def _facts_by_district_and_category() -> dict:
    rows = RecordFact.objects.values("subject_region_id", "category").annotate(
        records=Sum("records"),
        public=Sum("public"),
        in_force=Sum("in_force"),
        decided=Sum("decided"),
        on_time=Sum("on_time"),
    )
    return {
        (r["subject_region_id"], r["category"]): {
            k: r[k] for k in ("records", "public", "in_force", "decided", "on_time")
        }
        for r in rows
    }


def test_record_facts_equal_a_plain_group_by_at_the_boundaries(boundaries):
    facts.refresh()
    got = _facts_by_district_and_category()
    assert got == _expected_by_district_and_category(TODAY)
    # The boundaries as the definitions put them (so that both sides cannot agree by luck).
    tianning = got[("320402", "double_publicity")]
    assert tianning["records"] == 6
    assert tianning["public"] == 1  # ends today; not: ended, shared, unpublished, later, repaired
    blacklist = got[("320404", "black_list")]
    assert (blacklist["records"], blacklist["in_force"]) == (5, 2)  # valid today, no bounds
    assert blacklist["public"] == 4  # active and no publicity window
    timely = got[("320411", "double_publicity")]
    assert (timely["records"], timely["decided"], timely["on_time"]) == (3, 2, 1)
    assert got[("320412", "double_publicity")]["records"] == 1  # the natural person's district
    assert got[(None, "double_publicity")]["records"] == 1  # a company with no district


def test_record_facts_count_by_month_of_decision_and_of_arrival(boundaries):
    facts.refresh()
    by_month = dict(
        RecordFact.objects.values_list("month").annotate(n=Sum("records")).order_by("month")
    )
    expected: Counter = Counter()
    for r in CreditRecord.objects.all():
        day = r.decision_date or timezone.localtime(r.created_at).date()
        expected[day.replace(day=1)] += 1
    assert by_month == dict(expected)
    by_arrival = dict(
        RecordFact.objects.values_list("arrived").annotate(n=Sum("records")).order_by("arrived")
    )
    arrivals = Counter(
        timezone.localtime(r.created_at).date().replace(day=1) for r in CreditRecord.objects.all()
    )
    assert by_arrival == dict(arrivals)
    # The on-time record reported at 23:30 of its 7th working day arrived in that day's month.
    seventh = timezone.localtime(boundaries["on_time"].created_at).date()
    assert RecordFact.objects.filter(arrived=seventh.replace(day=1)).exists()
    assert (
        RecordFact.objects.filter(
            month=LAST_MONTH.replace(day=1), subject_type="natural"
        ).aggregate(n=Sum("records"))["n"]
        == 1
    )


def test_refresh_as_of_another_day_moves_the_boundaries(boundaries):
    facts.refresh(today=TOMORROW)
    assert _facts_by_district_and_category() == _expected_by_district_and_category(TOMORROW)
    assert _facts_by_district_and_category()[("320404", "black_list")]["in_force"] == 2
    assert Snapshot.objects.get().as_of == TOMORROW


def _all_facts() -> tuple[list, list, list]:
    def rows(model: type) -> list:
        fields = [f.attname for f in model._meta.fields if f.attname != "id"]
        return sorted(model.objects.values_list(*fields), key=repr)

    return rows(RecordFact), rows(LegalPersonFact), rows(NaturalPersonFact)


def test_refresh_twice_gives_the_same_facts(boundaries, make_company):
    make_company("320481", capital=300)
    first = facts.refresh()
    before = _all_facts()
    second = facts.refresh()
    assert _all_facts() == before
    assert first.records == second.records == CreditRecord.objects.count()
    assert Snapshot.objects.count() == 1


def test_refresh_on_an_empty_platform(db):
    CreditRecord.objects.all().delete()
    snapshot = facts.refresh()
    assert snapshot.records == 0
    assert not RecordFact.objects.exists()
    assert facts.snapshot() == snapshot


def test_natural_person_facts_count_the_library_by_district(make_person):
    for district in ("320412", "320412", "320481"):
        make_person(district)
    facts.refresh()
    got = dict(NaturalPersonFact.objects.values_list("region_id", "subjects"))
    expected = dict(
        NaturalPerson.objects.values_list("region_id").annotate(n=Count("id")).order_by()
    )
    assert got == expected
    assert got["320412"] >= 2


# --------------------------------------------------------------------------------------------
# Legal-person bands: the number and its list agree
# --------------------------------------------------------------------------------------------


@pytest.fixture
def companies(make_company):
    """Companies at the edges of the capital and age bands, in three districts."""
    made = [
        make_company("320402", capital=Decimal("100"), established=years_before(TODAY, 1)),
        make_company("320402", capital=Decimal("99.99"), established=years_before(TODAY, 3)),
        make_company("320404", capital=None, established=None, kind="sole_trader", industry="F"),
        make_company(
            "320404",
            capital=Decimal("5000"),
            established=years_before(TODAY, 1) + datetime.timedelta(days=1),
        ),
        make_company("320411", capital=Decimal("0"), established=TODAY, status="cancelled"),
        make_company(
            "320411",
            capital=Decimal("4999.999999"),
            established=years_before(TODAY, 20),
            industry="I",
        ),
        # Impossible values a feed may still carry: they count as unknown.
        make_company("320481", capital=Decimal("-1"), established=TOMORROW),
    ]
    return made


def _fact_counts(field: str) -> dict:
    return dict(
        LegalPersonFact.objects.values_list(field).annotate(n=Sum("subjects")).order_by(field)
    )


def test_capital_bands_at_their_edges(companies):
    facts.refresh()
    capital = _fact_counts("capital_band")
    expected = Counter()
    for lp in LegalPerson.objects.all():
        value = lp.registered_capital
        if value is None or value < 0:
            expected[0] += 1
        elif value < 100:
            expected[1] += 1
        elif value < 500:
            expected[2] += 1
        elif value < 1000:
            expected[3] += 1
        elif value < 5000:
            expected[4] += 1
        else:
            expected[5] += 1
    assert capital == dict(expected)


def test_age_bands_at_their_edges(companies):
    facts.refresh()
    ages = _fact_counts("age_band")
    expected = Counter()
    for lp in LegalPerson.objects.all():
        day = lp.established_on
        if day is None or day > TODAY:
            expected[0] += 1
        elif day > years_before(TODAY, 1):
            expected[1] += 1
        elif day > years_before(TODAY, 3):
            expected[2] += 1  # established exactly a year ago: 1–3 years
        elif day > years_before(TODAY, 5):
            expected[3] += 1  # exactly three years ago: 3–5 years
        elif day > years_before(TODAY, 10):
            expected[4] += 1
        elif day > years_before(TODAY, 20):
            expected[5] += 1
        else:
            expected[6] += 1
    assert ages == dict(expected)
    assert ages.get(6, 0) >= 1


def _list_count(user, **query: str) -> int:
    return selectors.legal_persons(user, QueryDict(mutable=True) | query).count()


@pytest.mark.parametrize(
    ("param", "field", "values"),
    [
        ("capital", "capital_band", [code for code, *_ in facts.CAPITAL_BANDS]),
        ("age", "age_band", [code for code, *_ in facts.AGE_BANDS]),
    ],
)
def test_every_band_number_equals_its_list(companies, staff, param, field, values):
    facts.refresh()
    counts = _fact_counts(field)
    for value in values:
        assert _list_count(staff["admin"], **{param: str(value)}) == counts.get(value, 0), value
    # The same within a district, as 天宁区's administrator sees it.
    local = dict(
        LegalPersonFact.objects.filter(region_id="320402")
        .values_list(field)
        .annotate(n=Sum("subjects"))
        .order_by(field)
    )
    for value in values:
        assert _list_count(staff["tianning"], **{param: str(value)}) == local.get(value, 0)


def test_kind_industry_and_status_numbers_equal_their_lists(companies, staff):
    facts.refresh()
    for param, field in (("kind", "kind"), ("industry", "industry"), ("status", "status")):
        for value, n in _fact_counts(field).items():
            if value:
                assert _list_count(staff["admin"], **{param: value}) == n, (param, value)


# --------------------------------------------------------------------------------------------
# Every number that links to a list equals the list's count
# --------------------------------------------------------------------------------------------

RECORD_DATASETS = [
    "records_by_severity",
    "lists_in_force",
    "collection_by_department",
    "collection_summary",
    "collection_trend",
    "credit_trend",
    "credit_trend_12",
    "publicity_volume",
]
SUBJECT_DATASETS = [
    "subjects_summary",
    "legal_by_kind",
    "legal_by_industry",
    "legal_by_capital",
    "legal_by_age",
    "legal_by_district",
]


def _linked_numbers(result: datasets.Result, path: str) -> list[tuple[str, int, str]]:
    """(category, number, link) of each row whose link opens ``path`` (the number is the
    first numeric column's)."""
    key = result.columns[1][0]
    return [
        (str(row[result.columns[0][0]]), row[key], row["_link"])
        for row in result.rows
        if row.get("_link") and urlsplit(row["_link"]).path == path
    ]


def _query(link: str) -> QueryDict:
    query = QueryDict(mutable=True)
    for k, values in parse_qs(urlsplit(link).query).items():
        query.setlist(k, values)
    return query


FILTERS = [
    {},
    {"region": "320402"},
    {"department": "TNQ-SCJG"},
    {"item": "admin-penalty"},
    {"from": f"{LAST_MONTH:%Y-%m}", "to": f"{TODAY:%Y-%m}"},
]


@pytest.fixture
def scene(boundaries, companies, make_record):
    """The boundary records and companies, and more records this month and last month (so
    the trends have months with data and the rankings more than one department)."""
    subject = companies[0]
    for days, severity in ((3, "serious"), (35, "minor"), (40, "general")):
        day = TODAY - datetime.timedelta(days=days)
        make_record(
            "admin-penalty", "TNQ-SCJG", subject, decided=day, arrived=at(day),
            severity=severity, publicity_end=TODAY + datetime.timedelta(days=30),
        )  # fmt: skip
    make_record(
        "a-grade-taxpayer", "SW", subject, decided=TODAY, valid_to=TODAY + datetime.timedelta(400)
    )
    facts.refresh()


@pytest.mark.parametrize("who", ["admin", "tianning", "city_officer", "leader"])
@pytest.mark.parametrize("query", FILTERS, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_every_record_number_equals_its_list(scene, staff, who, query):
    user = staff[who]
    if who == "city_officer" and query.get("department") not in (None, "SCJG"):
        pytest.skip("a department officer may filter on its own department only")
    if who == "tianning" and query.get("region") not in (None, "320402"):
        pytest.skip("a district administrator sees its own district only")
    filters = datasets.Filters.from_query(query)
    seen = 0
    for code in RECORD_DATASETS:
        result = datasets.run(code, user, filters)
        for label, number, link in _linked_numbers(result, reverse("dashboard:records")):
            ask = selectors.RecordQuery.from_query(_query(link))
            assert selectors.records(user, ask).count() == number, (code, label, link)
            seen += number
    if who != "city_officer" and not query:
        assert seen > 0  # the scene's numbers were compared, not only zeros


@pytest.mark.parametrize("who", ["admin", "tianning", "city_officer", "leader"])
@pytest.mark.parametrize("query", [{}, {"region": "320402"}], ids=["city", "tianning"])
def test_every_subject_number_equals_its_list(scene, staff, who, query):
    user = staff[who]
    filters = datasets.Filters.from_query(query)
    seen = 0
    for code in SUBJECT_DATASETS:
        result = datasets.run(code, user, filters)
        for label, number, link in _linked_numbers(result, reverse("dashboard:subjects")):
            assert selectors.legal_persons(user, _query(link)).count() == number, (code, label)
            seen += number
    assert seen > 0


def test_numbers_stay_those_of_the_snapshot_day(scene, staff):
    """A list shows what its number counted: the facts' day, not the moment of reading."""
    facts.refresh(today=TOMORROW)
    result = datasets.run("lists_in_force", staff["admin"])
    row = next(r for r in result.rows if r["_key"] == "black_list")
    ask = selectors.RecordQuery.from_query(_query(row["_link"]))
    assert selectors.records(staff["admin"], ask).count() == row["entries"]
    assert selectors.facts_day() == TOMORROW
