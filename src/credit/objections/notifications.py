"""Telling the applicant the result (告知申请人): the SMS of a decided (refused, withdrawn)
objection or a reviewed repair application.

The service that decides queues the message in its own transaction (:func:`defer`: the job
runs only if the decision commits); the ``objections.notify`` job then sends it once
(:func:`notify_submitter`, :func:`notify_applicant`: idempotent, a second run sends nothing).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.core import audit
from credit.objections import cases, rules
from credit.objections.constants import ObjectionStatus, RepairStatus
from credit.objections.models import Objection, RepairApplication


def defer(kind: str, pk: int) -> None:
    """Queue the result SMS of the ``kind`` ("objection" or "repair") case ``pk`` in the
    current transaction (sent only if it commits)."""
    from credit.objections.tasks import notify

    notify.defer(kind=kind, pk=pk)


def send_once(case: Any, message: str) -> bool:
    """Send ``message`` to the case's applicant once: False when already notified. The
    send happens before ``notified_at`` is written; a failure leaves it unset (retried)."""
    from credit.objections import sms

    with transaction.atomic():
        locked = type(case).objects.select_for_update().get(pk=case.pk)
        if locked.notified_at is not None:
            return False
        sms.send(cases.phone_of(locked), message)
        locked.notified_at = timezone.now()
        locked.save(update_fields=["notified_at"])
        audit.record(
            f"{locked._meta.model_name}.notified",
            obj=locked,
            after={"status": locked.status, "phone": locked.phone_masked},
        )
    return True


def objection_message(objection: Objection) -> str:
    label = ObjectionStatus(objection.status).label
    text = objection.result[:60] + ("…" if len(objection.result) > 60 else "")
    return (
        f"【信用常州】您的信用异议（编号{objection.number}）办理结果：{label}。{text}"
        "详情请凭编号和手机号后四位在“信用常州”网站查询。"
    )


def repair_message(application: RepairApplication) -> str:
    label = RepairStatus(application.status).label
    return (
        f"【信用常州】您的信用修复申请（编号{application.number}）审核结果：{label}。"
        "详情请凭编号和手机号后四位在“信用常州”网站查询。"
    )


def notify_submitter(objection_id: int) -> bool:
    """Send an objection's result to its submitter once (idempotent); False when already sent
    or when the objection has no result yet."""
    objection = Objection.objects.filter(pk=objection_id).first()
    if objection is None or objection.status not in rules.NOTIFIED:
        return False
    return send_once(objection, objection_message(objection))


def notify_applicant(application_id: int) -> bool:
    """Send a repair application's review result to the applicant once (idempotent)."""
    application = RepairApplication.objects.filter(pk=application_id).first()
    if application is None or application.status == RepairStatus.SUBMITTED:
        return False
    return send_once(application, repair_message(application))
