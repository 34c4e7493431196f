"""Objections (异议) and credit repair (信用修复) (A4)."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class ObjectionsConfig(AppConfig):
    name = "credit.objections"
    label = "objections"
    verbose_name = "异议与信用修复"

    def ready(self) -> None:
        checks.register(check_sms_backend, checks.Tags.security)


def check_sms_backend(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production must send real SMS: the log backend writes verification codes to the log."""
    from credit.objections import sms

    if getattr(settings, "PRODUCTION", False) and sms.backend_path() == sms.DEFAULT_BACKEND:
        return [
            checks.Warning(
                "CREDIT_SMS_BACKEND 仍为开发用的日志后端：验证码写入日志而不发送短信",
                hint="将 CREDIT_SMS_BACKEND 设为对接短信平台的后端类（见 docs/objections.md）",
                id="objections.W001",
            )
        ]
    return []
