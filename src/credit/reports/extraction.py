"""Self-service download (自助下载) of an issued report with its number and extraction code
(提取码), within limits on wrong tries.

Wrong codes are limited per report number and per client address within the last hour
(``CREDIT_REPORT_CODE_TRIES_PER_HOUR``, default 5, and ``CREDIT_REPORT_CODE_IP_PER_HOUR``,
default 20), counted as :class:`~credit.reports.models.ExtractionAttempt` rows under advisory
locks (number first, then address), so the limits hold across processes. A missing number and
a wrong code answer alike. Every download is audited and counted.
"""

from __future__ import annotations

import datetime
import hmac
import math

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from credit.core import audit
from credit.core.errors import CreditError, NotFound, RateLimited, ValidationFailed
from credit.core.locks import advisory_xact_lock
from credit.core.tries import seconds_until_free, wrong_tries
from credit.reports import rules, selectors
from credit.reports.constants import ApplicationStatus
from credit.reports.models import Application, ExtractionAttempt, Report
from credit.reports.services import code_hash

WINDOW = datetime.timedelta(hours=1)
MISMATCH = "报告编号或提取码不正确"


def limits() -> tuple[int, int]:
    return settings.CREDIT_REPORT_CODE_TRIES_PER_HOUR, settings.CREDIT_REPORT_CODE_IP_PER_HOUR


def _counts(number: str, source_ip: str | None, now: datetime.datetime) -> dict:
    return wrong_tries(
        ExtractionAttempt, number=number, source_ip=source_ip, now=now, window=WINDOW
    )


def _over(found: dict, now: datetime.datetime, source_ip: str | None) -> RateLimited | None:
    per_number, per_ip = limits()
    for count, first, limit, what, code in (
        (found["by_number"], found["by_number_first"], per_number, "该报告编号", "code_locked"),
        (found["by_ip"], found["by_ip_first"], per_ip, "本网络", "code_rate_ip"),
    ):
        if (code == "code_locked" or source_ip) and count >= limit:
            retry = seconds_until_free(first, now, WINDOW)
            return RateLimited(
                f"{what}提取码输错次数过多，已暂停提取。请约{math.ceil(retry / 60)}分钟后再试，"
                "或携带身份证件到政务服务中心信用窗口办理",
                retry_after=retry,
                code=code,
            )
    return None


def find_application(
    *, number: str, code: str, source_ip: str | None, now: datetime.datetime | None = None
) -> Application:
    """The application with ``number`` whose extraction code is ``code``; a wrong try is
    counted (in its own transaction: call outside any transaction) and refused alike for a
    missing number."""
    number = str(number or "").strip().upper()[:28]
    code = rules.normalize_code(code)
    if not number or not code:
        raise ValidationFailed("请填写报告编号和提取码", code="code_required")
    now = now or timezone.now()
    refusal: CreditError
    with transaction.atomic():
        advisory_xact_lock(f"report-code:{number}")
        if source_ip:
            advisory_xact_lock(f"report-code-ip:{source_ip}")
        over = _over(_counts(number, source_ip, now), now, source_ip)
        if over is not None:
            raise over
        application = Application.objects.filter(number=number).first()
        if application is not None and hmac.compare_digest(application.code_hash, code_hash(code)):
            return application
        ExtractionAttempt.objects.create(number=number, source_ip=source_ip, created_at=now)
        found = _counts(number, source_ip, now)
        if found["by_number"] == limits()[0]:
            audit.record(
                "report.code_locked",
                obj=application,
                object_repr=number,
                after={"number": number, "failures": found["by_number"]},
            )
        refusal = _over(found, now, source_ip) or NotFound(
            f"{MISMATCH}。1小时内还可再试{limits()[0] - found['by_number']}次",
            code="code_mismatch",
        )
    raise refusal


@transaction.atomic
def download(
    *, application: Application, channel: str, actor=None, source_ip=None, account=None
) -> Report:
    """The current report of an issued application for its applicant: counted and audited
    (``account``: the real-name user who downloads it from 我的, without the code)."""
    if application.status != ApplicationStatus.ISSUED and not application.reports.exists():
        raise ValidationFailed(
            f"报告尚未出具（{application.get_status_display()}）", code="report_not_issued"
        )
    report = selectors.current_report(application)
    if report is None:
        raise ValidationFailed("报告尚未出具", code="report_not_issued")
    Report.objects.filter(pk=report.pk).update(downloads=F("downloads") + 1)
    audit.record(
        "report.downloaded",
        actor=actor,
        obj=report,
        after={
            "channel": channel,
            "sha256": report.sha256,
            "source_ip": source_ip,
            **({"account": account.pk} if account is not None else {}),
        },
    )
    return report


def purge_attempts(*, older_than: datetime.timedelta = datetime.timedelta(days=1)) -> int:
    deleted, _ = ExtractionAttempt.objects.filter(
        created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted
