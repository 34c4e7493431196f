"""The REST adapter."""
