"""The event types the platform pushes, each registered by the app that publishes it.

This app delivers; it knows no domain. A domain app registers an :class:`EventType` (from its
``AppConfig.ready``) that says what a subscriber needs and supplies what only the domain
knows: the model holding the events (passed as a class, so this app never imports it), which
events a principal may receive, the body of one event as that principal would pull it, and
how a subscription names a subject. The publisher then calls
:func:`credit.events.delivery.published` in the transaction that writes its events.

One type exists today, :data:`LIST_CHANGED` (registered by ``credit.sanctions.events``), and
every subscription receives it: a subscription has no type of its own yet (:func:`subscribed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models

from credit.core.access import Perm

#: A change of a list entry (红名单, 黑名单, 重点关注名单): published by ``credit.records.changes``,
#: registered by ``credit.sanctions.events``; what every subscription receives.
LIST_CHANGED = "list.changed"


class UnknownEventType(LookupError):
    """No app registered an event type of that name."""


@dataclass(frozen=True)
class EventType:
    """What the events app needs to know of one kind of event.

    The events are rows of ``model`` with ``id`` (ascending with the writes), ``txid`` (the
    writing transaction, for :mod:`credit.events.feed`) and ``event_id`` (a UUID, sent as
    ``X-Credit-Event-Id``); a subscription's filters name its ``list_kind``, ``region_id``,
    ``legal_person_id`` and ``natural_person_id``.
    """

    #: Stable name, e.g. ``list.changed``.
    name: str
    #: Chinese name for pages.
    label: str
    #: What a principal (an API client subscribing for itself) needs to receive these events.
    perm: Perm
    #: The model holding the events.
    model: type[models.Model]
    #: ``filters_for(principal)`` → the ``filter()`` keywords of the events the principal may
    #: receive (pulled or pushed alike).
    filters_for: Callable[[Any], dict[str, Any]]
    #: ``payload(event, principal)`` → the JSON body of one event as the principal receives it;
    #: the event comes with :attr:`related` loaded.
    payload: Callable[[Any, Any], dict[str, Any]]
    #: The related fields :attr:`payload` reads (``select_related``).
    related: tuple[str, ...] = ()
    #: ``subject_for(principal, code)`` → ``(legal person, natural person)`` (one of them
    #: ``None``) for the subject a subscription names by its code, or ``None`` when there is
    #: no such subject; may refuse (``PermissionDenied``) a code the principal may not look up.
    #: ``None`` when events of this type cannot be narrowed to a subject.
    subject_for: Callable[[Any, str], tuple[Any, Any] | None] | None = None

    def events(self) -> models.QuerySet:
        """Every event of this type, with :attr:`related` loaded."""
        return self.model._default_manager.select_related(*self.related)


_types: dict[str, EventType] = {}


def register(event_type: EventType) -> EventType:
    """Make ``event_type`` known (again: registering the same definition twice is harmless);
    a different definition under a name already taken is refused."""
    known = _types.get(event_type.name)
    if known is not None and known != event_type:
        raise ValueError(f"事件类型 {event_type.name} 已由其他定义注册")
    _types[event_type.name] = event_type
    return event_type


def get(name: str) -> EventType:
    """The event type registered as ``name``; :class:`UnknownEventType` when none is."""
    try:
        return _types[name]
    except KeyError:
        raise UnknownEventType(f"未注册的事件类型：{name}") from None


def registered() -> list[EventType]:
    """Every registered event type, by name."""
    return [_types[name] for name in sorted(_types)]


def subscribed() -> EventType:
    """The event type subscriptions receive: :data:`LIST_CHANGED` (a subscription has no type
    column yet)."""
    return get(LIST_CHANGED)
