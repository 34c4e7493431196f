"""What a channel exchanges (交换内容) besides credit records: the outcomes of objections,
corrections and credit repairs (异议和更正结果), and the catalog item's definition (资源目录).

A channel's ``content`` (:class:`~credit.exchange.constants.Content`) is ``records`` (the
item's records, :mod:`credit.exchange.services.runner`), ``objections`` or ``catalog``; the
last two are upward only (a database check refuses anything else). Each has a *vocabulary*
(:func:`vocabulary`): the codes a channel's mapping may name, as unsaved
:class:`~credit.catalog.models.FieldSpec` instances, so the adapters' mapping checks and the
CREATE TABLE of a database partner (:func:`credit.exchange.adapters.database.partner_ddl`)
work on it as on a catalog item.

**异议和更正结果** (:data:`OBJECTION_FIELDS`): one delivery per outcome event of the record change
feed (:class:`~credit.records.models.RecordChange` of a kind in :data:`OUTCOME_KINDS`), keyed
``obj-<event id>``. The case behind an event is the ``reference`` the records service wrote in
the audit entry of that change (``record.<kind>`` of the record, at the event's version): an
objection's number (异议: its step in the objection's log gives the result, the opinion and the
time), a repair application's number (信用修复: its decision), or anything else — a department's
own correction or revocation (信息更正, no case number; the reason written with the change). A
``restored`` event with no such entry is a publicity recomputation, not an outcome: skipped.
Natural persons' identity numbers go masked as the portal shows them (``id_masked``).

**资源目录** (:data:`CATALOG_FIELDS`): one delivery per version of the item, keyed
``catalog-<item code>-<version>`` (:func:`queue_catalog_version`), carrying the item's
definition: properties, source departments, natural key and its fields as JSON text. A version
still waiting to be sent when a newer one comes is replaced by the newer one (the partner gets
the definition in force, never one that no longer exists).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from credit.catalog.models import CatalogItem, FieldSpec
from credit.exchange.constants import Content, DeliveryStatus

#: Record change kinds that are outcomes of objections, corrections and repairs.
OUTCOME_KINDS = ("suspended", "restored", "corrected", "revoked", "repaired")
#: The audit entry written with each such change (:func:`credit.records.services.change_status`,
#: :func:`~credit.records.services.correct_record`).
AUDIT_EVENTS = {kind: f"record.{kind}" for kind in OUTCOME_KINDS}
#: Prefix of the idempotent keys of outcome deliveries (``obj-<event id>``).
OBJECTION_KEY = "obj-"
#: Prefix of the idempotent keys of catalog deliveries (``catalog-<item code>-<version>``).
CATALOG_KEY = "catalog-"

#: 办理类型 of an outcome.
CASE_OBJECTION = "异议"
CASE_REPAIR = "信用修复"
CASE_CORRECTION = "信息更正"

#: The result of a department's own change (信息更正: no case), by change kind.
DIRECT_RESULTS = {
    "suspended": "暂停公示",
    "restored": "恢复公示",
    "corrected": "来源部门更正信息",
    "revoked": "撤销信息",
    "repaired": "信用修复",
}

# (code, name, data type, max length)
OBJECTION_FIELDS: tuple[tuple[str, str, str, int | None], ...] = (
    ("record_id", "信用记录编号", "integer", None),
    ("record_version", "记录版本", "integer", None),
    ("change_kind", "变更类型", "code", 12),
    ("case_type", "办理类型（异议、信用修复、信息更正）", "code", 10),
    ("case_no", "受理编号（来源部门直接更正为空）", "code", 24),
    ("result", "处理结果", "string", 100),
    ("reason", "处理意见", "text", None),
    ("decided_at", "办理时间", "string", 19),
    ("department", "来源部门代码", "code", 32),
    ("subject_name", "主体名称", "string", 200),
    ("subject_code", "统一社会信用代码或证件号码（脱敏）", "string", 40),
    ("item", "目录项", "code", 64),
    ("region", "所属区划", "code", 12),
)
CATALOG_FIELDS: tuple[tuple[str, str, str, int | None], ...] = (
    ("code", "目录项标识", "code", 64),
    ("name", "名称", "string", 100),
    ("version", "版本", "integer", None),
    ("category", "分类", "string", 20),
    ("subject_type", "主体类型", "string", 20),
    ("update_period", "更新周期", "string", 10),
    ("usage_scope", "信息使用范围", "string", 10),
    ("publicity_mode", "公示方式", "string", 20),
    ("source_departments", "来源部门", "text", None),
    ("natural_key", "自然键字段", "string", 500),
    ("field_count", "字段数", "integer", None),
    ("fields", "字段规格（JSON）", "text", None),
    ("basis", "依据", "string", 300),
    ("region", "所属区划（扩展目录，空为全市目录）", "code", 12),
)
_SPECS = {Content.OBJECTIONS: OBJECTION_FIELDS, Content.CATALOG: CATALOG_FIELDS}


# --- vocabulary -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Fields:
    specs: list[FieldSpec]

    def all(self) -> list[FieldSpec]:
        return list(self.specs)


@dataclass(frozen=True)
class Vocabulary:
    """What a mapping of a non-records channel may name, shaped like a catalog item: ``name``,
    ``code`` and ``fields.all()`` (unsaved field specifications)."""

    name: str
    code: str
    fields: _Fields = field(default_factory=lambda: _Fields([]))


def _spec(position: int, code: str, name: str, data_type: str, length: int | None) -> FieldSpec:
    return FieldSpec(
        position=position,
        code=code,
        name=name,
        data_type=data_type,
        max_length=length,
        required=False,
        multi_value=False,
    )


def vocabulary(content: str, item: Any) -> Any:
    """What a channel of ``content`` on ``item`` exchanges, usable where the adapters expect
    a catalog item: the item itself for records; for objections and the catalog a
    :class:`Vocabulary` named after the item."""
    specs = _SPECS.get(content)
    if specs is None:
        return item
    label = Content(content).label
    return Vocabulary(
        name=f"{getattr(item, 'name', '')}（{label}）",
        code=getattr(item, "code", ""),
        fields=_Fields([_spec(n, *row) for n, row in enumerate(specs, start=1)]),
    )


# --- outcomes: the outbox ----------------------------------------------------------------------


def _audit_entries(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str, int], Any]:
    """``(record id, kind, version)`` → the audit entry of that change, for the records and
    kinds of ``pairs`` (one query)."""
    from credit.core.models import AuditEntry
    from credit.records.models import CreditRecord

    pairs = set(pairs)
    if not pairs:
        return {}
    found: dict[tuple[int, str, int], Any] = {}
    entries = AuditEntry.objects.filter(
        object_type=CreditRecord._meta.label_lower,
        object_id__in=sorted({str(r) for r, _ in pairs}),
        event_type__in=sorted({AUDIT_EVENTS[k] for _, k in pairs}),
    ).only("object_id", "event_type", "after", "occurred_at")
    for entry in entries.order_by("id"):
        after = entry.after or {}
        try:
            version = int(after.get("version"))
        except (TypeError, ValueError):
            continue
        kind = entry.event_type.removeprefix("record.")
        found.setdefault((int(entry.object_id), kind, version), entry)
    return found


def outcome_deliveries(channel: Any, events: Sequence[Any]) -> list[Any]:
    """The deliveries (unsaved) of ``channel`` for the outcome events among ``events``
    (change feed rows with ``id``, ``kind``, ``record_id``, ``version``): one per event, key
    ``obj-<event id>``. A ``restored`` event that no audited change made (a publicity
    recomputation) or that repeats an outcome already in the outbox is left out."""
    from credit.exchange.models import Delivery

    outcomes = [e for e in events if e.kind in OUTCOME_KINDS]
    restored = [e for e in outcomes if e.kind == "restored"]
    audited: dict[tuple[int, str, int], Any] = {}
    queued: set[tuple[int, int]] = set()
    if restored:
        audited = _audit_entries((e.record_id, e.kind) for e in restored)
        queued = set(
            Delivery.objects.filter(
                channel_id=channel.pk,
                change_kind="restored",
                record_id__in={e.record_id for e in restored},
            ).values_list("record_id", "version")
        )
    made = []
    for event in outcomes:
        if event.kind == "restored":
            pair = (event.record_id, event.version)
            if (event.record_id, event.kind, event.version) not in audited or pair in queued:
                continue
            queued.add(pair)
        made.append(
            Delivery(
                channel_id=channel.pk,
                key=f"{OBJECTION_KEY}{event.pk}",
                record_id=event.record_id,
                version=event.version,
                change_kind=event.kind,
            )
        )
    return made


# --- outcomes: what is sent --------------------------------------------------------------------


def _event_id(key: str) -> int | None:
    try:
        return int(key.removeprefix(OBJECTION_KEY))
    except ValueError:
        return None


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


@dataclass
class _Case:
    case_type: str
    case_no: str
    result: str
    reason: str
    decided_at: Any


def _cases(events: list[Any]) -> dict[int, _Case]:
    """event id → the case the outcome came from (see the module's description); a few
    queries whatever the number of events."""
    from credit.objections.constants import Action, RepairAction
    from credit.objections.models import Objection, RepairApplication, Transition

    entries = _audit_entries((e.record_id, e.kind) for e in events)
    refs = {
        e.pk: str((entries.get((e.record_id, e.kind, e.version)).after or {}).get("reference", ""))
        for e in events
        if (e.record_id, e.kind, e.version) in entries
    }
    numbers = {r for r in refs.values() if r}
    objections = {
        o.number: o
        for o in Objection.objects.filter(number__in=numbers).only("id", "number", "result")
    }
    repairs = {
        r.number: r
        for r in RepairApplication.objects.filter(number__in=numbers).only(
            "id", "number", "decision", "decided_at"
        )
    }
    steps: dict[tuple[int, str], Any] = {}
    if objections:
        for t in Transition.objects.filter(
            objection_id__in=[o.pk for o in objections.values()]
        ).order_by("at", "id"):
            steps.setdefault((t.objection_id, t.action), t)
    wanted = {
        "suspended": (Action.ACCEPT,),
        "restored": (Action.UPHOLD, Action.WITHDRAW),
        "corrected": (Action.CORRECT,),
        "revoked": (Action.REVOKE,),
    }
    cases: dict[int, _Case] = {}
    for e in events:
        entry = entries.get((e.record_id, e.kind, e.version))
        ref = refs.get(e.pk, "")
        objection, repair = objections.get(ref), repairs.get(ref)
        if objection is not None:
            step = next(
                (
                    steps[(objection.pk, a)]
                    for a in wanted.get(e.kind, ())
                    if (objection.pk, a) in steps
                ),
                None,
            )
            decided = objection.result if e.kind != "suspended" else ""
            cases[e.pk] = _Case(
                CASE_OBJECTION,
                objection.number,
                Action(step.action).label if step else DIRECT_RESULTS[e.kind],
                (step.reason if step else "") or decided,
                step.at if step else e.occurred_at,
            )
        elif repair is not None:
            cases[e.pk] = _Case(
                CASE_REPAIR,
                repair.number,
                RepairAction.GRANT.label if e.kind == "repaired" else DIRECT_RESULTS[e.kind],
                repair.decision,
                repair.decided_at or e.occurred_at,
            )
        else:
            reason = str((entry.after or {}).get("reason", "")) if entry is not None else ""
            cases[e.pk] = _Case(
                CASE_CORRECTION,
                "",
                DIRECT_RESULTS.get(e.kind, e.kind),
                reason,
                entry.occurred_at if entry is not None else e.occurred_at,
            )
    return cases


def _statuses(events: list[Any]) -> dict[tuple[int, int], str]:
    """(record id, version) → the record's status in that version."""
    from credit.records.models import CreditRecordVersion

    current = {(e.record_id, e.record.version): e.record.status for e in events}
    older = [(e.record_id, e.version) for e in events if (e.record_id, e.version) not in current]
    if older:
        q = Q()
        for record_id, version in set(older):
            q |= Q(record_id=record_id, version=version)
        for v in CreditRecordVersion.objects.filter(q).only("record_id", "version", "status"):
            current[(v.record_id, v.version)] = v.status
    return current


def objection_fields(deliveries: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """delivery key → what the partner receives for each outcome delivery (the codes of
    :data:`OBJECTION_FIELDS`, and ``_record`` with the record's id, item, region, department,
    status in that version, decision date and version). Batched: a fixed number of queries
    whatever the number of deliveries."""
    from credit.records.models import RecordChange

    ids = {d.key: _event_id(d.key) for d in deliveries}
    events = list(
        RecordChange.objects.filter(pk__in=[i for i in ids.values() if i is not None])
        .select_related("item", "department", "legal_person", "natural_person", "record")
        .order_by("id")
    )
    cases = _cases(events)
    statuses = _statuses(events)
    by_id = {e.pk: e for e in events}
    result: dict[str, dict[str, Any]] = {}
    for d in deliveries:
        event = by_id.get(ids[d.key])
        if event is None:
            continue
        case = cases[event.pk]
        if event.legal_person is not None:
            name, code = event.legal_person.name, event.legal_person.uscc or ""
        elif event.natural_person is not None:
            name, code = event.natural_person.name, event.natural_person.id_masked
        else:  # pragma: no cover — every record has a subject
            name, code = "", ""
        decision_date = event.record.decision_date
        result[d.key] = {
            "record_id": event.record_id,
            "record_version": event.version,
            "change_kind": event.kind,
            "case_type": case.case_type,
            "case_no": case.case_no,
            "result": case.result,
            "reason": case.reason,
            "decided_at": _local(case.decided_at),
            "department": event.department.code,
            "subject_name": name,
            "subject_code": code,
            "item": event.item.code,
            "region": event.region_id,
            "_record": {
                "id": event.record_id,
                "item": event.item.code,
                "region": event.region_id,
                "department": event.department.code,
                "status": statuses.get((event.record_id, event.version), ""),
                "decision_date": decision_date.isoformat() if decision_date else None,
                "version": event.version,
            },
        }
    return result


# --- the catalog -------------------------------------------------------------------------------


def catalog_key(item: CatalogItem, version: int | None = None) -> str:
    """The idempotent key of ``item``'s definition in ``version`` (its current one)."""
    return f"{CATALOG_KEY}{item.code}-{item.version if version is None else version}"


def queue_catalog_version(channel: Any) -> int:
    """Put the current version of ``channel``'s item in its outbox unless it is there already
    (1 when it was put in, else 0): a pending delivery of an older version becomes this one;
    otherwise a new delivery (变更类型 ``created`` for version 1, else ``updated``). Run in
    the caller's transaction."""
    from credit.exchange.models import Delivery

    item = CatalogItem.objects.only("id", "code", "version").get(pk=channel.item_id)
    key = catalog_key(item)
    if Delivery.objects.filter(channel_id=channel.pk, key=key).exists():
        return 0
    kind = "created" if item.version == 1 else "updated"
    stale = (
        Delivery.objects.filter(channel_id=channel.pk, status=DeliveryStatus.PENDING)
        .filter(key__startswith=CATALOG_KEY)
        .order_by("id")
        .first()
    )
    if stale is not None:
        Delivery.objects.filter(pk=stale.pk).update(
            key=key,
            version=item.version,
            change_kind=kind,
            attempts=0,
            next_attempt_at=None,
            reason="",
        )
    else:
        Delivery.objects.create(
            channel_id=channel.pk, key=key, record=None, version=item.version, change_kind=kind
        )
    return 1


def definition(item: CatalogItem) -> dict[str, Any]:
    """``item``'s definition as the codes of :data:`CATALOG_FIELDS` (with its source
    departments and fields loaded or prefetched)."""
    specs = list(item.fields.all())
    return {
        "code": item.code,
        "name": item.name,
        "version": item.version,
        "category": item.get_category_display(),
        "subject_type": item.get_subject_type_display(),
        "update_period": item.get_update_period_display(),
        "usage_scope": item.get_usage_scope_display(),
        "publicity_mode": item.get_publicity_mode_display(),
        "source_departments": "、".join(d.name for d in item.source_departments.all()),
        "natural_key": ",".join(item.natural_key or []),
        "field_count": len(specs),
        "fields": json.dumps(
            [
                {
                    "code": f.code,
                    "name": f.name,
                    "type": f.data_type,
                    "length": f.max_length,
                    "required": f.required,
                }
                for f in sorted(specs, key=lambda f: f.position)
            ],
            ensure_ascii=False,
        ),
        "basis": item.basis,
        "region": item.region_id or "",
    }


def catalog_fields(deliveries: Sequence[Any]) -> dict[str, dict[str, Any]]:
    """delivery key → the definition of its channel's item (:func:`definition`). A delivery
    of a version no longer current (re-sent after a refusal) carries the item's current
    definition: older definitions are not kept. Three queries whatever the number."""
    from credit.exchange.models import Channel

    channels = {
        c.pk: c
        for c in Channel.objects.filter(pk__in={d.channel_id for d in deliveries})
        .select_related("item")
        .prefetch_related("item__fields", "item__source_departments")
    }
    shown: dict[int, dict[str, Any]] = {}
    result = {}
    for d in deliveries:
        item = channels[d.channel_id].item
        if item.pk not in shown:
            shown[item.pk] = definition(item)
        result[d.key] = shown[item.pk]
    return result
