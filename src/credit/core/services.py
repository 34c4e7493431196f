"""Writes of the shared kernel: the city configuration (regions and departments) and the
working-day calendar overrides (工作日历调整)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from credit.core import audit
from credit.core.access import Perm, require
from credit.core.errors import ValidationFailed
from credit.core.identifiers import IdentifierError, parse_uscc
from credit.core.models import CalendarDay, Department, Region


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


# --- working-day calendar (工作日历调整) ----------------------------------------------------------

_CALENDAR_FIELDS = ["date", "is_workday", "name", "source"]


def _calendar_values(row: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check one calendar entry; raise :class:`ValidationFailed` naming ``where``."""
    problems = []
    day = row.get("date")
    if isinstance(day, str):
        try:
            day = dt.date.fromisoformat(day.strip())
        except ValueError:
            problems.append(f"日期“{day}”不是 YYYY-MM-DD 格式")
    elif isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        problems.append("缺少日期")
    is_workday = row.get("is_workday")
    if not isinstance(is_workday, bool):
        problems.append("“是否上班”必须为是或否")
    name = str(row.get("name") or "").strip()
    if not name:
        problems.append("缺少名称")
    elif len(name) > CalendarDay._meta.get_field("name").max_length:
        problems.append("名称过长")
    source = str(row.get("source") or "").strip()
    if len(source) > CalendarDay._meta.get_field("source").max_length:
        problems.append("依据过长")
    if problems:
        raise ValidationFailed(
            f"{where}：{'；'.join(problems)}",
            code="calendar_day_invalid",
            details={"problems": problems},
        )
    return {"date": day, "is_workday": is_workday, "name": name, "source": source}


def _calendar_dict(day: CalendarDay) -> dict[str, Any]:
    return {
        "date": day.date.isoformat(),
        "is_workday": day.is_workday,
        "name": day.name,
        "source": day.source,
    }


def _upsert_calendar_day(
    values: dict[str, Any], existing: CalendarDay | None, actor: Any
) -> tuple[CalendarDay, str]:
    if existing is None:
        day = CalendarDay.objects.create(**values)
        audit.record("calendarday.created", actor=actor, obj=day, after=_calendar_dict(day))
        return day, "created"
    before = _calendar_dict(existing)
    for name in ("is_workday", "name", "source"):
        setattr(existing, name, values[name])
    after = _calendar_dict(existing)
    if before == after:
        return existing, "unchanged"
    existing.save(update_fields=["is_workday", "name", "source"])
    audit.record("calendarday.updated", actor=actor, obj=existing, before=before, after=after)
    return existing, "updated"


@transaction.atomic
def set_calendar_day(
    *, actor: Any, date: dt.date | str, is_workday: bool, name: str, source: str = ""
) -> CalendarDay:
    """Create or change the working-day override for one date (工作日历调整); it wins over the
    library for that date in every calendar built afterwards.

    Requires ``core.configure`` (``actor=None`` is the system: the CLI). Audited in the same
    transaction as ``calendarday.created`` or ``calendarday.updated`` with before and after;
    setting a date to what it already is writes nothing. Raises :class:`ValidationFailed`
    (``calendar_day_invalid``) for a bad date, a missing name or over-long text.
    """
    if actor is not None:
        require(actor, Perm.CONFIG_MANAGE)
    values = _calendar_values(
        {"date": date, "is_workday": is_workday, "name": name, "source": source}, "工作日历调整"
    )
    existing = CalendarDay.objects.select_for_update().filter(date=values["date"]).first()
    day, _ = _upsert_calendar_day(values, existing, actor)
    return day


@transaction.atomic
def import_calendar_days(rows: Iterable[Mapping[str, Any]], *, actor: Any) -> dict[str, int]:
    """Load an announced calendar (e.g. next year's 国务院办公厅 notice): every holiday, every
    adjusted working day (调休上班), 1 January included so the year counts as covered.

    ``rows`` are mappings with ``date`` (a date or ``YYYY-MM-DD``), ``is_workday`` (bool),
    ``name`` and ``source``. All or nothing: any bad row or a date given twice raises
    :class:`ValidationFailed` (``calendar_day_invalid``, every problem in ``details``) and
    writes nothing. Each created or changed date is audited like :func:`set_calendar_day`;
    importing the same rows again changes nothing. Returns ``{"created", "updated",
    "unchanged"}``. Requires ``core.configure`` (``actor=None`` is the system).
    """
    if actor is not None:
        require(actor, Perm.CONFIG_MANAGE)
    checked: list[dict[str, Any]] = []
    problems: list[str] = []
    seen: dict[dt.date, int] = {}
    for number, row in enumerate(rows, start=1):
        try:
            values = _calendar_values(row, f"第{number}行")
        except ValidationFailed as exc:
            problems.append(exc.message)
            continue
        if values["date"] in seen:
            problems.append(f"第{number}行：日期 {values['date']} 与第{seen[values['date']]}行重复")
            continue
        seen[values["date"]] = number
        checked.append(values)
    if problems:
        raise ValidationFailed(
            f"工作日历有 {len(problems)} 处问题，未导入：{problems[0]}"
            + ("等" if len(problems) > 1 else ""),
            code="calendar_day_invalid",
            details={"problems": problems},
        )
    existing = {
        day.date: day for day in CalendarDay.objects.select_for_update().filter(date__in=list(seen))
    }
    counts = dict.fromkeys(["created", "updated", "unchanged"], 0)
    for values in checked:
        _, status = _upsert_calendar_day(values, existing.get(values["date"]), actor)
        counts[status] += 1
    return counts
