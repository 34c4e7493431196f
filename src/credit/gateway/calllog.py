"""The API call log (接口调用日志): writing one row per call, its monthly partitions, and the
Excel export of calls and statistics.

Rows are written by :class:`credit.gateway.middleware.CallLogMiddleware` after the response
with :func:`record_call`: one plain INSERT, whose failure is logged and never reaches the
caller. The table is partitioned by month (migration ``0002_calllog``);
:func:`ensure_partitions` creates the partitions ahead and runs daily as the job
``gateway.ensure_calllog_partitions``.

A subject identifier is stored masked when it is (or looks like) a resident ID number, and so
is any such number in the path (``GET /subjects/{identifier}``), so the log never holds a
personal number in clear (:func:`mask_subject`, :func:`mask_ids`).
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import logging
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from credit.core import audit
from credit.core.http import EXPORT_LIMIT, xlsx_workbook
from credit.core.identifiers import detect
from credit.core.inputs import escape_data, escape_text
from credit.core.masking import mask_id_number
from credit.gateway.models import CallLog

logger = logging.getLogger(__name__)

TABLE = CallLog._meta.db_table
SUBJECT_MAX = 200
PATH_MAX = 500

_INSERT = f"""
INSERT INTO {TABLE} (
    called_at, client_id, user_id, department_id, method, route, path, status, latency_ms,
    subject, result, source_ip, request_id
) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::inet, %s)
"""  # noqa: S608 — the table name is the model's own

#: Runs of digits shaped like a resident ID number (18 with a check character, or the old
#: 15), not part of a longer code.
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dX]|\d{15})(?![0-9A-Za-z])", re.IGNORECASE)


def _mask_run(match: re.Match) -> str:
    run = match.group(0)
    return run if detect(run) == "uscc" else mask_id_number(run)


def mask_ids(text: str) -> str:
    """``text`` with every run of digits shaped like a resident ID number masked (an invalid
    or embedded number is still personal), except a valid all-digit USCC."""
    return _ID_LIKE.sub(_mask_run, unicodedata.normalize("NFKC", text))


def mask_subject(value: Any) -> str | None:
    """The subject as the log keeps it: a resident ID number masked (``320***********123X``),
    numbers shaped like one inside it masked too (:func:`mask_ids`); codes of legal persons
    and names as given. ``None`` for nothing."""
    if value is None:
        return None
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    kind = detect(text)
    if kind == "resident_id":
        return mask_id_number(text)
    if kind in ("uscc", "org_code"):
        return text
    return mask_ids(text)[:SUBJECT_MAX]


def _ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:
        return None


def record_call(
    *,
    called_at: datetime.datetime,
    method: str,
    route: str,
    path: str,
    status: int,
    latency_ms: int,
    client_id: int | None = None,
    user_id: int | None = None,
    department_id: int | None = None,
    subject: Any = None,
    result: Any = None,
    source_ip: str | None = None,
    request_id: str = "",
) -> bool:
    """Write one row of the call log (one INSERT); True when written.

    Never raises: a database error is logged and the call goes on unlogged. Inside a
    transaction (tests, a caller's atomic block) the INSERT runs in a savepoint, so a failure
    does not abort the caller's transaction. Control characters and lone surrogates in the
    texts (a refused call with ``%00`` in its path) are stored visibly as ``\\x00``
    (:func:`credit.core.inputs.escape_text`): PostgreSQL text cannot hold NUL.
    """
    subject_text = mask_subject(subject)
    params = [
        called_at,
        client_id,
        user_id,
        department_id,
        escape_text(method or "")[:10],
        escape_text(route or "")[:PATH_MAX],
        escape_text(mask_ids(path or ""))[:PATH_MAX],
        max(min(int(status), 32767), -32768),
        max(min(int(latency_ms), 2**31 - 1), 0),
        None if subject_text is None else escape_text(subject_text)[:SUBJECT_MAX],
        None
        if result is None
        else json.dumps(escape_data(result), ensure_ascii=False, default=str),
        _ip(source_ip),
        escape_text(request_id or "")[:64],
    ]
    try:
        if connection.in_atomic_block:
            with transaction.atomic(), connection.cursor() as cur:
                cur.execute(_INSERT, params)
        else:
            with connection.cursor() as cur:
                cur.execute(_INSERT, params)
    except Exception:
        logger.warning(
            "call log: could not record %s %s (status %s)", method, route, status, exc_info=True
        )
        return False
    return True


def ensure_partitions(months_ahead: int = 3) -> list[str]:
    """Create the call log's partitions of the current month (Beijing time) and the next
    ``months_ahead`` months when missing; returns the names of those created. Idempotent and
    safe to run concurrently (the database function takes an advisory lock)."""
    with connection.cursor() as cur:
        cur.execute("SELECT gateway_calllog_ensure_partitions(%s)", [int(months_ahead)])
        return [row[0] for row in cur.fetchall()]


def partitions() -> list[dict[str, Any]]:
    """The partitions of the call log with their bounds and estimated rows, oldest first."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), c.reltuples::bigint
            FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = %s::regclass
            ORDER BY c.relname
            """,
            [TABLE],
        )
        return [
            {"name": name, "bounds": bounds, "estimated_rows": max(rows, 0)}
            for name, bounds, rows in cur.fetchall()
        ]


# --------------------------------------------------------------------------------------------
# Excel export
# --------------------------------------------------------------------------------------------

CALL_HEADERS = [
    "调用时间",
    "接口调用方",
    "访问密钥",
    "用户",
    "部门",
    "方法",
    "接口",
    "请求路径",
    "状态码",
    "耗时（毫秒）",
    "查询对象",
    "结果摘要",
    "来源地址",
    "请求编号",
]
STAT_HEADERS = ["调用次数", "成功(2xx/3xx)", "客户端错误(4xx)", "服务端错误(5xx)"]
LATENCY_HEADERS = ["平均耗时（毫秒）", "P95 耗时（毫秒）"]


def _stat_values(row: dict[str, Any]) -> list[Any]:
    return [
        row["calls"],
        row["ok"],
        row["client_errors"],
        row["server_errors"],
        row["mean_ms"],
        row["p95_ms"],
    ]


def export_xlsx(
    *,
    actor: Any,
    stats: dict[str, Any],
    calls: Iterable[CallLog],
    filters: dict[str, Any],
) -> bytes:
    """A workbook of the statistics (汇总, 按调用方, 按部门, 按日) and the raw calls (明细, newest
    first, at most :data:`~credit.core.http.EXPORT_LIMIT`), written by
    :func:`credit.core.http.xlsx_workbook`: formula-like text escaped, characters a workbook
    cannot hold written visibly. The export itself is audited (``calllog.exported``, with the
    number of calls written)."""
    written = 0

    def call_rows() -> Iterable[list[Any]]:
        nonlocal written
        for call in calls:
            if written >= EXPORT_LIMIT:
                break
            yield [
                call.called_at,  # in local time (xlsx_value)
                call.client.name if call.client else "",
                call.client.key if call.client else "",
                call.user.get_username() if call.user else "",
                str(call.department) if call.department else "",
                call.method,
                call.route,
                call.path,
                call.status,
                call.latency_ms,
                call.subject or "",
                json.dumps(call.result, ensure_ascii=False) if call.result is not None else "",
                call.source_ip or "",
                call.request_id,
            ]
            written += 1

    stat_headers = [*STAT_HEADERS, *LATENCY_HEADERS]
    summary = [
        *([label, value] for label, value in filters.items()),
        [],
        ["", *stat_headers],
        ["合计", *_stat_values(stats["total"])],
    ]
    content = xlsx_workbook(
        [
            ("汇总", ["统计条件", ""], summary),
            (
                "按调用方",
                ["接口调用方", "访问密钥", *stat_headers],
                ([row["label"], row["key"], *_stat_values(row)] for row in stats["by_client"]),
            ),
            (
                "按部门",
                ["部门", *stat_headers],
                ([row["label"], *_stat_values(row)] for row in stats["by_department"]),
            ),
            (
                "按日",
                ["日期", *stat_headers],
                ([row["day"].isoformat(), *_stat_values(row)] for row in stats["by_day"]),
            ),
            ("明细", CALL_HEADERS, call_rows()),
        ]
    )
    audit.record(
        "calllog.exported",
        actor=actor,
        object_type=CallLog._meta.label_lower,
        after={**{str(k): str(v) for k, v in filters.items()}, "rows": written},
    )
    return content
