"""The portal's 政务诚信 column: only the public, in-force government dishonesty records (a
revoked one is gone at once), with reasons, handling and accountability; the 红黑榜 masked and
only while published; 我的诚信档案 for a signed-in civil servant alone, audited."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from credit.core.models import AuditEntry
from credit.integrity.constants import DISCIPLINE
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord
from credit.records.services import change_status
from tests.conftest import response_text
from tests.integrity.factories import gov_body, gov_record
from tests.integrity.test_honour import (
    TODAY,
    archive_record,
    civil_servant,
    dishonesty,
    honour_rule,
    new_id_number,
    score_item,
)

pytestmark = pytest.mark.django_db

INDEX = "/portal/integrity/"


def sign_in(*, name: str, id_number: str, kind: str = "person", uscc: str = "", org: str = ""):
    """A real-name account as the identity platform's login makes it."""
    from credit.identity import services as identity

    names = settings.CREDIT_OIDC_CLAIMS
    kind_value = next(k for k, v in settings.CREDIT_OIDC_KIND_VALUES.items() if v == kind)
    claims = {
        "sub": uuid.uuid4().hex,
        names["name"]: name,
        names["id_number"]: id_number,
        names["kind"]: kind_value,
    }
    if uscc:
        claims[names["uscc"]] = uscc
        claims[names["org_name"]] = org
    return identity.sign_in(issuer="https://idp.example.test", claims=claims)


def logged_in(account) -> Client:
    from credit.identity.session import SESSION_KEY

    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


# --------------------------------------------------------------------------------------------
# Government dishonesty records
# --------------------------------------------------------------------------------------------


def test_the_urls_are_named():
    assert reverse("integrity_portal:index") == INDEX
    assert reverse("integrity_portal:export") == "/portal/integrity/export.xlsx"
    assert reverse("integrity_portal:honour") == "/portal/integrity/honour/"
    assert reverse("integrity_portal:me") == "/portal/integrity/me/"


def test_the_column_lists_public_records_in_force_only():
    body = gov_body("常州市某区住房和城乡建设局")
    shown = gov_record(body, "常信办认〔2026〕11号")
    revoked = gov_record(body, "常信办认〔2026〕12号", reason="撤销前的原因")
    ended = gov_record(
        body, "常信办认〔2024〕13号", decided=datetime.date(2024, 1, 5), reason="过期的原因"
    )
    # Past its publicity end (the daily job has not yet marked it expired).
    CreditRecord.objects.filter(pk=ended.pk).update(publicity_end=datetime.date(2024, 6, 30))
    civil = civil_servant("钱内部")
    dishonesty(civil, TODAY, handling="内部处理结果")

    html = Client().get(INDEX).content.decode()
    assert "常信办认〔2026〕11号" in html and "常信办认〔2026〕12号" in html
    assert "财政资金未及时到位" in html  # the reason
    assert "限期清偿，已列入督办" in html  # the handling
    assert "对分管负责人诫勉谈话" in html  # the accountability
    assert "过期的原因" not in html
    assert "内部处理结果" not in html and "钱内部" not in html

    change_status(actor=None, record=revoked, status=RecordStatus.REVOKED, reason="认定有误")
    html = Client().get(INDEX).content.decode()
    assert "常信办认〔2026〕12号" not in html and "撤销前的原因" not in html
    assert shown.document_no in html


def test_a_government_bodys_subject_page_has_its_dishonesty_records(legal_person):
    body = gov_body("常州市某区交通运输局")
    record = gov_record(body, "常信办认〔2026〕14号")
    html = Client().get(f"/portal/subjects/{body.pk}/").content.decode()
    assert 'data-testid="section-gov_dishonesty"' in html and record.document_no in html
    change_status(actor=None, record=record, status=RecordStatus.REVOKED, reason="认定有误")
    html = Client().get(f"/portal/subjects/{body.pk}/").content.decode()
    assert record.document_no not in html
    # A company without any has no such section at all.
    html = Client().get(f"/portal/subjects/{legal_person.pk}/").content.decode()
    assert "section-gov_dishonesty" not in html and 'data-testid="section-penalties"' in html


def test_filters_and_bad_input_never_fail():
    body = gov_body()
    gov_record(body, "常信办认〔2026〕21号", dishonesty_type="违约毁约")
    gov_record(body, "常信办认〔2025〕22号", decided=datetime.date(2025, 3, 1))
    client = Client()
    html = client.get(INDEX, {"type": "违约毁约"}).content.decode()
    assert "21号" in html and "22号" not in html
    html = client.get(INDEX, {"year": "2025"}).content.decode()
    assert "22号" in html and "21号" not in html
    for bad in ({"year": "x"}, {"page": "-1"}, {"type": "无此类型"}, {"name": "a" * 500}):
        assert client.get(INDEX, bad).status_code == 200


def test_the_export_holds_the_filtered_records():
    body = gov_body()
    gov_record(body, "常信办认〔2026〕31号")
    response = Client().get(reverse("integrity_portal:export"))
    assert response.status_code == 200
    text = response_text(response)
    assert "常信办认〔2026〕31号" in text and "对分管负责人诫勉谈话" in text


def test_the_portal_menu_names_the_column():
    html = Client().get("/portal/").content.decode()
    assert 'href="/portal/integrity/"' in html and "政务诚信" in html


# --------------------------------------------------------------------------------------------
# 红黑榜
# --------------------------------------------------------------------------------------------


def test_the_published_black_list_is_masked_with_its_measures():
    honour_rule("black", measures="取消当年评优评先资格")
    cs = civil_servant("钱多失信")
    record = dishonesty(cs, TODAY - datetime.timedelta(days=3), handling="通报批评")
    html = Client().get("/portal/integrity/honour/", {"kind": "black"}).content.decode()
    assert "钱***" in html and "钱多失信" not in html
    assert cs.natural_person.id_masked not in html
    assert record.document_no not in html
    assert "通报批评" in html and cs.unit_name in html
    assert "取消当年评优评先资格" in html


def test_an_unpublished_list_is_not_shown():
    honour_rule("red", published=False, require_excellent=False)
    civil_servant("王不公示")
    html = Client().get("/portal/integrity/honour/", {"kind": "red"}).content.decode()
    assert "暂不在本网站公示" in html and "王**" not in html


# --------------------------------------------------------------------------------------------
# One's own archive
# --------------------------------------------------------------------------------------------


def test_me_needs_a_real_name_login():
    response = Client().get("/portal/integrity/me/")
    assert response.status_code == 302
    assert reverse("identity:login") in response["Location"]


def test_a_civil_servant_reads_their_own_archive_audited():
    number = new_id_number()
    cs = civil_servant("陈本人", id_number=number, score=450, grade="C")
    record = archive_record(
        cs, DISCIPLINE, decided=TODAY - datetime.timedelta(days=10), payload={"result": "记过"}
    )
    score_item(cs, record, points=-50, start=record.decision_date, until=None)
    account = sign_in(name="陈本人", id_number=number)

    response = logged_in(account).get("/portal/integrity/me/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "陈本人" in html  # their own name in clear
    assert number not in html and cs.natural_person.id_masked in html
    assert "450" in html and "记过" in html and "-50" in html
    assert record.document_no in html
    assert f'href="/objections/new/?record={record.pk}"' in html  # 提出异议 on one's own record
    assert response["Cache-Control"] == "no-store"
    entry = AuditEntry.objects.get(event_type="integrity.own_archive_viewed")
    assert entry.object_id == str(cs.pk) and entry.after["account"] == account.pk
    assert number not in str(entry.after)


def test_someone_else_gets_a_clear_message_and_no_archive():
    civil_servant("陈他人", id_number=new_id_number())
    stranger = sign_in(name="路人乙", id_number=new_id_number())
    html = logged_in(stranger).get("/portal/integrity/me/").content.decode()
    assert "未查到您的公务员诚信档案" in html and "陈他人" not in html
    assert not AuditEntry.objects.filter(event_type="integrity.own_archive_viewed").exists()


def test_the_me_page_links_to_the_archive():
    account = sign_in(name="路人丙", id_number=new_id_number())
    html = logged_in(account).get(reverse("portal:me")).content.decode()
    assert 'href="/portal/integrity/me/"' in html
