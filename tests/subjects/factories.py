"""Builders of valid and deliberately broken identifiers for the subjects and records tests."""

from __future__ import annotations

import itertools

from credit.core.identifiers import make_uscc

_bodies = itertools.count(20_000_000)


def fresh_uscc(org_type: str = "91", division: str = "320402") -> str:
    """A valid USCC whose organisation-code body no other test uses."""
    return make_uscc(org_type, division, f"{next(_bodies):08d}")


def with_wrong_check(code: str) -> str:
    """``code`` with its check character replaced by another legal one (so only the checksum
    is wrong: digits and ``X`` are valid in a USCC and in a resident ID's last place)."""
    wrong = next(c for c in "0123456789X" if c != code[-1])
    return code[:-1] + wrong
