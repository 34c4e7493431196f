"""``credit check-deploy``: fails on the test configuration with each finding in Chinese, passes
a good production configuration, and ``credit check --deploy`` shows the platform's checks."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import connection

pytestmark = pytest.mark.django_db

GOOD_PRODUCTION = {
    "ENV": "production",
    "PRODUCTION": True,
    "DEBUG": False,
    "ALLOWED_HOSTS": ["credit.changzhou.gov.cn"],
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "CREDIT_TRUSTED_PROXIES": ["10.20.0.5", "10.20.0.6"],
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "CSRF_COOKIE_HTTPONLY": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
    "SECURE_SSL_REDIRECT": True,
    "SILENCED_SYSTEM_CHECKS": ["security.W021"],
    "CREDIT_SMS_BACKEND": "credit.objections.sms.MemoryBackend",
    "CREDIT_REPORT_SIGNER_PKCS12": "/etc/credit/report-signer.p12",
    "CREDIT_REPORT_TRUST_ROOTS": ["/etc/credit/report-ca.pem"],
    "CREDIT_PUBLIC_BASE_URL": "https://credit.changzhou.gov.cn",
}


def _run(*args: str) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("check_deploy", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.fixture
def production(settings, monkeypatch):
    """A good production configuration, on a plain (not superuser, not owner) database role."""
    for name, value in GOOD_PRODUCTION.items():
        setattr(settings, name, value)
    monkeypatch.setenv("DATABASE_URL", "postgres://credit_app@db-primary:5432/credit")
    with connection.cursor() as cursor:
        role = f"credit_app_{uuid.uuid4().hex[:12]}"
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"SET LOCAL ROLE {role}")  # rolled back with the test's transaction
    return settings


def test_the_test_configuration_fails_with_each_finding_in_chinese():
    out, error = _run()
    assert error is not None and "部署检查未通过" in str(error)
    for finding in (
        "[错误] credit.E001  CREDIT_ENV 不是 production（当前为 test）",
        "[错误] credit.E011  会话 Cookie 未设置 Secure",
        "[错误] credit.E012  CSRF Cookie 未设置 Secure",
        "[警告] credit.W001  ALLOWED_HOSTS 包含本机名称",
        "[警告] security.W004  未设置 SECURE_HSTS_SECONDS",
        "处理：设置 CREDIT_ENV=production",
    ):
        assert finding in out
    assert out.index("credit.E001") < out.index("credit.W001")  # errors first
    assert "错误 " in out.splitlines()[-1] and "警告 " in out.splitlines()[-1]


def test_a_good_production_configuration_passes(production):
    out, error = _run("--fail-level", "WARNING")
    assert error is None, out
    assert out.strip() == "部署检查通过：未发现问题。"


@pytest.mark.parametrize(
    ("changes", "finding"),
    [
        ({"DEBUG": True}, "credit.E002"),
        ({"ALLOWED_HOSTS": ["*"]}, "credit.E007"),
        ({"CREDIT_TRUSTED_PROXIES": ["0.0.0.0/0"]}, "credit.E008"),
        ({"SESSION_COOKIE_SECURE": False}, "credit.E011"),
        ({"CREDIT_REPORT_SIGNER_PKCS12": ""}, "reports.E001"),
        ({"CREDIT_PUBLIC_BASE_URL": ""}, "reports.E002"),
    ],
)
def test_one_unsafe_production_setting_fails_the_check(production, changes, finding):
    for name, value in changes.items():
        setattr(production, name, value)
    out, error = _run()
    assert error is not None
    assert finding in out


def test_the_embedded_database_fails_the_check(production, monkeypatch):
    monkeypatch.delenv("DATABASE_URL")
    out, error = _run()
    assert error is not None and "credit.E009" in out


def test_warnings_fail_only_at_the_warning_level(production):
    production.CREDIT_TRUSTED_PROXIES = []
    production.CREDIT_SMS_BACKEND = "credit.objections.sms.LogBackend"
    out, error = _run()
    assert error is None
    assert "[警告] credit.W002" in out and "[警告] objections.W001" in out
    assert _run("--fail-level", "WARNING")[1] is not None


def test_djangos_check_deploy_shows_the_platform_checks():
    with pytest.raises(SystemCheckError) as raised:
        call_command("check", deploy=True, stdout=io.StringIO(), stderr=io.StringIO())
    assert "credit.E001" in str(raised.value)
