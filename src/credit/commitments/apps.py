"""Credit commitments (信用承诺, A3)."""

from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "credit.commitments"
    label = "commitments"
    verbose_name = "信用承诺"

    def ready(self) -> None:
        from credit.commitments import listeners
        from credit.commitments.services import imports
        from credit.objections import repairs
        from credit.records import changes

        changes.listen(listeners.record_changed)
        repairs.on_submitted(imports.from_repair)
