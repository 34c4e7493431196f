"""The pages of government integrity: one module per resource (``public`` for the portal)."""
