"""Exchange with the province, the districts and departments (数据交换)."""

from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "credit.exchange"
    label = "exchange"
    verbose_name = "数据交换"
