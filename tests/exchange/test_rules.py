"""The exchange's schedule rules (:mod:`credit.exchange.rules`): the back-off of failed
deliveries and the next run of a channel by its period — examples, and properties over any
moment: the next run is the FIRST 01:00 Beijing slot of the period strictly after now."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credit.exchange import rules

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_back_off_grows_1_5_15_60_minutes_then_6_hours():
    assert [rules.backoff(n).total_seconds() / 60 for n in range(1, 8)] == [
        1, 5, 15, 60, 360, 360, 360,
    ]  # fmt: skip


def test_back_off_of_zero_or_fewer_attempts_is_the_first_wait():
    assert rules.backoff(0) == rules.backoff(-3) == datetime.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("period", "now", "expected"),
    [
        ("daily", datetime.datetime(2026, 5, 13, 14, 0), datetime.datetime(2026, 5, 14, 1, 0)),
        ("daily", datetime.datetime(2026, 5, 13, 0, 30), datetime.datetime(2026, 5, 13, 1, 0)),
        ("weekly", datetime.datetime(2026, 5, 13, 9, 0), datetime.datetime(2026, 5, 18, 1, 0)),
        ("weekly", datetime.datetime(2026, 5, 18, 1, 0), datetime.datetime(2026, 5, 25, 1, 0)),
        ("monthly", datetime.datetime(2026, 12, 2, 9, 0), datetime.datetime(2027, 1, 1, 1, 0)),
        ("quarterly", datetime.datetime(2026, 5, 10, 9, 0), datetime.datetime(2026, 7, 1, 1, 0)),
        ("quarterly", datetime.datetime(2026, 11, 1, 9, 0), datetime.datetime(2027, 1, 1, 1, 0)),
        ("yearly", datetime.datetime(2026, 5, 10, 9, 0), datetime.datetime(2027, 1, 1, 1, 0)),
        ("on_change", datetime.datetime(2026, 5, 10, 9, 0), datetime.datetime(2026, 5, 10, 9, 5)),
        ("irregular", datetime.datetime(2026, 5, 10, 9, 0), None),
        # the 1st of a month that starts no quarter or year, before 01:00
        ("quarterly", datetime.datetime(2026, 5, 1, 0, 30), datetime.datetime(2026, 7, 1, 1, 0)),
        ("yearly", datetime.datetime(2026, 3, 1, 0, 30), datetime.datetime(2027, 1, 1, 1, 0)),
        ("quarterly", datetime.datetime(2026, 4, 1, 0, 30), datetime.datetime(2026, 4, 1, 1, 0)),
    ],
)
def test_the_next_run_follows_the_period_at_1am_beijing_time(period, now, expected):
    got = rules.next_run(period, now.replace(tzinfo=BEIJING))
    assert got == (expected.replace(tzinfo=BEIJING) if expected else None)


def test_a_new_on_change_channel_runs_at_once_and_irregular_never():
    now = datetime.datetime(2026, 5, 10, 9, 0, tzinfo=BEIJING)
    assert rules.next_run("on_change", now, first=True) is None
    assert rules.next_run("irregular", now, first=True) is None
    assert rules.next_run("daily", now, first=True) == datetime.datetime(
        2026, 5, 11, 1, 0, tzinfo=BEIJING
    )


def _is_slot(period: str, moment: datetime.datetime) -> bool:
    """Whether ``moment`` (Beijing time) is a run slot of ``period``."""
    if (moment.hour, moment.minute, moment.second, moment.microsecond) != (1, 0, 0, 0):
        return False
    day = moment.date()
    return {
        "daily": True,
        "weekly": day.weekday() == 0,
        "monthly": day.day == 1,
        "quarterly": day.day == 1 and day.month in (1, 4, 7, 10),
        "yearly": (day.month, day.day) == (1, 1),
    }[period]


moments = st.datetimes(
    min_value=datetime.datetime(2001, 1, 1), max_value=datetime.datetime(2098, 12, 1)
).map(lambda d: d.replace(tzinfo=BEIJING))


@given(period=st.sampled_from(["daily", "weekly", "monthly", "quarterly", "yearly"]), now=moments)
def test_the_next_run_is_the_first_slot_of_the_period_after_now(period, now):
    got = rules.next_run(period, now)
    local = got.astimezone(BEIJING)
    assert got > now
    assert _is_slot(period, local)
    # no slot of the period between now and the one given: every day in between is checked
    day = now.date()
    while True:
        slot = datetime.datetime.combine(day, datetime.time(1), tzinfo=BEIJING)
        if slot > now and _is_slot(period, slot):
            break
        day += datetime.timedelta(days=1)
    assert slot == local


@given(now=moments)
def test_on_change_runs_five_minutes_after_any_run(now):
    assert rules.next_run("on_change", now) - now == datetime.timedelta(minutes=5)


@given(attempts=st.integers(min_value=1, max_value=50))
def test_back_off_never_shrinks_and_never_exceeds_six_hours(attempts):
    assert rules.backoff(attempts) <= rules.backoff(attempts + 1)
    assert datetime.timedelta(minutes=1) <= rules.backoff(attempts) <= rules.LAST_BACKOFF


# --- the 7-working-day rule and the channel's period ------------------------------------------

SLOW = ("monthly", "quarterly", "yearly", "irregular")
FAST = ("on_change", "daily", "weekly")


@pytest.mark.parametrize(
    "category", ["double_publicity", "red_list", "black_list", "attention_list"]
)
@pytest.mark.parametrize("period", SLOW)
def test_a_slow_upward_channel_of_a_deadline_bound_item_is_warned(category, period):
    label = {"monthly": "每月", "quarterly": "每季度", "yearly": "每年", "irregular": "不定期"}
    assert rules.deadline_warning("up", "records", period, category) == (
        f"该目录项的信息须在作出决定后 7 个工作日内上报，“{label[period]}”运行可能超期；"
        "建议改为每天或变更即时"
    )


@pytest.mark.parametrize("period", FAST)
def test_a_fast_enough_channel_is_not_warned(period):
    assert rules.deadline_warning("up", "records", period, "double_publicity") == ""


@pytest.mark.parametrize(
    ("direction", "content", "category"),
    [
        ("down", "records", "double_publicity"),
        ("in", "records", "black_list"),
        ("up", "objections", "double_publicity"),
        ("up", "catalog", "double_publicity"),
        ("up", "records", "basic"),
        ("up", "records", "other"),
    ],
)
def test_the_rule_binds_upward_records_of_publicity_and_list_items_only(
    direction, content, category
):
    assert rules.deadline_warning(direction, content, "monthly", category) == ""
