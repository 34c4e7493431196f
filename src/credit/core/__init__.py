"""Shared kernel: regions (city and districts, the tenants), departments, identifiers,
masking, field encryption, the audit log and request context. No single context's rules."""
