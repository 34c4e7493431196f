"""Lifting login locks (credit.accounts.login): the lockouts page under user management, the
``credit unlock-login`` command and the service behind both — scoped like user management
(a district administrator: its district's accounts only; addresses: city-wide only), audited.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command

from credit.accounts.login import selectors, services
from credit.accounts.roles import Role
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PAGE = "/accounts/users/lockouts/"


def attempt(client, username, password, *, ip="127.0.0.1"):
    data = {"username": username, "password": password, "captcha_0": "k", "captcha_1": "PASSED"}
    return client.post(LOGIN, data, REMOTE_ADDR=ip)


def lock(client, username, *, ip="127.0.0.1", times=10):
    for i in range(times):
        attempt(client, username, f"guess-{i}", ip=ip)


@pytest.fixture
def tianning_officer(make_user):
    return make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")


@pytest.fixture
def zhonglou_officer(make_user):
    return make_user(Role.DEPT_OFFICER, region="320404", department="ZLQ-SCJG")


def test_the_city_administrator_sees_and_lifts_a_lock_and_the_unlock_is_audited(
    client, admin_user, tianning_officer
):
    lock(client, tianning_officer.username)
    staff = client.__class__()
    staff.force_login(admin_user)
    page = staff.get(PAGE).content.decode()
    assert tianning_officer.username in page and "天宁" in page and "解除锁定" in page

    response = staff.post(PAGE, {"kind": "account", "value": tianning_officer.username})
    assert response.status_code == 302
    assert "已解除账号" in staff.get(PAGE).content.decode()
    entry = AuditEntry.objects.get(event_type="login.unlocked")
    assert entry.actor_id == admin_user.pk and entry.object_id == str(tianning_officer.pk)
    assert entry.before["failures"] == 10 and entry.before["locked_until"]
    assert entry.after == {
        "username": tianning_officer.username,
        "ip": None,
        "failures": 0,
        "via": "page",
    }
    assert attempt(client, tianning_officer.username, "pw").status_code == 302


def test_the_lockouts_page_says_when_there_is_none(client, admin_user):
    client.force_login(admin_user)
    page = client.get(PAGE).content.decode()
    assert "当前共 0 项锁定" in page and "目前没有被锁定的账号或地址" in page


def test_the_lockouts_page_is_for_user_administrators_only(client, make_user):
    assert client.get(PAGE).status_code == 302
    for role in (Role.DEPT_OFFICER, Role.CITY_REVIEWER, Role.AUDITOR):
        client.force_login(make_user(role))
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"kind": "address", "value": "127.0.0.1"}).status_code == 403


def test_a_district_administrator_cannot_unlock_another_districts_user(
    client, make_user, zhonglou_officer
):
    lock(client, zhonglou_officer.username)
    tianning_admin = make_user(Role.DISTRICT_ADMIN, region="320402")
    with pytest.raises(NotFound):
        services.unlock_login(actor=tianning_admin, username=zhonglou_officer.username)

    staff = client.__class__()
    staff.force_login(tianning_admin)
    assert zhonglou_officer.username not in staff.get(PAGE).content.decode()
    staff.post(PAGE, {"kind": "account", "value": zhonglou_officer.username})
    assert "其他辖市区的账号请联系市信用办管理员" in staff.get(PAGE).content.decode()
    assert selectors.login_state(username=zhonglou_officer.username, ip=None).account_locked
    assert not AuditEntry.objects.filter(event_type="login.unlocked").exists()


def test_a_district_administrator_unlocks_its_own_districts_user(
    client, make_user, tianning_officer
):
    lock(client, tianning_officer.username)
    tianning_admin = make_user(Role.DISTRICT_ADMIN, region="320402")
    assert [x.value for x in selectors.lockouts_for(tianning_admin)] == [tianning_officer.username]
    services.unlock_login(actor=tianning_admin, username=tianning_officer.username)
    assert not selectors.login_state(username=tianning_officer.username, ip=None).locked
    assert AuditEntry.objects.get(event_type="login.unlocked").actor_id == tianning_admin.pk


def test_only_a_city_wide_administrator_lifts_an_address_lock(client, settings, make_user):
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 5
    for i in range(5):
        attempt(client, f"nobody-{i}", "guess", ip="198.51.100.40")
    district = make_user(Role.DISTRICT_ADMIN, region="320402")
    assert selectors.lockouts_for(district) == []  # address locks are not shown to it
    with pytest.raises(PermissionDenied):
        services.unlock_login(actor=district, ip="198.51.100.40")

    city = make_user(Role.CITY_ADMIN)
    assert {(x.kind, x.value) for x in selectors.lockouts_for(city)} == {
        ("address", "198.51.100.40")
    }
    services.unlock_login(actor=city, ip="198.51.100.40")
    entry = AuditEntry.objects.get(event_type="login.unlocked")
    assert entry.object_id == "198.51.100.40" and entry.before["failures"] == 5
    assert not selectors.login_state(username=None, ip="198.51.100.40").locked


def test_unlocking_an_account_leaves_the_address_it_was_tried_from_locked(
    client, settings, admin_user, tianning_officer
):
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 10
    lock(client, tianning_officer.username, ip="198.51.100.50")  # locks both
    services.unlock_login(actor=admin_user, username=tianning_officer.username)
    state = selectors.login_state(username=tianning_officer.username, ip="198.51.100.50")
    assert not state.account_locked and state.address_locked and state.address_failures == 10
    assert attempt(client, tianning_officer.username, "pw", ip="198.51.100.50").status_code == 429
    assert attempt(client, tianning_officer.username, "pw", ip="198.51.100.51").status_code == 302
    # And the other way round: lifting the address keeps nothing against the account.
    services.unlock_login(actor=admin_user, ip="198.51.100.50")
    assert AccessAttempt.objects.filter(ip_address__isnull=False).count() == 0


def test_unlocking_what_is_not_locked_says_so(admin_user):
    with pytest.raises(NotFound, match="没有登录失败记录"):
        services.unlock_login(actor=admin_user, username="nobody")
    with pytest.raises(ValidationFailed, match="不是有效的 IP 地址"):
        services.unlock_login(actor=admin_user, ip="300.1.1.1")


def test_the_command_lifts_an_account_lock_as_the_system(client, capsys, tianning_officer):
    lock(client, tianning_officer.username)
    call_command("unlock_login", tianning_officer.username)
    assert "已解除账号" in capsys.readouterr().out
    entry = AuditEntry.objects.get(event_type="login.unlocked")
    assert entry.actor_id is None and entry.actor_repr == "system"
    assert entry.after["via"].startswith("cli:")
    assert attempt(client, tianning_officer.username, "pw").status_code == 302


def test_the_command_lists_and_lifts_an_address_lock(client, settings, capsys):
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 3
    for i in range(3):
        attempt(client, f"nobody-{i}", "guess", ip="198.51.100.60")
    call_command("unlock_login", "--list")
    assert "地址\t198.51.100.60\t输错 3 次" in capsys.readouterr().out
    call_command("unlock_login", "198.51.100.60")
    assert "已解除地址 198.51.100.60" in capsys.readouterr().out
    with pytest.raises(CommandError, match="login_lock_not_found"):
        call_command("unlock_login", "198.51.100.60")


def test_the_lockouts_page_reads_a_fixed_number_of_queries(
    client, settings, admin_user, make_user, django_assert_max_num_queries
):
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 1000
    for n in range(4):
        lock(client, make_user(Role.DEPT_OFFICER).username, ip=f"198.51.100.{70 + n}")
    client.force_login(admin_user)
    with django_assert_max_num_queries(8):
        page = client.get(PAGE).content.decode()
    assert "当前共 4 项锁定" in page
