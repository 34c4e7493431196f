"""Objection and repair for civil servants and government bodies (seed L437) through the
existing workflow (credit.objections): a civil servant signed in with real-name login objects
online to their own 纪律处分 record, which the public cannot see (授权查询) — nobody else can;
the credit office handles it as any objection, and the correction, like a repair, enqueues the
recompute of the person's score in its transaction (the ``integrity.recompute`` job); a
government body objects to its public 政务失信记录 through the usual legal-person path."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.conf import settings
from django.test import Client

from credit.accounts.roles import Role
from credit.core.errors import ValidationFailed
from credit.identity.session import SESSION_KEY
from credit.integrity.models import CivilServant
from credit.objections import repairs, selectors, services, sms, verification
from credit.objections.constants import Finding
from credit.objections.models import Objection
from credit.objections.uploads import Upload
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from tests.integrity import factories
from tests.integrity.factories import gov_body, gov_record
from tests.objections.conftest import JPG, PDF, PHONE, last_code

pytestmark = pytest.mark.django_db

NEW = "/objections/new/"


@pytest.fixture
def outbox(settings):
    """Messages "sent" by the test SMS backend (codes are read there); sending limits relaxed
    for several codes from one phone in a test."""
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"
    settings.CREDIT_SMS_PHONE_PER_MINUTE = settings.CREDIT_SMS_PHONE_PER_HOUR = 100
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


def sign_in(name: str, id_number: str, *, uscc: str = "", org_name: str = ""):
    """A real-name account as the identity platform's login makes it."""
    from credit.identity import services as identity

    names = settings.CREDIT_OIDC_CLAIMS
    kind = "company" if uscc else "person"
    kind_value = next(k for k, v in settings.CREDIT_OIDC_KIND_VALUES.items() if v == kind)
    claims = {
        "sub": uuid.uuid4().hex,
        names["name"]: name,
        names["id_number"]: id_number,
        names["kind"]: kind_value,
    }
    if uscc:
        claims[names["uscc"]] = uscc
        claims[names["org_name"]] = org_name
    return identity.sign_in(issuer="https://idp.example.test", claims=claims)


def browser(account) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


@pytest.fixture
def servant():
    return factories.make_civil_servant("SCJG", name="周明远")


@pytest.fixture
def discipline(servant):
    """The civil servant's 纪律处分 (记大过), reported by 纪委监委: 授权查询, never public."""
    return factories.add_record(servant, "cs-discipline", result="记大过", violation="违规发放补贴")


@pytest.fixture
def account(servant):
    return sign_in("周明远", factories.id_number_of(servant))


def _code(outbox, purpose: str = "objection") -> str:
    verification.send_code(phone=PHONE, purpose=purpose, source_ip=None)
    return last_code(outbox)


def _objection(record, account, outbox, *, id_number: str, name: str = "周明远") -> Objection:
    return services.submit_objection(
        record_id=record.pk,
        name=name,
        id_number=id_number,
        phone=PHONE,
        code=_code(outbox),
        reason="处分已经复查改为警告，原记录有误。",
        files=[Upload("复查决定.pdf", PDF, "")],
        account=account,
    )


def test_the_record_is_not_public_and_anonymous_visitors_cannot_object(client, discipline):
    assert selectors.public_record(discipline.pk) is None
    assert client.get(NEW, {"record": discipline.pk}).status_code == 404


def test_the_civil_servant_objects_online_to_their_own_record(servant, discipline, account, outbox):
    page = browser(account).get(NEW, {"record": discipline.pk})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-testid="objection-form"' in text and "记大过" in text

    client = browser(account)
    code = _code(outbox)
    response = client.post(
        f"{NEW}?record={discipline.pk}",
        {
            "record": discipline.pk,
            "name": "周明远",
            "id_number": factories.id_number_of(servant),
            "phone": PHONE,
            "code": code,
            "reason": "处分已经复查改为警告，原记录有误。",
            "files": [_upload()],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    objection = Objection.objects.get(record=discipline)
    assert objection.is_subject
    assert response["Location"] == f"/objections/track/{objection.number}/"


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("复查决定.pdf", PDF, content_type="application/pdf")


def test_nobody_else_can_object_to_it(discipline, servant, outbox, resident_id_factory):
    stranger = sign_in("路人甲", resident_id_factory())
    assert browser(stranger).get(NEW, {"record": discipline.pk}).status_code == 404
    with pytest.raises(ValidationFailed) as refused:
        _objection(discipline, stranger, outbox, id_number=factories.id_number_of(servant))
    assert refused.value.code == "record_not_public"


def test_the_signed_in_subject_must_apply_as_themself(
    discipline, account, outbox, resident_id_factory
):
    with pytest.raises(ValidationFailed) as refused:
        _objection(discipline, account, outbox, id_number=resident_id_factory(), name="代理人")
    assert refused.value.code == "not_subject"
    assert not Objection.objects.exists()


def _new_jobs_for(person_id: int, before: set[int]) -> list:
    return [
        job
        for job in factories.queued()
        if job.pk not in before and person_id in job.args["person_ids"]
    ]


def test_the_credit_office_corrects_it_and_the_score_is_recomputed(
    make_user, servant, discipline, account, outbox
):
    office = make_user(Role.CITY_REVIEWER)
    jwjw = make_user(Role.DEPT_OFFICER, department="JWJW")
    objection = _objection(discipline, account, outbox, id_number=factories.id_number_of(servant))
    factories.run_jobs()
    before = {job.pk for job in factories.queued()}

    services.accept_objection(actor=office, objection=objection)
    assert CreditRecord.objects.get(pk=discipline.pk).status == RecordStatus.SUSPENDED
    services.assign_objection(actor=office, objection=objection, department="JWJW")
    services.record_verification(
        actor=jwjw, objection=objection, finding=Finding.CORRECT, opinion="经复查，处分改为警告。"
    )
    seen = {job.pk for job in factories.queued()}
    services.decide_objection(
        actor=office,
        objection=objection,
        action="correct",
        result="更正为警告处分。",
        changes={"result": "警告"},
    )

    corrected = CreditRecord.objects.get(pk=discipline.pk)
    assert corrected.status == RecordStatus.ACTIVE and corrected.payload["result"] == "警告"
    person = servant.natural_person_id
    assert _new_jobs_for(person, before), "accepting (suspending) the record enqueues a recompute"
    assert _new_jobs_for(person, seen), "the correction enqueues a recompute in its transaction"
    factories.run_jobs()
    item = CivilServant.objects.get(pk=servant.pk).items.get(record=discipline)
    assert item.rule.value == "警告"


def test_a_repair_enqueues_the_recompute(make_user, servant, outbox):
    decided = datetime.date.today() - datetime.timedelta(days=200)
    penalty = factories.add_record(
        servant,
        "admin-penalty",
        decision_date=decided.isoformat(),
        severity="一般",
        valid_to=(decided + datetime.timedelta(days=400)).isoformat(),
        publicity_end=(decided + datetime.timedelta(days=365)).isoformat(),
    )
    application = repairs.submit_repair(
        record_id=penalty.pk,
        name=servant.natural_person.name,
        id_number=factories.id_number_of(servant),
        phone=PHONE,
        code=_code(outbox, "repair"),
        statement="已按要求整改并完成信用修复培训。",
        files=[Upload("信用承诺书.pdf", PDF, "commitment"), Upload("培训证明.jpg", JPG, "proof")],
    )
    factories.run_jobs()
    before = {job.pk for job in factories.queued()}

    repairs.grant_repair(
        actor=make_user(Role.CITY_REVIEWER), application=application, decision="准予修复。"
    )

    assert CreditRecord.objects.get(pk=penalty.pk).status == RecordStatus.REPAIRED
    assert _new_jobs_for(servant.natural_person_id, before)


def test_a_government_body_objects_through_the_legal_person_path(make_user, uscc_factory, outbox):
    body = gov_body("常州市天宁区某某局")
    record = gov_record(body, "天政失〔2026〕21号", department="TNQ-FG")
    assert selectors.public_record(record.pk) is not None  # public: no login needed
    objection = services.submit_objection(
        record_id=record.pk,
        name=body.name,
        id_number=body.uscc,
        phone=PHONE,
        code=_code(outbox),
        reason="欠款已于认定前结清，不应认定为拖欠企业账款。",
        files=[Upload("付款凭证.pdf", PDF, "")],
    )
    assert objection.is_subject

    office = make_user(Role.CITY_REVIEWER)
    services.accept_objection(actor=office, objection=objection)
    services.assign_objection(actor=office, objection=objection, department="TNQ-FG")
    services.record_verification(
        actor=office, objection=objection, finding=Finding.REVOKE, opinion="经核实认定有误。"
    )
    services.decide_objection(
        actor=office, objection=objection, action="revoke", result="撤销该政务失信记录。"
    )
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.REVOKED
