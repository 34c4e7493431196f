"""Phone verification codes: the development backend logs them, a code works once within 5
minutes and for 5 attempts, and sending is limited per phone and per source IP (counted in
the database)."""

from __future__ import annotations

import datetime
import logging

import pytest
from django.utils import timezone

from credit.core.errors import CreditError, RateLimited, ValidationFailed
from credit.core.models import AuditEntry
from credit.objections import verification
from credit.objections.models import VerificationCode
from tests.objections.conftest import PHONE, last_code

pytestmark = pytest.mark.django_db


def _send(phone=PHONE, ip="10.0.0.1", purpose="objection", **kwargs):
    return verification.send_code(phone=phone, purpose=purpose, source_ip=ip, **kwargs)


def _consume(code, phone=PHONE, purpose="objection", **kwargs):
    verification.consume_code(phone=phone, purpose=purpose, code=code, **kwargs)


def _refusal(code, **kwargs) -> str:
    with pytest.raises(ValidationFailed) as raised:
        _consume(code, **kwargs)
    return raised.value.code


def test_the_development_backend_writes_the_code_to_the_log(caplog, settings):
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.LogBackend"
    with caplog.at_level(logging.INFO, logger="credit.objections.sms"):
        _send()
    message = caplog.records[-1].getMessage()
    assert "138****5678" in message and PHONE not in message  # the phone masked
    code = message.split("验证码为")[1][:6]
    assert code.isdigit()
    _consume(code)  # the logged code is the real one


def test_only_a_hash_of_the_code_is_stored(outbox):
    row = _send()
    code = last_code(outbox)
    stored = VerificationCode.objects.get(pk=row.pk)
    assert code not in stored.code_hash and len(stored.code_hash) == 64
    assert PHONE not in stored.phone_index
    assert AuditEntry.objects.filter(event_type="objections.code_sent").exists()


def test_a_code_is_accepted_once(outbox):
    _send()
    code = last_code(outbox)
    _consume(code)
    assert _refusal(code) == "code_used"


def test_a_code_expires_after_five_minutes(outbox):
    row = _send()
    code = last_code(outbox)
    later = row.created_at + datetime.timedelta(minutes=5)
    assert _refusal(code, now=later) == "code_expired"
    _consume(code, now=later - datetime.timedelta(seconds=1))


def test_wrong_codes_are_counted_and_lock_the_code(outbox):
    _send()
    code = last_code(outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for left in (4, 3, 2, 1):
        with pytest.raises(ValidationFailed) as raised:
            _consume(wrong)
        assert raised.value.code == "code_wrong" and f"还可再试{left}次" in raised.value.message
    assert _refusal(wrong) == "code_locked"
    assert _refusal(code) == "code_locked"  # even the right code now
    assert _mine().get().attempts == 5


def test_no_code_sent_and_codes_of_another_purpose_or_phone(outbox):
    assert _refusal("123456") == "code_missing"
    _send(purpose="repair")
    code = last_code(outbox)
    assert _refusal(code) == "code_missing"  # sent for repair, used for an objection
    assert _refusal(code, phone="13900000000", purpose="repair") == "code_missing"
    _consume(code, purpose="repair")


def test_only_the_latest_code_counts(outbox, settings):
    settings.CREDIT_SMS_PHONE_PER_MINUTE = 5
    _send()
    first = last_code(outbox)
    _send()
    second = last_code(outbox)
    if first != second:
        assert _refusal(first) == "code_wrong"
    _consume(second)


def test_one_code_a_minute_per_phone(outbox):
    now = timezone.now()
    _send(now=now)
    with pytest.raises(RateLimited) as raised:
        _send(now=now + datetime.timedelta(seconds=30))
    assert raised.value.code == "sms_rate_phone_minute"
    assert 1 <= raised.value.retry_after <= 31
    _send(now=now + datetime.timedelta(seconds=61))


def test_five_codes_an_hour_per_phone(outbox):
    start = timezone.now()
    for i in range(5):
        _send(now=start + datetime.timedelta(minutes=2 * i))
    with pytest.raises(RateLimited) as raised:
        _send(now=start + datetime.timedelta(minutes=12))
    assert raised.value.code == "sms_rate_phone_hour"
    _send(now=start + datetime.timedelta(minutes=61))  # the first left the window


def test_twenty_codes_an_hour_per_ip(outbox):
    now = timezone.now()
    for i in range(20):
        _send(phone=f"1390000{i:04d}", now=now)
    with pytest.raises(RateLimited) as raised:
        _send(phone="13911112222", now=now)
    assert raised.value.code == "sms_rate_ip_hour"
    _send(phone="13911112222", ip="10.0.0.2", now=now)  # another network


def test_limits_come_from_settings(outbox, settings):
    settings.CREDIT_SMS_PHONE_PER_MINUTE = 2
    now = timezone.now()
    _send(now=now)
    _send(now=now)
    with pytest.raises(RateLimited):
        _send(now=now)


def test_a_refused_send_is_not_counted(outbox):
    now = timezone.now()
    _send(now=now)
    for _ in range(3):
        with pytest.raises(RateLimited):
            _send(now=now)
    assert _mine().count() == 1


def test_a_failing_backend_is_reported(settings):
    settings.CREDIT_SMS_BACKEND = "tests.objections.test_verification.BrokenBackend"
    with pytest.raises(CreditError) as raised:
        _send()
    assert raised.value.code == "sms_failed"


def _mine():
    """This module's codes (a browser journey may commit its own beside these tests)."""
    return VerificationCode.objects.filter(phone_index=verification.phone_index(PHONE))


def test_a_bad_phone_or_purpose_sends_nothing(outbox):
    with pytest.raises(ValidationFailed):
        _send(phone="0519-88881234")
    with pytest.raises(ValidationFailed):
        _send(purpose="other")
    assert outbox == [] and not _mine().exists()


def test_old_codes_are_purged(outbox):
    row = _send()
    VerificationCode.objects.filter(pk=row.pk).update(
        created_at=row.created_at - datetime.timedelta(days=8),
        expires_at=row.expires_at - datetime.timedelta(days=8),
    )
    assert verification.purge_codes() == 1


def test_the_production_check_warns_about_the_log_backend(settings):
    from credit.objections.apps import check_sms_backend

    settings.PRODUCTION = True
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.LogBackend"
    assert [m.id for m in check_sms_backend()] == ["objections.W001"]
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    assert check_sms_backend() == []


class BrokenBackend:
    def send(self, phone, message):
        raise OSError("gateway down")
