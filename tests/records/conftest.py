"""Fixtures of the records tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def penalty_item(db):
    from credit.catalog.models import CatalogItem

    return CatalogItem.objects.get(code="admin-penalty")


@pytest.fixture
def department(db):
    """``department(code)`` → the configured department with that code."""
    from credit.core.models import Department

    return lambda code="SCJG": Department.objects.get(code=code)
