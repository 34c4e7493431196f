"""The development identity provider: its made-up people are rows of the user model only because
django-oauth-toolkit needs one — they never sign in to the staff side, hold no permission and
are not in the user list; a staff login on the same browser is never taken for one of them;
the provider exists only where CREDIT_DEV_IDP turns it on, never in production."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import pytest
from django.test import Client
from oauth2_provider.models import Grant

from credit.accounts import selectors as users
from credit.accounts.roles import Role
from credit.accounts.services import create_user
from credit.core.access import principal_of
from credit.core.errors import ValidationFailed
from credit.identity.devidp import services
from credit.identity.devidp.models import DevIdentity

pytestmark = pytest.mark.django_db

PASSWORD = "Dev-pass-2026"


@pytest.fixture
def person(resident_id_factory) -> DevIdentity:
    return services.save_identity(
        login="tester", password=PASSWORD, name="冯测试", id_card=resident_id_factory()
    )


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
@pytest.mark.parametrize("username", ["devidp:tester", "tester"])
def test_a_made_up_person_cannot_sign_in_to_the_staff_side(person, url, username):
    client = Client()
    response = client.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302  # the workbench still asks for a login


def test_a_made_up_person_holds_no_permission(person):
    user = person.user
    assert user.username == "devidp:tester" and user.role == Role.API_CLIENT
    assert not (user.is_active or user.is_staff or user.is_superuser)
    assert not user.has_usable_password()
    assert principal_of(user).perms == frozenset()
    assert not principal_of(user).city_wide and not principal_of(user).departments
    assert not user.has_perm("accounts.view_user") and not user.get_all_permissions()


def test_made_up_people_are_not_in_the_user_list_and_their_prefix_is_reserved(
    person, admin_user, client
):
    assert not users.users_for(admin_user).filter(pk=person.user_id).exists()
    assert not users.users_for(admin_user, q="devidp").exists()
    client.force_login(admin_user)
    page = client.get("/accounts/users/?q=devidp").content.decode()
    assert "devidp:" not in page and "开发测试身份" not in page
    with pytest.raises(ValidationFailed) as refused:
        create_user(actor=None, username="devidp:staff", password="x" * 12, role=Role.AUDITOR)
    assert refused.value.code == "username_reserved"


def test_a_staff_login_on_the_same_browser_is_not_taken_for_a_person(admin_user, person):
    services.register_client(
        client_id="c1", client_secret="s1", redirect_uris=["http://127.0.0.1:1/cb/"]
    )
    client = Client()
    client.force_login(admin_user)
    query = (
        "response_type=code&client_id=c1&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2Fcb%2F"
        "&scope=openid&state=s&nonce=n&code_challenge=" + "a" * 43 + "&code_challenge_method=S256"
    )
    response = client.get(f"/dev-idp/authorize/?{query}")
    assert response.status_code == 302
    assert response["Location"].startswith("/dev-idp/login/?next=")
    assert not Grant.objects.exists()
    # Signed in on the provider's own page, the authorization is the person's, once.
    page = client.get(response["Location"])
    assert "冯测试" in page.content.decode() and services.DEMO_PASSWORD in page.content.decode()
    signed = client.post(
        response["Location"],
        {"login": "tester", "password": PASSWORD, "next": f"/dev-idp/authorize/?{query}"},
    )
    answer = client.get(signed["Location"])
    assert answer.status_code == 302 and answer["Location"].startswith("http://127.0.0.1:1/cb/?")
    assert Grant.objects.get().user == person.user
    assert client.session["_auth_user_id"] == str(admin_user.pk)  # the staff login untouched
    assert "devidp_user" not in client.session
    assert client.get(f"/dev-idp/authorize/?{query}")["Location"].startswith("/dev-idp/login/")


def test_the_provider_login_goes_only_to_its_own_authorization(person):
    client = Client()
    for next_url in ("https://evil.example/", "/portal/", "/dev-idp/authorize/"):
        response = client.post(
            "/dev-idp/login/", {"login": "tester", "password": PASSWORD, "next": next_url}
        )
        assert response.status_code == 200
        assert "请从信用常州网站的“实名登录”进入本页" in response.content.decode()
    assert "devidp_user" not in client.session


def test_the_demo_people_and_client_are_seeded_once(legal_person, resident_id_factory):
    from oauth2_provider.models import get_application_model

    from credit.subjects.models import LegalPerson, NaturalPerson
    from credit.subjects.services import register_natural_person

    register_natural_person(actor=None, name="演示甲", id_number=resident_id_factory())
    first = services.seed_demo_identities()
    again = services.seed_demo_identities()
    logins = ["citizen", "agent", "resident", "official"]
    assert [p.login for p in first] == [p.login for p in again] == logins
    assert DevIdentity.objects.filter(login__in=logins).count() == 4
    citizen = DevIdentity.objects.get(login="citizen")
    natural = NaturalPerson.objects.filter(id_type="resident_id").order_by("id").first()
    assert (citizen.name, citizen.id_masked) == (natural.name, natural.id_masked)
    agent = DevIdentity.objects.get(login="agent")
    assert agent.uscc == LegalPerson.objects.exclude(uscc="").order_by("id").first().uscc
    client = get_application_model().objects.get(client_id=services.DEMO_CLIENT_ID)
    assert client.redirect_uris.split() == sorted(services.DEMO_REDIRECT_URIS)
    assert client.skip_authorization and client.algorithm == "RS256"
    assert all(p.password == services.DEMO_PASSWORD for p in first)
    services.seed_demo_identities(company_uscc="no-such-company")  # a made-up company then
    made_up = DevIdentity.objects.get(login="agent")
    assert made_up.org_name == "常州市演示科技有限公司" and len(made_up.uscc) == 18


def test_the_demo_seeding_follows_the_switch_and_the_configured_issuer(settings):
    from oauth2_provider.models import get_application_model

    from credit.identity import demo

    settings.CREDIT_DEV_IDP = False
    assert demo.seed_demo_identities() == [] and demo.describe([]) == []
    assert not DevIdentity.objects.exists()
    settings.CREDIT_DEV_IDP = True
    settings.CREDIT_OIDC_ISSUER = "http://192.168.1.20:9000/dev-idp"
    people = demo.seed_demo_identities()
    client = get_application_model().objects.get(client_id=services.DEMO_CLIENT_ID)
    assert "http://192.168.1.20:9000/portal/account/callback/" in client.redirect_uris.split()
    lines = demo.describe(people)
    assert len(lines) == 5 and "citizen / Demo@2026" in lines[1]


def test_the_provider_is_mounted_only_when_turned_on(settings):
    def patterns() -> list[str]:
        spec = importlib.util.find_spec("credit.urls")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return [str(p.pattern) for p in module.urlpatterns]

    assert "dev-idp/" in patterns()
    settings.CREDIT_DEV_IDP = False
    assert not [p for p in patterns() if p.startswith("dev-idp")]


_PROGRAM = (
    "import json\n"
    "from credit import settings as s\n"
    "print(json.dumps({'dev': s.CREDIT_DEV_IDP, 'apps': s.INSTALLED_APPS,"
    " 'claims': s.CREDIT_OIDC_CLAIMS}))\n"
)


def _settings(env: str, **extra: str) -> subprocess.CompletedProcess:
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("CREDIT_", "DJANGO_"))},
        "CREDIT_ENV": env,
        "CREDIT_SECRET_KEY": "k" * 50,
        "CREDIT_FIELD_KEY": "A" * 43 + "=",
        "CREDIT_BLIND_INDEX_KEY": "B" * 43 + "=",
        "CREDIT_ALLOWED_HOSTS": "credit.changzhou.gov.cn",
        "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgres://credit@db:5432/credit",
        **extra,
    }
    return subprocess.run(
        [sys.executable, "-c", _PROGRAM], env=environ, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip


def test_production_never_has_the_provider_and_refuses_unsafe_login_settings():
    production = _settings("production", CREDIT_DEV_IDP="1")
    assert production.returncode == 0, production.stderr
    values = json.loads(production.stdout)
    assert values["dev"] is False and "oauth2_provider" not in values["apps"]
    plain = _settings(
        "production",
        CREDIT_OIDC_ISSUER="http://idp.example",
        CREDIT_OIDC_CLIENT_ID="c",
        CREDIT_OIDC_CLIENT_SECRET="s",
    )
    assert plain.returncode != 0 and "CREDIT_OIDC_ISSUER must be an https://" in plain.stderr
    callback = _settings("production", CREDIT_OIDC_REDIRECT_URI="http://credit.example/cb/")
    assert callback.returncode != 0 and "CREDIT_OIDC_REDIRECT_URI must be" in callback.stderr
    for extra, message in [
        ({"CREDIT_OIDC_SCOPES": "profile"}, "must contain openid"),
        ({"CREDIT_OIDC_ISSUER": "https://idp.example"}, "CREDIT_OIDC_CLIENT_ID"),
        ({"CREDIT_OIDC_CLAIMS": '{"mail": "email"}'}, "unknown fields"),
    ]:
        refused = _settings("test", **extra)
        assert refused.returncode != 0 and message in refused.stderr, refused.stderr[-300:]
    renamed = json.loads(_settings("test", CREDIT_OIDC_CLAIMS='{"id_number": "idcard"}').stdout)
    assert renamed["claims"]["id_number"] == "idcard" and renamed["claims"]["name"] == "name"
