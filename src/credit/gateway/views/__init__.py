"""Staff pages of the gateway (网关): API clients (:mod:`.clients`) for the credit office, and
the call log with its statistics and export (:mod:`.calllog`) for the credit office and auditors."""
