"""Compatibility names: the page decorators live in ``credit.core.access.decorators``."""

from credit.core.access.decorators import any_perm_required, perm_required

__all__ = ["any_perm_required", "perm_required"]
