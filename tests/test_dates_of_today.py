"""A module's dates of today (``TODAY_IS_LOCAL``, tests/conftest.py) are those of the moment
each test runs, even when the module was imported on another day."""

from __future__ import annotations

import datetime

from django.utils import timezone

#: As if the module had been imported before midnight of another day.
TODAY = YESTERDAY = TOMORROW = datetime.date(2000, 1, 1)
TODAY_IS_LOCAL = True


def test_the_dates_of_today_are_set_before_each_test():
    today = timezone.localdate()
    assert (
        today - datetime.timedelta(days=1),
        today,
        today + datetime.timedelta(days=1),
    ) == (YESTERDAY, TODAY, TOMORROW)
