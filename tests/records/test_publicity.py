"""Publicity rules (D5.1): the policy table by severity and boundary day, the policy chosen by
decision date, several penalty types, item overrides, what readers see, expiry and recompute."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit.catalog.constants import PublicityMode
from credit.catalog.models import CatalogItem
from credit.core.models import AuditEntry
from credit.records import publicity, services, tasks
from credit.records.constants import RecordStatus, Severity
from credit.records.models import CreditRecord, ListChange, PublicityPolicy, PublicityRule
from credit.records.publicity import add_months
from tests.records.factories import DECIDED, penalty

D = datetime.date


@pytest.fixture
def book(db) -> publicity.Book:
    return publicity.load_book()


def _penalty(book, decided, severity="", types="罚款", reported_end=None, item_id=None):
    return publicity.assess(
        book,
        item_id=item_id,
        mode=PublicityMode.SEVERITY,
        severity=severity,
        penalty_types=types,
        decision_date=decided,
        reported_end=reported_end,
    )


# -- the policy table ----------------------------------------------------------------------------


def test_the_three_national_policies_are_installed(book):
    assert [(p.code, p.effective_from) for p in book.policies] == [
        ("ndrc-2019-527", D(2019, 7, 1)),
        ("ndrc-order-58", D(2023, 5, 1)),
        ("ndrc-order-36", D(2026, 4, 1)),
    ]


@pytest.mark.parametrize(
    ("decided", "code"),
    [
        (D(2015, 1, 1), "ndrc-2019-527"),  # before the first policy: the oldest applies
        (D(2019, 6, 30), "ndrc-2019-527"),
        (D(2019, 7, 1), "ndrc-2019-527"),
        (D(2023, 4, 30), "ndrc-2019-527"),
        (D(2023, 5, 1), "ndrc-order-58"),
        (D(2026, 3, 31), "ndrc-order-58"),
        (D(2026, 4, 1), "ndrc-order-36"),
    ],
)
def test_the_policy_is_the_one_in_force_at_the_decision_date(book, decided, code):
    assert book.policy_at(decided).code == code


# Under the rule in force since 2026-04-01 (decision on 2026-05-15).
@pytest.mark.parametrize(
    ("severity", "types", "published", "end", "repair"),
    [
        # 轻微 (警告, 通报批评): not published at all.
        (Severity.MINOR, "罚款", False, None, None),
        ("", "警告", False, None, None),
        ("", "通报批评;警告", False, None, None),
        # 一般: from 3 months to 1 year; ends at the maximum unless reported otherwise.
        (Severity.GENERAL, "罚款", True, D(2027, 5, 15), D(2026, 8, 15)),
        ("", "罚款", True, D(2027, 5, 15), D(2026, 8, 15)),  # unmapped type: 一般
        # 严重: from 1 year to 3 years.
        (Severity.SERIOUS, "罚款", True, D(2029, 5, 15), D(2027, 5, 15)),
        ("", "吊销许可证件", True, D(2029, 5, 15), D(2027, 5, 15)),
        # Several types: the longest period wins.
        ("", "警告;罚款", True, D(2027, 5, 15), D(2026, 8, 15)),
        ("", "警告、罚款、限制从业", True, D(2029, 5, 15), D(2027, 5, 15)),
        # A reported severity lower than the types imply is raised to them.
        (Severity.GENERAL, "责令关闭", True, D(2029, 5, 15), D(2027, 5, 15)),
    ],
)
def test_2026_rule_by_severity(book, severity, types, published, end, repair):
    result = _penalty(book, D(2026, 5, 15), severity, types)
    assert result.publishable is published
    assert result.publicity_start == D(2026, 5, 15)
    if published:
        assert (result.publicity_end, result.repair_from) == (end, repair)
    else:
        assert result.repair_from is None


@pytest.mark.parametrize(
    ("decided", "severity", "minimum", "maximum"),
    [
        (D(2020, 1, 10), Severity.MINOR, 3, 12),  # 2019: 轻微 not distinguished, as 一般
        (D(2020, 1, 10), Severity.GENERAL, 3, 12),
        (D(2020, 1, 10), Severity.SERIOUS, 6, 36),
        (D(2024, 1, 10), Severity.MINOR, 3, 12),
        (D(2024, 1, 10), Severity.GENERAL, 3, 12),
        (D(2024, 1, 10), Severity.SERIOUS, 12, 36),
    ],
)
def test_older_rules_by_severity(book, decided, severity, minimum, maximum):
    result = _penalty(book, decided, severity)
    assert result.publishable
    assert result.repair_from == add_months(decided, minimum)
    assert result.publicity_end == add_months(decided, maximum)


@pytest.mark.parametrize(
    ("reported", "expected"),
    [
        (None, D(2027, 5, 15)),  # none reported: the maximum
        (D(2026, 8, 14), D(2026, 8, 15)),  # a day short of the minimum: the minimum
        (D(2026, 8, 15), D(2026, 8, 15)),  # exactly the minimum
        (D(2026, 12, 1), D(2026, 12, 1)),  # within the bounds: kept
        (D(2027, 5, 15), D(2027, 5, 15)),  # exactly the maximum
        (D(2027, 5, 16), D(2027, 5, 15)),  # a day past the maximum: the maximum
    ],
)
def test_a_reported_end_is_kept_within_the_bounds(book, reported, expected):
    assert _penalty(book, D(2026, 5, 15), reported_end=reported).publicity_end == expected


def test_month_arithmetic_keeps_the_last_day_of_short_months():
    assert add_months(D(2026, 1, 31), 1) == D(2026, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2026, 8, 31), 12) == D(2027, 8, 31)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)


@given(
    decided=st.dates(min_value=D(2010, 1, 1), max_value=D(2035, 12, 31)),
    severity=st.sampled_from(["", "minor", "general", "serious"]),
    types=st.lists(st.sampled_from(["警告", "通报批评", "罚款", "吊销许可证件", "没收违法所得"])),
    offset=st.one_of(st.none(), st.integers(min_value=-400, max_value=2000)),
)
def test_windows_always_respect_the_policy_bounds(decided, severity, types, offset):
    result = _penalty(
        _static_book(),
        decided,
        severity,
        ";".join(types),
        None if offset is None else decided + datetime.timedelta(days=offset),
    )
    assert result.publicity_start == decided
    if result.publishable:
        assert result.repair_from <= result.publicity_end
        assert result.repair_from >= add_months(decided, 3)
        assert result.publicity_end <= add_months(decided, 36)
        # Adding a type never shortens the period.
        longer = _penalty(_static_book(), decided, severity, ";".join([*types, "吊销许可证件"]))
        assert longer.publicity_end >= add_months(decided, 12) or offset is not None
    else:
        assert decided >= D(2026, 4, 1)  # only the 2026 rule withholds 轻微


def _static_book() -> publicity.Book:
    """The shipped policies without a database (for hypothesis)."""
    doc = publicity.read_policy_file()
    return publicity.Book(
        tuple(
            publicity.Policy(
                n,
                p["code"],
                p["name"],
                D.fromisoformat(p["effective_from"]),
                p["penalty_type_severity"],
                {
                    (None, r["severity"]): publicity.Line(
                        r["published"], r["min_months"], r["max_months"]
                    )
                    for r in p["rules"]
                },
            )
            for n, p in enumerate(doc["policies"], start=1)
        )
    )


def test_validity_items_are_public_while_valid(book):
    result = publicity.assess(
        book,
        item_id=None,
        mode=PublicityMode.VALIDITY,
        valid_from=D(2026, 1, 1),
        valid_to=D(2028, 12, 31),
    )
    assert (result.publishable, result.publicity_start, result.publicity_end) == (
        True,
        D(2026, 1, 1),
        D(2028, 12, 31),
    )
    none = publicity.assess(book, item_id=None, mode=PublicityMode.NONE, valid_from=D(2026, 1, 1))
    assert none.publishable is False


def test_an_item_line_overrides_the_default(book, db):
    """Sector rules: e.g. work-safety penalties published at least a year even when 一般."""
    item = CatalogItem.objects.get(code="admin-penalty")
    policy = PublicityPolicy.objects.get(code="ndrc-order-36")
    PublicityRule.objects.create(
        policy=policy, item=item, severity="general", min_months=12, max_months=36
    )
    book = publicity.load_book()
    mine = _penalty(book, D(2026, 5, 15), Severity.GENERAL, item_id=item.pk)
    other = _penalty(book, D(2026, 5, 15), Severity.GENERAL, item_id=item.pk + 1000)
    assert (mine.repair_from, mine.publicity_end) == (D(2027, 5, 15), D(2029, 5, 15))
    assert other.publicity_end == D(2027, 5, 15)


# -- stored with the record, and what readers see -----------------------------------------------


def test_a_written_record_carries_its_policy_and_window(legal_person):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕801号", severity="严重").record
    record.refresh_from_db()
    assert record.publicity_policy.code == "ndrc-order-36"
    assert record.publicity_start == DECIDED
    assert record.repair_from == add_months(DECIDED, 12)
    # The reported end (decision + 12 months) lies within 严重's bounds [12, 36]: kept.
    assert record.publicity_end == add_months(DECIDED, 12)
    assert record.publishable and record.status == RecordStatus.ACTIVE


def test_a_minor_penalty_under_the_2026_rule_is_shared_but_not_public(legal_person):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕802号", severity="轻微").record
    public = CreditRecord.objects.filter(publicity.public_q(), pk=record.pk)
    shared = CreditRecord.objects.filter(publicity.in_force_q(), pk=record.pk)
    assert not public.exists() and shared.exists()


@pytest.mark.parametrize(
    ("change", "public"),
    [
        ({}, True),
        ({"status": RecordStatus.SUSPENDED}, False),
        ({"status": RecordStatus.REPAIRED}, False),
        ({"status": RecordStatus.REVOKED}, False),
        ({"usage_scope": "shared"}, False),
        ({"publishable": False}, False),
        ({"publicity_end": datetime.date.today() - datetime.timedelta(days=1)}, False),
        ({"publicity_end": datetime.date.today()}, True),  # the last day is still public
        ({"publicity_start": datetime.date.today() + datetime.timedelta(days=1)}, False),
    ],
)
def test_public_q_and_is_public_agree(legal_person, change, public):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕803号").record
    CreditRecord.objects.filter(pk=record.pk).update(**change)
    record.refresh_from_db()
    assert CreditRecord.objects.filter(publicity.public_q(), pk=record.pk).exists() is public
    assert publicity.is_public(record) is public


def test_historic_records_enter_expired(legal_person):
    record = penalty(
        legal_person,
        "SCJG",
        "常市监罚〔2020〕804号",
        decision_date="2020-03-03",
        valid_to="2020-09-03",
        publicity_end="2021-03-03",
    ).record
    assert record.status == RecordStatus.EXPIRED
    assert record.publicity_policy.code == "ndrc-2019-527"


# -- expiry -------------------------------------------------------------------------------------


def test_expiry_is_idempotent_audited_and_evented(legal_person):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕805号").record
    day_after = record.publicity_end + datetime.timedelta(days=1)
    assert record.pk not in services.expire_publicity(today=record.publicity_end)
    assert record.pk in services.expire_publicity(today=day_after)
    assert services.expire_publicity(today=day_after) == []
    record.refresh_from_db()
    assert (record.status, record.version) == (RecordStatus.EXPIRED, 2)
    entry = AuditEntry.objects.filter(event_type="records.expired").latest("id")
    assert record.pk in entry.after["records"]


def test_list_entries_expire_with_a_change_event(legal_person, department):
    black = CatalogItem.objects.get(code="dishonest-judgment-debtor")
    end = datetime.date.today() + datetime.timedelta(days=10)
    entry = CreditRecord.objects.create(
        item=black,
        legal_person=legal_person,
        department=department("FY"),
        region_id="320400",
        natural_key=f"publicity-expiry-{legal_person.pk}",
        payload={},
        usage_scope="public",
        valid_to=end,
        publicity_end=end,
    )
    services.expire_publicity(today=end + datetime.timedelta(days=1))
    assert ListChange.objects.filter(record=entry, kind=ListChange.Kind.EXPIRED).count() == 1


def test_the_daily_job_runs_the_service(db):
    assert tasks.expire_publicity(timestamp=0) >= 0


def test_recompute_applies_a_changed_policy_and_revives(legal_person, admin_user):
    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕806号", severity="严重").record
    policy = PublicityPolicy.objects.get(code="ndrc-order-36")
    # A local rule shortens 严重 to 1–2 months: the record is past its window and expires.
    PublicityRule.objects.filter(policy=policy, item=None, severity="serious").update(
        min_months=1, max_months=1
    )
    counts = services.recompute_publicity(actor=admin_user, item=record.item)
    record.refresh_from_db()
    assert counts["changed"] >= 1 and record.status == RecordStatus.EXPIRED
    assert record.publicity_end == add_months(DECIDED, 1)
    # Restored to the national rule: the record is public again.
    PublicityRule.objects.filter(policy=policy, item=None, severity="serious").update(
        min_months=12, max_months=36
    )
    counts = services.recompute_publicity(actor=admin_user, item=record.item)
    record.refresh_from_db()
    assert counts["revived"] >= 1 and record.status == RecordStatus.ACTIVE
    assert AuditEntry.objects.filter(event_type="records.publicity_recomputed").count() == 2


# -- management ---------------------------------------------------------------------------------


def test_the_admin_saves_a_sector_line_audited_and_schedules_a_recompute(
    client, admin_user, django_capture_on_commit_callbacks
):
    from procrastinate.contrib.django.models import ProcrastinateJob

    admin_user.is_staff = True
    admin_user.save()
    client.force_login(admin_user)
    policy = PublicityPolicy.objects.get(code="ndrc-order-36")
    item = CatalogItem.objects.get(code="admin-penalty")
    url = f"/admin/records/publicitypolicy/{policy.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200 and "最长公示期" in page.content.decode()
    existing = list(policy.rules.order_by("id"))
    form = {
        "code": policy.code,
        "name": policy.name,
        "document_no": policy.document_no,
        "effective_from": policy.effective_from.isoformat(),
        "penalty_type_severity": '{"警告": "minor"}',
        "note": policy.note,
        "rules-TOTAL_FORMS": str(len(existing) + 1),
        "rules-INITIAL_FORMS": str(len(existing)),
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for n, rule in enumerate(existing):
        form |= {
            f"rules-{n}-id": str(rule.pk),
            f"rules-{n}-policy": str(policy.pk),
            f"rules-{n}-item": "",
            f"rules-{n}-severity": rule.severity,
            f"rules-{n}-min_months": str(rule.min_months),
            f"rules-{n}-max_months": str(rule.max_months),
        } | ({f"rules-{n}-published": "on"} if rule.published else {})
    n = len(existing)
    form |= {
        f"rules-{n}-policy": str(policy.pk),
        f"rules-{n}-item": str(item.pk),
        f"rules-{n}-severity": "general",
        f"rules-{n}-published": "on",
        f"rules-{n}-min_months": "12",
        f"rules-{n}-max_months": "36",
    }
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert PublicityRule.objects.filter(policy=policy, item=item, min_months=12).exists()
    entry = AuditEntry.objects.filter(event_type="publicitypolicy.rules_saved").latest("id")
    assert {"item": "admin-penalty", "severity": "general", "min_months": 12} in [
        {k: r[k] for k in ("item", "severity", "min_months")} for r in entry.after["rules"]
    ]
    for callback in callbacks:
        callback()
    assert ProcrastinateJob.objects.filter(task_name="records.recompute_publicity").exists()


def test_the_reviewer_may_read_but_not_change_policies(client, make_user):
    reviewer = make_user("city_reviewer")
    policy = PublicityPolicy.objects.get(code="ndrc-order-36")
    client.force_login(reviewer)
    response = client.post(f"/admin/records/publicitypolicy/{policy.pk}/change/", {})
    assert response.status_code in (302, 403)
    assert PublicityPolicy.objects.get(pk=policy.pk).name == policy.name


def test_the_command_shows_recomputes_and_expires(legal_person, capsys):
    from django.core.management import call_command

    penalty(legal_person, "SCJG", "常市监罚〔2026〕807号")
    call_command("publicity", "show")
    assert "轻微   不公示" in capsys.readouterr().out
    call_command("publicity", "recompute", "--item", "admin-penalty")
    assert "已重算" in capsys.readouterr().out
    call_command("publicity", "expire")
    assert "已到期移出公示" in capsys.readouterr().out
