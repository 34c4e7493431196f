"""The pages of credit commitments: one module per resource (``public`` for the portal)."""
