from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "credit.dashboard"
    label = "dashboard"
    verbose_name = "信用监管一张图"
