"""Events and their push (事件推送): the change feed read with a cursor, subscriptions, fan-out and
signed webhook delivery; the domain apps register their event types and publish into it."""
