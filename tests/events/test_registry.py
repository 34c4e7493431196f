"""The event types: registered by the publishing app, looked up by name, an unknown one
refused."""

from __future__ import annotations

import dataclasses

import pytest

from credit.core.access import Perm
from credit.events import delivery, registry
from credit.records.models import ListChange


def test_an_unknown_event_type_is_refused():
    with pytest.raises(registry.UnknownEventType):
        registry.get("list.vanished")
    with pytest.raises(registry.UnknownEventType):
        delivery.published("list.vanished", 1, 1)


def test_the_list_type_is_registered_by_the_sanctions_app():
    listed = registry.get(registry.LIST_CHANGED)
    assert listed is registry.subscribed()
    assert listed in registry.registered()
    assert (listed.perm, listed.model, listed.label) == (
        Perm.SANCTIONS_CHECK,
        ListChange,
        "名单变更",
    )
    assert listed.subject_for is not None
    assert {"item", "department", "legal_person", "natural_person"} <= set(listed.related)


def test_a_name_is_registered_once():
    listed = registry.get(registry.LIST_CHANGED)
    assert registry.register(listed) is listed  # the same definition again: harmless
    with pytest.raises(ValueError, match=r"list\.changed"):
        registry.register(dataclasses.replace(listed, label="另一种"))
    assert registry.get(registry.LIST_CHANGED) is listed
