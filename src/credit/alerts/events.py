"""The event type this app publishes to subscribers (registered with credit.events)."""
