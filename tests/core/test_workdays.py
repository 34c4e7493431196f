"""Working days follow China's official calendar with 调休, the table overrides it, unknown years
fall back to Monday–Friday flagged approximate, and a built calendar answers without queries."""

import csv
import datetime as dt
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from credit.accounts.roles import Role
from credit.core import workdays
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, CalendarDay
from credit.core.services import import_calendar_days, set_calendar_day
from credit.core.workdays import Origin, WorkdayCalendar

D = dt.date
#: The library alone, no database: for the tests that need no table.
LIBRARY_ONLY = WorkdayCalendar(overrides={})


def _out(*args) -> str:
    out = StringIO()
    call_command("calendar", *args, stdout=out)
    return out.getvalue()


# --- the library's calendar ---------------------------------------------------------------------


def test_the_pinned_library_covers_2004_to_2026_and_raises_for_other_years():
    assert workdays.LIBRARY_YEARS == (2004, 2026)
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))
    assert workdays.library_covers(2026) and not workdays.library_covers(2027)


@pytest.mark.parametrize(
    ("day", "is_workday"),
    [
        (D(2026, 10, 1), False),  # 国庆节, Thursday
        (D(2026, 10, 7), False),  # 国庆节, Wednesday
        (D(2026, 10, 8), True),
        (D(2026, 10, 10), True),  # Saturday, 国庆节调休上班
        (D(2026, 9, 20), True),  # Sunday, 国庆节调休上班
        (D(2026, 9, 25), False),  # 中秋, Friday
        (D(2026, 1, 2), False),  # 元旦, Friday
        (D(2026, 1, 4), True),  # Sunday, 元旦调休上班
        (D(2026, 5, 9), True),  # Saturday, 劳动节调休上班
        (D(2025, 9, 28), True),  # Sunday, 国庆节调休上班
        (D(2025, 10, 11), True),  # Saturday, 国庆节调休上班
        (D(2025, 10, 6), False),  # 中秋 inside 国庆 2025
        (D(2026, 3, 7), False),  # an ordinary Saturday
        (D(2026, 3, 9), True),  # an ordinary Monday
    ],
)
def test_known_2025_and_2026_days_from_the_official_calendar(day, is_workday):
    assert LIBRARY_ONLY.is_workday(day) is is_workday
    assert LIBRARY_ONLY.covered(day.year)


def test_the_calendar_agrees_with_the_library_on_every_day_it_covers():
    day = D(2004, 1, 1)
    while day.year <= 2026:
        assert LIBRARY_ONLY.is_workday(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)


def test_days_carry_their_chinese_name_and_origin():
    info = LIBRARY_ONLY.day(D(2026, 10, 10))
    assert (info.is_workday, info.name, info.origin) == (True, "国庆节调休上班", Origin.LIBRARY)
    assert info.weekday_name == "周六" and not info.approximate
    assert LIBRARY_ONLY.day(D(2026, 10, 1)).name == "国庆节"
    assert LIBRARY_ONLY.day(D(2026, 3, 9)).name == ""


def test_spring_festival_2026_spans_two_weeks_with_adjusted_saturdays():
    festival = [D(2026, 2, 15) + dt.timedelta(days=i) for i in range(9)]  # Sun 15 – Mon 23
    assert not any(LIBRARY_ONLY.is_workday(d) for d in festival)
    assert LIBRARY_ONLY.is_workday(D(2026, 2, 14)) and LIBRARY_ONLY.is_workday(D(2026, 2, 28))
    # Friday 13th → Tuesday 24th: only Saturday 14th and the 24th are working days.
    assert LIBRARY_ONLY.working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert LIBRARY_ONLY.add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert LIBRARY_ONLY.add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert LIBRARY_ONLY.add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)


def test_spring_festival_2025_with_its_sunday_and_saturday_working_days():
    assert LIBRARY_ONLY.is_workday(D(2025, 1, 26)) and LIBRARY_ONLY.is_workday(D(2025, 2, 8))
    assert not LIBRARY_ONLY.is_workday(D(2025, 1, 28)) and not LIBRARY_ONLY.is_workday(
        D(2025, 2, 4)
    )
    assert LIBRARY_ONLY.working_days_between(D(2025, 1, 24), D(2025, 2, 7)) == 5  # 26, 27, 5, 6, 7


# --- counting -----------------------------------------------------------------------------------


def test_working_days_between_excludes_the_start_includes_the_end_and_is_antisymmetric():
    mon, fri, next_mon = D(2026, 3, 2), D(2026, 3, 6), D(2026, 3, 9)
    assert LIBRARY_ONLY.working_days_between(mon, mon) == 0
    assert LIBRARY_ONLY.working_days_between(mon, fri) == 4
    assert LIBRARY_ONLY.working_days_between(fri, next_mon) == 1
    assert LIBRARY_ONLY.working_days_between(next_mon, fri) == -1
    assert LIBRARY_ONLY.working_days_between(D(2026, 3, 7), D(2026, 3, 8)) == 0  # a weekend


def test_add_working_days_around_weekends_holidays_and_the_new_year():
    assert LIBRARY_ONLY.add_working_days(D(2026, 3, 6), 1) == D(2026, 3, 9)  # Fri → Mon
    assert LIBRARY_ONLY.add_working_days(D(2026, 3, 7), 1) == D(2026, 3, 9)  # from a Saturday
    assert LIBRARY_ONLY.add_working_days(D(2026, 3, 7), 0) == D(2026, 3, 7)
    assert LIBRARY_ONLY.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert LIBRARY_ONLY.add_working_days(D(2026, 10, 8), -1) == D(2026, 9, 30)
    assert LIBRARY_ONLY.add_working_days(D(2026, 1, 5), -2) == D(2025, 12, 31)
    assert LIBRARY_ONLY.add_working_days(D(2025, 12, 31), 1) == D(2026, 1, 4)  # Sunday, 调休


@pytest.mark.parametrize(
    ("decision", "due"),
    [
        (D(2026, 3, 2), D(2026, 3, 11)),  # Monday: 3–6, 9–11
        (D(2026, 3, 6), D(2026, 3, 17)),  # Friday
        (D(2026, 3, 7), D(2026, 3, 17)),  # a Saturday decision counts from Monday
        (D(2026, 9, 25), D(2026, 10, 12)),  # 中秋 Friday: 9/28–30, 10/8, 10/9, Sat 10/10, 10/12
        (D(2026, 2, 12), D(2026, 2, 28)),  # 13, Sat 14, 24–27, ends on Saturday 28 (调休)
        (D(2025, 12, 26), D(2026, 1, 7)),  # 29–31, Sun 1/4 (调休), 5–7
        (D(2025, 9, 26), D(2025, 10, 13)),  # Sun 9/28 (调休), 29, 30, 10/9, 10/10, Sat 10/11, 10/13
    ],
)
def test_the_seven_working_day_deadline(decision, due):
    assert LIBRARY_ONLY.deadline(decision) == due
    assert LIBRARY_ONLY.working_days_between(decision, due) == 7
    assert LIBRARY_ONLY.is_on_time(decision, due)
    assert not LIBRARY_ONLY.is_on_time(decision, due + dt.timedelta(days=1))


def test_the_table_of_deadlines_has_every_day_of_its_range():
    table = LIBRARY_ONLY.deadlines(D(2026, 3, 2), D(2026, 3, 7))
    assert list(table) == [D(2026, 3, d) for d in range(2, 8)]
    assert (table[D(2026, 3, 2)], table[D(2026, 3, 6)], table[D(2026, 3, 7)]) == (
        D(2026, 3, 11), D(2026, 3, 17), D(2026, 3, 17),
    )  # fmt: skip
    assert LIBRARY_ONLY.deadlines(D(2026, 3, 2), D(2026, 3, 1)) == {}
    assert LIBRARY_ONLY.deadlines(D(2026, 3, 2), D(2026, 3, 2), 0) == {D(2026, 3, 2): D(2026, 3, 2)}


def test_a_report_on_the_rest_day_after_the_deadline_is_late_though_no_working_day_passed():
    decision, due = D(2026, 3, 11), D(2026, 3, 20)  # deadline on a Friday
    assert LIBRARY_ONLY.deadline(decision) == due
    saturday = D(2026, 3, 21)
    result = LIBRARY_ONLY.timeliness(decision, saturday)
    assert result.working_days == 7 and not result.on_time and result.due_date == due
    assert not result.approximate
    assert LIBRARY_ONLY.timeliness(decision, D(2026, 3, 12)).on_time


def test_dates_only_not_datetimes():
    with pytest.raises(TypeError):
        LIBRARY_ONLY.is_workday(dt.datetime(2026, 3, 9, 10, 0))
    with pytest.raises(ValueError, match="negative"):
        LIBRARY_ONLY.deadline(D(2026, 3, 9), -1)


# --- years nobody covers ------------------------------------------------------------------------


def test_a_year_beyond_the_library_falls_back_to_monday_to_friday_flagged_approximate():
    cal = WorkdayCalendar(overrides={})
    assert not cal.covered(2031)
    assert cal.is_workday(D(2031, 1, 1))  # a Wednesday: surely 元旦 really, hence "approximate"
    assert not cal.is_workday(D(2031, 1, 4))
    assert cal.working_days_in(2031) == 261
    assert cal.deadline(D(2031, 1, 3)) == D(2031, 1, 14)
    assert cal.day(D(2031, 1, 1)).approximate and cal.day(D(2031, 1, 1)).origin == Origin.WEEKDAY
    result = cal.timeliness(D(2031, 1, 3), D(2031, 1, 10))
    assert result.on_time and result.approximate
    assert cal.is_approximate(D(2026, 12, 1), D(2031, 1, 1))
    assert not cal.is_approximate(D(2025, 1, 1), D(2026, 12, 31))
    assert not cal.covered(1999) and cal.is_workday(D(1999, 10, 1))  # before the library too


def test_a_deadline_running_into_an_unannounced_year_is_flagged_approximate():
    result = LIBRARY_ONLY.timeliness(D(2026, 12, 28), D(2027, 1, 5))
    assert result.due_date == D(2027, 1, 6)  # 29, 30, 31, then Mon–Fri: 1/1 counted (unknown)
    assert result.on_time and result.approximate


def test_a_year_announced_in_the_table_counts_as_covered_from_its_first_of_january():
    partial = WorkdayCalendar(overrides={D(2027, 2, 7): True})
    assert not partial.covered(2027)
    announced = WorkdayCalendar(
        overrides={D(2027, 1, 1): workdays.Override(False, "元旦", "国办发明电〔2026〕X号")}
    )
    assert announced.covered(2027) and not announced.is_workday(D(2027, 1, 1))
    assert not announced.day(D(2027, 1, 4)).approximate


# --- the override table -------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_table_beats_the_library_both_ways():
    set_calendar_day(
        actor=None, date=D(2026, 10, 7), is_workday=True, name="调休上班", source="测试"
    )
    set_calendar_day(actor=None, date=D(2026, 10, 8), is_workday=False, name="本地休息")
    cal = WorkdayCalendar(D(2026, 1, 1), D(2026, 12, 31))
    assert cal.is_workday(D(2026, 10, 7)) and not cal.is_workday(D(2026, 10, 8))
    info = cal.day(D(2026, 10, 7))
    assert (info.origin, info.name, info.source) == (Origin.TABLE, "调休上班", "测试")
    assert cal.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 7)
    assert cal.add_working_days(D(2026, 10, 7), 1) == D(2026, 10, 9)
    # the module-level functions read the table too
    assert workdays.is_workday(D(2026, 10, 7)) and not workdays.is_workday(D(2026, 10, 8))
    assert workdays.deadline(D(2026, 9, 25)) == D(2026, 10, 12)  # 7th in, 8th out: same count
    assert workdays.add_working_days(D(2026, 10, 6), 2) == D(2026, 10, 9)
    assert workdays.working_days_between(D(2026, 9, 30), D(2026, 10, 9)) == 2
    assert workdays.day(D(2026, 10, 8)).origin == Origin.TABLE


@pytest.mark.django_db
def test_an_announced_year_in_the_table_is_no_longer_approximate():
    assert not workdays.covered(2027)
    import_calendar_days(
        [
            {"date": "2027-01-01", "is_workday": False, "name": "元旦", "source": "X"},
            {"date": "2027-02-07", "is_workday": True, "name": "调休上班", "source": "X"},
        ],
        actor=None,
    )
    assert workdays.covered(2027)
    assert not workdays.is_workday(D(2027, 1, 1)) and workdays.is_workday(D(2027, 2, 7))
    assert not workdays.timeliness(D(2027, 3, 1), D(2027, 3, 3)).approximate


@pytest.mark.django_db
def test_a_built_calendar_makes_one_query_then_none_per_call(django_assert_num_queries):
    set_calendar_day(actor=None, date=D(2026, 10, 8), is_workday=False, name="本地休息")
    with django_assert_num_queries(1):
        cal = WorkdayCalendar(D(2025, 1, 1), D(2027, 12, 31))  # deadlines reach 2027
    days = [D(2025, 1, 1) + dt.timedelta(days=i % 730) for i in range(10_000)]
    with django_assert_num_queries(0):
        flags = [cal.is_workday(d) for d in days]
        dues = [cal.deadline(d) for d in days[:5000]]
        counts = [cal.working_days_between(d, D(2026, 12, 31)) for d in days[:5000]]
    assert sum(flags) > 6000 and len(dues) == len(counts) == 5000
    assert not cal.is_workday(D(2026, 10, 8))
    with django_assert_num_queries(1):  # a year outside the range: loaded once, on first use
        cal.is_workday(D(2024, 5, 1))
        cal.is_workday(D(2024, 5, 2))


# --- the write path: permission and audit ---------------------------------------------------------


@pytest.mark.django_db
def test_setting_a_day_needs_config_manage(make_user):
    officer = make_user(Role.DEPT_OFFICER)
    with pytest.raises(PermissionDenied):
        set_calendar_day(actor=officer, date=D(2027, 2, 7), is_workday=True, name="调休上班")
    with pytest.raises(PermissionDenied):
        import_calendar_days([], actor=officer)
    with pytest.raises(PermissionDenied):
        set_calendar_day(
            actor=make_user(Role.AUDITOR), date=D(2027, 2, 7), is_workday=True, name="调休上班"
        )
    assert not CalendarDay.objects.exists()


@pytest.mark.django_db
def test_setting_a_day_is_an_audited_upsert(admin_user):
    day = set_calendar_day(
        actor=admin_user, date=D(2027, 2, 7), is_workday=True, name="调休上班", source="A号"
    )
    created = AuditEntry.objects.get(event_type="calendarday.created")
    assert created.actor == admin_user and created.object_id == str(day.pk)
    assert created.after == {
        "date": "2027-02-07",
        "is_workday": True,
        "name": "调休上班",
        "source": "A号",
    }
    again = set_calendar_day(
        actor=admin_user, date="2027-02-07", is_workday=True, name="调休上班", source="A号"
    )
    assert (
        again.pk == day.pk
        and AuditEntry.objects.filter(object_type="core.calendarday").count() == 1
    )
    set_calendar_day(
        actor=admin_user, date=D(2027, 2, 7), is_workday=False, name="春节", source="B号"
    )
    updated = AuditEntry.objects.get(event_type="calendarday.updated")
    assert updated.before["is_workday"] is True and updated.after["is_workday"] is False
    assert updated.after["source"] == "B号" and CalendarDay.objects.count() == 1


@pytest.mark.django_db
def test_a_bad_day_is_refused():
    with pytest.raises(ValidationFailed) as err:
        set_calendar_day(actor=None, date="2027-02-30", is_workday=True, name=" ")
    assert err.value.code == "calendar_day_invalid"
    assert len(err.value.details["problems"]) == 2


@pytest.mark.django_db
def test_importing_a_year_is_all_or_nothing_and_idempotent(admin_user):
    rows = [
        {"date": "2027-01-01", "is_workday": False, "name": "元旦", "source": "X号"},
        {"date": D(2027, 2, 7), "is_workday": True, "name": "调休上班", "source": "X号"},
    ]
    bad = [*rows, {"date": "2027-01-01", "is_workday": "maybe", "name": "", "source": ""}]
    with pytest.raises(ValidationFailed) as err:
        import_calendar_days(bad, actor=admin_user)
    assert err.value.details["problems"][0].startswith("第3行")
    assert not CalendarDay.objects.exists()
    dup = [*rows, {"date": "2027-01-01", "is_workday": False, "name": "元旦", "source": ""}]
    with pytest.raises(ValidationFailed, match="重复"):
        import_calendar_days(dup, actor=admin_user)
    assert import_calendar_days(rows, actor=admin_user) == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    rows[1] = {**rows[1], "source": "Y号"}
    assert import_calendar_days(rows, actor=admin_user) == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    assert AuditEntry.objects.filter(object_type="core.calendarday").count() == 3


# --- the admin ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_changes_are_audited(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/admin/core/calendarday/add/",
        {"date": "2027-02-07", "is_workday": "on", "name": "调休上班", "source": "X号"},
    )
    assert response.status_code == 302, response.content.decode()[:800]
    day = CalendarDay.objects.get(date=D(2027, 2, 7))
    entry = AuditEntry.objects.get(event_type="calendarday.created")
    assert entry.actor == admin_user and entry.after["name"] == "调休上班"
    response = client.post(
        f"/admin/core/calendarday/{day.pk}/change/",
        {"date": "2027-02-07", "name": "春节", "source": "X号"},  # unchecked: a rest day
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(event_type="calendarday.updated")
    assert entry.before["is_workday"] is True and entry.after["is_workday"] is False
    listing = client.get("/admin/core/calendarday/?year=2027")
    assert listing.status_code == 200 and "2027" in listing.content.decode()
    response = client.post(f"/admin/core/calendarday/{day.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not CalendarDay.objects.exists()
    assert AuditEntry.objects.filter(event_type="calendarday.deleted").count() == 1


@pytest.mark.django_db
def test_the_admin_needs_config_manage(client, make_user):
    client.force_login(make_user(Role.AUDITOR))  # staff, but may not configure
    assert client.get("/admin/core/calendarday/").status_code == 403
    client.force_login(make_user(Role.DEPT_OFFICER))  # not staff at all
    response = client.get("/admin/core/calendarday/")
    assert response.status_code == 302 and "/login/" in response["Location"]


# --- the command ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_calendar_show_lists_holidays_and_adjusted_working_days_with_their_source():
    set_calendar_day(
        actor=None, date=D(2026, 10, 8), is_workday=False, name="本地休息", source="常政发"
    )
    out = _out("show", "2026")
    assert "chinesecalendar 1.11.0" in out and "调整表 1 条" in out
    assert "2026-10-10  周六  上班  国庆节调休上班" in out and "法定日历库" in out
    assert "2026-10-01  周四  休息  国庆节" in out
    line = next(row for row in out.splitlines() if row.startswith("2026-10-08"))
    assert "本地休息" in line and "调整表  常政发" in line and "覆盖库：上班" in line
    assert "近似" not in out


@pytest.mark.django_db
def test_calendar_show_an_uncovered_year_says_it_is_approximate():
    out = _out("show", "2031")
    assert "近似" in out and "全年工作日 261 天" in out


@pytest.mark.django_db
def test_calendar_set_and_import_from_the_command_line(tmp_path):
    out = _out(
        "set", "2027-02-07", "--workday", "--name", "调休上班", "--source", "国办发明电〔2026〕X号"
    )
    assert "2027-02-07 上班 调休上班" in out
    day = CalendarDay.objects.get(date=D(2027, 2, 7))
    assert day.is_workday and day.source == "国办发明电〔2026〕X号"
    assert AuditEntry.objects.get(event_type="calendarday.created").actor_repr == "system"
    _out("set", "2027-02-07", "--rest", "--name", "春节")
    assert not CalendarDay.objects.get(date=D(2027, 2, 7)).is_workday

    path = tmp_path / "2027.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "is_workday", "name", "source"])
        writer.writerow(["2027-01-01", "休息", "元旦", "国办发明电〔2026〕X号"])
        writer.writerow(["2027-02-07", "上班", "调休上班", "国办发明电〔2026〕X号"])
    assert _out("import", str(path)).strip() == '{"created": 1, "updated": 1, "unchanged": 0}'
    assert '"unchanged": 2' in _out("import", str(path))
    assert "依据：调整表" in _out("show", "2027")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        _out("set", "2027-13-01", "--workday", "--name", "x")
    path.write_text("date,is_workday,name\n2027-01-02,perhaps,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第1行"):
        _out("import", str(path))


# --- properties -----------------------------------------------------------------------------------

DATES = st.dates(min_value=D(2003, 1, 1), max_value=D(2032, 12, 31))
OVERRIDDEN = WorkdayCalendar(
    overrides={
        D(2026, 10, 7): True,
        D(2026, 10, 8): False,
        D(2027, 1, 1): False,
        D(2027, 2, 6): True,
        D(2028, 5, 1): False,
    }
)


@settings(max_examples=300, deadline=None)
@given(
    d=DATES,
    n=st.integers(min_value=1, max_value=400),
    cal=st.sampled_from([LIBRARY_ONLY, OVERRIDDEN]),
)
def test_add_working_days_lands_on_a_working_day_exactly_n_working_days_later(d, n, cal):
    later = cal.add_working_days(d, n)
    assert later > d and cal.is_workday(later)
    assert cal.working_days_between(d, later) == n
    assert cal.working_days_between(d, later - dt.timedelta(days=1)) == n - 1  # the first such day
    assert cal.deadline(d, n) == later


@settings(max_examples=300, deadline=None)
@given(
    d=DATES,
    n=st.integers(min_value=1, max_value=400),
    cal=st.sampled_from([LIBRARY_ONLY, OVERRIDDEN]),
)
def test_going_back_n_working_days_undoes_going_forward(d, n, cal):
    earlier = cal.add_working_days(d, -n)
    assert earlier < d and cal.is_workday(earlier)
    assert cal.working_days_between(earlier, d) == n - 1 + cal.is_workday(d)
    if cal.is_workday(d):
        assert cal.add_working_days(cal.add_working_days(d, n), -n) == d


@settings(max_examples=200, deadline=None)
@given(a=DATES, b=DATES, c=DATES)
def test_working_days_between_adds_up_and_matches_a_day_by_day_count(a, b, c):
    cal = LIBRARY_ONLY
    assert cal.working_days_between(a, b) + cal.working_days_between(b, c) == (
        cal.working_days_between(a, c)
    )
    start, end = sorted((a, b))
    end = min(end, start + dt.timedelta(days=120))
    counted = sum(
        cal.is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1)
    )
    assert cal.working_days_between(start, end) == counted
