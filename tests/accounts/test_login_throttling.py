"""Login protection (credit.accounts.login): a captcha after a few failed logins, then a lock
per account and per address that ends by itself, a Chinese lockout page, audit entries; for the
staff login and the Django admin's alike. Axes is on, as in production; only the captcha's
answer is known in tests ("PASSED", CAPTCHA_TEST_MODE)."""

from __future__ import annotations

import datetime
import os
import re
import subprocess
import sys

import pytest
from axes.models import AccessAttempt
from captcha.models import CaptchaStore
from django.db.models import F, Sum
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
NGINX = "10.20.0.2"


def attempt(client, username, password, *, captcha="PASSED", url=LOGIN, ip=None, via=None):
    """One login POST; ``captcha=None`` sends no captcha, ``via`` an X-Forwarded-For."""
    data = {"username": username, "password": password}
    if captcha is not None:
        data |= {"captcha_0": "any-key", "captcha_1": captcha}
    extra = {}
    if ip:
        extra["REMOTE_ADDR"] = ip
    if via:
        extra["HTTP_X_FORWARDED_FOR"] = via
    return client.post(url, data, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def failures(**filters) -> int:
    return AccessAttempt.objects.filter(**filters).aggregate(n=Sum("failures_since_start"))["n"]


@pytest.fixture
def officer(make_user):
    return make_user(Role.DEPT_OFFICER)  # password "pw"


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in(client, officer):
    statuses = [attempt(client, officer.username, f"guess-{i}").status_code for i in range(30)]
    response = attempt(client, officer.username, "pw")
    assert response.status_code == 429
    assert not logged_in(client)
    assert statuses[:9] == [200] * 9 and set(statuses[9:]) == {429}  # locked at the 10th
    # Attempts made while locked are refused unseen and do not prolong the lock.
    assert failures(username=officer.username) == 10


def test_the_right_password_logs_in_before_any_failure(client, officer):
    response = attempt(client, officer.username, "pw", captcha=None)
    assert response.status_code == 302 and logged_in(client)
    assert not client.get(LOGIN).context["form"].captcha_required


def test_after_three_failures_the_form_asks_for_a_captcha_and_the_password_alone_fails(
    client, officer
):
    for i in range(2):
        response = attempt(client, officer.username, f"wrong-{i}", captcha=None)
        assert not response.context["form"].captcha_required
    response = attempt(client, officer.username, "wrong-2", captcha=None)
    assert response.context["form"].captcha_required  # the third failure brings the captcha
    assert 'name="captcha_1"' in response.content.decode()
    assert client.get(LOGIN).context["form"].captcha_required  # the address has 3 failures

    without = attempt(client, officer.username, "pw", captcha=None)
    assert without.status_code == 200 and not logged_in(client)
    assert "请输入图中的验证码" in without.content.decode()
    wrong = attempt(client, officer.username, "pw", captcha="WRONG")
    assert wrong.status_code == 200 and not logged_in(client)
    assert "验证码不正确" in wrong.content.decode()
    # Without the right captcha the password is not even checked, so nothing was counted.
    assert failures(username=officer.username) == 3

    right = attempt(client, officer.username, "pw", captcha="PASSED")
    assert right.status_code == 302 and logged_in(client)


def test_the_login_page_warns_how_many_failures_remain(client, officer):
    for i in range(4):
        response = attempt(client, officer.username, f"wrong-{i}")
    page = response.content.decode()
    assert "已输错密码 4 次" in page and "再输错 6 次将被暂时锁定 30 分钟" in page
    assert "用户名或密码不正确" in page


def test_a_real_captcha_image_is_drawn_and_its_answer_checked(client, officer):
    for i in range(3):
        attempt(client, officer.username, f"wrong-{i}")
    page = client.get(LOGIN).content.decode()
    key = re.search(r'name="captcha_0" value="([0-9a-f]+)"', page).group(1)
    image = client.get(f"/captcha/image/{key}/")
    assert image.status_code == 200 and image["Content-Type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")  # Pillow with simple-captcha's own font
    answer = CaptchaStore.objects.get(hashkey=key).response
    response = client.post(
        LOGIN,
        {"username": officer.username, "password": "pw", "captcha_0": key, "captcha_1": answer},
    )
    assert response.status_code == 302 and logged_in(client)
    assert not CaptchaStore.objects.filter(hashkey=key).exists()  # one answer per image


def test_an_address_trying_many_usernames_is_locked(client, settings, make_user):
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 5
    victim = make_user(Role.DEPT_OFFICER)
    for i in range(5):
        attempt(client, f"nobody-{i}", "guess", ip="198.51.100.7")
    assert AccessAttempt.objects.filter(ip_address="198.51.100.7").count() == 5

    response = attempt(client, victim.username, "pw", ip="198.51.100.7")
    assert response.status_code == 429 and not logged_in(client)
    assert "您所在的网络地址（198.51.100.7）" in response.content.decode()
    # The account itself has no failure: from another address it logs in.
    response = attempt(client, victim.username, "pw", ip="198.51.100.8")
    assert response.status_code == 302 and logged_in(client)


def test_one_account_tried_from_many_addresses_behind_a_trusted_proxy_is_locked(
    client, settings, officer, make_user
):
    settings.CREDIT_TRUSTED_PROXIES = [NGINX]
    for i in range(10):
        attempt(client, officer.username, "guess", ip=NGINX, via=f"203.0.113.{i + 1}")
    counted = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert counted == {f"203.0.113.{i + 1}" for i in range(10)}  # the clients, not the proxy

    response = attempt(client, officer.username, "pw", ip=NGINX, via="203.0.113.200")
    assert response.status_code == 429 and not logged_in(client)
    assert f"账号“{officer.username}”" in response.content.decode()
    # None of those addresses is locked: another account logs in from one of them.
    colleague = make_user(Role.DEPT_OFFICER)
    response = attempt(client, colleague.username, "pw", ip=NGINX, via="203.0.113.1")
    assert response.status_code == 302 and logged_in(client)


def test_without_trusted_proxies_the_forwarded_address_is_ignored(client, settings, officer):
    settings.CREDIT_TRUSTED_PROXIES = []
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 5
    for i in range(5):
        attempt(client, f"nobody-{i}", "guess", ip=NGINX, via=f"203.0.113.{i + 1}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {NGINX}
    # A forged header does not get the caller a fresh address.
    response = attempt(client, officer.username, "pw", ip=NGINX, via="203.0.113.99")
    assert response.status_code == 429 and not logged_in(client)


def _lock(client, username):
    for i in range(10):
        attempt(client, username, f"guess-{i}")


def _age_failures(minutes: int) -> None:
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - datetime.timedelta(minutes=minutes)
    )


def test_a_lock_ends_by_itself_after_the_cool_off(client, officer):
    _lock(client, officer.username)
    _age_failures(29)
    assert attempt(client, officer.username, "pw").status_code == 429  # still inside 30 minutes
    _age_failures(2)
    response = attempt(client, officer.username, "pw", captcha=None)
    assert response.status_code == 302 and logged_in(client)


def test_the_cool_off_comes_from_the_settings(client, settings, officer):
    settings.CREDIT_LOGIN_COOLOFF_MINUTES = 5
    _lock(client, officer.username)
    _age_failures(6)
    assert attempt(client, officer.username, "pw").status_code == 302


def test_the_lockout_page_says_in_chinese_what_is_locked_until_when_and_whom_to_ask(
    client, officer
):
    _lock(client, officer.username)
    response = attempt(client, officer.username, "pw")
    page = response.content.decode()
    last = AccessAttempt.objects.get(username=officer.username).attempt_time
    until = timezone.localtime(last + datetime.timedelta(minutes=30))
    assert response.status_code == 429
    assert "登录已暂时锁定" in page and f"账号“{officer.username}”" in page
    assert f"{until:%Y}年{until.month}月{until.day}日 {until:%H:%M}" in page
    assert "市信用办管理员" in page and "自动解除" in page
    assert "Account locked" not in page and "too many login attempts" not in page
    assert 1 <= int(response["Retry-After"]) <= 30 * 60
    assert 'class="card narrow"' in page  # the login page's layout


def test_a_failed_login_is_audited_with_username_and_address_but_never_the_password(
    client, officer
):
    attempt(client, officer.username, "Typed-Secret-123", captcha=None, ip="198.51.100.20")
    entry = AuditEntry.objects.get(event_type="login.failed")
    assert entry.after["username"] == officer.username and entry.after["ip"] == "198.51.100.20"
    assert entry.object_type == "accounts.user" and entry.object_id == str(officer.pk)
    assert entry.source_ip == "198.51.100.20" and entry.actor_repr == "system"
    stored = [str(e.after) + str(e.before) for e in AuditEntry.objects.all()]
    stored += list(AccessAttempt.objects.values_list("post_data", flat=True))
    assert not any("Typed-Secret-123" in text for text in stored)


def test_a_lockout_is_audited_once_and_refused_attempts_as_blocked(client, officer):
    for i in range(15):
        attempt(client, officer.username, f"guess-{i}")
    locked = AuditEntry.objects.filter(event_type="login.locked")
    assert locked.count() == 1
    assert locked.get().after["kind"] == "account" and locked.get().after["failures"] == 10
    assert locked.get().after["locked_until"]
    failed = AuditEntry.objects.filter(event_type="login.failed")
    assert failed.count() == 15
    assert failed.filter(after__blocked=True).count() == 5


def test_an_address_lockout_is_audited_as_the_address(client, settings):
    settings.CREDIT_LOGIN_ADDRESS_LOCK_AFTER = 3
    for i in range(3):
        attempt(client, f"nobody-{i}", "guess", ip="198.51.100.30")
    entry = AuditEntry.objects.get(event_type="login.locked")
    assert entry.after["kind"] == "address" and entry.object_id == "198.51.100.30"


def test_the_admin_login_is_protected_too(client, admin_user):
    for i in range(3):
        response = attempt(client, admin_user.username, f"wrong-{i}", captcha=None, url=ADMIN_LOGIN)
    assert response.context["form"].captcha_required
    assert 'name="captcha_1"' in response.content.decode()
    response = attempt(client, admin_user.username, "pw", captcha=None, url=ADMIN_LOGIN)
    assert response.status_code == 200 and not logged_in(client)
    for i in range(7):
        response = attempt(client, admin_user.username, f"guess-{i}", url=ADMIN_LOGIN)
    assert response.status_code == 429 and "登录已暂时锁定" in response.content.decode()
    response = attempt(client, admin_user.username, "pw", url=ADMIN_LOGIN)
    assert response.status_code == 429 and not logged_in(client)
    # The same account is locked on the staff login page as well.
    assert attempt(client, admin_user.username, "pw").status_code == 429
    assert AuditEntry.objects.filter(event_type="login.failed", after__path=ADMIN_LOGIN).count()


def test_failures_on_the_staff_login_bring_the_captcha_to_the_admin_login(client, admin_user):
    for i in range(3):
        attempt(client, admin_user.username, f"wrong-{i}", captcha=None)
    assert client.get(ADMIN_LOGIN).context["form"].captcha_required
    response = attempt(client, admin_user.username, "pw", url=ADMIN_LOGIN)
    assert response.status_code == 302 and logged_in(client)


def _start(**environ: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh process, as a web process or command does at start-up."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CREDIT_LOGIN_")},
        "DJANGO_SETTINGS_MODULE": "credit.settings_test",
        **environ,
    }
    program = "import credit.settings_test as s; print(s.CREDIT_LOGIN_COOLOFF_MINUTES)"
    return subprocess.run(
        [sys.executable, "-c", program], env=env, capture_output=True, text=True, timeout=60
    )


def test_a_lock_is_never_forever_a_cool_off_of_zero_refuses_to_start():
    assert _start().stdout.strip() == "30"
    refused = _start(CREDIT_LOGIN_COOLOFF_MINUTES="0")
    assert refused.returncode != 0
    assert "CREDIT_LOGIN_COOLOFF_MINUTES must be between 1 and 1440" in refused.stderr
    assert _start(CREDIT_LOGIN_LOCK_AFTER="ten").returncode != 0
