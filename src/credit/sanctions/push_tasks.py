"""Push jobs of the sanctions app (S4), run by ``credit procrastinate worker``.

- ``sanctions.fan_out(first_id, last_id)``: deferred in the transaction that writes the list
  changes; creates the deliveries and queues their jobs (:func:`credit.sanctions.push.fan_out`).
- ``sanctions.deliver(delivery_id)``: one signed POST; on failure procrastinate retries it
  after the delay the attempt asked for (:data:`credit.sanctions.push.RETRY_DELAYS`); the
  delivery itself decides when to give up, so the job never outlives it.
"""

from __future__ import annotations

from procrastinate import BaseRetryStrategy, RetryDecision
from procrastinate.contrib.django import app

from credit.sanctions import push


class DeliveryRetry(BaseRetryStrategy):
    """Retry a failed delivery after the delay it recorded; nothing else is retried (an
    unexpected error leaves the delivery ``pending`` in the log, for a manual re-send)."""

    def get_retry_decision(self, *, exception: BaseException, job) -> RetryDecision | None:
        if isinstance(exception, push.DeliveryFailed):
            return RetryDecision(retry_in={"seconds": exception.retry_in})
        return None


@app.task(name="sanctions.fan_out", queue="sanctions")
def fan_out(first_id: int, last_id: int) -> int:
    return len(push.fan_out(first_id, last_id))


@app.task(name="sanctions.deliver", queue="push", retry=DeliveryRetry())
def deliver(delivery_id: int) -> str:
    done = push.deliver(delivery_id)
    return done.status if done else "missing"
