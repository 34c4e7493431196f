"""Re-keying stored records after the natural key's form changed (issue 14: a document
number's year may be written in any bracket, :func:`credit.records.docnumbers.key_form`),
merging the records that thereby turn out to be one decision (一事一档).

:func:`rekey_records` is run by the data migration ``0007_rekey_document_numbers`` (with the
historical models) and by ``credit rekey_records`` (with the current ones, on demand). It
reads models only through ``apps.get_model`` and tables through their ``_meta``, and on a
database without records it returns before reading any of them.

For each record whose key value contains a bracket other than 〔〕:

* its stored key must be the one :func:`~credit.records.rules.natural_key` computed before
  (plain form of the values, :func:`~credit.records.docnumbers.plain_form`); if not (its
  department's code changed, say) it is left alone and reported as *skipped*;
* alone with its new key, it simply takes it (*re-keyed*);
* with others (another variant, or the record already holding the new key), the first
  record created survives (its id is the one links, objections and subscribers have known
  longest) and each other one is merged into it:

  - the survivor keeps its versions and receives, as new versions numbered after its own, the
    merged record's versions in their order and then the state of whichever of the two was
    updated earlier; its current state becomes that of the one updated last (the latest
    submission);
  - whatever points at the merged record (objections, repair applications, check feedback,
    batch rows, and the record ids in check answers) is re-pointed to the survivor; the
    append-only histories (record versions, record and list changes, audit log) keep naming
    it;
  - the merged record keeps its state as a version and is revoked (已撤销) with the key
    ``merged:<survivor>:<merged>``, so no reader shows it and its id still resolves;
  - subscribers get ``revoked`` for it and ``updated`` for the survivor (the list feed
    ``removed`` and ``updated``, for list entries);
  - an audit entry ``record.merged`` names both.

  A pair is *refused* — nothing of it changes, an audit entry ``record.merge_refused`` says
  why — when either record is suspended, repaired or revoked (an objection or repair decided
  on it: a person has to look), or when re-pointing would break a rule of the referring table
  (two pending repair applications, say). The survivor then takes the new key only if no
  refused record holds it.

One audit entry ``records.rekeyed`` sums the run up. Running it again changes nothing: merged
records are revoked with a tombstone key, re-keyed ones already hold their key (refused pairs
are refused, and reported, again).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from credit.records import docnumbers
from credit.records.rules import key_values, natural_key, subject_key

#: Statuses an ingest or the publicity rules give; the others were decided by a person.
MERGEABLE = ("active", "expired")
REVOKED = "revoked"
TOMBSTONE_PREFIX = "merged:"
#: Tables whose rows are history and keep naming the merged record.
HISTORY = frozenset({"records.creditrecordversion", "records.listchange", "records.recordchange"})
LIST_CATEGORIES = ("red_list", "black_list", "attention_list")
STATUS_LABELS = {
    "active": "有效",
    "suspended": "暂停公示（异议中）",
    "repaired": "已修复",
    "revoked": "已撤销",
    "expired": "已过公示期",
}
CHUNK = 2_000
#: A key value that a year-bracket change can re-key: any bracket but the standard 〔〕.
_CANDIDATE = (
    "["
    + "".join(
        "\\" + c if c in "[]\\^-" else c
        for c in docnumbers.OPENING + docnumbers.CLOSING
        if c not in "〔〕"
    )
    + "]"
)


@dataclass
class Merge:
    survivor: int
    merged: int
    document_nos: tuple[str, str]
    versions_added: int
    repointed: dict[str, int]


@dataclass
class Refusal:
    survivor: int
    merged: int
    code: str
    message: str


@dataclass
class Report:
    rekeyed: list[int] = field(default_factory=list)
    merged: list[Merge] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    #: (record id, why its key was not recomputed)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.rekeyed or self.merged or self.refused or self.skipped)

    def counts(self) -> dict[str, int]:
        return {
            "rekeyed": len(self.rekeyed),
            "merged": len(self.merged),
            "refused": len(self.refused),
            "skipped": len(self.skipped),
        }

    def lines(self) -> list[str]:
        """The summary an operator reads (Chinese), one line per merge, refusal and skip."""
        c = self.counts()
        out = [
            f"文书号年份括号统一：重算自然键{c['rekeyed']}条，合并重复记录{c['merged']}对，"
            f"拒绝合并{c['refused']}对，无法重算{c['skipped']}条"
        ]
        for m in self.merged:
            out.append(
                f"  合并：记录{m.merged}（{m.document_nos[1]}）并入记录{m.survivor}"
                f"（{m.document_nos[0]}），增加历史版本{m.versions_added}个"
            )
        for r in self.refused:
            out.append(f"  拒绝合并：记录{r.merged}与记录{r.survivor}：{r.message}（{r.code}）")
        for pk, why in self.skipped:
            out.append(f"  未重算：记录{pk}：{why}")
        return out


class _Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def legacy_natural_key(
    *, department_code: str, item_code: str, key_values: list[str], subject_key: str
) -> str:
    """The key :func:`~credit.records.rules.natural_key` computed before year brackets were
    compared (values in :func:`~credit.records.docnumbers.plain_form`)."""
    parts = [department_code, item_code, *map(docnumbers.plain_form, key_values), subject_key]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def rekey_records(apps: Any, *, emit: Callable[[str, list[int]], Any] | None = None) -> Report:
    """Re-key the records whose key a year bracket changes, merging duplicates (see the
    module's docstring). ``apps`` is a migration's state or :data:`django.apps.apps`;
    ``emit(kind, ids)`` publishes record changes of a record kind (``updated`` for a survivor,
    ``revoked`` for a merged record; :func:`credit.records.changes.emit` writes both feeds; by
    default only the list feed is written, as when migration ``records.0007`` ran, before the
    record feed existed). Call inside a transaction."""
    run = _Run(apps, emit)
    report = Report()
    if not run.Record._default_manager.exists():
        return report
    for item in run.Item._default_manager.order_by("pk"):
        if item.natural_key:
            run.item(item, report)
    if report:
        run.audit(
            "records.rekeyed",
            object_type="records.creditrecord",
            after={**report.counts(), "skipped_records": [pk for pk, _ in report.skipped]},
        )
    return report


#: The record kinds this module emits → the list feed's kinds (for :meth:`_Run._write_changes`).
_LIST_KINDS = {"revoked": "removed", "updated": "updated"}


class _Run:
    def __init__(self, apps: Any, emit: Callable[[str, list[int]], Any] | None) -> None:
        self.Record = apps.get_model("records", "CreditRecord")
        self.Version = apps.get_model("records", "CreditRecordVersion")
        self.Item = apps.get_model("catalog", "CatalogItem")
        self.Audit = apps.get_model("core", "AuditEntry")
        self.departments = None
        self.apps = apps
        self.emit = emit or self._write_changes
        self.now = timezone.now()

    # --- per item -------------------------------------------------------------------------

    def item(self, item: Any, report: Report) -> None:
        if self.departments is None:
            Department = self.apps.get_model("core", "Department")
            self.departments = dict(Department._default_manager.values_list("pk", "code"))
        fields = list(item.natural_key)
        match = Q()
        for code in fields:
            match |= Q(**{f"payload__{code}__regex": _CANDIDATE})
        candidates = (
            self.Record._default_manager.filter(item_id=item.pk)
            .filter(match)
            .exclude(natural_key__startswith=TOMBSTONE_PREFIX)
            .order_by("pk")
            .values_list(*_CANDIDATE_COLUMNS)
        )
        groups: dict[str, list[int]] = {}
        for pk, stored, payload, dept, lp, np in candidates.iterator(chunk_size=CHUNK):
            parts = {
                "department_code": self.departments.get(dept, ""),
                "item_code": item.code,
                "key_values": key_values(fields, payload),
                "subject_key": subject_key("L", lp) if lp else subject_key("N", np),
            }
            new = natural_key(**parts)
            if new == stored:
                continue
            if legacy_natural_key(**parts) != stored:
                report.skipped.append(
                    (pk, "存储的自然键无法按原规则复现（来源部门代码或主体可能已变更），未重算")
                )
                continue
            groups.setdefault(new, []).append(pk)
        if not groups:
            return
        holders = dict(
            self.Record._default_manager.filter(
                item_id=item.pk, natural_key__in=list(groups)
            ).values_list("natural_key", "pk")
        )
        alone = [(p[0], key) for key, p in groups.items() if len(p) == 1 and key not in holders]
        self._set_keys(alone)
        report.rekeyed.extend(pk for pk, _ in alone)
        for key, pks in groups.items():
            holder = holders.get(key)
            if holder is None and len(pks) == 1:
                continue
            self.group(item, key, sorted({*pks, *([holder] if holder else [])}), holder, report)

    def _set_keys(self, pairs: list[tuple[int, str]]) -> None:
        table = self.Record._meta.db_table
        for start in range(0, len(pairs), CHUNK):
            chunk = pairs[start : start + CHUNK]
            with connection.cursor() as cur:
                cur.execute(
                    f"UPDATE {table} r SET natural_key = w.k "  # noqa: S608 — the model's table
                    f"FROM unnest(%s::bigint[], %s::text[]) AS w(id, k) WHERE r.id = w.id",
                    [[pk for pk, _ in chunk], [k for _, k in chunk]],
                )

    # --- one decision ---------------------------------------------------------------------

    def group(self, item: Any, key: str, pks: list[int], holder: int | None, report: Report):
        """Merge the records ``pks`` (ascending) into the first; give it ``key`` when free."""
        survivor_pk, *others = pks
        holder_left = holder if holder not in (None, survivor_pk) else None
        merged_any = False
        # when the survivor's current state was written (a merge stamps updated_at now)
        written = self.Record._default_manager.get(pk=survivor_pk).updated_at
        for other_pk in others:
            survivor = self.Record._default_manager.select_for_update().get(pk=survivor_pk)
            other = self.Record._default_manager.select_for_update().get(pk=other_pk)
            try:
                with transaction.atomic():
                    report.merged.append(self.merge(item, survivor, other, written))
            except _Refused as refusal:
                report.refused.append(Refusal(survivor_pk, other_pk, refusal.code, refusal.message))
                self.audit(
                    "record.merge_refused",
                    object_type="records.creditrecord",
                    object_id=str(other_pk),
                    object_repr=f"{item.name} {other.document_no}",
                    after={
                        "survivor": survivor_pk,
                        "code": refusal.code,
                        "message": refusal.message,
                    },
                )
                continue
            merged_any = True
            written = max(written, other.updated_at)
            if other_pk == holder_left:
                holder_left = None
        survivor = self.Record._default_manager.get(pk=survivor_pk)
        if survivor.natural_key != key and holder_left is None:
            self.Record._default_manager.filter(pk=survivor_pk).update(natural_key=key)
            if not merged_any:
                report.rekeyed.append(survivor_pk)
        if merged_any:
            self.emit("updated", [survivor_pk])

    def merge(self, item: Any, survivor: Any, other: Any, written: Any) -> Merge:
        """Merge ``other`` into ``survivor``, whose current state was written at ``written``
        (the later one wins; on a tie, the one created later)."""
        for record in (survivor, other):
            if record.status not in MERGEABLE:
                raise _Refused(
                    "merge_status",
                    f"记录{record.pk}的状态为“{STATUS_LABELS.get(record.status, record.status)}”"
                    "（异议、修复或撤销已作出处理），请人工核对后处理",
                )
        repointed = self.repoint(other.pk, survivor.pk)
        newer, older = (
            (other, survivor)
            if (other.updated_at, other.pk) > (written, survivor.pk)
            else (survivor, other)
        )
        entries = [
            (v.payload, v.status, v.replaced_at)
            for v in self.Version._default_manager.filter(record_id=other.pk).order_by("version")
        ]
        entries.append((older.payload, older.status, self.now))
        base = survivor.version
        self._insert_versions(
            [(survivor.pk, base + n, p, s, t) for n, (p, s, t) in enumerate(entries)]
        )
        current = {
            f.attname: getattr(newer, f.attname)
            for f in self.Record._meta.concrete_fields
            if f.attname not in _IDENTITY
        }
        before = {"version": survivor.version, "document_no": survivor.document_no}
        self.Record._default_manager.filter(pk=survivor.pk).update(
            **current, version=base + len(entries), updated_at=self.now
        )
        self._insert_versions([(other.pk, other.version, other.payload, other.status, self.now)])
        self.Record._default_manager.filter(pk=other.pk).update(
            status=REVOKED,
            version=other.version + 1,
            natural_key=f"{TOMBSTONE_PREFIX}{survivor.pk}:{other.pk}",
            updated_at=self.now,
        )
        self.emit("revoked", [other.pk])
        self.audit(
            "record.merged",
            object_type="records.creditrecord",
            object_id=str(survivor.pk),
            object_repr=f"{item.name} {newer.document_no}"[:200],
            before={**before, "merged_record": other.pk, "merged_document_no": other.document_no},
            after={
                "version": base + len(entries),
                "document_no": newer.document_no,
                "versions_added": len(entries),
                "repointed": repointed,
            },
        )
        return Merge(
            survivor.pk,
            other.pk,
            (survivor.document_no, other.document_no),
            len(entries),
            repointed,
        )

    def repoint(self, old: int, new: int) -> dict[str, int]:
        """Point every non-history reference to record ``old`` at ``new``; refused when a
        referring table's rules forbid it."""
        done: dict[str, int] = {}
        for model, attname in self._references():
            try:
                with transaction.atomic():
                    n = model._base_manager.filter(**{attname: old}).update(**{attname: new})
            except DatabaseError as exc:
                raise _Refused(
                    "merge_reference_conflict",
                    f"“{model._meta.verbose_name}”中两条记录各有数据，改指到保留的记录会违反其规则"
                    f"（{str(exc).splitlines()[0][:120]}），请人工核对后处理",
                ) from exc
            if n:
                done[model._meta.label_lower] = n
        n = self._repoint_check_hits(old, new)
        if n:
            done["sanctions.check.hits"] = n
        return done

    def _references(self) -> list[tuple[Any, str]]:
        """Every foreign key to a record, by introspection (so one added later is not
        forgotten), except the history tables'."""
        return [
            (model, f.attname)
            for model in self.apps.get_models()
            if model._meta.label_lower not in HISTORY
            for f in model._meta.concrete_fields
            if f.is_relation and f.related_model._meta.label_lower == "records.creditrecord"
        ]

    def _repoint_check_hits(self, old: int, new: int) -> int:
        try:
            Check = self.apps.get_model("sanctions", "Check")
        except LookupError:
            return 0
        with connection.cursor() as cur:
            cur.execute(
                f"""
                UPDATE {Check._meta.db_table} SET hits = (
                    SELECT jsonb_agg(CASE WHEN e.h -> 'record' = to_jsonb(%s::bigint)
                        THEN jsonb_set(e.h, '{{record}}', to_jsonb(%s::bigint)) ELSE e.h END
                        ORDER BY e.n)
                    FROM jsonb_array_elements(hits) WITH ORDINALITY AS e(h, n))
                WHERE hits @> %s::jsonb
                """,  # noqa: S608 — the model's own table
                [old, new, json.dumps([{"record": old}])],
            )
            return cur.rowcount

    def _insert_versions(self, rows: Iterable[tuple[int, int, Any, str, Any]]) -> None:
        """Versions with their original ``replaced_at`` (the ORM would stamp now)."""
        with connection.cursor() as cur:
            cur.executemany(
                f"INSERT INTO {self.Version._meta.db_table} "  # noqa: S608 — the model's table
                "(record_id, version, payload, status, replaced_at) "
                "VALUES (%s, %s, %s::jsonb, %s, %s)",
                [(r, v, json.dumps(p, ensure_ascii=False), s, t) for r, v, p, s, t in rows],
            )

    def _write_changes(self, kind: str, ids: list[int]) -> None:
        """Append list changes for ``ids`` to the feed (subscribers pull them; a push job is
        enqueued only by :func:`credit.records.changes.emit`, which the command passes)."""
        ListChange = self.apps.get_model("records", "ListChange")
        with connection.cursor() as cur:
            cur.execute(
                f"""
                INSERT INTO {ListChange._meta.db_table} (txid, occurred_at, event_id, kind,
                    record_id, item_id, list_kind, region_id, department_id, legal_person_id,
                    natural_person_id, version)
                SELECT pg_current_xact_id()::text::bigint, now(), gen_random_uuid(), %s, r.id,
                    r.item_id, i.category, r.region_id, r.department_id, r.legal_person_id,
                    r.natural_person_id, r.version
                FROM {self.Record._meta.db_table} r
                JOIN {self.Item._meta.db_table} i ON i.id = r.item_id
                WHERE r.id = ANY(%s) AND i.category = ANY(%s)
                ORDER BY r.id
                """,  # noqa: S608 — the models' own tables
                [_LIST_KINDS.get(kind, kind), ids, list(LIST_CATEGORIES)],
            )

    def audit(self, event_type: str, **fields: Any) -> None:
        self.Audit._default_manager.create(event_type=event_type, actor_repr="system", **fields)


_CANDIDATE_COLUMNS = (
    "pk",
    "natural_key",
    "payload",
    "department_id",
    "legal_person_id",
    "natural_person_id",
)
#: Columns a merge never copies from the merged record to the survivor.
_IDENTITY = frozenset(
    {
        "id",
        "natural_key",
        "version",
        "created_at",
        "updated_at",
        "item_id",
        "department_id",
        "legal_person_id",
        "natural_person_id",
    }
)
