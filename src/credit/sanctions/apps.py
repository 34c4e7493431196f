from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "credit.sanctions"
    label = "sanctions"
    verbose_name = "联合奖惩"

    def ready(self) -> None:
        """Register the list-change event type with the push (:mod:`credit.sanctions.events`):
        ``credit.records.changes`` publishes list changes, :mod:`credit.events` delivers them."""
        from credit.sanctions import events  # noqa: F401 — registers on import
