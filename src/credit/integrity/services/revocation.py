"""The unified revocation (统一撤销, seed L438) of a reported government dishonesty record.

A 政务失信记录 (of a government body, ``gov-dishonesty``, or of a civil servant,
``cs-dishonesty``) found wrong or no longer founded is revoked once, where it is managed: by
the credit office of the city or of the record's district (``integrity.manage`` within the
principal's tenant). The revocation sets the record's one status to 已撤销 through
:func:`credit.records.services.change_status` — the status every reader filters on, so the
record leaves the department's, the district's and the city's pages, the portal and the API
with this transaction's commit — and writes a :class:`~credit.integrity.models.Revocation`
queued to be sent upward with the next exchange with the province (上报). A record is revoked
once: a second revocation is refused and says when and on what ground the first one was made.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.integrity.constants import CS_DISHONESTY, GOV_DISHONESTY
from credit.integrity.models import Revocation
from credit.records import services as records
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

#: The items whose records are revoked here (政务失信记录).
REVOCABLE_ITEMS = (GOV_DISHONESTY, CS_DISHONESTY)
REASON_MAX = 500
DOCUMENT_NO_MAX = 100


def revocation_refusal(actor: Any, record: CreditRecord) -> str | None:
    """Why ``actor`` may not revoke ``record`` now (the first rule that refuses, in words),
    or None — for the pages, which show it before the form; :func:`revoke` enforces the same
    rules."""
    try:
        _check(actor, record)
    except (PermissionDenied, ValidationFailed) as exc:
        return exc.message
    return None


def _check(actor: Any, record: CreditRecord) -> None:
    p = principal_of(actor)
    p.require(Perm.INTEGRITY_MANAGE)
    if record.item.code not in REVOCABLE_ITEMS:
        raise ValidationFailed(
            "只有政务失信记录和公务员政务失信记录可以在这里统一撤销，"
            "其他信用记录请通过异议处理撤销",
            code="not_government_record",
        )
    if not p.manages(department_id=record.department_id, region_id=record.region_id):
        raise PermissionDenied(
            f"该记录由{record.department}报送，不在您管理的范围（{p.tenant_label}）内，"
            "请由其所在辖区的信用主管部门或市信用办撤销",
            code="record_not_in_tenant",
        )
    done = Revocation.objects.filter(record_id=record.pk).first()
    if done is not None:
        when = timezone.localtime(done.created_at)
        basis = f"，依据 {done.document_no}" if done.document_no else ""
        raise ValidationFailed(
            f"该记录已于 {when:%Y-%m-%d %H:%M} 统一撤销（原因：{done.reason}{basis}），"
            "不能重复撤销",
            code="already_revoked",
        )
    if record.status == RecordStatus.REVOKED:
        raise ValidationFailed(
            "该记录已经撤销（经异议处理或来源部门撤销），不能重复撤销", code="already_revoked"
        )
    if record.status == RecordStatus.REPAIRED:
        raise ValidationFailed(
            "该记录已信用修复、停止公示，不能再撤销", code="record_status_conflict"
        )


@transaction.atomic
def revoke(*, actor: Any, record: CreditRecord, reason: str, document_no: str = "") -> Revocation:
    """Revoke ``record`` (a 政务失信记录 in the actor's tenant) with ``reason`` and the document
    it rests on (撤销依据文号, optional): status 已撤销 for every reader, a revocation queued
    for the next exchange, the audit entry — in one transaction. See the module for who may
    and when it is refused."""
    principal_of(actor).require(Perm.INTEGRITY_MANAGE)
    record = (
        CreditRecord.objects.select_for_update(of=("self",))
        .select_related("item", "department")
        .get(pk=record.pk)
    )
    _check(actor, record)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed("请填写撤销原因", code="reason_required")
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"撤销原因过长（最多{REASON_MAX}字）", code="reason_too_long")
    document_no = (document_no or "").strip()
    if len(document_no) > DOCUMENT_NO_MAX:
        raise ValidationFailed(
            f"撤销依据文号过长（最多{DOCUMENT_NO_MAX}字）", code="document_no_too_long"
        )
    before = record.status
    records.change_status(
        actor=actor,
        record=record,
        status=RecordStatus.REVOKED,
        reason=f"统一撤销：{reason}",
        reference=document_no or "统一撤销",
    )
    revocation = Revocation.objects.create(
        record=record,
        reason=reason,
        document_no=document_no,
        created_by_id=principal_of(actor).user_id,
    )
    audit.record(
        "integrity.record_revoked",
        actor=actor,
        obj=revocation,
        before={"status": before},
        after={
            "record": record.pk,
            "item": record.item.code,
            "department": record.department.code,
            "document_no": record.document_no,
            "reason": reason,
            "basis": document_no,
            "exchange_status": revocation.exchange_status,
        },
    )
    return revocation
