"""Push jobs, run by ``credit procrastinate worker``.

- ``sanctions.fan_out(event_type, first_id, last_id)``: deferred in the transaction that writes
  the events; creates the deliveries and queues their jobs
  (:func:`credit.events.delivery.fan_out`). A job queued before events had types has no
  ``event_type``: it fans out list changes, as it did.
- ``sanctions.deliver(delivery_id)``: one signed POST; on failure procrastinate retries it
  after the delay the attempt asked for (:data:`credit.events.delivery.RETRY_DELAYS`); the
  delivery itself decides when to give up, so the job never outlives it.

The jobs keep the names, queues (``sanctions``, ``push``) and arguments they had in the
sanctions app, so jobs queued before the push moved here run unchanged.
"""

from __future__ import annotations

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from credit.events import delivery
from credit.events.registry import LIST_CHANGED


class DeliveryRetry(BaseRetryStrategy):
    """Retry a failed delivery after the delay it recorded; nothing else is retried (an
    unexpected error leaves the delivery ``pending`` in the log, for a manual re-send)."""

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        if isinstance(exception, delivery.DeliveryFailed):
            return RetryDecision(retry_in={"seconds": exception.retry_in})
        return None


@app.task(name="sanctions.fan_out", queue="sanctions")
def fan_out(first_id: int, last_id: int, event_type: str = LIST_CHANGED) -> int:
    return len(delivery.fan_out(event_type, first_id, last_id))


@app.task(name="sanctions.deliver", queue="push", retry=DeliveryRetry())
def deliver(delivery_id: int) -> str:
    done = delivery.deliver(delivery_id)
    return done.status if done else "missing"
