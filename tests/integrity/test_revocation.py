"""The unified revocation (统一撤销, credit.integrity.services.revocation): a 政务失信记录 revoked
by the credit office of its city or district leaves the portal, the API and every selector at
once (one status), with a revocation queued for the next exchange and an audit entry; a second
revocation is refused with the first one's date and reason; another district's administrator,
a department's officer and a record of another item are refused."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.test import Client

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry, Department
from credit.integrity.constants import CS_DISHONESTY, ExchangeStatus
from credit.integrity.models import Revocation
from credit.integrity.selectors import government as gov
from credit.integrity.selectors import revocations as staff
from credit.integrity.services import revocation
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.records.publicity import public_q
from credit.records.selectors import usable_q
from credit.records.services import upsert_record
from tests.integrity.factories import gov_body, gov_record

pytestmark = pytest.mark.django_db

API = "/api/v1/integrity/government-dishonesty"
DECIDED = datetime.date.today() - datetime.timedelta(days=30)
_serial = itertools.count(1)


def cs_record(person_name: str, id_number: str, department: str, document_no: str):
    """A 公务员政务失信记录 of a civil servant reported by ``department``."""
    from credit.subjects.services import register_natural_person

    person, _ = register_natural_person(actor=None, name=person_name, id_number=id_number)
    dept = Department.objects.get(code=department)
    return upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code=CS_DISHONESTY),
        department=dept,
        subject=person,
        payload={
            "name": person_name,
            "id_number": id_number,
            "unit": "常州市某某局",
            "post": "科长",
            "behaviour": "在招商引资中违约，未兑现承诺的奖励资金。",
            "reason": "未按协议履行。",
            "document_no": document_no,
            "decision_date": DECIDED.isoformat(),
            "authority": "常州市发展和改革委员会",
            "handling": "通报批评",
            "accountability": "诫勉",
        },
    ).record


@pytest.fixture
def body(uscc_factory):
    return gov_body("常州市天宁区某某局")


@pytest.fixture
def tianning(body):
    """A record of 天宁区's credit office about a 天宁区 government body."""
    return gov_record(body, "天政失〔2026〕1号", department="TNQ-FG")


@pytest.fixture
def office(make_user):
    return make_user(Role.CITY_REVIEWER)


def _status(record: CreditRecord) -> str:
    return CreditRecord.objects.get(pk=record.pk).status


def test_a_revoked_record_leaves_every_reader_at_once(client, make_user, office, body, tianning):
    system = make_user(Role.DEPT_OFFICER, department="SW")  # a government principal
    assert gov.public_records().filter(pk=tianning.pk).exists()
    assert gov.records_for(system).filter(pk=tianning.pk).exists()
    assert CreditRecord.objects.filter(public_q(), pk=tianning.pk).exists()
    assert "天政失〔2026〕1号" in client.get("/portal/integrity/").content.decode()
    api = Client()
    api.force_login(office)
    assert [r["id"] for r in api.get(API).json()["records"]] == [tianning.pk]

    made = revocation.revoke(
        actor=office,
        record=tianning,
        reason="认定文书已被依法撤销",
        document_no="常信撤〔2026〕1号",
    )

    assert _status(tianning) == RecordStatus.REVOKED
    assert not gov.public_records().filter(pk=tianning.pk).exists()
    assert not gov.records_for(system).filter(pk=tianning.pk).exists()
    assert not CreditRecord.objects.filter(usable_q(system), pk=tianning.pk).exists()
    assert "天政失〔2026〕1号" not in client.get("/portal/integrity/").content.decode()
    assert "天政失〔2026〕1号" not in client.get(f"/portal/subjects/{body.pk}/").content.decode()
    assert api.get(API).json() == {"count": 0, "records": []}
    # the staff list still shows it, revoked
    assert staff.government_records_for(office).get(pk=tianning.pk).status == RecordStatus.REVOKED

    assert made.exchange_status == ExchangeStatus.QUEUED and made.sent_at is None
    assert made.created_by_id == office.pk and made.document_no == "常信撤〔2026〕1号"
    entry = AuditEntry.objects.filter(event_type="integrity.record_revoked").latest("id")
    assert entry.after["record"] == tianning.pk and entry.before == {"status": "active"}
    assert AuditEntry.objects.filter(
        event_type="record.revoked", object_id=str(tianning.pk)
    ).exists()


def test_a_second_revocation_is_refused_with_the_first_ones_reason(office, tianning):
    revocation.revoke(actor=office, record=tianning, reason="认定文书已被依法撤销")
    with pytest.raises(ValidationFailed) as refused:
        revocation.revoke(actor=office, record=tianning, reason="再次撤销")
    assert refused.value.code == "already_revoked"
    assert (
        "不能重复撤销" in refused.value.message and "认定文书已被依法撤销" in refused.value.message
    )
    assert Revocation.objects.filter(record=tianning).count() == 1


def test_a_record_revoked_through_an_objection_is_not_revoked_again(office, tianning):
    from credit.records.services import change_status

    change_status(actor=office, record=tianning, status=RecordStatus.REVOKED, reason="异议撤销")
    with pytest.raises(ValidationFailed) as refused:
        revocation.revoke(actor=office, record=tianning, reason="统一撤销")
    assert refused.value.code == "already_revoked"
    assert not Revocation.objects.exists()


def test_the_district_revokes_its_own_records_only(make_user, body, tianning, uscc_factory):
    city_body = gov_body("常州市某某局", "320400")
    city_record = gov_record(city_body, "常政失〔2026〕2号", department="FGW")
    own = make_user(Role.DISTRICT_ADMIN, region="320402")
    other = make_user(Role.DISTRICT_ADMIN, region="320404")

    with pytest.raises(PermissionDenied) as refused:
        revocation.revoke(actor=other, record=tianning, reason="撤销")
    assert refused.value.code == "record_not_in_tenant"
    with pytest.raises(PermissionDenied):
        revocation.revoke(actor=own, record=city_record, reason="撤销")
    assert _status(tianning) == RecordStatus.ACTIVE and _status(city_record) == RecordStatus.ACTIVE

    revocation.revoke(actor=own, record=tianning, reason="失信行为已纠正，经认定单位确认")
    assert _status(tianning) == RecordStatus.REVOKED


@pytest.mark.parametrize(
    ("role", "department"), [(Role.DEPT_OFFICER, "TNQ-FG"), (Role.ORG_HR, "TNQ-ZZB")]
)
def test_who_lacks_integrity_manage_is_refused(make_user, tianning, role, department):
    actor = make_user(role, region="320402", department=department)
    with pytest.raises(PermissionDenied) as refused:
        revocation.revoke(actor=actor, record=tianning, reason="撤销")
    assert refused.value.code == "permission_denied"
    assert _status(tianning) == RecordStatus.ACTIVE and not Revocation.objects.exists()


def test_only_government_dishonesty_records_are_revoked_here(office, legal_person):
    from tests.records.factories import penalty

    record = penalty(legal_person, "SCJG", "常市监罚〔2026〕501号").record
    with pytest.raises(ValidationFailed) as refused:
        revocation.revoke(actor=office, record=record, reason="撤销")
    assert refused.value.code == "not_government_record"
    assert _status(record) == RecordStatus.ACTIVE


def test_a_reason_is_required_and_bounded(office, tianning):
    for reason, code in (("  ", "reason_required"), ("理" * 501, "reason_too_long")):
        with pytest.raises(ValidationFailed) as refused:
            revocation.revoke(actor=office, record=tianning, reason=reason)
        assert refused.value.code == code
    with pytest.raises(ValidationFailed) as refused:
        revocation.revoke(actor=office, record=tianning, reason="撤销", document_no="文" * 101)
    assert refused.value.code == "document_no_too_long"
    assert _status(tianning) == RecordStatus.ACTIVE and not Revocation.objects.exists()


def test_a_civil_servants_dishonesty_record_is_revoked_alike(office, resident_id_factory):
    record = cs_record("赵六", resident_id_factory(), "FGW", "常政失〔2026〕9号")
    made = revocation.revoke(actor=office, record=record, reason="认定有误")
    assert _status(record) == RecordStatus.REVOKED and made.record_id == record.pk


def test_the_staff_selectors_read_the_tenant_in_every_state(
    make_user, office, body, tianning, uscc_factory, resident_id_factory
):
    city = gov_record(gov_body("常州市某局", "320400"), "常政失〔2026〕3号", department="FGW")
    person = cs_record("钱七", resident_id_factory(), "FGW", "常政失〔2026〕4号")
    revocation.revoke(actor=office, record=city, reason="撤销")
    district = make_user(Role.DISTRICT_ADMIN, region="320402")

    assert set(staff.government_records_for(office).values_list("pk", flat=True)) == {
        tianning.pk,
        city.pk,
        person.pk,
    }
    assert list(staff.government_records_for(district)) == [tianning]
    assert staff.government_record_for(district, city.pk) is None
    assert set(
        staff.government_records_for(office, {"item": CS_DISHONESTY}).values_list("pk", flat=True)
    ) == {person.pk}
    revoked = staff.government_records_for(office, {"status": RecordStatus.REVOKED})
    assert list(revoked) == [city]
    assert [r.record_id for r in staff.revocations_for(office)] == [city.pk]
    assert list(staff.revocations_for(district)) == []
    with pytest.raises(PermissionDenied):
        staff.government_records_for(make_user(Role.DEPT_OFFICER, department="SCJG"))
