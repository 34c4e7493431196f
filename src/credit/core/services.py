"""Writes of the shared kernel: loading the city configuration (regions and departments)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from credit.core import audit
from credit.core.errors import ValidationFailed
from credit.core.identifiers import IdentifierError, parse_uscc
from credit.core.models import Department, Region


def _model_dict(obj: Any, fields: list[str]) -> dict:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value if isinstance(value, str | int | bool | list | None) else str(value)
    return out


@transaction.atomic
def load_city_config(path: str | Path | None = None, *, actor: Any = None) -> dict[str, int]:
    """Create or update the city, its districts and departments from a JSON configuration.

    Idempotent: loading the same file twice changes nothing the second time. Every department
    USCC is checked (GB 32100); a bad file raises :class:`ValidationFailed` and writes nothing.
    Returns counts ``{"regions_created", "regions_updated", "departments_created",
    "departments_updated"}``.
    """
    path = Path(path or settings.CREDIT_CITY_CONFIG)
    config = json.loads(path.read_text(encoding="utf-8"))
    counts = dict.fromkeys(
        ["regions_created", "regions_updated", "departments_created", "departments_updated"], 0
    )
    region_fields = ["name", "level", "historic_codes", "sort_order"]
    for entry in config["regions"]:
        values = {f: entry.get(f, [] if f == "historic_codes" else 0) for f in region_fields}
        values["parent_id"] = entry.get("parent")
        _upsert(Region, {"code": entry["code"]}, values, counts, "regions", actor)

    dept_fields = ["name", "short_name", "uscc", "kind", "sort_order"]
    for row, entry in enumerate(config["departments"], start=1):
        try:
            parse_uscc(entry["uscc"])
        except IdentifierError as exc:
            raise ValidationFailed(
                f"部门配置第{row}条（{entry.get('name')}）统一社会信用代码无效：{exc.message}",
                code="department_uscc_invalid",
            ) from exc
        values = {f: entry[f] for f in dept_fields if f in entry}
        values["region_id"] = entry["region"]
        values["is_data_provider"] = entry.get("is_data_provider", True)
        _upsert(Department, {"code": entry["code"]}, values, counts, "departments", actor)
    return counts


def _upsert(model, key: dict, values: dict, counts: dict, label: str, actor: Any) -> None:
    obj = model.objects.filter(**key).first()
    fields = list(values)
    if obj is None:
        obj = model.objects.create(**key, **values)
        counts[f"{label}_created"] += 1
        audit.record(
            f"{model._meta.model_name}.created",
            actor=actor,
            obj=obj,
            after=_model_dict(obj, fields),
        )
        return
    before = _model_dict(obj, fields)
    for name, value in values.items():
        setattr(obj, name, value)
    after = _model_dict(obj, fields)
    if before != after:
        obj.save()
        counts[f"{label}_updated"] += 1
        audit.record(
            f"{model._meta.model_name}.updated", actor=actor, obj=obj, before=before, after=after
        )
