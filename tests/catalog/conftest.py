"""Fixtures of the catalog tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def penalty_spec(django_db_setup, django_db_blocker):
    """The validation spec of 行政处罚 (admin-penalty), read once per module."""
    from credit.catalog.models import CatalogItem
    from credit.catalog.rules import spec_for

    with django_db_blocker.unblock():
        return spec_for(CatalogItem.objects.get(code="admin-penalty"))


@pytest.fixture
def penalty_item(db):
    from credit.catalog.models import CatalogItem

    return CatalogItem.objects.get(code="admin-penalty")
