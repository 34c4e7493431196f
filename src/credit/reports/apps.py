"""Credit reports (信用报告, A2)."""

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class ReportsConfig(AppConfig):
    name = "credit.reports"
    label = "reports"
    verbose_name = "信用报告"

    def ready(self) -> None:
        checks.register(check_signing, checks.Tags.security)


def check_signing(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Production signs with its own certificate and verifies against named roots: the
    development keys under var/ are refused there, and without trust roots no upload verifies."""
    if not getattr(settings, "PRODUCTION", False):
        return []
    found: list[checks.CheckMessage] = []
    if not (
        settings.CREDIT_REPORT_SIGNER_PKCS12
        or settings.CREDIT_REPORT_SIGNER_PKCS11
        or settings.CREDIT_REPORT_SIGNER_CLASS
    ):
        found.append(
            checks.Error(
                "未配置信用报告签章证书：报告无法出具",
                hint="设置 CREDIT_REPORT_SIGNER_PKCS12（及密码）、CREDIT_REPORT_SIGNER_PKCS11 "
                "或 CREDIT_REPORT_SIGNER_CLASS（见 docs/reports-signing.md）",
                id="reports.E001",
            )
        )
    if not settings.CREDIT_PUBLIC_BASE_URL:
        found.append(
            checks.Error(
                "未配置 CREDIT_PUBLIC_BASE_URL：信用报告的二维码和核验地址无从生成",
                hint="设为“信用常州”门户的公网地址，如 https://credit.changzhou.gov.cn",
                id="reports.E002",
            )
        )
    if not settings.CREDIT_REPORT_TRUST_ROOTS:
        found.append(
            checks.Warning(
                "未配置 CREDIT_REPORT_TRUST_ROOTS：上传核验的报告一律显示“暂时无法核验”",
                hint="设为签章证书所属根证书的 PEM 文件路径（逗号分隔）",
                id="reports.W001",
            )
        )
    return found
