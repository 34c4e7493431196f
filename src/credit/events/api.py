"""Push subscriptions over the API: a client manages its own webhooks and reads its delivery
log; the credit office (staff session) sees every one and re-sends a delivery.

Mounted under ``/sanctions`` (``/api/v1/sanctions/subscriptions``, ``…/deliveries``). Every
operation names its ``operation_id`` as it was when this router lived in the sanctions app
(``credit_sanctions_push_api_…``): integrators generate clients from them."""

from __future__ import annotations

import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from credit.catalog.constants import ListKind
from credit.core.errors import NotFound, ValidationFailed
from credit.core.inputs import Id, Offset
from credit.core.schemas import BODY_ERRORS, links, responses
from credit.events import registry, selectors, services
from credit.events.models import Delivery, Subscription
from credit.gateway.models import ApiClient

router = Router(tags=["推送订阅"])
#: A delivery status to filter by, or "" for every status.
DeliveryStatusFilter = Literal[("", *Delivery.Status.values)]
#: A division code.
RegionCode = Annotated[str, Field(pattern=r"^[0-9]{6}$")]
#: The name of a registered event type (``list.changed`` 名单变更, ``warning.raised`` 预警).
EventTypeName = Literal[tuple(t.name for t in registry.registered())]
#: An event type to filter by, or "" for every type.
EventTypeFilter = Literal[("", *(t.name for t in registry.registered()))]
_TYPES_TEXT = "；".join(f"{t.name} {t.label}" for t in registry.registered())


class SubscriptionIn(Schema):
    name: str = Field(..., min_length=1, max_length=100, description="订阅名称")
    url: str = Field(
        ..., min_length=8, max_length=500, description="接收地址，须为 https://；不跟随重定向"
    )
    event_types: list[EventTypeName] = Field(
        list(registry.DEFAULT_TYPES),
        min_length=1,
        max_length=10,
        description=f"推送的事件类型（{_TYPES_TEXT}）；不传为 list.changed。"
        "调用方须具备每种类型的权限（list.changed：sanctions:changes；warning.raised：warnings:read）",
    )
    list_kinds: list[ListKind] = Field(
        [],
        max_length=3,
        description="red_list / black_list / attention_list；空为全部；仅适用于 list.changed",
    )
    regions: list[RegionCode] = Field([], max_length=20, description="行政区划代码；空为全部")
    subject: str = Field(
        "",
        max_length=40,
        description="只订阅一个主体：统一社会信用代码或身份证号码；仅适用于 list.changed",
    )
    client: Id | None = Field(None, description="市信用办代为登记时指定接口调用方")


class SubscriptionOut(Schema):
    id: int
    client: str
    name: str
    url: str
    event_types: list[str]
    list_kinds: list[str]
    regions: list[str]
    subject_type: Literal["legal", "natural"] | None
    subject_name: str
    is_active: bool
    created_at: datetime.datetime


class DeliveryOut(Schema):
    id: int
    subscription: int
    event_type: str = Field(..., description="事件类型，如 list.changed、warning.raised")
    event_id: str
    status: Literal[tuple(Delivery.Status.values)] = Field(
        ..., description="pending 待推送 / retrying 重试中 / delivered 已送达 / failed 失败"
    )
    attempts: int
    resends: int
    last_status: int | None
    last_error: str
    last_attempt_at: datetime.datetime | None
    next_attempt_at: datetime.datetime | None
    delivered_at: datetime.datetime | None
    created_at: datetime.datetime


class DeliveriesOut(Schema):
    count: int
    deliveries: list[DeliveryOut]


def subscription_out(sub: Subscription) -> dict[str, Any]:
    subject = sub.legal_person or sub.natural_person
    return {
        "id": sub.pk,
        "client": sub.client.key,
        "name": sub.name,
        "url": sub.url,
        "event_types": sub.event_types,
        "list_kinds": sub.list_kinds,
        "regions": sub.regions,
        "subject_type": "legal"
        if sub.legal_person_id
        else "natural"
        if sub.natural_person_id
        else None,
        "subject_name": subject.name if subject and sub.legal_person_id else "",
        "is_active": sub.is_active,
        "created_at": sub.created_at,
    }


def delivery_out(d: Delivery) -> dict[str, Any]:
    return {
        "id": d.pk,
        "subscription": d.subscription_id,
        "event_type": d.event_type,
        "event_id": str(d.event.event_id) if d.event is not None else "",
        "status": d.status,
        "attempts": d.attempts,
        "resends": d.resends,
        "last_status": d.last_status,
        "last_error": d.last_error,
        "last_attempt_at": d.last_attempt_at,
        "next_attempt_at": d.next_attempt_at,
        "delivered_at": d.delivered_at,
        "created_at": d.created_at,
    }


@router.get(
    "/subscriptions",
    response=responses(list[SubscriptionOut]),
    summary="推送订阅列表",
    openapi_extra=links(
        StopSubscription=(
            "credit_sanctions_push_api_delete_subscription",
            {"sub_id": "$response.body#/0/id"},
        )
    ),
    operation_id="credit_sanctions_push_api_list_subscriptions",
)
def list_subscriptions(request: HttpRequest):
    """A client: its own subscriptions; the credit office: all (newest first, at most 500)."""
    return [subscription_out(s) for s in selectors.subscriptions_for(request.auth)[:500]]


@router.post(
    "/subscriptions",
    response=responses({201: SubscriptionOut}, 404, *BODY_ERRORS),
    summary="登记推送订阅",
    openapi_extra=links(
        201,
        StopSubscription=(
            "credit_sanctions_push_api_delete_subscription",
            {"sub_id": "$response.body#/id"},
        ),
    ),
    operation_id="credit_sanctions_push_api_create_subscription",
)
def create_subscription(request: HttpRequest, body: SubscriptionIn):
    """Registers a webhook for the event types chosen (list changes when none is named).
    Deliveries are POSTs signed with the client's key and secret (the request-signing scheme
    of this API) and carry ``X-Credit-Event-Id`` and ``X-Credit-Event-Type``."""
    services.require_subscriber(request.auth)
    # A client subscribes for itself; the credit office names the client (the service
    # refuses anyone else's).
    client_id = body.client if body.client is not None else request.auth.client_id
    if client_id is None:
        raise ValidationFailed("请指定接口调用方（client）", code="client_required")
    client = ApiClient.objects.select_related("user").filter(pk=client_id).first()
    if client is None:
        raise NotFound("接口调用方不存在", code="client_not_found")
    sub = services.create_subscription(
        actor=request.auth,
        client=client,
        name=body.name,
        url=body.url,
        event_types=body.event_types,
        list_kinds=body.list_kinds,
        regions=body.regions,
        subject=body.subject,
    )
    return Status(201, subscription_out(sub))


@router.delete(
    "/subscriptions/{sub_id}",
    response=responses(SubscriptionOut, 404),
    summary="停用推送订阅",
    operation_id="credit_sanctions_push_api_delete_subscription",
)
def delete_subscription(request: HttpRequest, sub_id: Id):
    """Stops the subscription; its delivery log is kept. A stopped subscription is gone for
    this endpoint: stopping it again answers 404."""
    sub = selectors.subscription_for(request.auth, sub_id)
    if sub is None or not sub.is_active:
        raise NotFound("订阅不存在或已停用", code="subscription_not_found")
    return subscription_out(services.delete_subscription(actor=request.auth, subscription=sub))


@router.get(
    "/deliveries",
    response=responses(DeliveriesOut),
    summary="推送记录",
    openapi_extra=links(
        Resend=(
            "credit_sanctions_push_api_resend",
            {"delivery_id": "$response.body#/deliveries/0/id"},
        )
    ),
    operation_id="credit_sanctions_push_api_list_deliveries",
)
def list_deliveries(
    request: HttpRequest,
    subscription: Id | None = None,
    event_type: EventTypeFilter = "",
    status: DeliveryStatusFilter = "",
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
):
    qs = selectors.filter_deliveries(
        selectors.deliveries_for(request.auth),
        subscription=subscription,
        event_type=event_type,
        status=status,
        date_from=date_from,
        date_to=date_to,
    )
    page = selectors.with_events(qs[offset : offset + limit])
    return {"count": qs.count(), "deliveries": [delivery_out(d) for d in page]}


@router.post(
    "/deliveries/{delivery_id}/resend",
    response=responses(DeliveryOut, 404, *BODY_ERRORS),
    summary="人工重发",
    operation_id="credit_sanctions_push_api_resend",
)
def resend(request: HttpRequest, delivery_id: Id):
    """The credit office queues a delivery again with the same event id (audited)."""
    found = selectors.delivery_for(request.auth, delivery_id)
    if found is None:
        raise NotFound("推送记录不存在", code="delivery_not_found")
    done = services.resend(actor=request.auth, delivery=found)
    return delivery_out(selectors.with_events([selectors.delivery_for(request.auth, done.pk)])[0])
