"""Reads of real-name accounts."""

from __future__ import annotations

from credit.identity.models import PublicAccount


def account_by_id(pk: object) -> PublicAccount | None:
    """The account with primary key ``pk`` (as kept in the session), or None for anything
    else — a missing account, a value that is not an id."""
    if not isinstance(pk, int) or isinstance(pk, bool) or not 0 < pk < 2**63:
        return None
    return PublicAccount.objects.filter(pk=pk).first()
