"""Phone verification codes (短信验证码) for online applications.

:func:`send_code` draws a 6-digit code, keeps only its HMAC (bound to the phone's blind
index), and sends it through the SMS backend (:mod:`credit.objections.sms`). Sending is
limited per phone (default 1 a minute and 5 an hour) and per source IP (20 an hour); the
limits count the code rows in the database under a transaction-scoped advisory lock, so they
hold across web processes and concurrent requests.

:func:`consume_code` accepts the latest code sent to the phone for the purpose once, within 5
minutes, and refuses it after 5 wrong attempts; each refusal has its own code
(``code_missing``, ``code_expired``, ``code_used``, ``code_locked``, ``code_wrong``). A wrong
attempt is counted in a transaction of its own, committed before the refusal is raised: call
it outside any transaction that the refusal would roll back.
"""

from __future__ import annotations

import datetime
import hmac
import secrets

from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from credit.core import audit, crypto
from credit.core.errors import CreditError, RateLimited, ValidationFailed
from credit.core.locks import advisory_xact_lock
from credit.core.masking import mask_phone
from credit.objections import conf, rules, sms
from credit.objections.constants import CodePurpose
from credit.objections.models import VerificationCode

#: The purpose of the phone numbers' encryption and blind index (submitters and codes).
PHONE_PURPOSE = "objections.phone"

CODE_PURPOSE = "objections.sms_code"
MINUTE = datetime.timedelta(minutes=1)
HOUR = datetime.timedelta(hours=1)


def phone_index(phone: str) -> str:
    """The blind index of a normalised mobile number."""
    return crypto.blind_index(phone, purpose=PHONE_PURPOSE)


def _code_hash(index: str, code: str) -> str:
    return crypto.blind_index(f"{index}:{code}", purpose=CODE_PURPOSE)


def _seconds_until(start: datetime.datetime | None, window: datetime.timedelta, now) -> int:
    if start is None:
        return 1
    return max(int((start + window - now).total_seconds()) + 1, 1)


def _check_limits(index: str, source_ip: str | None, now: datetime.datetime) -> None:
    limits = conf.sms_limits()
    by_phone = Q(phone_index=index)
    by_ip = Q(source_ip=source_ip) if source_ip else Q(pk__in=[])
    minute, hour = Q(created_at__gt=now - MINUTE), Q(created_at__gt=now - HOUR)
    found = (
        VerificationCode.objects.filter(hour)
        .filter(by_phone | by_ip)
        .aggregate(
            phone_minute=Count("id", filter=by_phone & minute),
            phone_minute_first=Min("created_at", filter=by_phone & minute),
            phone_hour=Count("id", filter=by_phone),
            phone_hour_first=Min("created_at", filter=by_phone),
            ip_hour=Count("id", filter=by_ip),
            ip_hour_first=Min("created_at", filter=by_ip),
        )
    )
    if found["phone_minute"] >= limits["phone_minute"]:
        raise RateLimited(
            "验证码发送过于频繁，请1分钟后再试",
            retry_after=_seconds_until(found["phone_minute_first"], MINUTE, now),
            code="sms_rate_phone_minute",
        )
    if found["phone_hour"] >= limits["phone_hour"]:
        raise RateLimited(
            f"该手机号1小时内最多获取{limits['phone_hour']}次验证码，请稍后再试",
            retry_after=_seconds_until(found["phone_hour_first"], HOUR, now),
            code="sms_rate_phone_hour",
        )
    if source_ip and found["ip_hour"] >= limits["ip_hour"]:
        raise RateLimited(
            "本网络获取验证码次数过多，请1小时后再试",
            retry_after=_seconds_until(found["ip_hour_first"], HOUR, now),
            code="sms_rate_ip_hour",
        )


def send_code(
    *, phone: str, purpose: str, source_ip: str | None, now: datetime.datetime | None = None
) -> VerificationCode:
    """Send a new code to ``phone`` for ``purpose`` (within the limits); returns the stored
    row (which holds no code). ``RateLimited`` over a limit; ``CreditError`` ``sms_failed``
    when the backend fails (the attempt still counts against the limits)."""
    phone = rules.normalize_phone(phone)
    if purpose not in CodePurpose.values:
        raise ValidationFailed(f"未知的验证码用途：{purpose}", code="code_purpose_unknown")
    index = phone_index(phone)
    now = now or timezone.now()
    code = f"{secrets.randbelow(1_000_000):06d}"
    with transaction.atomic():
        advisory_xact_lock(f"sms-phone:{index}")  # always phone first, then IP: no lock cycle
        if source_ip:
            advisory_xact_lock(f"sms-ip:{source_ip}")
        _check_limits(index, source_ip, now)
        row = VerificationCode.objects.create(
            phone_index=index,
            purpose=purpose,
            code_hash=_code_hash(index, code),
            source_ip=source_ip,
            created_at=now,
            expires_at=now + datetime.timedelta(seconds=conf.CODE_TTL_SECONDS),
        )
        audit.record(
            "objections.code_sent",
            obj=row,
            after={"purpose": purpose, "phone": mask_phone(phone)},
        )
    label = CodePurpose(purpose).label
    minutes = conf.CODE_TTL_SECONDS // 60
    try:
        sms.send(
            phone,
            f"【信用常州】您的验证码为{code}，用于{label}，{minutes}分钟内有效。"
            "如非本人操作，请忽略本短信。",
        )
    except sms.SmsFailed:
        raise CreditError("短信发送失败，请稍后再试", code="sms_failed") from None
    return row


def consume_code(
    *, phone: str, purpose: str, code: str, now: datetime.datetime | None = None
) -> None:
    """Accept ``code`` for ``phone`` and ``purpose`` once, or raise ``ValidationFailed``
    naming why not. Only the latest code sent counts."""
    phone = rules.normalize_phone(phone)
    index = phone_index(phone)
    now = now or timezone.now()
    code = (code or "").strip()
    refusal: tuple[str, str] | None = None
    with transaction.atomic():
        row = (
            VerificationCode.objects.select_for_update()
            .filter(phone_index=index, purpose=purpose)
            .order_by("-created_at", "-id")
            .first()
        )
        if row is None:
            refusal = ("code_missing", "请先获取短信验证码")
        elif row.used_at is not None:
            refusal = ("code_used", "验证码已使用，请重新获取")
        elif row.expires_at <= now:
            refusal = ("code_expired", "验证码已过期（5分钟内有效），请重新获取")
        elif row.attempts >= conf.CODE_MAX_ATTEMPTS:
            refusal = ("code_locked", "验证码输入错误次数过多，请重新获取")
        elif not hmac.compare_digest(row.code_hash, _code_hash(index, code)):
            row.attempts += 1
            row.save(update_fields=["attempts"])
            left = conf.CODE_MAX_ATTEMPTS - row.attempts
            refusal = (
                ("code_wrong", f"验证码不正确，还可再试{left}次")
                if left
                else ("code_locked", "验证码输入错误次数过多，请重新获取")
            )
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
    if refusal is not None:
        raise ValidationFailed(refusal[1], code=refusal[0])


def purge_codes(*, older_than: datetime.timedelta = datetime.timedelta(days=7)) -> int:
    """Delete codes sent before ``older_than`` ago (they no longer count for any limit)."""
    deleted, _ = VerificationCode.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
