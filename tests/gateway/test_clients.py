"""Registering API clients: what may be granted, the command line, the secret shown once."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from credit.catalog.constants import UsageScope
from credit.catalog.models import CatalogItem
from credit.core import crypto
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department
from credit.gateway import services
from credit.gateway.models import ApiClient

pytestmark = pytest.mark.django_db


def _create(**changes):
    args = {
        "actor": None,
        "name": "审批系统",
        "kind": ApiClient.Kind.DEPARTMENT,
        "department": Department.objects.get(code="SCJG"),
        "ips": ["127.0.0.1"],
        "scopes": ["subjects:read"],
    } | changes
    return services.create_client(**args)


def test_the_secret_is_stored_encrypted_and_addresses_as_networks():
    client, secret = _create(ips=["10.1.2.3", " 10.1.0.0/16 ", "10.1.0.0/16"])
    assert secret.encode() not in bytes(client.secret_cipher)
    assert crypto.decrypt(client.secret_cipher, purpose=services.SECRET_PURPOSE) == secret
    assert client.allowed_ips == ["10.1.0.0/16", "10.1.2.3/32"]
    assert client.user.role == "api_client" and not client.user.has_usable_password()


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"ips": ["10.1.2.300"]}, "ip_invalid"),
        ({"ips": []}, "ip_required"),
        ({"scopes": ["subjects:write"]}, "scope_unknown"),
        (
            {"kind": "third_party", "department": None, "scopes": ["ingest:push"]},
            "scope_department_only",
        ),
        ({"department": None}, "client_department_required"),
        ({"rate_limit": 0}, "limit_invalid"),
    ],
)
def test_what_cannot_be_granted(changes, code):
    with pytest.raises(ValidationFailed) as refused:
        _create(**changes)
    assert refused.value.code == code


def test_items_never_beyond_their_usage_scope():
    CatalogItem.objects.filter(code="admin-license").update(usage_scope=UsageScope.SHARED)
    shared = CatalogItem.objects.get(code="admin-license")
    public = CatalogItem.objects.get(code="admin-penalty")
    client, _ = _create(items=[shared, public])  # a department may see shared data
    assert set(client.items.all()) == {shared, public}
    with pytest.raises(ValidationFailed) as refused:
        _create(name="第三方征信", kind="third_party", department=None, items=[shared])
    assert refused.value.code == "item_scope_exceeded"
    _create(name="第三方征信", kind="third_party", department=None, items=[public])


def test_only_the_credit_office_manages_clients(make_user):
    with pytest.raises(PermissionDenied):
        _create(actor=make_user("dept_officer"))
    client, _ = _create(actor=make_user("city_admin"))
    assert client.created_by is not None


def test_the_command_prints_the_key_and_secret_once_as_json():
    out = io.StringIO()
    call_command(
        "api_client",
        "create",
        "--name",
        "命令行系统",
        "--department",
        "SCJG",
        "--ip",
        "127.0.0.1/32",
        "--scope",
        "sanctions:check",
        "--scope",
        "subjects:read",
        "--json",
        stdout=out,
    )
    shown = json.loads(out.getvalue())
    client = ApiClient.objects.get(key=shown["key"])
    assert crypto.decrypt(client.secret_cipher, purpose=services.SECRET_PURPOSE) == shown["secret"]
    assert client.scopes == ["sanctions:check", "subjects:read"]
    listed = io.StringIO()
    call_command("api_client", "list", stdout=listed)
    assert shown["key"] in listed.getvalue() and shown["secret"] not in listed.getvalue()
    detail = io.StringIO()
    call_command("api_client", "show", shown["key"], stdout=detail)
    assert shown["secret"] not in detail.getvalue()

    rotated = io.StringIO()
    call_command("api_client", "rotate", shown["key"], "--json", stdout=rotated)
    assert json.loads(rotated.getvalue())["secret"] != shown["secret"]
    call_command(
        "api_client", "update", shown["key"], "--rate-limit", "7", "--contact", "李工",
        stdout=io.StringIO(),
    )  # fmt: skip
    call_command(
        "api_client", "disable", shown["key"], "--reason", "停用测试", stdout=io.StringIO()
    )
    client.refresh_from_db()
    assert client.rate_limit == 7 and client.contact == "李工" and not client.is_active


def test_the_command_explains_what_is_wrong():
    with pytest.raises(CommandError, match="scope_unknown"):
        call_command(
            "api_client", "create", "--name", "x", "--department", "SCJG",
            "--ip", "127.0.0.1", "--scope", "everything",
        )  # fmt: skip
    with pytest.raises(CommandError, match="department_not_found"):
        call_command(
            "api_client", "create", "--name", "x", "--department", "NOPE",
            "--ip", "127.0.0.1", "--scope", "subjects:read",
        )  # fmt: skip
