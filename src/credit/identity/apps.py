"""Real-name login of the public (实名认证登录)."""

from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "credit.identity"
    label = "identity"
    verbose_name = "实名认证"
