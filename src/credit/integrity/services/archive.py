"""The civil servants of the archive (一人一档) from their 公务人员基础信息 records.

Who is a civil servant, in which unit, is read from the latest active record of 公务人员基础信息
(``cs-basic``, reported yearly by 人社局/组织部) of the natural person:

- the unit is the department (``core.Department``) whose USCC is the record's 工作单位统一社会信用
  代码; its name is the unit's name and the region the unit's region. A USCC that names no
  department leaves the unit empty: the unit's name is then the record's 现工作单位及职务 text
  and the region the reporting department's region;
- 现职务 is the 现工作单位及职务 text without the unit's name in front; 现职务层次, 身份类型 and
  政治面貌 are copied.

A person with no active basic record any more (the record revoked, repaired or replaced by
nothing: left the civil service, or reported by mistake) keeps the archive — its records and
score history stay for the credit office and the organisation departments of the region —
but loses the unit (``unit`` None, ``basic_record`` None): the officers of the former unit no
longer read it (:func:`credit.integrity.selectors.archive_q` scopes them by unit). The unit's
name is kept as the last one known. A later basic record brings the unit back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.utils import timezone

from credit.catalog.models import CatalogItem
from credit.core.identifiers import normalize_code
from credit.core.models import Department
from credit.integrity.constants import BASIC
from credit.integrity.models import CivilServant
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

#: The CivilServant columns kept in step with the basic record.
SYNCED = (
    "unit_id",
    "unit_name",
    "position",
    "rank",
    "identity_type",
    "political_status",
    "region_id",
    "basic_record_id",
)

_LATEST_BASIC = f"""
SELECT DISTINCT ON (r.natural_person_id) r.natural_person_id, r.id, r.department_id, r.payload
FROM {CreditRecord._meta.db_table} r
WHERE r.item_id = %s AND r.status = %s AND r.natural_person_id = ANY(%s)
ORDER BY r.natural_person_id, r.updated_at DESC, r.id DESC
"""  # noqa: S608 — the table name is the model's own


def _text(payload: dict[str, Any], name: str, limit: int) -> str:
    value = payload.get(name)
    return str(value).strip()[:limit] if value is not None else ""


def archive_values(
    payload: dict[str, Any],
    *,
    record_id: int,
    reporter: Department,
    by_uscc: dict[str, Department],
) -> dict[str, Any]:
    """A civil servant's synced columns from a basic record's ``payload`` (see the module
    docs); ``reporter`` is the reporting department, ``by_uscc`` every department by USCC."""
    unit = by_uscc.get(normalize_code(str(payload.get("unit_uscc") or "")))
    post_text = _text(payload, "unit_and_post", 200)
    position = post_text
    if unit is not None:
        for name in (unit.name, unit.short_name):
            if name and post_text.startswith(name):
                position = post_text[len(name) :].strip(" ，,、/　")
                break
    return {
        "unit_id": unit.pk if unit else None,
        "unit_name": unit.name if unit else post_text,
        "position": position[:100],
        "rank": _text(payload, "rank", 50),
        "identity_type": _text(payload, "identity_type", 30),
        "political_status": _text(payload, "political_status", 30),
        "region_id": unit.region_id if unit else reporter.region_id,
        "basic_record_id": record_id,
    }


def sync_from_basic(natural_person_ids: Sequence[int]) -> dict[int, CivilServant]:
    """Create or update the civil servants of ``natural_person_ids`` from their latest active
    basic records, in the running transaction (their rows locked until it ends); returns the
    civil servants by natural person id — those with a basic record and those who had an
    archive before (see the module docs for one without a basic record now). Set-based: a
    handful of queries for any number of people."""
    ids = sorted(set(natural_person_ids))
    if not ids:
        return {}
    item = CatalogItem.objects.filter(code=BASIC).only("pk").first()
    latest: dict[int, tuple[int, int, dict]] = {}
    if item is not None:
        with connection.cursor() as cur:
            cur.execute(_LATEST_BASIC, [item.pk, RecordStatus.ACTIVE, ids])
            for person_id, record_id, dept_id, payload in cur.fetchall():
                if isinstance(payload, str):  # Django's psycopg loads jsonb as text
                    payload = json.loads(payload)
                latest[person_id] = (record_id, dept_id, payload)
    departments = list(Department.objects.all())
    by_id = {d.pk: d for d in departments}
    by_uscc = {d.uscc: d for d in departments}
    wanted = {
        person_id: archive_values(
            payload, record_id=record_id, reporter=by_id[dept_id], by_uscc=by_uscc
        )
        for person_id, (record_id, dept_id, payload) in latest.items()
    }
    have = _locked(ids)
    missing = [pid for pid in wanted if pid not in have]
    if missing:
        CivilServant.objects.bulk_create(
            [CivilServant(natural_person_id=pid, **wanted[pid]) for pid in missing],
            ignore_conflicts=True,  # a concurrent job made it: read it below
        )
        have.update(_locked(missing))
    changed = []
    now = timezone.now()
    for pid, servant in have.items():
        values = wanted.get(pid) or {"unit_id": None, "basic_record_id": None}
        if any(getattr(servant, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(servant, name, value)
            servant.updated_at = now
            changed.append(servant)
    if changed:
        CivilServant.objects.bulk_update(changed, [*SYNCED, "updated_at"], batch_size=1000)
    return have


def _locked(natural_person_ids: Sequence[int]) -> dict[int, CivilServant]:
    """The civil servants of these people, locked in id order (no deadlock between jobs)."""
    rows = (
        CivilServant.objects.select_for_update()
        .filter(natural_person_id__in=list(natural_person_ids))
        .order_by("pk")
    )
    return {servant.natural_person_id: servant for servant in rows}
