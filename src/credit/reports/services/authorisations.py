"""Authorisations (授权): a subject's real-name user lets a third party, named by its USCC,
obtain the subject's report for a purpose within a period; revocable."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.core import audit
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.reports.constants import (
    Purpose,
)
from credit.reports.models import (
    Authorisation,
)


def active_authorisation(
    *, grantee_uscc: str, subject: Any, purpose: str, today: datetime.date
) -> Authorisation | None:
    """The subject's authorisation of ``grantee_uscc`` for ``purpose`` in force today."""
    legal = getattr(subject, "subject_type", "") == "legal"
    return (
        Authorisation.objects.filter(
            grantee_uscc=grantee_uscc,
            purpose=purpose,
            valid_from__lte=today,
            valid_to__gte=today,
            revoked_at__isnull=True,
            **({"legal_person": subject} if legal else {"natural_person": subject}),
        )
        .order_by("-valid_to")
        .first()
    )


@transaction.atomic
def authorise(
    *,
    account: Any,
    subject: Any,
    grantee_uscc: str,
    grantee_name: str,
    purpose: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
    today: datetime.date | None = None,
) -> Authorisation:
    """A subject's real-name user authorises a third party (by USCC) to obtain the subject's
    report for ``purpose`` from ``valid_from`` to ``valid_to`` (at most a year)."""
    from stdnum.cn import uscc as uscc_rule

    today = today or timezone.localdate()
    if account is None:
        raise PermissionDenied("请先实名登录", code="login_required")
    legal = getattr(subject, "subject_type", "") == "legal"
    if legal and (not account.uscc or account.uscc != subject.uscc):
        raise PermissionDenied("只能以本单位名义授权", code="not_own_company")
    if not legal and account.id_index != subject.id_index:
        raise PermissionDenied("只能授权他人获取本人的信用报告", code="not_own_report")
    grantee_uscc = (grantee_uscc or "").strip().upper()
    if not uscc_rule.is_valid(grantee_uscc):
        raise ValidationFailed("被授权方统一社会信用代码不正确", code="grantee_uscc_invalid")
    if legal and grantee_uscc == subject.uscc:
        raise ValidationFailed("不能授权本单位", code="grantee_self")
    if not grantee_name.strip():
        raise ValidationFailed("请填写被授权方名称", code="grantee_name_required")
    if purpose not in Purpose.values:
        raise ValidationFailed("授权用途不正确", code="purpose_invalid")
    if valid_from < today or valid_to < valid_from:
        raise ValidationFailed(
            "授权期限不正确：起始日不早于今天，截止日不早于起始日", code="period_invalid"
        )
    if (valid_to - valid_from).days > 366:
        raise ValidationFailed("授权期限最长一年", code="period_too_long")
    grant = Authorisation.objects.create(
        grantee_uscc=grantee_uscc,
        grantee_name=grantee_name.strip()[:200],
        purpose=purpose,
        valid_from=valid_from,
        valid_to=valid_to,
        account=account,
        **({"legal_person": subject} if legal else {"natural_person": subject}),
    )
    audit.record(
        "report_authorisation.granted",
        obj=grant,
        after={
            "grantee": grantee_uscc,
            "purpose": purpose,
            "valid": [valid_from.isoformat(), valid_to.isoformat()],
            "account": account.pk,
        },
    )
    return grant


@transaction.atomic
def revoke_authorisation(*, account: Any, grant: Authorisation) -> Authorisation:
    """The authorising user withdraws an authorisation; later requests under it are refused."""
    grant = Authorisation.objects.select_for_update().get(pk=grant.pk)
    if account is None or grant.account_id != account.pk:
        raise NotFound("未找到该授权", code="authorisation_not_found")
    if grant.revoked_at is None:
        grant.revoked_at = timezone.now()
        grant.save(update_fields=["revoked_at", "updated_at"])
        audit.record("report_authorisation.revoked", obj=grant, after={"account": account.pk})
    return grant
