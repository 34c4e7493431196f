"""Government integrity (政务诚信, A1)."""

from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "credit.integrity"
    label = "integrity"
    verbose_name = "政务诚信"

    def ready(self) -> None:
        from credit.integrity import listeners
        from credit.records import changes

        changes.listen(listeners.record_changed)
