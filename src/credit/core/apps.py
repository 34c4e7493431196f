from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "credit.core"
    label = "core"
    verbose_name = "基础数据"
