from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "credit.records"
    label = "records"
    verbose_name = "信用记录"

    def ready(self) -> None:
        """Register the record change event type (``record.changed``,
        :mod:`credit.records.events`) with the push: :func:`credit.records.changes.emit`
        publishes it, :mod:`credit.events` delivers it."""
        from credit.records import events  # noqa: F401 — registers on import
