"""The health check, and the audit log (审计日志) pages of the auditor: the entries with
filters, count and pages, one entry with its before/after as a diff, and the Excel export.

Opening an entry that concerns a natural person or an applicant shows their data: that read
is audited (``auditentry.viewed``), as is every export of the log (``auditlog.exported``)."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from credit.core import audit, auditlabels, selectors
from credit.core.access import Perm
from credit.core.access.decorators import perm_required
from credit.core.forms import AuditFilterForm
from credit.core.http import EXPORT_LIMIT, found, query_without_page, xlsx_download
from credit.core.masking import mask_numbers_in_text
from credit.core.models import AuditEntry


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """``{"status": "ok", "database": "ok"}`` (200) or ``"database": "unreachable"`` (503)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any database failure means unhealthy
        return JsonResponse(
            {"status": "error", "database": "unreachable", "error": exc.__class__.__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


# --- the audit log -----------------------------------------------------------------------------


def _entries(request: HttpRequest) -> tuple[AuditFilterForm, dict, QuerySet[AuditEntry]]:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    return form, filters, selectors.audit_entries_for(request.user, **filters)


def _shown(entry: AuditEntry) -> AuditEntry:
    """An entry with the names a page shows: the action's and the object type's Chinese
    names; the object's name is left to the entry's own page when it concerns a person."""
    entry.action_label = auditlabels.ACTION_LABELS.get(entry.event_type, "")
    entry.object_type_label = (
        auditlabels.object_type_label(entry.object_type) if entry.object_type else ""
    )
    entry.personal = entry.object_type in selectors.PERSONAL_OBJECT_TYPES
    return entry


@perm_required(Perm.AUDIT_VIEW)
def audit_list(request: HttpRequest) -> HttpResponse:
    form, filters, entries = _entries(request)
    # the list shows no before/after: leave those (often whole documents) in the database
    page = Paginator(entries.defer("before", "after"), 50).get_page(request.GET.get("page"))
    for entry in page:
        _shown(entry)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "form": form,
            "filtered": bool(filters),
            "query": query_without_page(request),
            "export_limit": EXPORT_LIMIT,
        },
    )


@perm_required(Perm.AUDIT_VIEW)
def audit_entry(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _shown(found(selectors.audit_entry_for(request.user, pk)))
    if entry.personal:
        audit.record(
            "auditentry.viewed",
            actor=request.user,
            obj=entry,
            after={"object_type": entry.object_type, "object_id": entry.object_id},
        )
    rows = auditlabels.diff_rows(entry.before, entry.after)
    log = reverse("core:audit")
    same_object = (
        f"{log}?{urlencode({'object_type': entry.object_type, 'object_id': entry.object_id})}"
        if entry.object_type and entry.object_id
        else ""
    )
    same_request = (
        f"{log}?{urlencode({'request_id': entry.request_id})}" if entry.request_id else ""
    )
    return render(
        request,
        "core/audit_entry.html",
        {
            "entry": entry,
            "rows": [r for r in rows if r.kind != "same"],
            "unchanged": [r for r in rows if r.kind == "same"],
            "has_before": entry.before is not None,
            "same_request": same_request,
            "same_object": same_object,
        },
    )


AUDIT_HEADERS = ["时间", "操作", "操作代码", "操作人", "对象类型", "对象类型代码", "对象编号",
                 "对象名称", "来源IP", "请求编号", "变更前", "变更后"]  # fmt: skip


#: The most characters a spreadsheet cell holds (Excel's limit is 32,767).
CELL_MAX = 32_000


def _json(value: object) -> str:
    if value is None:
        return ""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    if len(text) <= CELL_MAX:
        return text
    return text[:CELL_MAX] + "…（过长，已截断，完整内容见审计记录页面）"


@perm_required(Perm.AUDIT_VIEW)
def audit_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered entries (at most :data:`EXPORT_LIMIT`), newest first; the export itself
    is audited with the filters and the number of rows."""
    _, filters, entries = _entries(request)
    rows = list(entries[:EXPORT_LIMIT])
    audit.record(
        "auditlog.exported",
        actor=request.user,
        object_type=AuditEntry._meta.label_lower,
        after={
            "rows": len(rows),
            "filters": {k: mask_numbers_in_text(str(v))[:200] for k, v in filters.items()},
        },
    )
    sheet = (
        [
            timezone.localtime(e.occurred_at).strftime("%Y-%m-%d %H:%M:%S"),
            auditlabels.action_label(e.event_type),
            e.event_type,
            e.actor_repr,
            auditlabels.object_type_label(e.object_type) if e.object_type else "",
            e.object_type,
            e.object_id,
            e.object_repr,
            e.source_ip or "",
            e.request_id,
            _json(e.before),
            _json(e.after),
        ]
        for e in rows
    )
    stamp = timezone.localtime().strftime("%Y%m%d")
    return xlsx_download(f"审计日志-{stamp}.xlsx", [("审计日志", AUDIT_HEADERS, sheet)])
