from django.apps import AppConfig


class AlertsConfig(AppConfig):
    name = "credit.alerts"
    label = "alerts"
    verbose_name = "预警"

    def ready(self) -> None:
        # Register the event type ``warning.raised`` with the push (credit.events).
        from credit.alerts import events  # noqa: F401
