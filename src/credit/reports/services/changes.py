"""Records changed after issue: a valid report whose record was corrected, revoked or repaired
becomes 已更新 and its corrected report follows (at once or after the second review)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from credit.core import audit
from credit.reports import rules
from credit.reports.constants import (
    ApplicationStatus,
    ReportStatus,
)
from credit.reports.models import (
    Application,
    Report,
    ReportRecord,
)
from credit.reports.services.applications import _step, issue


@transaction.atomic
def supersede(*, report: Report, changed: list[str], today: datetime.date | None = None) -> Report:
    """A record shown in ``report`` was corrected, revoked or repaired: the report becomes
    已更新 and a corrected report is issued at once — or, when the template says corrected
    reports are reviewed, the application waits for the second review again. The applicant
    sees it on the portal (我的, the download page); the step log says so."""
    report = (
        Report.objects.select_for_update().select_related("application__template").get(pk=report.pk)
    )
    if report.status != ReportStatus.VALID:
        return report
    report.status = ReportStatus.SUPERSEDED
    report.status_reason = ("报告所载信息已变更：" + "、".join(changed))[:300]
    report.status_changed_at = timezone.now()
    report.save(update_fields=["status", "status_reason", "status_changed_at"])
    application = report.application
    audit.record(
        "report.superseded", obj=report, after={"changed": changed, "number": report.number}
    )
    _step(application, "superseded", f"报告 {report.number} 所载信息已变更，标记为已更新")
    if application.template.review_reissue:
        Application.objects.filter(pk=application.pk).update(
            status=ApplicationStatus.REVIEWED, approver=None, approved_at=None
        )
        _step(application, "reissue_pending", "更正后的报告待复核后出具；已通知申请人")
        return report
    new = issue(application=application, issued_by=None, replaces=report, today=today)
    _step(application, "notified", f"已通知申请人：更正后的报告 {new.number} 已出具")
    return report


def changed_records(report: Report) -> list[str]:
    """What changed since issue among the records ``report`` shows (None changed: [])."""
    from credit.records.constants import RecordStatus
    from credit.records.models import CreditRecord

    shown = {r.record_id: r for r in report.shown.all()}
    if not shown:
        return []
    out = []
    for record in CreditRecord.objects.filter(pk__in=shown).select_related("item"):
        was = shown[record.pk]
        if record.version == was.version:
            continue
        if record.status in (RecordStatus.REVOKED, RecordStatus.REPAIRED):
            out.append(f"{record.item.name}{record.get_status_display()}")
        elif rules.digest(record.payload) != was.digest:
            out.append(f"{record.item.name}已更正")
    return out


def follow_changes(*, today: datetime.date | None = None) -> int:
    """For every valid, unexpired report: supersede it when a record it shows was corrected,
    revoked or repaired since issue. Idempotent (a superseded report is left alone); the
    ``reports.follow_changes`` job runs it. Returns how many reports it superseded."""
    today = today or timezone.localdate()
    moved = (
        ReportRecord.objects.filter(
            report__status=ReportStatus.VALID,
            report__valid_until__gte=today,
            version__lt=F("record__version"),
        )
        .values_list("report_id", flat=True)
        .distinct()
    )
    count = 0
    for report in Report.objects.filter(pk__in=list(moved)):
        changed = changed_records(report)
        if changed:
            supersede(report=report, changed=changed, today=today)
            count += 1
    return count
