"""Commitment items (承诺事项) as versioned data: the items file (``data/items.json``: the 19
告知承诺 items of the 证照分离 reform and items of the other kinds) is loaded idempotently, and a
template is changed only by adding a version — a commitment keeps the version it signed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max

from credit.commitments.constants import Kind
from credit.commitments.models import CommitmentItem, CommitmentItemVersion
from credit.core import audit
from credit.core.access import Perm, principal_of
from credit.core.errors import PermissionDenied, ValidationFailed
from credit.core.models import Department

ITEMS_FILE = Path(__file__).resolve().parent.parent / "data" / "items.json"
#: The fields of a version, as in the items file.
VERSION_FIELDS = ("template_text", "legal_basis", "attachments", "validity_months")


def read_items_file(path: str | Path | None = None) -> dict[str, Any]:
    return json.loads(Path(path or ITEMS_FILE).read_text(encoding="utf-8"))


def _content(version: CommitmentItemVersion | None) -> dict[str, Any] | None:
    if version is None:
        return None
    return {f: getattr(version, f) for f in VERSION_FIELDS}


def current_version(item: CommitmentItem) -> CommitmentItemVersion | None:
    """The version new commitments of ``item`` sign: its latest."""
    return item.versions.order_by("-version").first()


def _check_row(row: dict[str, Any], departments: dict[str, Department]) -> list[str]:
    problems = []
    code = row.get("code", "?")
    if row.get("kind") not in Kind.values:
        problems.append(f"{code}: 未知的承诺类型 {row.get('kind')!r}")
    if row.get("department") not in departments:
        problems.append(f"{code}: 未知的部门 {row.get('department')!r}")
    if not row.get("name") or not row.get("template_text"):
        problems.append(f"{code}: 缺少名称或承诺书模板")
    return problems


@transaction.atomic
def import_items(path: str | Path | None = None) -> dict[str, int]:
    """Load the items file (default ``data/items.json``): each item created or updated by
    code; a version added when the item has none or the file's template differs from the
    latest one. Loading the same file again changes nothing. Returns the counts
    (``created``, ``updated``, ``versions``); a bad row refuses the whole file."""
    data = read_items_file(path)
    departments = {d.code: d for d in Department.objects.all()}
    rows = data.get("items", [])
    problems = [p for row in rows for p in _check_row(row, departments)]
    if problems:
        raise ValidationFailed(
            f"承诺事项文件有 {len(problems)} 处错误：{problems[0]}",
            code="items_invalid",
            details={"errors": problems},
        )
    counts = {"created": 0, "updated": 0, "versions": 0}
    for row in rows:
        attrs = {
            "name": row["name"],
            "kind": row["kind"],
            "department": departments[row["department"]],
            "verified": bool(row.get("verified", True)),
            "sort_order": int(row.get("sort_order", 0)),
        }
        item = CommitmentItem.objects.filter(code=row["code"]).first()
        if item is None:
            item = CommitmentItem.objects.create(code=row["code"], **attrs)
            counts["created"] += 1
        elif any(getattr(item, k) != v for k, v in attrs.items()):
            for k, v in attrs.items():
                setattr(item, k, v)
            item.save()
            counts["updated"] += 1
        content = {
            "template_text": row["template_text"],
            "legal_basis": row.get("legal_basis", ""),
            "attachments": list(row.get("attachments", [])),
            "validity_months": row.get("validity_months"),
        }
        if _content(current_version(item)) != content:
            _add_version(item, content, note="按承诺事项数据文件更新", actor=None)
            counts["versions"] += 1
    if counts["created"] or counts["updated"] or counts["versions"]:
        audit.record(
            "commitment_items.imported", object_type="commitments.commitmentitem", after=counts
        )
    return counts


def _add_version(
    item: CommitmentItem, content: dict[str, Any], *, note: str, actor: Any
) -> CommitmentItemVersion:
    last = item.versions.aggregate(n=Max("version"))["n"] or 0
    return CommitmentItemVersion.objects.create(
        item=item,
        version=last + 1,
        note=note,
        created_by_id=principal_of(actor).user_id,
        **content,
    )


@transaction.atomic
def new_version(
    *,
    actor: Any,
    item: CommitmentItem,
    template_text: str,
    legal_basis: str = "",
    attachments: list[str] | tuple[str, ...] = (),
    validity_months: int | None = None,
    note: str = "",
) -> CommitmentItemVersion:
    """A new version of the item's template: new commitments sign it, those already made keep
    theirs. Only who maintains the items (承诺事项维护) for the item's department may."""
    principal = principal_of(actor)
    principal.require(Perm.COMMITMENT_MANAGE)
    item = CommitmentItem.objects.select_for_update().select_related("department").get(pk=item.pk)
    if not principal.manages(department_id=item.department_id, region_id=item.department.region_id):
        raise PermissionDenied("该承诺事项不属于您管理的部门", code="item_not_managed")
    template_text = (template_text or "").strip()
    if not template_text:
        raise ValidationFailed("请填写承诺书模板", code="template_required")
    if validity_months is not None and not 0 < int(validity_months) <= 120:
        raise ValidationFailed("有效期应为 1–120 个月", code="validity_invalid")
    content = {
        "template_text": template_text,
        "legal_basis": (legal_basis or "").strip()[:500],
        "attachments": [a.strip()[:100] for a in attachments if a and a.strip()],
        "validity_months": int(validity_months) if validity_months is not None else None,
    }
    before = current_version(item)
    version = _add_version(item, content, note=(note or "").strip()[:300], actor=principal)
    audit.record(
        "commitment_item.versioned",
        actor=principal,
        obj=item,
        before={"version": before.version} if before else None,
        after={"version": version.version, "note": version.note},
    )
    return version
