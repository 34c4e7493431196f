"""Telling the applicant the result (:mod:`credit.objections.notifications`): queued with a
decision or refusal, sent once by the ``objections.notify`` job, nothing before a result."""

from __future__ import annotations

import pytest
from procrastinate.contrib.django.models import ProcrastinateJob

from credit.objections import notifications, services
from credit.objections.models import Objection
from tests.objections.conftest import PHONE, to_verified

pytestmark = pytest.mark.django_db


def _refresh(objection) -> Objection:
    return Objection.objects.get(pk=objection.pk)


def test_a_decision_queues_one_notification_sent_once(submit, penalty_record, office, outbox):
    objection = to_verified(office, submit(penalty_record))
    jobs = ProcrastinateJob.objects.filter(
        task_name="objections.notify", args__pk=objection.pk, args__kind="objection"
    )
    assert not jobs.exists()  # acceptance, assignment and verification are not results
    services.decide_objection(
        actor=office, objection=objection, action="uphold", result="经核实信息无误，恢复公示"
    )
    job = jobs.get()
    assert job.args == {"kind": "objection", "pk": objection.pk}
    outbox.clear()
    assert notifications.notify_submitter(objection.pk) is True
    assert notifications.notify_submitter(objection.pk) is False  # idempotent
    (sent,) = outbox
    assert sent.phone == PHONE and objection.number in sent.message and "维持原信息" in sent.message
    assert _refresh(objection).notified_at is not None


def test_a_refusal_is_notified_too(submit, penalty_record, office, outbox):
    objection = services.refuse_objection(
        actor=office, objection=submit(penalty_record), reason="不属于异议范围"
    )
    from credit.objections.tasks import notify

    outbox.clear()
    assert notify(kind="objection", pk=objection.pk) is True
    assert "不予受理" in outbox[0].message and "不属于异议范围" in outbox[0].message


def test_no_notification_before_a_result(submit, penalty_record):
    assert notifications.notify_submitter(submit(penalty_record).pk) is False
