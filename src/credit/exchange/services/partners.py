"""Configuring exchange partners (交换伙伴) and their channels (交换通道).

Who may: those holding :attr:`~credit.core.access.Perm.EXCHANGE_MANAGE` for the partner's
region (:meth:`~credit.core.access.Principal.manages`): the city's credit office any partner,
a district's administrator the partners of its own district only. A partner or channel outside
the principal's tenant is "not found", as the selectors answer for it.

A channel's ``mapping`` is checked by the adapter of the partner's kind (for a database:
:func:`credit.exchange.adapters.database.validate_mapping`: the keys it needs, columns mapped
to field codes of the item). Every write is audited; a password in a partner's connection URL
never reaches the audit log (:func:`credit.exchange.adapters.redact`).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core import audit
from credit.core.access import Perm, Principal, principal_or_system
from credit.core.errors import NotFound, PermissionDenied, ValidationFailed
from credit.core.models import Department, Region
from credit.exchange import adapters
from credit.exchange.adapters import redact
from credit.exchange.constants import Content, Direction, PartnerKind, Period
from credit.exchange.models import Channel, Partner

#: Fields of a partner that :func:`update_partner` changes.
PARTNER_FIELDS = ("name", "kind", "region", "config", "is_active", "note")
#: Fields of a channel that :func:`update_channel` changes.
CHANNEL_FIELDS = ("item", "direction", "content", "period", "department", "mapping", "is_active")


# --- tenant -----------------------------------------------------------------------------------


def require_manage(actor: Any, partner: Partner) -> Principal:
    """The principal of ``actor`` (the system for ``None``) when it may configure and run
    ``partner``'s exchanges; ``PermissionDenied`` without the permission, ``NotFound`` for a
    partner of another tenant (it does not see it)."""
    p = principal_or_system(actor)
    p.require(Perm.EXCHANGE_MANAGE)
    if not p.manages(region_id=partner.region_id):
        raise NotFound("交换伙伴不存在或不在您的管理范围内", code="partner_not_found")
    return p


def _region(value: Any) -> Region:
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(pk=str(value or "")).first()
    if region is None:
        raise ValidationFailed(f"区划“{value}”不存在", code="region_unknown")
    return region


def items_for(partner: Partner) -> QuerySet[CatalogItem]:
    """The catalog items a channel of ``partner`` may exchange: every item for a city partner;
    the city's items and its own district's extension items (辖市区扩展目录项) for a district's
    partner."""
    items = CatalogItem.objects.all()
    if partner.region.level != Region.Level.CITY:
        items = items.filter(Q(region__isnull=True) | Q(region_id=partner.region_id))
    return items


def _item(value: Any, partner: Partner) -> CatalogItem:
    """The catalog item of a channel of ``partner`` (:func:`items_for`); another district's
    extension item is not found, like any object of another tenant."""
    item = value
    if not isinstance(value, CatalogItem):
        item = CatalogItem.objects.filter(code=str(value or "")).first()
        if item is None:
            raise ValidationFailed(f"目录项“{value}”不存在", code="item_unknown")
    if not items_for(partner).filter(pk=item.pk).exists():
        raise NotFound(f"目录项“{item.code}”不存在", code="item_unknown")
    return item


def _department(value: Any) -> Department | None:
    if value is None or value == "" or isinstance(value, Department):
        return value or None
    dept = Department.objects.filter(code=str(value)).first()
    if dept is None:
        raise ValidationFailed(f"部门“{value}”不存在", code="department_unknown")
    return dept


#: Words that make a ``config`` key a secret: never shown, audited or put back in a form.
SECRET_WORDS = ("password", "passwd", "secret", "token")


def is_secret(key: str) -> bool:
    """Whether the ``config`` key ``key`` holds a secret (a password, a signing secret, a
    token)."""
    return any(word in key.lower() for word in SECRET_WORDS)


def redacted_config(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` as it may be shown or audited: every text value with URL passwords hidden,
    and any key naming a secret (:func:`is_secret`) replaced by ``***``."""
    shown: dict[str, Any] = {}
    for key, value in (config or {}).items():
        if is_secret(key):
            shown[key] = "***"
        elif isinstance(value, str):
            shown[key] = redact(value)
        else:
            shown[key] = value
    return shown


# --- validation -------------------------------------------------------------------------------


_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


def _check_partner(*, code: str, name: str, kind: str, config: Any, note: str = "") -> None:
    errors = []
    if not _CODE.fullmatch(code or ""):
        errors.append("伙伴标识须为 1–40 位字母、数字、连字符或下划线")
    elif code.lower() == "new":
        errors.append("伙伴标识不能为“new”：该词已用于“新建交换伙伴”的页面地址")
    if not name or not name.strip():
        errors.append("请填写伙伴名称")
    elif len(name.strip()) > 100:
        errors.append("伙伴名称不能超过 100 个字")
    if len(note or "") > 300:
        errors.append("说明不能超过 300 个字")
    if kind not in PartnerKind.values:
        errors.append(f"交换方式“{kind}”无效")
    if not isinstance(config, dict):
        errors.append("连接配置应为 JSON 对象")
    elif (found := adapters.kind(kind)) is not None:
        errors += found.config_errors(config)
    elif kind in PartnerKind.values:
        errors.append(f"交换方式“{PartnerKind(kind).label}”暂未提供适配器")
    if errors:
        raise ValidationFailed(
            "；".join(errors), code="partner_invalid", details={"errors": errors}
        )


def mapping_errors(
    partner: Partner,
    direction: str,
    mapping: Any,
    item: CatalogItem,
    content: str = Content.RECORDS,
) -> list[str]:
    """What is wrong with ``mapping`` for a channel of ``partner`` on ``item`` in
    ``direction`` exchanging ``content`` (empty when it is fine), in Chinese: the adapter
    checks it against the content's vocabulary (:func:`credit.exchange.services.contents.
    vocabulary`: the item's fields for records); a catalog channel maps no record attribute.
    The fields' ``order`` (:data:`credit.exchange.adapters.ORDER`) is checked here, for every
    kind; the adapter sees the mapping without it."""
    from credit.exchange.services import contents

    if not isinstance(mapping, dict):
        return ["字段映射应为 JSON 对象"]
    if content not in Content.values:
        return [f"交换内容“{content}”无效"]
    errors = adapters.order_errors(mapping)
    mapping = {k: v for k, v in mapping.items() if k != adapters.ORDER}
    if content == Content.CATALOG:
        fields = mapping.get("fields")
        for name, code in (fields if isinstance(fields, dict) else {}).items():
            if isinstance(code, str) and code.startswith(adapters.META_PREFIX):
                errors.append(f"{name}：资源目录通道交换的是目录项定义，不能使用记录属性 {code}")
    found = adapters.kind(partner.kind)
    if found is not None:
        vocabulary = contents.vocabulary(content, item)
        return errors + list(found.mapping_errors(direction, mapping, vocabulary))
    label = dict(PartnerKind.choices).get(partner.kind, partner.kind)
    return [f"交换方式“{label}”暂未提供适配器，不能配置通道"]


def _check_channel(channel: Channel) -> None:
    errors = []
    if channel.direction not in Direction.values:
        errors.append(f"方向“{channel.direction}”无效")
    if channel.period not in Period.values:
        errors.append(f"周期“{channel.period}”无效")
    if channel.direction in (Direction.DOWN, Direction.IN) and channel.department is None:
        errors.append("下发、采集通道须指定数据提供部门")
    if channel.content not in Content.values:
        errors.append(f"交换内容“{channel.content}”无效")
    elif channel.content != Content.RECORDS and channel.direction != Direction.UP:
        errors.append(f"{Content(channel.content).label}只能上报，不能用于下发或采集通道")
    item, department = channel.item, channel.department
    if item.region_id and department is not None and department.region_id != item.region_id:
        errors.append(f"“{item.name}”是辖市区的扩展目录项，只能由该辖市区的部门报送")
    if not errors:
        errors = mapping_errors(
            channel.partner, channel.direction, channel.mapping, channel.item, channel.content
        )
    if errors:
        raise ValidationFailed(
            "通道配置有误：" + "；".join(errors), code="channel_invalid", details={"errors": errors}
        )


def _check_department(p: Principal, department: Department | None) -> None:
    if department is not None and not p.manages(
        department_id=department.pk, region_id=department.region_id
    ):
        raise PermissionDenied(
            f"部门“{department.name}”不在您的管理范围内", code="department_out_of_tenant"
        )


# --- partners ---------------------------------------------------------------------------------


def _partner_after(partner: Partner) -> dict[str, Any]:
    return {
        "code": partner.code,
        "name": partner.name,
        "kind": partner.kind,
        "region": partner.region_id,
        "config": redacted_config(partner.config),
        "is_active": partner.is_active,
        "note": partner.note,
    }


@transaction.atomic
def create_partner(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    region: Region | str,
    config: dict[str, Any],
    note: str = "",
) -> Partner:
    """A new partner of ``region`` (the city's, or a district's); audited
    ``exchange.partner_created`` with the configuration redacted."""
    p = principal_or_system(actor)
    p.require(Perm.EXCHANGE_MANAGE)
    region = _region(region)
    if not p.manages(region_id=region.pk):
        raise PermissionDenied("只能配置本辖区的交换伙伴", code="region_out_of_tenant")
    code = (code or "").strip()
    _check_partner(code=code, name=name, kind=kind, config=config, note=note)
    if Partner.objects.filter(code=code).exists():
        raise ValidationFailed(f"伙伴标识“{code}”已被使用", code="partner_exists")
    partner = Partner.objects.create(
        code=code,
        name=name.strip(),
        kind=kind,
        region=region,
        config=config,
        note=note or "",
        created_by_id=p.user_id,
    )
    audit.record(
        "exchange.partner_created", actor=actor, obj=partner, after=_partner_after(partner)
    )
    return partner


@transaction.atomic
def update_partner(*, actor: Any, partner: Partner, **fields: Any) -> Partner:
    """Change ``fields`` (of :data:`PARTNER_FIELDS`) of ``partner``; audited
    ``exchange.partner_updated`` with the before and after, configurations redacted. Moving a
    partner to another region needs the principal to manage both."""
    partner = Partner.objects.select_for_update().get(pk=partner.pk)
    p = require_manage(actor, partner)
    unknown = set(fields) - set(PARTNER_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改：{'、'.join(sorted(unknown))}", code="field_unknown")
    before, old_config = _partner_after(partner), dict(partner.config or {})
    if "region" in fields:
        region = _region(fields.pop("region"))
        if not p.manages(region_id=region.pk):
            raise PermissionDenied("只能配置本辖区的交换伙伴", code="region_out_of_tenant")
        partner.region = region
    for name, value in fields.items():
        setattr(partner, name, value)
    _check_partner(
        code=partner.code,
        name=partner.name,
        kind=partner.kind,
        config=partner.config,
        note=partner.note,
    )
    partner.save()
    after = _partner_after(partner)
    changed = {k for k in after if before[k] != after[k]}
    if old_config != partner.config:
        changed.add("config")  # a changed password shows as *** on both sides
    audit.record(
        "exchange.partner_updated",
        actor=actor,
        obj=partner,
        before={k: before[k] for k in sorted(changed)},
        after={k: after[k] for k in sorted(changed)},
    )
    return partner


# --- channels ---------------------------------------------------------------------------------


def _channel_after(channel: Channel) -> dict[str, Any]:
    return {
        "partner": channel.partner.code,
        "item": channel.item.code,
        "direction": channel.direction,
        "content": channel.content,
        "period": channel.period,
        "department": channel.department.code if channel.department else None,
        "mapping": channel.mapping,
        "is_active": channel.is_active,
    }


@transaction.atomic
def create_channel(
    *,
    actor: Any,
    partner: Partner,
    item: CatalogItem | str,
    direction: str,
    period: str,
    department: Department | str | None = None,
    mapping: dict[str, Any],
    content: str = Content.RECORDS,
) -> Channel:
    """A new channel of ``partner`` for ``item`` in ``direction`` on ``period`` exchanging
    ``content`` (records; objection and correction results or the catalog upward only), with
    its field ``mapping`` checked by the partner's adapter; the first run is scheduled
    (:func:`credit.exchange.rules.next_run`). Audited ``exchange.channel_created``."""
    from credit.exchange.rules import next_run

    p = require_manage(actor, partner)
    channel = Channel(
        partner=partner,
        item=_item(item, partner),
        direction=direction,
        content=content,
        period=period,
        department=_department(department),
        mapping=adapters.with_order(mapping),
        created_by_id=p.user_id,
    )
    _check_department(p, channel.department)
    _check_channel(channel)
    if Channel.objects.filter(
        partner=partner, item=channel.item, direction=direction, content=content
    ).exists():
        what = "" if content == Content.RECORDS else f"{Content(content).label}"
        raise ValidationFailed(
            f"{partner.name}已有“{channel.item.name}”的{what}{Direction(direction).label}通道",
            code="channel_exists",
        )
    channel.next_run_at = next_run(period, timezone.now(), first=True)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError as exc:
        raise ValidationFailed("通道与已有通道重复", code="channel_exists") from exc
    audit.record(
        "exchange.channel_created", actor=actor, obj=channel, after=_channel_after(channel)
    )
    return channel


@transaction.atomic
def update_channel(*, actor: Any, channel: Channel, **fields: Any) -> Channel:
    """Change ``fields`` (of :data:`CHANNEL_FIELDS`) of ``channel``; the mapping is checked
    again; a changed period reschedules the next run. Audited ``exchange.channel_updated``."""
    from credit.exchange.rules import next_run

    channel = (
        Channel.objects.select_for_update(of=("self",))
        .select_related("partner", "item", "department")
        .get(pk=channel.pk)
    )
    p = require_manage(actor, channel.partner)
    unknown = set(fields) - set(CHANNEL_FIELDS)
    if unknown:
        raise ValidationFailed(f"不能修改：{'、'.join(sorted(unknown))}", code="field_unknown")
    before = _channel_after(channel)
    if "item" in fields:
        channel.item = _item(fields.pop("item"), channel.partner)
    if "department" in fields:
        channel.department = _department(fields.pop("department"))
        _check_department(p, channel.department)
    if "mapping" in fields:
        fields["mapping"] = adapters.with_order(fields["mapping"])
    for name, value in fields.items():
        setattr(channel, name, value)
    if channel.content != before["content"] and channel.deliveries.exists():
        raise ValidationFailed(
            "该通道已有交换记录，不能改变交换内容；请为新的交换内容另建通道",
            code="channel_content_fixed",
        )
    _check_channel(channel)
    if before["period"] != channel.period:
        channel.next_run_at = next_run(channel.period, timezone.now(), first=True)
    try:
        with transaction.atomic():
            channel.save()
    except IntegrityError as exc:
        raise ValidationFailed("通道与已有通道重复", code="channel_exists") from exc
    after = _channel_after(channel)
    audit.record(
        "exchange.channel_updated",
        actor=actor,
        obj=channel,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return channel
