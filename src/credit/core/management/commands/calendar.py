"""``credit calendar show YEAR | set DATE (--workday|--rest) --name … --source … | import FILE``.

The working-day calendar (工作日历) used for reporting deadlines: the official holidays and
adjusted working days (调休) from the ``chinesecalendar`` library, overridden by the table
``CalendarDay`` (see ``credit.core.workdays``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from credit.core import services, workdays
from credit.core.errors import ValidationFailed

_TRUE = {"1", "true", "yes", "y", "是", "班", "上班", "工作日"}
_FALSE = {"0", "false", "no", "n", "否", "休", "休息", "放假", "节假日"}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(f"日期“{text}”不是 YYYY-MM-DD 格式") from exc


def _flag(text: str | None) -> bool | str | None:
    value = (text or "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    return text  # left for the service to reject with the row number


def read_calendar_csv(path: str | Path) -> list[dict]:
    """Rows of a CSV with the header ``date,is_workday,name,source`` (UTF-8, BOM allowed);
    ``is_workday`` is 1/0, true/false, 是/否, 上班/休息."""
    with Path(path).open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"date", "is_workday", "name"} - set(reader.fieldnames or [])
        if missing:
            raise CommandError(f"CSV 缺少列：{', '.join(sorted(missing))}")
        return [
            {
                "date": (row.get("date") or "").strip(),
                "is_workday": _flag(row.get("is_workday")),
                "name": row.get("name") or "",
                "source": row.get("source") or "",
            }
            for row in reader
        ]


class Command(BaseCommand):
    help = "查看、调整工作日历（法定节假日与调休）"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        show = sub.add_parser("show", help="列出一年的节假日和调休上班日及来源")
        show.add_argument("year", type=int)
        put = sub.add_parser("set", help="设置某日上班或休息（覆盖法定日历库）")
        put.add_argument("date", type=_date)
        kind = put.add_mutually_exclusive_group(required=True)
        kind.add_argument("--workday", dest="is_workday", action="store_true", help="上班")
        kind.add_argument("--rest", dest="is_workday", action="store_false", help="休息")
        put.add_argument("--name", required=True, help="如：国庆节、调休上班")
        put.add_argument("--source", default="", help="依据，如：国办发明电〔2026〕X号")
        imp = sub.add_parser("import", help="导入 CSV：date,is_workday,name,source")
        imp.add_argument("file")

    def handle(self, *args, action: str, **opts):
        if action == "show":
            self._show(opts["year"])
            return
        try:
            if action == "set":
                day = services.set_calendar_day(
                    actor=None,
                    date=opts["date"],
                    is_workday=opts["is_workday"],
                    name=opts["name"],
                    source=opts["source"],
                )
                self.stdout.write(f"已设置：{day}（{day.source or '未填依据'}）")
            else:
                counts = services.import_calendar_days(read_calendar_csv(opts["file"]), actor=None)
                self.stdout.write(json.dumps(counts, ensure_ascii=False))
        except ValidationFailed as exc:
            problems = exc.details.get("problems") or [exc.message]
            raise CommandError("\n".join(["未保存：", *problems])) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"文件不存在：{exc.filename}") from exc

    def _show(self, year: int) -> None:
        if not dt.MINYEAR <= year <= dt.MAXYEAR:
            raise CommandError(f"年份 {year} 无效")
        cal = workdays.WorkdayCalendar(dt.date(year, 1, 1), dt.date(year, 12, 31))
        days = cal.special_days(year)
        from_table = sum(1 for d in days if d.origin == workdays.Origin.TABLE)
        first, last = workdays.LIBRARY_YEARS
        if workdays.library_covers(year):
            basis = f"{workdays.LIBRARY_NAME}（{first}–{last} 年）"
        elif cal.covered(year):
            basis = f"调整表（{workdays.LIBRARY_NAME} 只有 {first}–{last} 年）"
        else:
            basis = (
                f"无：{workdays.LIBRARY_NAME} 只有 {first}–{last} 年，调整表也没有 {year}-01-01；"
                "按周一至周五推算（近似），请导入国务院办公厅公布的安排"
            )
        self.stdout.write(f"{year} 年工作日历 · 依据：{basis}")
        self.stdout.write(
            f"全年工作日 {cal.working_days_in(year)} 天；调整表 {from_table} 条"
            + ("；近似" if not cal.covered(year) else "")
        )
        if not days:
            self.stdout.write("（没有节假日或调休记录）")
            return
        self.stdout.write("日期        星期  安排  名称                  来源")
        for d in days:
            line = [d.date.isoformat(), d.weekday_name, _status(d.is_workday), _pad(d.name, 20)]
            line.append(workdays.ORIGIN_LABELS[d.origin])
            if d.origin == workdays.Origin.TABLE:
                line.append(d.source)
                library = workdays.library_day(d.date)
                if library is not None and library[0] != d.is_workday:
                    line.append(
                        f"（覆盖库：{_status(library[0])} {library[1]}）".replace(" ）", "）")
                    )
            self.stdout.write("  ".join(line).rstrip())


def _status(is_workday: bool) -> str:
    return "上班" if is_workday else "休息"


def _pad(text: str, width: int) -> str:
    """Left-justify ``text`` to ``width`` display columns (a CJK character takes two)."""
    used = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
    return text + " " * max(width - used, 0)
