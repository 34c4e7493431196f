"""The objection workflow through its services: submission online and offline, each
transition with its effect on the record (suspended at once for the portal and the API,
restored, revoked, corrected), the log and audit, permissions, and every forbidden
transition from every status against the database. The result SMS: test_notifications."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from credit.core import crypto
from credit.core.errors import CreditError, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.core.workdays import add_working_days
from credit.objections import cases, services
from credit.objections.constants import Action, Finding, ObjectionStatus, SubmitterKind
from credit.objections.models import Objection, Transition
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord, CreditRecordVersion, ListChange
from credit.records.publicity import in_force_q, public_q
from tests.objections.conftest import PHONE, last_code, pdf, to_verified

pytestmark = pytest.mark.django_db
S = ObjectionStatus


def _public(record) -> bool:
    return CreditRecord.objects.filter(public_q(), pk=record.pk).exists()


def _in_api(client, user, record) -> bool:
    """Whether the government API's embedded query (a staff session) lists the record."""
    client.force_login(user)
    subject = record.legal_person
    body = client.get(f"/api/v1/subjects/{subject.uscc}").json()
    return any(r["record"] == record.pk for r in body["penalties"] + body["list_entries"])


def _status(record) -> str:
    return CreditRecord.objects.get(pk=record.pk).status


def _refresh(objection) -> Objection:
    return Objection.objects.get(pk=objection.pk)


# --- submission -------------------------------------------------------------------------------


def test_an_online_objection_is_submitted_with_a_verified_phone(submit, penalty_record, applicant):
    objection = submit(penalty_record)
    assert objection.status == S.SUBMITTED and objection.channel == "online"
    assert objection.number.startswith("YY") and len(objection.number) == 20
    assert objection.record_version == penalty_record.version
    assert objection.accept_due == add_working_days(timezone.localdate(objection.created_at), 3)
    assert objection.submitter_kind == SubmitterKind.NATURAL and not objection.is_subject
    assert objection.attachments.get().content_type == "application/pdf"
    step = objection.transitions.get()
    assert (step.action, step.from_status, step.to_status) == ("submit", "", "submitted")
    assert AuditEntry.objects.filter(event_type="objection.submitted").exists()
    assert _status(penalty_record) == RecordStatus.ACTIVE  # not suspended before acceptance


def test_the_applicant_is_stored_encrypted_and_masked(submit, penalty_record, applicant):
    objection = submit(penalty_record)
    number = applicant["id_number"]
    assert objection.id_masked == number[:3] + "*" * 11 + number[-4:]
    assert objection.phone_masked == "138****5678"
    assert crypto.decrypt(objection.id_cipher, purpose=cases.ID_PURPOSE) == number
    assert cases.phone_of(objection) == PHONE
    with connection.cursor() as cur:
        cur.execute("SELECT * FROM objections_objection WHERE id = %s", [objection.pk])
        row = " ".join(str(v) for v in cur.fetchone())
    assert number not in row and PHONE not in row


def test_the_subject_itself_is_recognised(submit, penalty_record, legal_person):
    objection = submit(penalty_record, id_number=legal_person.uscc, name=legal_person.name)
    assert objection.submitter_kind == SubmitterKind.LEGAL and objection.is_subject


def test_a_record_not_public_cannot_be_objected_to_online(submit, penalty_record, office):
    services.accept_objection(actor=office, objection=submit(penalty_record))
    with pytest.raises(ValidationFailed) as raised:
        submit(penalty_record)  # suspended now
    assert raised.value.code == "record_not_public"


def test_a_wrong_code_submits_nothing(outbox, penalty_record, applicant):
    from credit.objections import verification

    verification.send_code(phone=PHONE, purpose="objection", source_ip=None)
    code = last_code(outbox)
    with pytest.raises(ValidationFailed) as raised:
        services.submit_objection(
            record_id=penalty_record.pk,
            code=f"{(int(code) + 1) % 1_000_000:06d}",
            reason="理由",
            files=[],
            **applicant,
        )
    assert raised.value.code == "code_wrong"
    assert not Objection.objects.exists()


def test_a_bad_file_is_refused_before_the_code_is_used(outbox, penalty_record, applicant):
    from credit.objections import verification
    from credit.objections.uploads import Upload

    verification.send_code(phone=PHONE, purpose="objection", source_ip=None)
    code = last_code(outbox)
    kwargs = {"record_id": penalty_record.pk, "code": code, "reason": "理由", **applicant}
    with pytest.raises(ValidationFailed) as raised:
        services.submit_objection(files=[Upload("a.pdf", b"GIF89a")], **kwargs)
    assert raised.value.code == "attachment_type"
    services.submit_objection(files=[pdf()], **kwargs)  # the code is still good


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("name", " ", "name_required"),
        ("id_number", "320402198005170000", "id_invalid"),
        ("phone", "0519-8888", "phone_invalid"),
        ("reason", "", "reason_required"),
    ],
)
def test_each_required_field_is_checked(submit, penalty_record, field, value, code):
    with pytest.raises(ValidationFailed) as raised:
        submit(penalty_record, **{field: value})
    assert raised.value.code == code


def test_an_offline_objection_is_entered_by_the_credit_office(office, penalty_record, applicant):
    objection = services.record_offline_objection(
        actor=office, record=penalty_record, reason="窗口递交书面异议", files=[pdf()], **applicant
    )
    assert objection.channel == "offline" and objection.entered_by == office
    assert objection.transitions.get().actor == office


def test_offline_entry_needs_the_permission_and_an_active_record(
    scjg_officer, office, penalty_record, applicant
):
    with pytest.raises(PermissionDenied):
        services.record_offline_objection(
            actor=scjg_officer, record=penalty_record, reason="x", files=[], **applicant
        )
    CreditRecord.objects.filter(pk=penalty_record.pk).update(status=RecordStatus.EXPIRED)
    penalty_record.refresh_from_db()
    with pytest.raises(ValidationFailed) as raised:
        services.record_offline_objection(
            actor=office, record=penalty_record, reason="x", files=[], **applicant
        )
    assert raised.value.code == "record_not_active"


def test_offline_entry_works_on_a_record_not_public(office, make_penalty, applicant):
    shared = make_penalty("常市监罚〔2026〕5号", info_usage_scope="政务共享")
    assert not _public(shared) and shared.status == RecordStatus.ACTIVE
    services.record_offline_objection(
        actor=office, record=shared, reason="窗口", files=[], **applicant
    )


# --- acceptance suspends the record everywhere at once -----------------------------------------


def test_acceptance_suspends_the_record_for_the_portal_and_the_api_at_once(
    client, submit, penalty_record, office, scjg_officer
):
    objection = submit(penalty_record)
    assert _public(penalty_record) and _in_api(client, scjg_officer, penalty_record)
    services.accept_objection(actor=office, objection=objection)
    assert _status(penalty_record) == RecordStatus.SUSPENDED
    assert not _public(penalty_record)
    assert not CreditRecord.objects.filter(in_force_q(), pk=penalty_record.pk).exists()
    assert not _in_api(client, scjg_officer, penalty_record)
    objection = _refresh(objection)
    assert objection.status == S.ACCEPTED and objection.handler == office
    assert objection.due == add_working_days(timezone.localdate(objection.accepted_at), 15)
    audit = AuditEntry.objects.get(event_type="record.suspended", object_id=str(penalty_record.pk))
    assert audit.after["reference"] == objection.number


def test_uphold_restores_publication(client, submit, penalty_record, office, scjg_officer):
    objection = to_verified(office, submit(penalty_record))
    services.decide_objection(
        actor=office, objection=objection, action=Action.UPHOLD, result="经核实信息无误"
    )
    assert _status(penalty_record) == RecordStatus.ACTIVE
    assert _public(penalty_record) and _in_api(client, scjg_officer, penalty_record)
    objection = _refresh(objection)
    assert (objection.status, objection.outcome) == (S.UPHELD, S.UPHELD)
    assert objection.result == "经核实信息无误" and objection.decided_at


def test_revoke_removes_the_record_for_good(client, submit, penalty_record, office, scjg_officer):
    objection = to_verified(office, submit(penalty_record), Finding.REVOKE)
    services.decide_objection(
        actor=office, objection=objection, action=Action.REVOKE, result="处罚决定已撤销"
    )
    assert _status(penalty_record) == RecordStatus.REVOKED
    assert not _public(penalty_record) and not _in_api(client, scjg_officer, penalty_record)


def test_correct_makes_a_new_version_and_keeps_the_old(submit, penalty_record, office):
    objection = to_verified(office, submit(penalty_record), Finding.CORRECT)
    before = penalty_record.payload
    services.decide_objection(
        actor=office,
        objection=objection,
        action=Action.CORRECT,
        result="已更正违法事实",
        changes={"violation_facts": "当事人逾期5日报送年度报告。"},
    )
    record = CreditRecord.objects.get(pk=penalty_record.pk)
    assert record.status == RecordStatus.ACTIVE and _public(record)
    assert record.payload["violation_facts"] == "当事人逾期5日报送年度报告。"
    assert record.version == penalty_record.version + 2  # suspended, then corrected
    kept = CreditRecordVersion.objects.filter(record=record).order_by("version")
    assert kept.first().payload == before
    assert _refresh(objection).status == S.CORRECTED


def test_a_correction_must_change_something(submit, penalty_record, office):
    objection = to_verified(office, submit(penalty_record), Finding.CORRECT)
    with pytest.raises(ValidationFailed) as raised:
        services.decide_objection(
            actor=office,
            objection=objection,
            action=Action.CORRECT,
            result="更正",
            changes={"violation_facts": penalty_record.payload["violation_facts"]},
        )
    assert raised.value.code == "correction_unchanged"
    assert _status(penalty_record) == RecordStatus.SUSPENDED  # nothing happened


def test_an_invalid_correction_is_refused_by_the_records_service(submit, penalty_record, office):
    objection = to_verified(office, submit(penalty_record), Finding.CORRECT)
    with pytest.raises(ValidationFailed) as raised:
        services.decide_objection(
            actor=office,
            objection=objection,
            action=Action.CORRECT,
            result="更正",
            changes={"decision_date": "不是日期"},
        )
    assert raised.value.code == "payload_invalid"
    assert _refresh(objection).status == S.VERIFIED


def test_correcting_a_natural_persons_record_keeps_the_id_number(
    office, resident_id_factory, outbox, submit
):
    from credit.catalog.models import CatalogItem
    from credit.records.services import upsert_record
    from credit.subjects.services import register_natural_person
    from tests.records.factories import natural_payload

    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="王小明", id_number=number)
    department = Department.objects.get(code="SCJG")
    record = upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code="admin-penalty"),
        department=department,
        subject=person,
        payload=natural_payload("王小明", number, department, "常市监罚〔2026〕9号"),
    ).record
    assert "*" in record.payload["id_number"]
    objection = to_verified(office, submit(record, id_number=number, name="王小明"))
    assert objection.is_subject
    services.decide_objection(
        actor=office,
        objection=objection,
        action=Action.CORRECT,
        result="更正处罚内容",
        changes={"penalty_content": "警告（更正）"},
    )
    record.refresh_from_db()
    assert record.payload["penalty_content"] == "警告（更正）"
    assert record.payload["id_number"] == number[:3] + "*" * 11 + number[-4:]  # still masked


def test_refusal_leaves_the_record_alone_and_tells_the_reason(submit, penalty_record, office):
    objection = services.refuse_objection(
        actor=office, objection=submit(penalty_record), reason="异议理由与该信息无关"
    )
    assert objection.status == S.REFUSED and objection.result == "异议理由与该信息无关"
    assert _status(penalty_record) == RecordStatus.ACTIVE
    with pytest.raises(ValidationFailed) as raised:
        services.refuse_objection(actor=office, objection=submit(penalty_record), reason=" ")
    assert raised.value.code == "reason_required"


@pytest.mark.parametrize("steps", [0, 1, 2, 3])
def test_withdrawal_restores_a_suspended_record(submit, penalty_record, office, steps):
    objection = submit(penalty_record)
    if steps >= 1:
        services.accept_objection(actor=office, objection=objection)
    if steps >= 2:
        services.assign_objection(actor=office, objection=objection)
    if steps >= 3:
        services.record_verification(
            actor=office, objection=objection, finding=Finding.UPHOLD, opinion="无误"
        )
    services.withdraw_objection(actor=office, objection=objection, reason="申请人书面撤回")
    assert _status(penalty_record) == RecordStatus.ACTIVE and _public(penalty_record)
    assert _refresh(objection).status == S.WITHDRAWN


def test_assignment_sets_the_department_and_deadline(submit, penalty_record, office):
    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection)
    objection = _refresh(objection)
    assert objection.department.code == "SCJG"  # the record's source department by default
    assert objection.verify_due == add_working_days(timezone.localdate(objection.assigned_at), 10)
    due = timezone.localdate() + datetime.timedelta(days=30)
    services.reassign_objection(
        actor=office, objection=objection, department="SW", reason="转错部门", due=due
    )
    objection = _refresh(objection)
    assert (objection.department.code, objection.verify_due) == ("SW", due)


def test_a_deadline_in_the_past_is_refused(submit, penalty_record, office):
    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    with pytest.raises(ValidationFailed) as raised:
        services.assign_objection(
            actor=office,
            objection=objection,
            department="SCJG",
            due=timezone.localdate() - datetime.timedelta(days=1),
        )
    assert raised.value.code == "due_invalid"


def test_return_sends_the_task_back_to_the_department(submit, penalty_record, office):
    objection = to_verified(office, submit(penalty_record))
    services.return_for_verification(actor=office, objection=objection, reason="请补充依据")
    objection = _refresh(objection)
    assert objection.status == S.VERIFYING and objection.finding == ""


def test_close_is_final(submit, penalty_record, office):
    objection = services.refuse_objection(
        actor=office, objection=submit(penalty_record), reason="不属于异议范围"
    )
    services.close_objection(actor=office, objection=objection)
    objection = _refresh(objection)
    assert objection.status == S.CLOSED and objection.outcome == S.REFUSED and objection.closed_at


# --- one suspension per record, and the log -----------------------------------------------------


def test_a_second_objection_cannot_be_accepted_while_one_holds_the_record(
    office, penalty_record, applicant
):
    first, second = (
        services.record_offline_objection(
            actor=office, record=penalty_record, reason=f"第{i}件", files=[], **applicant
        )
        for i in (1, 2)
    )
    services.accept_objection(actor=office, objection=first)
    with pytest.raises(ValidationFailed) as raised:
        services.accept_objection(actor=office, objection=second)
    assert raised.value.code == "record_has_open_objection" and first.number in raised.value.message
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database agrees
        Objection.objects.filter(pk=second.pk).update(status=S.ACCEPTED)


def test_accepting_on_a_record_no_longer_active_is_refused(submit, penalty_record, office):
    objection = submit(penalty_record)
    CreditRecord.objects.filter(pk=penalty_record.pk).update(status=RecordStatus.EXPIRED)
    with pytest.raises(ValidationFailed) as raised:
        services.accept_objection(actor=office, objection=objection)
    assert raised.value.code == "record_status_conflict"
    assert _refresh(objection).status == S.SUBMITTED


def test_every_step_is_logged_and_audited(submit, penalty_record, office):
    objection = to_verified(office, submit(penalty_record))
    services.decide_objection(actor=office, objection=objection, action="uphold", result="维持")
    steps = list(objection.transitions.values_list("action", "from_status", "to_status"))
    assert steps == [
        ("submit", "", "submitted"),
        ("accept", "submitted", "accepted"),
        ("assign", "accepted", "verifying"),
        ("verify", "verifying", "verified"),
        ("uphold", "verified", "upheld"),
    ]
    events = set(AuditEntry.objects.values_list("event_type", flat=True))
    assert {
        "objection.accept",
        "objection.assign",
        "objection.verify",
        "objection.uphold",
        "record.suspended",
        "record.restored",
    } <= events
    verify = objection.transitions.get(action="verify")
    assert verify.department.code == "SCJG" and not verify.reason_public


def test_the_log_is_append_only_in_the_database(submit, penalty_record):
    step = submit(penalty_record).transitions.get()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Transition.objects.filter(pk=step.pk).update(reason="改写")
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        Transition.objects.filter(pk=step.pk).delete()


def test_a_list_entry_suspension_emits_a_change_event(office, legal_person, applicant):
    from credit.catalog.models import CatalogItem

    entry = CreditRecord.objects.create(
        item=CatalogItem.objects.get(code="major-tax-violation"),
        legal_person=legal_person,
        department=Department.objects.get(code="SW"),
        region_id="320400",
        natural_key=f"objection-list-{legal_person.pk}",
        document_no="常税稽〔2026〕1号",
        payload={"document_no": "常税稽〔2026〕1号"},
        usage_scope="public",
        decision_date=datetime.date.today(),
    )
    objection = services.record_offline_objection(
        actor=office, record=entry, reason="名单有误", files=[], **applicant
    )
    services.accept_objection(actor=office, objection=objection)
    assert ListChange.objects.filter(record=entry, kind="suspended").exists()


# --- permissions --------------------------------------------------------------------------------


def test_a_department_officer_verifies_only_its_own_departments_task(
    submit, penalty_record, office, scjg_officer, sw_officer
):
    objection = submit(penalty_record)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection, department="SCJG")
    with pytest.raises(PermissionDenied) as raised:
        services.record_verification(
            actor=sw_officer, objection=objection, finding=Finding.UPHOLD, opinion="无误"
        )
    assert raised.value.code == "not_assigned_department"
    services.record_verification(
        actor=scjg_officer, objection=objection, finding=Finding.UPHOLD, opinion="无误"
    )
    assert _refresh(objection).status == S.VERIFIED


def test_a_department_officer_cannot_accept_or_decide(submit, penalty_record, scjg_officer):
    objection = submit(penalty_record)
    with pytest.raises(PermissionDenied):
        services.accept_objection(actor=scjg_officer, objection=objection)
    with pytest.raises(PermissionDenied):
        services.refuse_objection(actor=scjg_officer, objection=objection, reason="x")


def test_anonymous_and_auditors_cannot_act(submit, penalty_record, make_user):
    objection = submit(penalty_record)
    with pytest.raises(PermissionDenied):
        services.accept_objection(actor=None, objection=objection)
    with pytest.raises(PermissionDenied):
        services.accept_objection(actor=make_user("auditor"), objection=objection)


# --- every forbidden transition from every status, against the database ----------------------

PATHS = {
    S.SUBMITTED: [],
    S.REFUSED: ["refuse"],
    S.ACCEPTED: ["accept"],
    S.VERIFYING: ["accept", "assign"],
    S.VERIFIED: ["accept", "assign", "verify"],
    S.CORRECTED: ["accept", "assign", "verify", "correct"],
    S.REVOKED: ["accept", "assign", "verify", "revoke"],
    S.UPHELD: ["accept", "assign", "verify", "uphold"],
    S.WITHDRAWN: ["withdraw"],
    S.CLOSED: ["refuse", "close"],
}


def _do(actor, objection, action):
    kwargs = {"actor": actor, "objection": objection}
    if action == "accept":
        return services.accept_objection(**kwargs)
    if action == "refuse":
        return services.refuse_objection(reason="不予受理", **kwargs)
    if action == "assign":
        return services.assign_objection(department="SCJG", **kwargs)
    if action == "reassign":
        return services.reassign_objection(department="SW", reason="改派", **kwargs)
    if action == "verify":
        return services.record_verification(finding="correct", opinion="有误", **kwargs)
    if action == "return":
        return services.return_for_verification(reason="退回", **kwargs)
    if action in ("correct", "revoke", "uphold"):
        changes = {"violation_facts": "更正后的事实"} if action == "correct" else None
        return services.decide_objection(action=action, result="结果", changes=changes, **kwargs)
    if action == "withdraw":
        return services.withdraw_objection(reason="撤回", **kwargs)
    return services.close_objection(**kwargs)


@pytest.mark.parametrize("status", list(ObjectionStatus))
def test_every_action_not_in_the_table_is_refused_in_the_database(
    submit, penalty_record, office, status
):
    from tests.objections.test_rules_transitions import EXPECTED

    objection = submit(penalty_record)
    for action in PATHS[status]:
        _do(office, objection, action)
    objection = _refresh(objection)
    assert objection.status == status
    record_status = _status(penalty_record)
    steps = objection.transitions.count()
    for action in (a for a in Action if a != Action.SUBMIT):
        if (status, action) in EXPECTED:
            continue
        with pytest.raises(CreditError) as raised, transaction.atomic():
            _do(office, objection, action)
        assert raised.value.code == "transition_forbidden", (status, action)
    assert _refresh(objection).status == status
    assert _status(penalty_record) == record_status
    assert objection.transitions.count() == steps
