"""``credit sanctions-measures load [--file F] | export [-o FILE]``: the measures catalogue
(联合奖惩措施清单) as JSON.

Loading goes through :func:`credit.sanctions.services.save_measure`, all or nothing: every
problem of the file is reported with the measure's code and the field, and a file with any
problem loads nothing. A measure whose stored values equal the file's is skipped, so loading
the same file twice changes nothing and writes no audit entry.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from credit.core.access import Perm, require
from credit.core.errors import CreditError
from credit.sanctions import services
from credit.sanctions.forms import SERVICE_ERROR_FIELDS, MeasureForm
from credit.sanctions.models import Measure

FORMAT = 1
DEFAULT_FILE = Path(__file__).resolve().parents[2] / "data" / "measures.json"
#: The keys of one measure in the file, in the order ``export`` writes them.
KEYS = (
    "code",
    "list_kind",
    "items",
    "scenarios",
    "text",
    "legal_basis",
    "memorandum",
    "implementing_text",
    "implementing_department",
    "is_active",
)


class MeasuresFileError(Exception):
    """A measures file with problems; nothing was loaded."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


def _form_data(raw: dict[str, Any]) -> dict[str, Any]:
    data = {k: v for k, v in raw.items() if k in KEYS and v is not None}
    data["is_active"] = raw.get("is_active", True)
    return data


def _field_problems(label: str, form: MeasureForm) -> list[str]:
    return [
        f"{label} {'—' if field == '__all__' else field}：{'；'.join(e.messages)}"
        f"（{e.code or 'invalid'}）"
        for field, errors in form.errors.as_data().items()
        for e in errors
    ]


def load_measures(doc: Any, *, actor: Any = None) -> dict[str, int]:
    """Create or update the measures of ``doc``; returns created / updated / unchanged.
    Raises :class:`MeasuresFileError` with every problem, having loaded nothing."""
    if actor is not None:
        require(actor, Perm.MEASURE_MANAGE)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise MeasuresFileError([f'文件格式不对：应为 {{"format": {FORMAT}, "measures": [...]}}'])
    if not isinstance(doc.get("measures"), list):
        raise MeasuresFileError(["measures：应为措施的列表（measures_missing）"])
    problems: list[str] = []
    valid: list[tuple[MeasureForm, Measure | None]] = []
    seen: set[str] = set()
    for n, raw in enumerate(doc["measures"], start=1):
        if not isinstance(raw, dict):
            problems.append(f"第 {n} 条：应为对象（measure_not_object）")
            continue
        code = raw.get("code")
        label = code if isinstance(code, str) and code else f"第 {n} 条"
        problems.extend(
            f"{label} {key}：未知字段（field_unknown）" for key in sorted(set(raw) - set(KEYS))
        )
        if "is_active" in raw and not isinstance(raw["is_active"], bool):
            problems.append(f"{label} is_active：应为 true 或 false（invalid）")
            continue
        form = MeasureForm(_form_data(raw), allow_existing=True)
        if not form.is_valid():
            problems.extend(_field_problems(label, form))
            continue
        code = form.cleaned_data["code"]
        if code in seen:
            problems.append(f"{code} code：文件中重复出现（measure_duplicate）")
            continue
        seen.add(code)
        existing = (
            Measure.objects.filter(code=code)
            .select_related("implementing_department")
            .prefetch_related("items")
            .first()
        )
        valid.append((form, existing))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    fields = {**SERVICE_ERROR_FIELDS, **MeasureForm.service_fields}
    with transaction.atomic():
        for form, existing in valid:
            if form.unchanged(existing):
                counts["unchanged"] += 1
                continue
            try:
                services.save_measure(actor=actor, **form.service_kwargs())
            except CreditError as exc:
                field = fields.get(exc.code) or "—"
                problems.append(f"{form.cleaned_data['code']} {field}：{exc.message}（{exc.code}）")
                continue
            counts["created" if existing is None else "updated"] += 1
        if problems:
            raise MeasuresFileError(problems)  # rolls the whole load back
    return counts


def load_measures_file(path: str | Path | None = None, *, actor: Any = None) -> dict[str, int]:
    """Load a measures file (default: the shipped catalogue, ``sanctions/data/measures.json``)."""
    path = Path(path or DEFAULT_FILE)
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MeasuresFileError(
            [f"无法读取文件 {path}：{exc.strerror}（file_unreadable）"]
        ) from exc
    except ValueError as exc:
        raise MeasuresFileError([f"不是有效的 JSON：{exc}（json_invalid）"]) from exc
    return load_measures(doc, actor=actor)


def export_measures() -> dict[str, Any]:
    """Every measure, in the file format (loading the export again changes nothing)."""
    measures = Measure.objects.select_related("implementing_department").prefetch_related("items")
    return {
        "format": FORMAT,
        "measures": [
            {
                "code": m.code,
                "list_kind": m.list_kind,
                "items": sorted(i.code for i in m.items.all()),
                "scenarios": sorted(m.scenarios),
                "text": m.text,
                "legal_basis": m.legal_basis,
                "memorandum": m.memorandum,
                "implementing_text": m.implementing_text,
                "implementing_department": m.implementing_department.code
                if m.implementing_department
                else None,
                "is_active": m.is_active,
            }
            for m in measures.order_by("code")
        ],
    }


class Command(BaseCommand):
    help = "载入、导出联合奖惩措施清单（JSON）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="载入措施清单（默认：内置清单），可重复执行")
        load.add_argument("--file", help="措施清单 JSON 文件")
        exp = sub.add_parser("export", help="导出措施清单 JSON")
        exp.add_argument("-o", "--output", help="写入文件（默认：标准输出）")

    def handle(self, *args, action: str, **opts):
        if action == "load":
            try:
                counts = load_measures_file(opts.get("file"))
            except MeasuresFileError as exc:
                lines = "\n".join(f"  {p}" for p in exc.problems)
                raise CommandError(
                    f"措施清单有 {len(exc.problems)} 处问题，未载入任何措施：\n{lines}"
                ) from exc
            self.stdout.write(json.dumps(counts, ensure_ascii=False))
            return
        text = json.dumps(export_measures(), ensure_ascii=False, indent=1)
        if opts.get("output"):
            Path(opts["output"]).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"已写入 {opts['output']}")
        else:
            self.stdout.write(text)
