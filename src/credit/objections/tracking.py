"""Finding a case on the public tracking page (办理进度查询) by its number (受理编号) and the
last four digits of the applicant's phone, within limits on wrong tries.

Four digits are only 10,000 guesses, so wrong tries are limited per case number and per client
address (``CREDIT_TRACKING_NUMBER_PER_HOUR``, default 5, and ``CREDIT_TRACKING_IP_PER_HOUR``,
default 20, both within the last hour). Each wrong try is a :class:`TrackingAttempt` row; the
limits count the rows in PostgreSQL under transaction-scoped advisory locks (number first, then
address), as the SMS limits do, so they hold across web processes and concurrent requests.

- A number is counted as typed (normalised), whether or not a case has it: a wrong try and a
  locked number answer alike for an existing and a missing case, so refusals do not reveal
  which numbers exist.
- Over a limit every try is refused (``RateLimited``, status 429), the right digits too, until
  the oldest wrong try of the hour is an hour old; refused tries are not counted.
- The wrong try that reaches a number's limit writes the audit entry
  ``objection.tracking_locked`` (its object is the case when one has that number).

:func:`find_case` counts a wrong try in a transaction of its own, committed before the refusal
is raised: call it outside any transaction that the refusal would roll back.
"""

from __future__ import annotations

import datetime
import math

from django.db import transaction
from django.utils import timezone

from credit.core import audit
from credit.core.errors import CreditError, NotFound, RateLimited
from credit.core.locks import advisory_xact_lock
from credit.core.tries import seconds_until_free, wrong_tries
from credit.objections import conf, selectors
from credit.objections.models import Objection, RepairApplication, TrackingAttempt

#: The window of the limits.
WINDOW = datetime.timedelta(hours=1)
#: Wrong tries are kept this long (the limits need only the last hour; a day lets an operator
#: look into a lock reported the same day), then deleted by ``objections.purge_tracking``.
KEEP = datetime.timedelta(days=1)

MISMATCH = "未找到该编号的申请，或手机号码后四位不符。请核对受理编号和申请时填写的手机号码"
HELP = "或携带身份证件到政务服务中心信用窗口查询"


def _counts(number: str, source_ip: str | None, now: datetime.datetime) -> dict:
    return wrong_tries(TrackingAttempt, number=number, source_ip=source_ip, now=now, window=WINDOW)


def _refused(what: str, first: datetime.datetime | None, now: datetime.datetime, code: str):
    """The refusal over a limit: when to try again, as seconds and as Beijing clock time."""
    retry_after = seconds_until_free(first, now, WINDOW)
    at = timezone.localtime(now + datetime.timedelta(seconds=retry_after))
    minutes = math.ceil(retry_after / 60)
    return RateLimited(
        f"{what}手机号码后四位输错次数过多，已暂停查询。请在{at:%H:%M}以后再试"
        f"（约{minutes}分钟），{HELP}",
        retry_after=retry_after,
        code=code,
    )


def _over_limit(
    found: dict, limits: dict[str, int], source_ip: str | None, now: datetime.datetime
) -> RateLimited | None:
    if found["by_number"] >= limits["number_hour"]:
        return _refused("该编号查询时", found["by_number_first"], now, "tracking_locked")
    if source_ip and found["by_ip"] >= limits["ip_hour"]:
        return _refused("本网络查询时", found["by_ip_first"], now, "tracking_rate_ip")
    return None


def find_case(
    *,
    number: str,
    phone_last4: str,
    source_ip: str | None,
    now: datetime.datetime | None = None,
) -> Objection | RepairApplication:
    """The case with ``number`` whose phone ends with ``phone_last4``. Otherwise the wrong try
    is counted and ``NotFound`` (``tracking_mismatch``, the same for a missing case) is
    raised; over a limit, before or by this try, ``RateLimited`` (``tracking_locked`` for the
    number, ``tracking_rate_ip`` for the address) with ``retry_after`` seconds."""
    number = selectors.normalize_number(number)
    now = now or timezone.now()
    limits = conf.tracking_limits()
    refusal: CreditError
    with transaction.atomic():
        advisory_xact_lock(
            f"track-number:{number}"
        )  # always number first, then address: no lock cycle
        if source_ip:
            advisory_xact_lock(f"track-ip:{source_ip}")
        over = _over_limit(_counts(number, source_ip, now), limits, source_ip, now)
        if over is not None:
            raise over  # nothing written: a refused try is not counted
        case = selectors.case_by_number(number)
        if case is not None and selectors.phone_last4_matches(case, phone_last4):
            return case
        TrackingAttempt.objects.create(number=number, source_ip=source_ip, created_at=now)
        found = _counts(number, source_ip, now)
        if found["by_number"] == limits["number_hour"]:
            _record_lock(case, number, found["by_number"])
        over = _over_limit(found, limits, source_ip, now)
        if over is not None:
            refusal = over
        else:
            left = limits["number_hour"] - found["by_number"]
            if source_ip:
                left = min(left, limits["ip_hour"] - found["by_ip"])
            refusal = NotFound(f"{MISMATCH}。1小时内还可再试{left}次", code="tracking_mismatch")
    raise refusal


def _record_lock(case: Objection | RepairApplication | None, number: str, failures: int) -> None:
    after = {"number": number, "failures": failures, "window_minutes": WINDOW.seconds // 60}
    if case is not None:
        audit.record("objection.tracking_locked", obj=case, after=after)
    else:
        audit.record("objection.tracking_locked", object_repr=number, after=after)


def purge_attempts(*, older_than: datetime.timedelta = KEEP) -> int:
    """Delete wrong tries made before ``older_than`` ago (they no longer count for any limit)."""
    deleted, _ = TrackingAttempt.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
