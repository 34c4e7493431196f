from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "credit.catalog"
    label = "catalog"
    verbose_name = "信用信息资源目录"
