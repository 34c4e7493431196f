"""The development identity provider (开发测试用身份认证平台)."""

from django.apps import AppConfig


class DevIdpConfig(AppConfig):
    name = "credit.identity.devidp"
    label = "devidp"
    verbose_name = "开发测试用身份认证平台"

    def ready(self) -> None:
        from django.core.checks.registry import registry
        from oauth2_provider import checks as toolkit

        # The toolkit's deployment advice (RFC 9700: https-only callbacks …) is for a provider
        # in production. This one never is (credit.settings leaves it out there) and must
        # accept the demo's http://127.0.0.1 callback, so `credit check-deploy` skips it.
        registry.deployment_checks.discard(toolkit.validate_bcp_configuration)
