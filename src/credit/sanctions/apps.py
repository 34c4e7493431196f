from django.apps import AppConfig


class SanctionsConfig(AppConfig):
    name = "credit.sanctions"
    label = "sanctions"
    verbose_name = "联合奖惩"

    def ready(self) -> None:
        """Push list changes: one fan-out job enqueued in every transaction that writes
        them (:func:`credit.sanctions.push.enqueue_fan_out`)."""
        from credit.records import changes
        from credit.sanctions import push

        if push.enqueue_fan_out not in changes.listeners:
            changes.listeners.append(push.enqueue_fan_out)
