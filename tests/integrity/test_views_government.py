"""The staff pages of 政务失信记录 (/integrity/government/, …/revoke/, /integrity/revocations/):
the list of the tenant's records in every state with filters and the export (civil servants'
names masked, the export audited); the revocation form with the record's summary, a refusal
on the form, success with a message; the revocations with their exchange status; who may open
what, and bad addresses answered 404."""

from __future__ import annotations

import re

import pytest

from credit.accounts.roles import Role
from credit.core.models import AuditEntry
from credit.integrity.models import Revocation
from credit.integrity.services import revocation
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from tests.conftest import response_text
from tests.integrity.factories import gov_body, gov_record
from tests.integrity.test_revocation import cs_record

pytestmark = pytest.mark.django_db

LIST = "/integrity/government/"
EXPORT = "/integrity/government/export.xlsx"
REVOCATIONS = "/integrity/revocations/"
REVOCATIONS_EXPORT = "/integrity/revocations/export.xlsx"


def revoke_url(record: CreditRecord) -> str:
    return f"/integrity/government/{record.pk}/revoke/"


@pytest.fixture
def office(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def records(uscc_factory, resident_id_factory):
    """天宁区's record about a 天宁区 body (拖欠企业账款), the city's about a city body (违约毁约),
    and the city's record of a civil servant 孙小明."""
    tnq_body = gov_body("常州市天宁区某某局", "320402")
    city_body = gov_body("常州市某某管理局", "320400")
    return {
        "tnq": gov_record(tnq_body, "天政失〔2026〕11号", department="TNQ-FG"),
        "city": gov_record(
            city_body, "常政失〔2026〕12号", department="FGW", dishonesty_type="违约毁约"
        ),
        "cs": cs_record("孙小明", resident_id_factory(), "FGW", "常政失〔2026〕13号"),
    }


def _ids(page: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-testid="record-(\d+)"', page)}


def test_the_city_lists_every_record_with_civil_servants_masked(client, office, records):
    client.force_login(office)
    page = client.get(LIST).content.decode()
    assert _ids(page) == {r.pk for r in records.values()}
    assert "孙小明" not in page and "孙**" in page
    assert "常州市天宁区某某局" in page and "拖欠企业账款" in page
    assert page.count('data-testid="revoke-link"') == 3
    assert re.search(r'data-testid="count-total">3<', page)


def test_the_filters_narrow_the_list(client, office, records):
    client.force_login(office)

    def ids(**query) -> set[int]:
        return _ids(client.get(LIST, query).content.decode())

    assert ids(item="cs-dishonesty") == {records["cs"].pk}
    assert ids(type="违约毁约") == {records["city"].pk}
    assert ids(region="320402") == {records["tnq"].pk}
    assert ids(q="天政失") == {records["tnq"].pk}
    assert ids(date_from="2000-01-01", date_to="2000-12-31") == set()
    revocation.revoke(actor=office, record=records["city"], reason="撤销")
    assert ids(status=RecordStatus.REVOKED) == {records["city"].pk}
    assert ids(status="nonsense", date_from="not-a-date") == {r.pk for r in records.values()}
    empty = client.get(LIST, {"q": "没有这样的主体"}).content.decode()
    assert "没有符合条件的政务失信记录" in empty


def test_a_district_sees_and_revokes_its_own_records_only(client, make_user, records):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    assert _ids(client.get(LIST).content.decode()) == {records["tnq"].pk}
    assert client.get(revoke_url(records["city"])).status_code == 404
    response = client.post(revoke_url(records["city"]), {"reason": "撤销"})
    assert response.status_code == 404
    assert CreditRecord.objects.get(pk=records["city"].pk).status == RecordStatus.ACTIVE


def test_the_export_masks_civil_servants_and_is_audited(client, office, records):
    client.force_login(office)
    response = client.get(EXPORT, {"item": "cs-dishonesty"})
    assert response.status_code == 200
    text = response_text(response)
    assert "孙**" in text and "孙小明" not in text and "常政失〔2026〕13号" in text
    assert "天政失〔2026〕11号" not in text
    entry = AuditEntry.objects.filter(event_type="integrity.government_exported").latest("id")
    assert entry.after["rows"] == 1


def test_the_revocation_form_shows_the_record_and_revokes_it(client, office, records):
    client.force_login(office)
    record = records["tnq"]
    form = client.get(revoke_url(record)).content.decode()
    assert 'data-testid="revoke-form"' in form
    assert "常州市天宁区某某局" in form and "有效" in form
    assert "未按合同约定支付某工程公司工程款" in form

    response = client.post(
        revoke_url(record),
        {"reason": "认定文书已被依法撤销", "document_no": "天信撤〔2026〕1号"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == REVOCATIONS
    page = response.content.decode()
    assert "已撤销“政务失信记录 天政失〔2026〕11号”" in page
    assert "待随下次交换上报" in page and "天信撤〔2026〕1号" in page
    assert CreditRecord.objects.get(pk=record.pk).status == RecordStatus.REVOKED


def test_a_refusal_is_shown_on_the_form(client, office, records):
    client.force_login(office)
    record = records["tnq"]
    blank = client.post(revoke_url(record), {"reason": "   "})
    assert blank.status_code == 400 and "撤销原因" in blank.content.decode()
    assert not Revocation.objects.exists()

    revocation.revoke(actor=office, record=record, reason="认定有误")
    again = client.get(revoke_url(record)).content.decode()
    assert 'data-testid="refusal"' in again and "不能重复撤销" in again
    assert 'data-testid="revoke-form"' not in again
    posted = client.post(revoke_url(record), {"reason": "再次撤销"})
    assert posted.status_code == 400 and "不能重复撤销" in posted.content.decode()
    assert Revocation.objects.count() == 1


def test_opening_a_civil_servants_record_is_audited_and_masked(client, office, records):
    client.force_login(office)
    page = client.get(revoke_url(records["cs"])).content.decode()
    assert "孙小明" not in page and "孙**" in page
    assert AuditEntry.objects.filter(
        event_type="integrity.government_record_viewed", object_id=str(records["cs"].pk)
    ).exists()


def test_the_revocations_list_filters_and_exports(client, office, records):
    revocation.revoke(actor=office, record=records["tnq"], reason="认定有误")
    revocation.revoke(actor=office, record=records["cs"], reason="认定对象错误")
    client.force_login(office)
    page = client.get(REVOCATIONS).content.decode()
    assert re.search(r'data-testid="count-queued">2<', page)
    assert "孙**" in page and "孙小明" not in page
    assert "认定对象错误" not in client.get(REVOCATIONS, {"q": "天政失"}).content.decode()
    assert "认定有误" not in client.get(REVOCATIONS, {"exchange_status": "sent"}).content.decode()
    text = response_text(client.get(REVOCATIONS_EXPORT))
    assert "待随下次交换上报" in text and "孙**" in text and "孙小明" not in text
    assert AuditEntry.objects.filter(event_type="integrity.revocations_exported").exists()


def test_an_empty_revocation_list_says_why(client, office):
    client.force_login(office)
    assert "还没有统一撤销的政务失信记录" in client.get(REVOCATIONS).content.decode()
    assert "暂无政务失信记录" in client.get(LIST).content.decode()


def test_an_archive_reader_lists_but_does_not_revoke(client, make_user, records):
    hr = make_user(Role.ORG_HR, department="FGW")  # the credit office's own HR officer
    client.force_login(hr)
    page = client.get(LIST).content.decode()
    assert _ids(page) == {records["city"].pk, records["cs"].pk}  # what its department reported
    assert 'data-testid="revoke-link"' not in page
    assert client.get(revoke_url(records["city"])).status_code == 403


@pytest.mark.parametrize(
    ("role", "department"),
    [(Role.DEPT_OFFICER, "FGW"), (Role.AUDITOR, None), (Role.LEADER, None)],
)
def test_roles_without_integrity_permissions_are_refused(
    client, make_user, records, role, department
):
    client.force_login(make_user(role, department=department))
    for url in (LIST, EXPORT, REVOCATIONS, REVOCATIONS_EXPORT, revoke_url(records["city"])):
        assert client.get(url).status_code == 403, url
    assert client.post(revoke_url(records["city"]), {"reason": "撤销"}).status_code == 403
    assert not Revocation.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, records):
    for url in (LIST, EXPORT, REVOCATIONS, revoke_url(records["city"])):
        assert client.get(url).status_code == 302


def test_bad_addresses_are_not_found(client, office, records, legal_person):
    from tests.records.factories import penalty

    client.force_login(office)
    other = penalty(legal_person, "SCJG", "常市监罚〔2026〕777号").record  # not of these items
    assert client.get(revoke_url(other)).status_code == 404
    assert client.get("/integrity/government/999999999/revoke/").status_code == 404
    assert client.get("/integrity/government/abc/revoke/").status_code == 404
