"""The tracking page's limits on wrong "last four digits of the phone" tries: per case number
(the right digits are refused too while locked, until the hour has passed) and per client
address (read behind trusted proxies), counted alike for numbers that match no case, and
purged when old."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db.models import F
from django.utils import timezone

from credit.core.errors import NotFound, RateLimited
from credit.core.models import AuditEntry
from credit.objections import tasks, tracking
from credit.objections.models import TrackingAttempt

pytestmark = pytest.mark.django_db

TRACK = "/objections/track/"
RIGHT, WRONG = "5678", "0000"  # the applicant's phone is 138 1234 5678
MISSING = "YY20260101AAAAAAAAAA"


def _post(client, number, digits, ip="198.51.100.1", **meta):
    return client.post(TRACK, {"number": number, "phone_last4": digits}, REMOTE_ADDR=ip, **meta)


def _text(response) -> str:
    return response.content.decode()


def _an_hour_passes() -> None:
    TrackingAttempt.objects.update(created_at=F("created_at") - datetime.timedelta(minutes=61))


@pytest.fixture
def number(submit, penalty_record) -> str:
    return submit(penalty_record).number


# --- per case number -------------------------------------------------------------------------


def test_the_right_digits_before_the_limit_show_the_case(client, number):
    for _ in range(4):
        wrong = _post(client, number, WRONG)
    assert wrong.status_code == 200 and "1小时内还可再试1次" in _text(wrong)
    right = _post(client, number, RIGHT)
    assert right.status_code == 302 and right["Location"] == f"{TRACK}{number}/"
    assert "待受理" in _text(client.get(right["Location"]))


def test_wrong_digits_say_how_many_tries_are_left(client, number):
    first = _post(client, number, WRONG)
    assert "手机号码后四位不符" in _text(first) and "1小时内还可再试4次" in _text(first)
    assert "还可再试3次" in _text(_post(client, number, WRONG))


def test_five_wrong_tries_lock_the_case_even_for_the_right_digits(client, number):
    for i in range(4):
        assert _post(client, number, WRONG, ip=f"203.0.113.{i + 1}").status_code == 200
    fifth = _post(client, number, WRONG, ip="203.0.113.5")
    assert fifth.status_code == 429 and "输错次数过多" in _text(fifth)
    right = _post(client, number, RIGHT, ip="203.0.113.6")  # another address, the right digits
    assert right.status_code == 429
    text = _text(right)
    assert "该编号查询时手机号码后四位输错次数过多" in text and "政务服务中心信用窗口" in text
    assert (
        re.search(r"请在\d{2}:\d{2}以后再试（约\d+分钟）", text)
        and 1 <= int(right["Retry-After"]) <= 3600
    )
    assert TrackingAttempt.objects.count() == 5  # refused tries are not counted
    _an_hour_passes()
    assert _post(client, number, RIGHT, ip="203.0.113.6").status_code == 302


def test_a_lock_is_audited_with_the_case(client, number):
    for _ in range(5):
        _post(client, number, WRONG)
    _post(client, number, WRONG)  # refused: no second entry
    entry = AuditEntry.objects.get(event_type="objection.tracking_locked")
    assert entry.object_type == "objections.objection" and entry.object_repr
    assert entry.after["number"] == number and entry.after["failures"] == 5
    assert entry.source_ip == "198.51.100.1"


def test_a_missing_number_is_counted_and_answered_the_same(client, number):
    ips = iter(f"203.0.113.{i}" for i in range(1, 20))
    answers = {}
    for case in (number, MISSING):
        answers[case] = [_post(client, case, WRONG, ip=next(ips)) for _ in range(6)]
    assert [r.status_code for r in answers[MISSING]] == [200, 200, 200, 200, 429, 429]
    for existing, missing in zip(answers[number], answers[MISSING], strict=True):
        assert existing.status_code == missing.status_code
        assert _message(existing) == _message(missing)
    locked = AuditEntry.objects.filter(event_type="objection.tracking_locked")
    assert sorted(e.after["number"] for e in locked) == sorted([number, MISSING])
    assert locked.get(after__number=MISSING).object_repr == MISSING


def _message(response) -> str:
    """The refusal shown, without the clock time (two answers may straddle a minute)."""
    shown = " ".join(response.context["form"].non_field_errors())
    return re.sub(r"\d{2}:\d{2}|约\d+分钟", "…", shown)


def test_the_number_is_counted_as_typed_normalised(client, number):
    for typed in (number.lower(), f" {number} ", number[:6] + "-" + number[6:], number, number):
        _post(client, typed, WRONG)
    assert _post(client, number, RIGHT).status_code == 429


def test_digits_that_are_not_four_digits_are_not_a_try(client, number):
    response = _post(client, number, "56a8")
    assert response.status_code == 200 and "请输入手机号码的后四位数字" in _text(response)
    assert not TrackingAttempt.objects.exists()


# --- per address ----------------------------------------------------------------------------


def test_twenty_wrong_tries_from_one_address_are_refused_for_any_number(client, number):
    for i in range(20):
        response = _post(client, f"YY20260101AAAAAAAA{i:02d}", WRONG)
    assert response.status_code == 429 and "本网络查询时" in _text(response)
    refused = _post(client, number, RIGHT)  # a fresh number, the right digits
    assert refused.status_code == 429 and "本网络查询时" in _text(refused)
    assert _post(client, number, RIGHT, ip="198.51.100.2").status_code == 302  # another address


def test_the_limits_come_from_settings(client, number, settings):
    settings.CREDIT_TRACKING_NUMBER_PER_HOUR = 2
    settings.CREDIT_TRACKING_IP_PER_HOUR = 3
    _post(client, number, WRONG)
    assert _post(client, number, WRONG).status_code == 429
    assert _post(client, MISSING, WRONG, ip="198.51.100.9").status_code == 200
    _post(client, MISSING[:-1] + "B", WRONG, ip="198.51.100.9")
    third = _post(client, MISSING[:-1] + "C", WRONG, ip="198.51.100.9")
    assert third.status_code == 429 and "本网络查询时" in _text(third)


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted(client, number, settings):
    settings.CREDIT_TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.CREDIT_TRACKING_IP_PER_HOUR = 3
    for i in range(3):
        _post(
            client, f"{MISSING[:-2]}{i:02d}", WRONG, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4"
        )
    assert (
        _post(client, number, RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4").status_code
        == 429
    )
    other = _post(client, number, RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert other.status_code == 302
    assert set(TrackingAttempt.objects.values_list("source_ip", flat=True)) == {"1.2.3.4"}


def test_without_trusted_proxies_the_forwarded_header_is_ignored(client, number, settings):
    settings.CREDIT_TRUSTED_PROXIES = []
    settings.CREDIT_TRACKING_IP_PER_HOUR = 3
    for i in range(3):
        _post(
            client, f"{MISSING[:-2]}{i:02d}", WRONG, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4"
        )
    forged = _post(client, number, RIGHT, ip="10.0.0.2", HTTP_X_FORWARDED_FOR="5.6.7.8")
    assert forged.status_code == 429
    assert set(TrackingAttempt.objects.values_list("source_ip", flat=True)) == {"10.0.0.2"}


# --- the service and the purge --------------------------------------------------------------


def test_the_window_slides_from_the_oldest_wrong_try(number):
    start = timezone.now()
    for minute in range(5):
        with pytest.raises((NotFound, RateLimited)):
            tracking.find_case(
                number=number,
                phone_last4=WRONG,
                source_ip=None,
                now=start + datetime.timedelta(minutes=minute),
            )
    later = start + datetime.timedelta(minutes=30)
    with pytest.raises(RateLimited) as raised:
        tracking.find_case(number=number, phone_last4=RIGHT, source_ip=None, now=later)
    assert raised.value.code == "tracking_locked"
    assert 30 * 60 - 1 <= raised.value.retry_after <= 30 * 60 + 1
    after_first = start + datetime.timedelta(minutes=60, seconds=1)
    case = tracking.find_case(number=number, phone_last4=RIGHT, source_ip=None, now=after_first)
    assert case.number == number


def test_old_wrong_tries_are_purged(number):
    now = timezone.now()
    TrackingAttempt.objects.create(number=number, created_at=now - datetime.timedelta(days=2))
    TrackingAttempt.objects.create(number=number, created_at=now - datetime.timedelta(hours=2))
    assert tasks.purge_tracking(0) == 1
    assert TrackingAttempt.objects.count() == 1
