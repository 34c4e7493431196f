from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "credit.sanctions"
    label = "sanctions"
    verbose_name = "联合奖惩"
