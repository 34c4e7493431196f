from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "credit.demo"
    label = "demo"
    verbose_name = "演示数据"
