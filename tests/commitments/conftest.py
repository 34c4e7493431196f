"""Fixtures of the commitment tests. The commitment items (``data/items.json``) are loaded
once per test database with the catalog (``tests/conftest.py``); builders are in
``factories.py``.

- ``items_loaded``: the result of loading the items file again (nothing changes);
- ``make_commitment`` / ``make_subject`` / ``add_penalty``: the builders of
  :mod:`tests.commitments.factories` as fixtures (database access enabled).
"""

from __future__ import annotations

import pytest

from tests.commitments import factories


@pytest.fixture
def items_loaded(db):
    from credit.commitments.services.items import import_items

    return import_items()


@pytest.fixture
def make_commitment(db):
    return factories.make_commitment


@pytest.fixture
def make_subject(db):
    return factories.make_subject


@pytest.fixture
def add_penalty(db):
    return factories.add_penalty
