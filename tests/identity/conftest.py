"""The real-name login's fixtures: the development identity provider served over HTTP by a live
server thread, the portal configured as its client, and a browser (``requests.Session``).

pytest-django's ``live_server`` fixture is not used as such: it turns every test that asks for
it into a ``transactional_db`` test, whose clean-up truncates all tables (the city, the
catalog, and the append-only tables that refuse it). Its server class is: it runs the site in
a thread of this process on its own database connection, so what it must see is committed here
(module-scoped, removed afterwards), and what it writes is read back committed.
"""

from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
import requests
from django.db import connection
from django.test import override_settings

from tests.conftest import append_only_bypass

PASSWORD = "Pw-0123456789"
CLIENT_ID = "portal-under-test"
CLIENT_SECRET = "portal-under-test-secret"
T = TypeVar("T")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Provider:
    """The live site (portal and development identity provider alike) and its made-up people:
    ``citizen`` and ``agent`` (of ``company_uscc``), with their ID numbers."""

    url: str
    citizen_id: str
    agent_id: str
    company_uscc: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/dev-idp"


def csrf_token(html: str) -> str:
    return CSRF.search(html).group(1)


def sign_in(browser: requests.Session, url: str, login: str, password: str = PASSWORD):
    """The browser's part of a real-name login that starts at ``url`` (the portal's login,
    with or without ``next``): to the provider, its login form, and back to the portal.
    Returns the last response (redirects followed)."""
    page = browser.get(url, timeout=30)
    assert "/dev-idp/login/" in page.url, page.url
    return browser.post(
        page.url,
        data={
            "csrfmiddlewaretoken": csrf_token(page.text),
            "login": login,
            "password": password,
            "next": re.search(r'name="next" value="([^"]*)"', page.text)
            .group(1)
            .replace("&amp;", "&"),
        },
        timeout=30,
    )


@pytest.fixture(scope="module")
def provider(django_db_setup, django_db_blocker, uscc_factory_module) -> Iterator[Provider]:
    from pytest_django.live_server_helper import LiveServer

    from credit.core.identifiers import make_resident_id
    from credit.identity.devidp import services

    server = LiveServer("127.0.0.1")
    info = Provider(
        url=server.url,
        citizen_id=make_resident_id("320402", datetime.date(1983, 4, 5), 101),
        agent_id=make_resident_id("320411", datetime.date(1991, 9, 9), 202),
        company_uscc=uscc_factory_module(),
    )
    with django_db_blocker.unblock():
        services.save_identity(
            login="citizen-t",
            password=PASSWORD,
            name="钱多多",
            id_card=info.citizen_id,
            phone="13912345678",
        )
        services.save_identity(
            login="agent-t",
            password=PASSWORD,
            name="周经办",
            id_card=info.agent_id,
            user_type="company",
            uscc=info.company_uscc,
            org_name="常州市往返测试有限公司",
        )
        services.register_client(
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
            redirect_uris=[f"{server.url}/portal/account/callback/"],
        )
    portal = override_settings(
        CREDIT_OIDC_ISSUER=info.issuer,
        CREDIT_OIDC_CLIENT_ID=CLIENT_ID,
        CREDIT_OIDC_CLIENT_SECRET=CLIENT_SECRET,
        CREDIT_OIDC_SCOPES="openid profile phone",
    )
    portal.enable()
    try:
        yield info
    finally:
        portal.disable()
        server.stop()
        with django_db_blocker.unblock():
            _remove(info)


def _remove(info: Provider) -> None:
    """Everything the module committed: accounts, made-up people (their rows, grants and
    tokens), the client, and their audit entries."""
    from oauth2_provider.models import get_application_model

    from credit.accounts.models import User
    from credit.core.models import AuditEntry
    from credit.identity.devidp.models import DevIdentity
    from credit.identity.models import PublicAccount

    accounts = PublicAccount.objects.filter(issuer=info.issuer)
    ids = [str(pk) for pk in accounts.values_list("pk", flat=True)]
    people = DevIdentity.objects.filter(login__in=["citizen-t", "agent-t"])
    people_ids = [str(pk) for pk in people.values_list("pk", flat=True)]
    with append_only_bypass():
        AuditEntry.objects.filter(object_type="identity.publicaccount", object_id__in=ids).delete()
        AuditEntry.objects.filter(
            object_type="devidp.devidentity", object_id__in=people_ids
        ).delete()
        AuditEntry.objects.filter(
            event_type="devidp.client_registered", object_repr=CLIENT_ID
        ).delete()
    accounts.delete()
    get_application_model().objects.filter(client_id=CLIENT_ID).delete()
    User.objects.filter(pk__in=people.values_list("user_id", flat=True)).delete()


@pytest.fixture(scope="module")
def uscc_factory_module():
    """A fresh valid USCC for module-scoped data (numbers apart from the shared factory's)."""
    import itertools

    from credit.core.identifiers import make_uscc

    serial = itertools.count(1)
    return lambda: make_uscc("91", "320402", f"{next(serial) + 60_000_000:08d}")


def committed(action: Callable[[], T]) -> T:
    """Run ``action`` on a connection of its own, committed at once: what the live server must
    see while the test's own connection is inside the test's transaction."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = action()
        except BaseException as exc:  # handed to the test below
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


@pytest.fixture
def live(provider, db) -> Provider:
    """The provider, in a test with database access (which pytest-django also opens to the
    server's thread). Reads see what the server committed; what the server must see the test
    writes with :func:`committed`."""
    return provider


@pytest.fixture
def browser() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session
