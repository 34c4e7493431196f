"""The event types the platform pushes, each registered by the app that publishes it.

This app delivers; it knows no domain. A domain app registers an :class:`EventType` (from its
``AppConfig.ready``) that says what a subscriber needs and supplies what only the domain
knows: the model holding the events (passed as a class, so this app never imports it), which
events a principal may receive, the body of one event as that principal would pull it, how it
reads in the delivery log, which of a subscription's filters apply to it and how a
subscription names a subject. The publisher then calls
:func:`credit.events.delivery.published` in the transaction that writes its events.

Two types exist: :data:`LIST_CHANGED` (名单变更, registered by ``credit.sanctions.events``)
and :data:`WARNING_RAISED` (预警, registered by ``credit.alerts.events``). A subscription
chooses the types it receives (``Subscription.event_types``, by default list changes only).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Q

from credit.core.access import Perm, principal_of
from credit.core.access.principal import NOTHING

#: A change of a list entry (红名单, 黑名单, 重点关注名单): published by ``credit.records.changes``,
#: registered by ``credit.sanctions.events``; what a subscription receives by default.
LIST_CHANGED = "list.changed"
#: A warning raised by a warning rule (预警): published by ``credit.alerts.services``,
#: registered by ``credit.alerts.events``.
WARNING_RAISED = "warning.raised"
#: What a subscription that names no type receives (every subscription made before
#: subscriptions had types, and every client that sends none).
DEFAULT_TYPES: tuple[str, ...] = (LIST_CHANGED,)

#: The filters a subscription may set, and the columns of the events each narrows:
#: ``list_kind`` (``list_kind``), ``region`` (``region_id``) and ``subject``
#: (``legal_person_id`` or ``natural_person_id``). An event type names those that apply to
#: its events in :attr:`EventType.filter_fields`; the others do not narrow its events.
FILTERS: dict[str, str] = {"list_kind": "名单类型", "region": "地区", "subject": "主体"}


class UnknownEventType(LookupError):
    """No app registered an event type of that name."""


@dataclass(frozen=True)
class EventType:
    """What the events app needs to know of one kind of event.

    The events are rows of ``model`` with ``id`` (ascending with the writes), ``txid`` (the
    writing transaction, for :mod:`credit.events.feed`), ``event_id`` (a UUID, sent as
    ``X-Credit-Event-Id``) and the columns of its :attr:`filter_fields`.
    """

    #: Stable name, e.g. ``list.changed``.
    name: str
    #: Chinese name for pages.
    label: str
    #: What a subscriber (the API client a subscription belongs to) needs to receive these
    #: events; checked when it subscribes and again at every fan-out.
    perm: Perm
    #: The model holding the events.
    model: type[models.Model]
    #: ``filters_for(principal)`` → the events the principal may receive (pulled or pushed
    #: alike): the ``filter()`` keywords, or a ``Q`` (e.g. the principal's ``tenant_q``).
    filters_for: Callable[[Any], dict[str, Any] | Q]
    #: ``payload(event, principal)`` → the JSON body of one event as the principal receives it;
    #: the event comes with :attr:`related` loaded.
    payload: Callable[[Any, Any], dict[str, Any]]
    #: ``summary(event)`` → one line in Chinese saying what happened, for the delivery log
    #: (the event comes with :attr:`related` loaded).
    summary: Callable[[Any], str]
    #: The related fields :attr:`payload` and :attr:`summary` read (``select_related``).
    related: tuple[str, ...] = ()
    #: Which of a subscription's :data:`FILTERS` narrow events of this type.
    filter_fields: tuple[str, ...] = ("region",)
    #: ``subject_for(principal, code)`` → ``(legal person, natural person)`` (one of them
    #: ``None``) for the subject a subscription names by its code, or ``None`` when there is
    #: no such subject; may refuse (``PermissionDenied``) a code the principal may not look up.
    #: ``None`` when events of this type cannot be narrowed to a subject.
    subject_for: Callable[[Any, str], tuple[Any, Any] | None] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.filter_fields) - set(FILTERS)
        if unknown:
            raise ValueError(f"事件类型 {self.name} 的订阅条件未定义：{sorted(unknown)}")
        if ("subject" in self.filter_fields) != (self.subject_for is not None):
            raise ValueError(f"事件类型 {self.name}：按主体订阅须同时提供 subject_for")

    def events(self) -> models.QuerySet:
        """Every event of this type, with :attr:`related` loaded."""
        return self.model._default_manager.select_related(*self.related)

    def visible_to(self, principal: Any) -> Q:
        """The events ``principal`` may receive: nothing without :attr:`perm`, else
        :attr:`filters_for` as a ``Q``."""
        p = principal_of(principal)
        if not p.has_perm(self.perm):
            return NOTHING
        found = self.filters_for(p)
        return found if isinstance(found, Q) else Q(**found)

    def narrowed(
        self,
        qs: models.QuerySet,
        *,
        list_kinds: list[str] | tuple[str, ...] = (),
        regions: list[str] | tuple[str, ...] = (),
        legal_person_id: int | None = None,
        natural_person_id: int | None = None,
    ) -> models.QuerySet:
        """``qs`` narrowed by a subscription's filters, those of :attr:`filter_fields` only
        (empty ones mean all)."""
        if "list_kind" in self.filter_fields and list_kinds:
            qs = qs.filter(list_kind__in=list_kinds)
        if "region" in self.filter_fields and regions:
            qs = qs.filter(region_id__in=regions)
        if "subject" in self.filter_fields:
            if legal_person_id:
                qs = qs.filter(legal_person_id=legal_person_id)
            if natural_person_id:
                qs = qs.filter(natural_person_id=natural_person_id)
        return qs


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


def choices() -> list[tuple[str, str]]:
    """``(name, Chinese label)`` of every registered type, for forms and filters."""
    return [(t.name, t.label) for t in registered()]


def label(name: str) -> str:
    """The Chinese name of a type, or the name itself when it is no longer registered."""
    found = _types.get(name)
    return found.label if found is not None else name
