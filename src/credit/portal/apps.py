from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "credit.portal"
    label = "portal"
    verbose_name = "信用常州门户"
