"""Placeholder: ``/api/v1/assessment`` (filled in by its owner)."""

from ninja import Router

router = Router(tags=["绩效考核"])
