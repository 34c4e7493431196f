"""A client's organisation USCC (机构统一社会信用代码): the code by which a subject's
authorisation names a third party. Checked when registered or changed, audited before and
after, entered and shown on the client's pages."""

from __future__ import annotations

import pytest

from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.gateway import services
from credit.gateway.models import ApiClient

pytestmark = pytest.mark.django_db


def _third_party(name: str = "某银行信贷系统", **extra):
    return services.create_client(
        actor=None,
        name=name,
        kind=ApiClient.Kind.THIRD_PARTY,
        ips=["127.0.0.1"],
        scopes=["reports:request"],
        **extra,
    )


def test_the_organisation_uscc_is_checked_and_normalised(uscc_factory):
    code = uscc_factory()
    client, _ = _third_party(org_uscc=f" {code.lower()} ")
    assert client.org_uscc == code
    with pytest.raises(ValidationFailed) as refused:
        _third_party(name="另一家", org_uscc=code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert refused.value.code == "org_uscc_invalid"


def test_a_change_is_audited_before_and_after(uscc_factory):
    first, second = uscc_factory(), uscc_factory()
    client, _ = _third_party(org_uscc=first)
    services.update_client(actor=None, client=client, org_uscc=second)
    client.refresh_from_db()
    assert client.org_uscc == second
    entry = AuditEntry.objects.get(event_type="apiclient.updated", object_id=str(client.pk))
    assert (entry.before["org_uscc"], entry.after["org_uscc"]) == (first, second)
    services.update_client(actor=None, client=client, contact="李工")  # None keeps it
    client.refresh_from_db()
    assert client.org_uscc == second
    with pytest.raises(ValidationFailed):
        services.update_client(actor=None, client=client, org_uscc="123")
    client.refresh_from_db()
    assert client.org_uscc == second


def test_the_pages_take_and_show_it(client, admin_user, uscc_factory):
    client.force_login(admin_user)
    code = uscc_factory()
    data = {
        "name": "某保险公司承保系统",
        "kind": "third_party",
        "org_uscc": code,
        "ips": "127.0.0.1",
        "scopes": ["reports:request"],
        "rate_limit": 5,
        "daily_quota": 100,
    }
    response = client.post("/gateway/clients/new/", data | {"org_uscc": "91320400XXXXXXXXX"})
    assert response.status_code == 200 and "org_uscc" in response.context["form"].errors
    assert not ApiClient.objects.exists()
    assert client.post("/gateway/clients/new/", data).status_code == 200  # the secret page
    api_client = ApiClient.objects.get()
    assert api_client.org_uscc == code
    page = client.get(f"/gateway/clients/{api_client.pk}/").content.decode()
    assert code in page and "机构统一社会信用代码" in page
    edit = client.get(f"/gateway/clients/{api_client.pk}/edit/")
    assert edit.context["form"].initial["org_uscc"] == code
