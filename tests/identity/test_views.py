"""The real-name login's pages without a provider: not configured (503) or unreachable (502),
the header's menu, the "我的" page and who reaches it."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from credit.identity import services
from credit.identity.session import SESSION_KEY
from credit.objections import services as objections
from credit.objections.uploads import Upload
from tests.objections.conftest import PDF
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db

LOGIN, ME = "/portal/account/login/", "/portal/account/"
CONFIGURED = {
    "CREDIT_OIDC_ISSUER": "http://127.0.0.1:9/unreachable",
    "CREDIT_OIDC_CLIENT_ID": "portal",
    "CREDIT_OIDC_CLIENT_SECRET": "secret",
}


@pytest.fixture
def configured(settings):
    for name, value in CONFIGURED.items():
        setattr(settings, name, value)


def account_for(id_number: str, **extra):
    claims = {"sub": f"sub-{id_number[-8:]}", "name": "郑小明", "id_card": id_number, **extra}
    return services.sign_in(issuer="https://idp.example", claims=claims)


def signed_in(account) -> Client:
    client = Client()
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()
    return client


def test_without_an_identity_platform_the_login_says_so_and_is_not_offered(client, settings):
    settings.CREDIT_OIDC_ISSUER = ""
    for url in (LOGIN, "/portal/account/callback/?state=x&code=y"):
        response = client.get(url)
        assert response.status_code == 503
        assert "未配置实名认证" in response.content.decode()
    home = client.get("/portal/").content.decode()
    assert "实名登录" not in home and 'data-testid="account-menu"' not in home


def test_an_unreachable_identity_platform_is_a_chinese_page_not_an_error(client, configured):
    response = client.get(f"{LOGIN}?next=/portal/search/")
    assert response.status_code == 502
    assert "暂时无法连接省统一身份认证平台" in response.content.decode()


def test_the_header_offers_the_login_back_to_the_page_being_read(client, configured):
    page = client.get("/portal/search/?q=%E5%B8%B8%E5%B7%9E").content.decode()
    href = re.search(r'href="([^"]+)" data-testid="account-login"', page).group(1)
    assert href.startswith(f"{LOGIN}?next=")
    assert parse_qs(urlsplit(href).query)["next"] == ["/portal/search/?q=%E5%B8%B8%E5%B7%9E"]


def test_the_header_names_the_signed_in_account_masked_with_a_logout(resident_id_factory):
    account = account_for(resident_id_factory())
    page = signed_in(account).get("/portal/").content.decode()
    assert '我的<span class="who">（郑**）</span>' in page
    assert 'action="/portal/account/logout/"' in page and "郑小明" not in page
    assert 'data-testid="account-login"' not in page


def test_my_page_needs_a_real_name_account_not_a_staff_login(client, admin_user):
    response = client.get(ME)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fportal%2Faccount%2F"
    client.force_login(admin_user)
    assert client.get(ME)["Location"].startswith(LOGIN)


def test_a_signed_in_account_going_to_the_login_goes_on(resident_id_factory, configured):
    client = signed_in(account_for(resident_id_factory()))
    assert client.get(f"{LOGIN}?next=/portal/notices/")["Location"] == "/portal/notices/"
    assert client.get(f"{LOGIN}?next=https://evil.example/")["Location"] == ME


def test_logout_is_a_post_and_harmless_without_an_account(client):
    assert client.get("/portal/account/logout/").status_code == 405
    response = client.post("/portal/account/logout/")
    assert response.status_code == 302 and response["Location"] == "/portal/"


def _objection(admin_user, record, id_number: str) -> str:
    return objections.record_offline_objection(
        actor=admin_user,
        record=record,
        name="申请人",
        id_number=id_number,
        phone="13800138000",
        reason="该信息与事实不符。",
        files=[Upload("证明.pdf", PDF, "")],
    ).number


def test_my_page_lists_only_my_own_cases(
    admin_user, legal_person, resident_id_factory, django_assert_max_num_queries
):
    mine, theirs = resident_id_factory(), resident_id_factory()
    records = [
        penalty(legal_person, "TNQ-SCJG", f"天市监罚〔2026〕7{n}号").record for n in range(3)
    ]
    own = _objection(admin_user, records[0], mine)
    other = _objection(admin_user, records[1], theirs)
    company = _objection(admin_user, records[2], legal_person.uscc)
    person = signed_in(account_for(mine))
    with django_assert_max_num_queries(5):  # session, account, one query per list
        page = person.get(ME).content.decode()
    assert own in page and other not in page and company not in page
    assert f"/objections/track/?number={own}" in page
    assert "天市监罚〔2026〕70号" in page
    assert "还没有提交过信用修复申请" in page
    agent = signed_in(
        account_for(
            resident_id_factory(),
            user_type="company",
            uscc=legal_person.uscc,
            org_name=legal_person.name,
        )
    )
    page = agent.get(ME).content.decode()
    assert company in page and own not in page and other not in page
    assert legal_person.uscc in page and legal_person.name in page


def test_my_page_shows_the_identity_masked_and_says_why_lists_are_empty(resident_id_factory):
    number = resident_id_factory()
    page = signed_in(account_for(number)).get(ME).content.decode()
    assert number not in page and f"{number[:3]}{'*' * 11}{number[-4:]}" in page
    assert "还没有提交过信用异议申请" in page and "还没有提交过信用修复申请" in page


def test_a_session_naming_no_account_is_no_login(client):
    session = client.session
    session[SESSION_KEY] = "1 OR 1=1"
    session.save()
    assert client.get(ME).status_code == 302
