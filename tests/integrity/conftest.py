"""Fixtures of the integrity tests. The score rules (``data/rules.json``) are loaded once per
test database with the catalog (``tests/conftest.py``); builders are in ``factories.py``.

- ``ruleset``: the rule version in force (the seed's table);
- ``make_civil_servant`` / ``add_record``: :func:`tests.integrity.factories.make_civil_servant`
  and :func:`~tests.integrity.factories.add_record` as fixtures (database access enabled).
"""

from __future__ import annotations

import pytest

from tests.integrity import factories


@pytest.fixture
def ruleset(db):
    from credit.integrity.models import ScoreRuleSet

    return ScoreRuleSet.objects.order_by("-effective_from").first()


@pytest.fixture
def make_civil_servant(db):
    return factories.make_civil_servant


@pytest.fixture
def add_record(db):
    return factories.add_record
