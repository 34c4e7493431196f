"""``/api/v1/warnings``: the warnings visible to the caller."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["预警"])
