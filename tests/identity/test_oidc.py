"""The OpenID Connect round trip against a real provider over HTTP: the portal (the client)
and the development identity provider (django-oauth-toolkit) run in a live server, the
browser is a ``requests.Session``, and the portal's back-channel calls (discovery, keys,
token, userinfo) go over HTTP to the provider. No token is made by hand."""

from __future__ import annotations

import re
from importlib import import_module
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.conf import settings

from credit.core import crypto
from credit.core.masking import mask_id_number
from credit.core.models import AuditEntry
from credit.identity import services
from credit.identity.devidp import services as devidp
from credit.identity.devidp.models import DevIdentity
from credit.identity.models import PublicAccount
from tests.identity.conftest import PASSWORD, committed, csrf_token, sign_in

pytestmark = pytest.mark.django_db

LOGIN = "/portal/account/login/"


def _session(browser: requests.Session) -> dict:
    """What the server keeps in the browser's session."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    return store(browser.cookies.get(settings.SESSION_COOKIE_NAME)).load()


def _account(live, login: str) -> PublicAccount:
    user_id = DevIdentity.objects.get(login=login).user_id
    return PublicAccount.objects.get(issuer=live.issuer, sub=str(user_id))


def _callback(browser: requests.Session, live, login: str, next_url: str = "") -> str:
    """Play the browser up to the provider's answer; return the callback URL, not opened."""
    start = f"{live.url}{LOGIN}" + (f"?next={next_url}" if next_url else "")
    page = browser.get(start, timeout=30)
    form = re.search(r'name="next" value="([^"]*)"', page.text).group(1).replace("&amp;", "&")
    answer = browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "login": login,
            "password": PASSWORD,
            "next": form,
        },
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302 and "/dev-idp/authorize/" in answer.headers["Location"]
    authorized = browser.get(live.url + answer.headers["Location"], allow_redirects=False)
    assert authorized.status_code == 302, authorized.text[:500]
    callback = authorized.headers["Location"]
    assert callback.startswith(f"{live.url}/portal/account/callback/?")
    return callback


def test_a_citizen_signs_in_through_the_provider_and_returns_to_the_page_asked_for(live, browser):
    response = sign_in(
        browser, f"{live.url}{LOGIN}?next=/portal/search/%3Fq%3D%E5%B8%B8", "citizen-t"
    )
    assert response.status_code == 200, response.text[-1500:]
    assert response.url == f"{live.url}/portal/search/?q=%E5%B8%B8"
    account = _account(live, "citizen-t")
    assert (account.kind, account.name, account.phone_masked) == ("person", "钱多多", "139****5678")
    assert services.id_number_of(account) == live.citizen_id
    assert account.id_index == crypto.id_index("resident_id", live.citizen_id)
    assert account.id_masked == mask_id_number(live.citizen_id)
    assert 'data-testid="account-me"' in response.text and "钱**" in response.text
    session = _session(browser)
    assert session.get("public_account") == account.pk
    assert "_auth_user_id" not in session  # nobody signed in to the staff side
    assert not [key for key in session if key.startswith(("_state_", "devidp"))]
    me = browser.get(f"{live.url}/portal/account/", timeout=30)
    assert me.status_code == 200
    assert account.id_masked in me.text and live.citizen_id not in me.text


def test_a_second_login_brings_the_same_account_up_to_date(live, browser):
    sign_in(browser, f"{live.url}{LOGIN}", "citizen-t")
    first = _account(live, "citizen-t")
    renamed = {"login": "citizen-t", "password": PASSWORD, "id_card": live.citizen_id}
    committed(lambda: devidp.save_identity(**renamed, name="钱多来", phone="13912345678"))
    try:
        with requests.Session() as other:
            done = sign_in(other, f"{live.url}{LOGIN}", "citizen-t")
        assert done.url == f"{live.url}/portal/account/"
        again = _account(live, "citizen-t")
    finally:
        committed(lambda: devidp.save_identity(**renamed, name="钱多多", phone="13912345678"))
    assert again.pk == first.pk and again.name == "钱多来"
    assert PublicAccount.objects.filter(issuer=live.issuer, sub=again.sub).count() == 1
    assert again.last_login_at > first.last_login_at
    assert AuditEntry.objects.filter(
        event_type="identity.account_updated", object_id=str(again.pk), after__changed=["name"]
    ).exists()


def test_a_company_agent_signs_in_with_the_company(live, browser):
    response = sign_in(browser, f"{live.url}{LOGIN}", "agent-t")
    assert response.url == f"{live.url}/portal/account/"
    account = _account(live, "agent-t")
    assert (account.kind, account.uscc) == ("company", live.company_uscc)
    assert account.org_name == "常州市往返测试有限公司"
    assert live.company_uscc in response.text and "常州市往返测试有限公司" in response.text


def test_an_answer_with_a_forged_state_is_refused_and_a_code_is_used_once(live, browser):
    callback = _callback(browser, live, "citizen-t")
    query = parse_qs(urlsplit(callback).query)
    assert query["iss"] == [live.issuer] and query["code"] and query["state"]
    logins = AuditEntry.objects.filter(event_type="identity.login").count()
    forged = re.sub(r"state=[^&]+", "state=forged-state", callback)
    refused = browser.get(forged, timeout=30)
    assert refused.status_code == 400
    assert "实名登录未完成" in refused.text and "登录请求已失效" in refused.text
    assert "public_account" not in _session(browser)
    assert AuditEntry.objects.filter(event_type="identity.login").count() == logins
    with requests.Session() as stranger:  # another browser with the genuine answer
        assert stranger.get(callback, timeout=30).status_code == 400
    assert browser.get(callback, timeout=30).status_code == 200  # the genuine one, once
    assert "public_account" in _session(browser)
    replayed = browser.get(callback, timeout=30)
    assert replayed.status_code == 400 and "登录请求已失效" in replayed.text


def _tamper(browser: requests.Session, field: str) -> None:
    """Change the nonce or PKCE verifier the portal keeps for the login under way."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    session = store(browser.cookies.get(settings.SESSION_COOKIE_NAME))

    def change() -> None:
        (key,) = [k for k, _ in session.items() if k.startswith("_state_")]
        state = session[key]
        state["data"][field] = "x" * len(state["data"][field])
        session[key] = state
        session.save()

    committed(change)


@pytest.mark.parametrize("field", ["nonce", "code_verifier"])
def test_an_id_token_for_another_nonce_or_a_code_without_its_verifier_is_refused(
    live, browser, field
):
    callback = _callback(browser, live, "citizen-t")
    _tamper(browser, field)
    refused = browser.get(callback, timeout=30)
    assert refused.status_code == 400
    assert "未通过校验" in refused.text
    assert "public_account" not in _session(browser)


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/portal/", "//evil.example/portal/", "/portal/%2e%2e/admin/"],
)
def test_a_next_address_outside_the_portal_is_ignored(live, browser, next_url):
    response = sign_in(browser, f"{live.url}{LOGIN}?next={next_url}", "citizen-t")
    assert response.url == f"{live.url}/portal/account/"
    assert all(urlsplit(r.headers.get("Location", "")).netloc in ("", urlsplit(live.url).netloc)
               for r in response.history)  # fmt: skip


def test_logout_ends_the_session(live, browser):
    me = sign_in(browser, f"{live.url}{LOGIN}", "citizen-t")
    account = _account(live, "citizen-t")
    before = browser.cookies.get(settings.SESSION_COOKIE_NAME)
    out = browser.post(
        f"{live.url}/portal/account/logout/",
        data={"csrfmiddlewaretoken": csrf_token(me.text)},
        timeout=30,
    )
    assert out.url == f"{live.url}/portal/" and "您已退出实名登录" in out.text
    assert 'data-testid="account-login"' in out.text
    assert browser.cookies.get(settings.SESSION_COOKIE_NAME) != before
    assert not _session(browser).get("public_account")
    again = browser.get(f"{live.url}/portal/account/", allow_redirects=False, timeout=30)
    assert again.status_code == 302 and again.headers["Location"].startswith(LOGIN)
    assert AuditEntry.objects.filter(event_type="identity.logout", object_id=str(account.pk))


def test_a_wrong_password_at_the_provider_is_said_in_chinese(live, browser):
    page = browser.get(f"{live.url}{LOGIN}", timeout=30)
    wrong = browser.post(
        page.url,
        data={"csrfmiddlewaretoken": csrf_token(page.text), "login": "citizen-t", "password": "x"},
        timeout=30,
    )
    assert wrong.status_code == 200 and "登录名或密码不正确" in wrong.text
    assert "/dev-idp/login/" in wrong.url
