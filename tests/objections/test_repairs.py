"""Credit repair through its services: eligibility of real records (each reason), the
subject's application, and the credit office's grant (publication ends for the portal and
the API at once) or refusal."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction

from credit.catalog.models import CatalogItem
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.objections import notifications, repairs, services, verification
from credit.objections.constants import RepairStatus
from credit.objections.models import RepairApplication
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord, ListChange
from credit.records.publicity import public_q
from tests.objections.conftest import JPG, PHONE, TODAY, last_code, pdf, repair_files

pytestmark = pytest.mark.django_db


def _codes(record) -> list[str]:
    return [r.code for r in repairs.eligibility(record).reasons]


@pytest.fixture
def apply(outbox, legal_person, settings):
    """``apply(record, **overrides)`` → a repair application by the record's subject."""
    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100

    def make(record, **overrides):
        fields = {
            "name": legal_person.name,
            "id_number": legal_person.uscc,
            "phone": PHONE,
            "statement": "已缴清罚款并完成整改，参加了信用修复培训。",
            "files": repair_files(),
            **overrides,
        }
        verification.send_code(phone=fields["phone"], purpose="repair", source_ip=None)
        return repairs.submit_repair(
            record_id=record.pk, code=last_code(outbox, fields["phone"]), **fields
        )

    return make


def _list_entry(legal_person, code, *, days_ago=400, category_doc="名单-1"):
    return CreditRecord.objects.create(
        item=CatalogItem.objects.get(code=code),
        legal_person=legal_person,
        department=Department.objects.get(code="SW"),
        region_id="320400",
        natural_key=f"repair-{code}-{legal_person.pk}-{category_doc}",
        document_no=category_doc,
        payload={"document_no": category_doc},
        usage_scope="public",
        decision_date=TODAY - datetime.timedelta(days=days_ago),
        repair_from=TODAY - datetime.timedelta(days=days_ago),
    )


# --- eligibility of real records ----------------------------------------------------------------


def test_a_general_penalty_past_three_months_is_eligible(repairable):
    assert repairable.severity == "general" and repairable.repair_from <= TODAY
    assert repairs.eligibility(repairable).eligible


def test_a_recent_penalty_must_wait_for_its_minimum_period(penalty_record):
    assert _codes(penalty_record) == ["minimum_period"]


def test_a_suspended_record_is_not_eligible(repairable, office, applicant):
    objection = services.record_offline_objection(
        actor=office, record=repairable, reason="异议", files=[], **applicant
    )
    services.accept_objection(actor=office, objection=objection)
    assert _codes(CreditRecord.objects.get(pk=repairable.pk)) == ["status_not_active"]


def test_a_red_list_entry_is_not_repairable(legal_person):
    assert _codes(_list_entry(legal_person, "a-grade-taxpayer")) == ["red_list"]


def test_a_black_list_entry_is_eligible_unless_excluded(legal_person, settings):
    assert repairs.eligibility(_list_entry(legal_person, "major-tax-violation")).eligible
    debtor = _list_entry(legal_person, "dishonest-judgment-debtor", category_doc="(2026)苏04执1号")
    assert _codes(debtor) == ["item_excluded"]
    settings.CREDIT_REPAIR_EXCLUDED_ITEMS = []
    assert repairs.eligibility(debtor).eligible


def test_a_licence_is_not_dishonesty(legal_person):
    licence = _list_entry(legal_person, "admin-license", category_doc="许可-1")
    assert _codes(licence) == ["kind_not_repairable"]


def test_a_recent_serious_penalty_bars_repair(repairable, make_penalty, settings):
    make_penalty(
        "常市监罚〔2026〕99号", severity="严重", decided=TODAY - datetime.timedelta(days=30)
    )
    assert _codes(repairable) == ["repeat_offence"]
    settings.CREDIT_REPAIR_REPEAT_YEARS = 0
    assert repairs.eligibility(repairable).eligible


def test_a_revoked_serious_penalty_does_not_count(repairable, make_penalty):
    serious = make_penalty("常市监罚〔2026〕98号", severity="严重")
    CreditRecord.objects.filter(pk=serious.pk).update(status=RecordStatus.REVOKED)
    assert repairs.eligibility(repairable).eligible


# --- the application ------------------------------------------------------------------------


def test_the_subject_applies_with_commitment_and_proof(apply, repairable):
    application = apply(repairable)
    assert application.number.startswith("XF") and application.status == RepairStatus.SUBMITTED
    assert application.eligibility["eligible"] is True and application.is_subject
    assert sorted(application.attachments.values_list("kind", flat=True)) == [
        "commitment",
        "proof",
    ]
    assert application.transitions.get().to_status == RepairStatus.SUBMITTED
    assert AuditEntry.objects.filter(event_type="repair.submitted").exists()


def test_only_the_subject_may_apply(apply, repairable, resident_id_factory):
    with pytest.raises(ValidationFailed) as raised:
        apply(repairable, id_number=resident_id_factory(), name="李四")
    assert raised.value.code == "repair_not_subject"


def test_an_ineligible_record_is_refused_with_every_reason(apply, penalty_record):
    with pytest.raises(ValidationFailed) as raised:
        apply(penalty_record)
    assert raised.value.code == "repair_not_eligible"
    assert "最短公示期未满" in raised.value.message
    assert [r["code"] for r in raised.value.details["reasons"]] == ["minimum_period"]


def test_commitment_and_proof_are_required(apply, repairable):
    from credit.objections.uploads import Upload

    with pytest.raises(ValidationFailed) as raised:
        apply(repairable, files=[Upload("证明.jpg", JPG, "proof")])
    assert raised.value.code == "attachment_required" and "信用承诺书" in raised.value.message
    with pytest.raises(ValidationFailed) as raised:
        apply(repairable, files=[pdf("承诺书.pdf", "commitment")])
    assert "失信行为纠正证明" in raised.value.message


def test_one_pending_application_per_record(apply, repairable):
    apply(repairable)
    with pytest.raises(ValidationFailed) as raised:
        apply(repairable)
    assert raised.value.code == "repair_pending"


# --- review -----------------------------------------------------------------------------------


def test_a_granted_repair_ends_publication_everywhere(
    apply, repairable, office, client, scjg_officer
):
    application = apply(repairable)
    client.force_login(scjg_officer)
    uscc = repairable.legal_person.uscc

    def in_api():
        body = client.get(f"/api/v1/subjects/{uscc}").json()
        return any(r["record"] == repairable.pk for r in body["penalties"])

    assert in_api()
    repairs.grant_repair(actor=office, application=application, decision="材料齐全，准予修复")
    record = CreditRecord.objects.get(pk=repairable.pk)
    assert record.status == RecordStatus.REPAIRED
    assert not CreditRecord.objects.filter(public_q(), pk=record.pk).exists()
    assert not in_api()
    application.refresh_from_db()
    assert (application.status, application.reviewer) == (RepairStatus.GRANTED, office)
    assert AuditEntry.objects.get(event_type="record.repaired").after["reference"] == (
        application.number
    )


def test_granting_a_list_entry_emits_a_change_event(apply, legal_person, office):
    entry = _list_entry(legal_person, "major-tax-violation")
    repairs.grant_repair(actor=office, application=apply(entry), decision="准予修复")
    assert ListChange.objects.filter(record=entry, kind="removed").exists()


def test_eligibility_is_checked_again_when_granting(apply, repairable, office, make_penalty):
    application = apply(repairable)
    make_penalty("常市监罚〔2026〕97号", severity="严重")  # a new serious penalty meanwhile
    with pytest.raises(ValidationFailed) as raised:
        repairs.grant_repair(actor=office, application=application, decision="准予")
    assert raised.value.code == "repair_not_eligible"
    assert CreditRecord.objects.get(pk=repairable.pk).status == RecordStatus.ACTIVE


def test_a_refusal_keeps_the_record_published(apply, repairable, office, outbox):
    application = repairs.refuse_repair(
        actor=office, application=apply(repairable), reason="纠正证明不充分"
    )
    assert application.status == RepairStatus.REFUSED and application.decision == "纠正证明不充分"
    assert CreditRecord.objects.get(pk=repairable.pk).status == RecordStatus.ACTIVE
    outbox.clear()
    assert notifications.notify_applicant(application.pk) is True
    assert "不予修复" in outbox[0].message
    assert notifications.notify_applicant(application.pk) is False


def test_a_decided_application_cannot_be_decided_again(apply, repairable, office):
    application = repairs.refuse_repair(actor=office, application=apply(repairable), reason="不足")
    with pytest.raises(ValidationFailed) as raised:
        repairs.grant_repair(actor=office, application=application, decision="准予")
    assert raised.value.code == "transition_forbidden"


def test_only_the_credit_office_reviews(apply, repairable, scjg_officer, office):
    application = apply(repairable)
    with pytest.raises(PermissionDenied):
        repairs.grant_repair(actor=scjg_officer, application=application, decision="准予")
    with pytest.raises(ValidationFailed) as raised:
        repairs.refuse_repair(actor=office, application=application, reason=" ")
    assert raised.value.code == "reason_required"


def test_the_database_allows_one_pending_application_per_record(apply, repairable):
    application = apply(repairable)
    fields = {
        f.name: getattr(application, f.name)
        for f in RepairApplication._meta.concrete_fields
        if f.name not in ("id", "number")
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        RepairApplication.objects.create(number="XF-duplicate", **fields)
