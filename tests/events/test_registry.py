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
    assert listed in registry.registered()
    assert (listed.perm, listed.model, listed.label) == (
        Perm.SANCTIONS_CHECK,
        ListChange,
        "名单变更",
    )
    assert listed.subject_for is not None
    assert listed.filter_fields == ("list_kind", "region", "subject")
    assert {"item", "department", "legal_person", "natural_person"} <= set(listed.related)
    assert registry.DEFAULT_TYPES == (registry.LIST_CHANGED,)


def test_the_warning_type_is_registered_by_the_alerts_app():
    from credit.alerts.models import Warning

    raised = registry.get(registry.WARNING_RAISED)
    assert (raised.perm, raised.model, raised.label) == (Perm.WARNING_VIEW, Warning, "预警")
    # Warnings are narrowed by region only: neither list kinds nor a subject apply to them.
    assert raised.filter_fields == ("region",) and raised.subject_for is None
    assert ("warning.raised", "预警") in registry.choices()


def test_a_type_names_only_known_filters_and_a_subject_finder_with_the_subject_filter():
    listed = registry.get(registry.LIST_CHANGED)
    with pytest.raises(ValueError, match="订阅条件"):
        dataclasses.replace(listed, filter_fields=("department",))
    with pytest.raises(ValueError, match="subject_for"):
        dataclasses.replace(listed, subject_for=None)


def test_a_principal_without_the_types_permission_receives_nothing():
    from credit.core.access.principal import NOTHING, Kind, Principal

    listed = registry.get(registry.LIST_CHANGED)
    without = Principal(kind=Kind.CLIENT, perms=frozenset({Perm.WARNING_VIEW}))
    assert listed.visible_to(without) is NOTHING
    city = Principal(kind=Kind.CLIENT, perms=frozenset({Perm.WARNING_VIEW}), city_wide=True)
    assert registry.get(registry.WARNING_RAISED).visible_to(city) != NOTHING


def test_a_name_is_registered_once():
    listed = registry.get(registry.LIST_CHANGED)
    assert registry.register(listed) is listed  # the same definition again: harmless
    with pytest.raises(ValueError, match=r"list\.changed"):
        registry.register(dataclasses.replace(listed, label="另一种"))
    assert registry.get(registry.LIST_CHANGED) is listed
