"""The commitment services: template versions, making a commitment (online, by a department,
through the API), review and the permissions per department and region, fulfilment, breach —
a 违背信用承诺 record that is public and hit by the joint-punishment check — and suspected
breaches raised by later penalties."""

from __future__ import annotations

import datetime

import pytest

from credit.accounts.roles import Role
from credit.commitments import rules
from credit.commitments.constants import BREACH_ITEM, IN_FORCE, Channel, Kind, Status
from credit.commitments.models import Commitment, CommitmentItem, SuspectedBreach
from credit.commitments.services import commitments as services
from credit.commitments.services import imports
from credit.commitments.services import items as item_services
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry
from credit.objections.uploads import Upload
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from tests.commitments import factories
from tests.commitments.factories import add_penalty, item_of, make_commitment, make_subject

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


def _audited(action: str, obj) -> bool:
    return AuditEntry.objects.filter(event_type=action, object_id=str(obj.pk)).exists()


# --- the items file and template versions ---------------------------------------------------


def test_the_items_file_is_loaded_once(items_loaded):
    assert items_loaded == {"created": 0, "updated": 0, "versions": 0}  # already loaded
    assert CommitmentItem.objects.filter(kind=Kind.NOTIFY).count() == 19
    for kind in Kind:
        assert CommitmentItem.objects.filter(kind=kind).exists(), kind
    unverified = CommitmentItem.objects.filter(verified=False)
    for item in unverified:
        assert "[to verify]" in item_services.current_version(item).legal_basis


def test_a_commitment_keeps_its_template_version(make_user):
    admin = make_user(Role.CITY_ADMIN)
    item = item_of(Kind.VOLUNTARY)
    old = make_commitment(item=item)
    version = item_services.new_version(
        actor=admin,
        item=item,
        template_text="新版承诺书：本单位承诺……",
        legal_basis="新依据",
        attachments=["承诺书"],
        validity_months=24,
        note="按新规定修订",
    )
    new = make_commitment(item=item)
    old.refresh_from_db()
    assert old.item_version_id != version.pk and new.item_version_id == version.pk
    assert old.item_version.template_text != "新版承诺书：本单位承诺……"
    assert item_services.current_version(item) == version
    assert _audited("commitment_item.versioned", item)


def test_a_new_version_needs_the_permission_and_the_department(make_user):
    item = item_of(Kind.NOTIFY, "WJW")
    for user in (make_user(Role.DEPT_OFFICER), make_user(Role.AUDITOR)):
        with pytest.raises(PermissionDenied):
            item_services.new_version(actor=user, item=item, template_text="x")
    with pytest.raises(ValidationFailed) as refused:
        item_services.new_version(actor=make_user(Role.CITY_ADMIN), item=item, template_text=" ")
    assert refused.value.code == "template_required"


# --- making a commitment ------------------------------------------------------------------------


def test_entered_by_the_department_is_published_with_its_fields(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    subject = make_subject()
    day = factories.today() - datetime.timedelta(days=3)
    c = services.enter(
        actor=officer,
        item=item_of(Kind.VOLUNTARY, "SCJG"),
        subject=subject,
        committed_on=day,
        signer_name="王五",
    )
    assert c.status == Status.PUBLISHED and c.channel == Channel.DEPARTMENT
    assert c.published_on == factories.today() and c.promisor_code == subject.uscc
    assert c.valid_until == rules.valid_until(day, c.item_version.validity_months)
    assert c.number.startswith(f"ZD-SCJG-{day:%Y%m%d}-")
    assert _audited("commitment.created", c)


def test_an_officer_of_another_department_may_not_enter(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="WJW")
    with pytest.raises(PermissionDenied):
        services.enter(
            actor=officer,
            item=item_of(Kind.VOLUNTARY, "SCJG"),
            subject=make_subject(),
            committed_on=factories.today(),
            signer_name="",
        )


def test_submitted_online_waits_for_review_and_needs_the_letter():
    from credit.identity.models import AccountKind, PublicAccount

    subject = make_subject()
    account = PublicAccount.objects.create(
        issuer="test",
        sub=f"s{subject.pk}",
        kind=AccountKind.COMPANY,
        name="王五",
        id_cipher=b"",
        id_index="x",
        applicant_index="x",
        id_masked="320***1234",
        uscc=subject.uscc,
        org_name=subject.name,
    )
    item = item_of(Kind.NOTIFY)
    letter = Upload(name="承诺书.pdf", data=PDF, kind="letter")
    with pytest.raises(ValidationFailed) as refused:
        services.submit_online(
            account=account, item=item, agreed=False, signer_name="王五", files=[letter]
        )
    assert refused.value.code == "not_agreed"
    with pytest.raises(ValidationFailed) as refused:
        services.submit_online(
            account=account, item=item, agreed=True, signer_name="王五", files=[]
        )
    assert refused.value.code == "attachment_required"
    c = services.submit_online(
        account=account, item=item, agreed=True, signer_name="王五", files=[letter]
    )
    assert (
        c.status == Status.SUBMITTED and c.channel == Channel.PORTAL and c.legal_person == subject
    )
    assert c.files.get().kind == "letter" and c.account == account and c.published_on is None


# --- review and the permissions per department and region ----------------------------------


def test_review_pass_and_return(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    passed = make_commitment(Kind.VOLUNTARY, department="SCJG", status=Status.SUBMITTED)
    returned = make_commitment(Kind.VOLUNTARY, department="SCJG", status=Status.SUBMITTED)
    services.review(actor=officer, commitment=passed, approve=True)
    passed.refresh_from_db()
    assert passed.status == Status.PUBLISHED and passed.published_on == factories.today()
    assert passed.valid_until is not None and passed.reviewed_by == officer
    with pytest.raises(ValidationFailed) as refused:
        services.review(actor=officer, commitment=returned, approve=False, reason="")
    assert refused.value.code == "reason_required"
    services.review(actor=officer, commitment=returned, approve=False, reason="签章不清晰")
    returned.refresh_from_db()
    assert returned.status == Status.RETURNED and returned.return_reason == "签章不清晰"
    with pytest.raises(ValidationFailed) as refused:
        services.review(actor=officer, commitment=passed, approve=True)
    assert refused.value.code == "commitment_not_submitted"
    assert _audited("commitment.approved", passed) and _audited("commitment.returned", returned)


@pytest.mark.parametrize(
    ("role", "region", "department", "allowed"),
    [
        (Role.DEPT_OFFICER, "320400", "SCJG", True),
        (Role.DEPT_OFFICER, "320400", "WJW", False),  # another department
        (Role.DISTRICT_ADMIN, "320402", None, True),  # the subject's district
        (Role.DISTRICT_ADMIN, "320404", None, False),  # another district
        (Role.CITY_ADMIN, "320400", None, True),
        (Role.AUDITOR, "320400", None, False),  # reads only
    ],
)
def test_who_may_review(make_user, role, region, department, allowed):
    user = make_user(role, region=region, department=department)
    c = make_commitment(
        Kind.VOLUNTARY, department="SCJG", subject=make_subject("320402"), status=Status.SUBMITTED
    )
    if allowed:
        services.review(actor=user, commitment=c, approve=True)
        assert Commitment.objects.get(pk=c.pk).status == Status.PUBLISHED
    else:
        with pytest.raises(PermissionDenied):
            services.review(actor=user, commitment=c, approve=True)
        assert Commitment.objects.get(pk=c.pk).status == Status.SUBMITTED


def test_the_selectors_follow_the_tenant(make_user):
    from credit.commitments import selectors

    c = make_commitment(Kind.VOLUNTARY, department="SCJG", subject=make_subject("320402"))
    assert selectors.commitment_for(make_user(Role.DEPT_OFFICER, department="SCJG"), c.number)
    assert selectors.commitment_for(make_user(Role.DISTRICT_ADMIN, region="320402"), c.number)
    assert (
        selectors.commitment_for(make_user(Role.DEPT_OFFICER, department="WJW"), c.number) is None
    )
    assert (
        selectors.commitment_for(make_user(Role.DISTRICT_ADMIN, region="320404"), c.number) is None
    )
    assert selectors.commitment_for(None, c.number) is None
    assert selectors.commitment_for(make_user(Role.AUDITOR), "../x") is None
    assert selectors.published().filter(pk=c.pk).exists()


# --- fulfilment and breach ------------------------------------------------------------------


def test_fulfilment(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    c = make_commitment(Kind.VOLUNTARY, department="SCJG")
    services.fulfil(actor=officer, commitment=c, note="按期履行")
    c.refresh_from_db()
    assert c.status == Status.FULFILLED and c.fulfilled_on == factories.today()
    assert c.status in IN_FORCE and _audited("commitment.fulfilled", c)


def test_a_breach_becomes_a_public_attention_list_record_that_the_check_hits(make_user):
    from credit.sanctions.models import Check
    from credit.sanctions.services import run_check

    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    subject = make_subject()
    c = make_commitment(Kind.NOTIFY, department="SCJG", subject=subject)
    services.breach(actor=officer, commitment=c, facts="未在承诺期限内补交检验报告")
    c.refresh_from_db()
    record = c.breach_record
    assert c.status == Status.BREACHED and record is not None
    assert record.item.code == BREACH_ITEM and record.legal_person == subject
    assert record.department == c.department and record.payload["commitment_no"] == c.number
    assert CreditRecord.objects.filter(public_q(), pk=record.pk).exists()  # publicity
    check = run_check(
        principal=make_user(Role.DEPT_OFFICER, department="ZJ"),
        identifier=subject.uscc,
        reason="招投标资格审查",
    )
    assert check.result == Check.Result.HIT
    assert record.pk in [h["record"] for h in check.hits]
    assert _audited("commitment.breached", c)
    with pytest.raises(ValidationFailed) as refused:
        services.breach(actor=officer, commitment=c, facts="再次")
    assert refused.value.code == "commitment_not_in_force"


def test_a_breach_of_a_natural_person(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    person = factories.make_person()
    c = make_commitment(Kind.VOLUNTARY, department="SCJG", subject=person)
    services.breach(actor=officer, commitment=c, facts="违背承诺")
    c.refresh_from_db()
    assert c.breach_record.natural_person == person
    assert c.promisor_code == person.id_masked


def test_a_breach_needs_facts_and_a_reviewer(make_user):
    c = make_commitment(Kind.VOLUNTARY, department="SCJG")
    with pytest.raises(ValidationFailed):
        services.breach(
            actor=make_user(Role.DEPT_OFFICER, department="SCJG"), commitment=c, facts=" "
        )
    with pytest.raises(PermissionDenied):
        services.breach(
            actor=make_user(Role.DEPT_OFFICER, department="WJW"), commitment=c, facts="x"
        )


# --- through the API ------------------------------------------------------------------------


def test_record_via_api(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    subject = make_subject()
    day = factories.today() - datetime.timedelta(days=1)
    item = item_of(Kind.VOLUNTARY, "SCJG")
    c = services.record_via_api(
        actor=officer, subject_code=subject.uscc, item_code=item.code, committed_on=day
    )
    assert c.status == Status.PUBLISHED and c.channel == Channel.API
    again = services.record_via_api(
        actor=officer, subject_code=subject.uscc, item_code=item.code, committed_on=day
    )
    assert again.pk == c.pk
    with pytest.raises(NotFound):
        services.record_via_api(
            actor=officer, subject_code=subject.uscc, item_code="nope", committed_on=day
        )
    with pytest.raises(ValidationFailed) as refused:
        services.record_via_api(
            actor=officer, subject_code="123", item_code=item.code, committed_on=day
        )
    assert refused.value.code == "subject_invalid"
    with pytest.raises(PermissionDenied) as refused:
        services.record_via_api(
            actor=officer,
            subject_code=subject.uscc,
            item_code=item_of(Kind.NOTIFY, "WJW").code,
            committed_on=day,
        )
    assert refused.value.code == "department_not_allowed"


# --- suspected breaches ---------------------------------------------------------------------


def test_a_penalty_from_the_same_department_raises_one_suspicion():
    subject = make_subject()
    c = make_commitment(Kind.VOLUNTARY, department="SCJG", subject=subject)
    penalty = add_penalty(subject, department="SCJG")
    assert factories.queued("commitments.detect").filter(args__record_ids=[penalty.pk]).exists()
    factories.run_jobs()
    suspicion = SuspectedBreach.objects.get(commitment=c)
    assert suspicion.record == penalty and suspicion.status == "open"
    assert imports.detect([penalty.pk]) == 0  # idempotent
    assert SuspectedBreach.objects.filter(commitment=c).count() == 1


def test_a_penalty_from_another_department_or_before_the_commitment_raises_none():
    subject = make_subject()
    c = make_commitment(
        Kind.VOLUNTARY,
        department="SCJG",
        subject=subject,
        committed_on=factories.today() - datetime.timedelta(days=3),
    )
    other = add_penalty(subject, department="WJW")
    before = add_penalty(
        subject, department="SCJG", decided=factories.today() - datetime.timedelta(days=10)
    )
    assert not factories.queued("commitments.detect").filter(args__record_ids=[other.pk]).exists()
    assert imports.detect([other.pk, before.pk]) == 0
    assert not SuspectedBreach.objects.filter(commitment=c).exists()


def test_confirm_breaches_and_dismiss_is_audited(make_user):
    officer = make_user(Role.DEPT_OFFICER, department="SCJG")
    subject = make_subject()
    confirmed = make_commitment(Kind.VOLUNTARY, department="SCJG", subject=subject)
    dismissed = make_commitment(Kind.NOTIFY, department="SCJG", subject=subject)
    penalty = add_penalty(subject, department="SCJG")
    assert imports.detect([penalty.pk]) == 2
    s1 = SuspectedBreach.objects.get(commitment=confirmed)
    s2 = SuspectedBreach.objects.get(commitment=dismissed)
    with pytest.raises(PermissionDenied):
        services.decide_suspicion(
            actor=make_user(Role.DEPT_OFFICER, department="WJW"),
            suspicion=s1,
            confirm=True,
            note="x",
        )
    services.decide_suspicion(
        actor=officer, suspicion=s1, confirm=True, note="处罚事由与承诺内容一致"
    )
    services.decide_suspicion(actor=officer, suspicion=s2, confirm=False, note="处罚与承诺事项无关")
    confirmed.refresh_from_db()
    dismissed.refresh_from_db()
    assert confirmed.status == Status.BREACHED and confirmed.breach_record is not None
    assert dismissed.status == Status.PUBLISHED
    assert _audited("commitment.suspicion_confirmed", confirmed)
    assert _audited("commitment.suspicion_dismissed", dismissed)
    with pytest.raises(ValidationFailed) as refused:
        services.decide_suspicion(actor=officer, suspicion=s2, confirm=True, note="x")
    assert refused.value.code == "suspicion_decided"
