"""The push jobs: a failed delivery is retried after the delay it asked for."""

from __future__ import annotations

from credit.events import delivery


def test_the_retry_strategy_waits_the_delay_the_attempt_asked_for():
    from credit.events.tasks import DeliveryRetry, deliver

    decision = DeliveryRetry().get_retry_decision(
        exception=delivery.DeliveryFailed("500", retry_in=300), job=None
    )
    assert decision is not None and decision.retry_at is not None
    assert DeliveryRetry().get_retry_decision(exception=RuntimeError(), job=None) is None
    assert isinstance(deliver.retry_strategy, DeliveryRetry)
