"""Read-only admin of the assessment app: changes go through the services (audited)."""
