from django.apps import AppConfig


class ObjectionsConfig(AppConfig):
    name = "credit.objections"
    label = "objections"
    verbose_name = "异议与信用修复"
