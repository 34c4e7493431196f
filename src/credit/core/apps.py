from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "credit.core"
    label = "core"
    verbose_name = "基础数据"

    def ready(self) -> None:
        from django.urls import register_converter

        from credit.core import checks  # noqa: F401  (registers the deployment checks)
        from credit.core.inputs import IdConverter

        # ``<id:pk>`` in every urls.py: only ids that fit a PostgreSQL bigint match.
        register_converter(IdConverter, "id")
