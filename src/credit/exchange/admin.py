"""Read-only admin of the exchange app: changes go through the services (audited)."""
