from django.apps import AppConfig


class GatewayConfig(AppConfig):
    name = "credit.gateway"
    label = "gateway"
    verbose_name = "接口网关"
