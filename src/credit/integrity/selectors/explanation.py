"""A civil servant's score explained (计分明细), read once for the staff archive page, the
person's own page on the portal and the API's search: the explained point changes of the last
recompute with why one does not count today, and the repaired or revoked records a line of the
version in use would score (scoring leaves them out; the archive shows what they no longer
take). The score itself is computed by :mod:`credit.integrity.services.scoring`."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from credit.integrity.models import CivilServant, ScoreItem
from credit.records.constants import RecordStatus
from credit.records.models import CreditRecord

#: Why an explained point change does not count now, by its record's status.
NOT_COUNTED = {
    RecordStatus.EXPIRED: "记录已过有效期",
    RecordStatus.SUSPENDED: "记录异议处理中，暂停计分",
}
#: Records that no longer score at all (scoring leaves them out), and why.
WITHDRAWN = {
    RecordStatus.REPAIRED: "记录已信用修复，不再计分",
    RecordStatus.REVOKED: "记录已撤销，不再计分",
}
ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Explained:
    """One point change of a score, or one a withdrawn record no longer makes."""

    record_id: int
    record_status: str
    kind: str
    document_no: str
    decision_date: datetime.date | None
    rule: str
    points: int
    counts_from: datetime.date | None  # None: a withdrawn record's (it counts no more)
    last_day: datetime.date | None  # None: while the record stays valid
    in_force: bool
    why_not: str

    @property
    def record_label(self) -> str:
        return self.document_no or f"记录{self.record_id}"


def why_not(item: ScoreItem, today: datetime.date) -> str:
    """Why an explained point change does not count in the current score ("" when it does)."""
    if item.in_force:
        return ""
    reason = NOT_COUNTED.get(item.record.status)
    if reason:
        return reason
    if item.counts_until is not None and item.counts_until <= today:
        return "计分期限已满"
    if item.counts_from > today:
        return "尚未到计分起始日"
    if item.record.publicity_end and item.record.publicity_end < today:
        return "记录已过使用有效期"
    return "不计入当前得分"


def explained_items(
    cs: CivilServant, *, today: datetime.date | None = None, in_force_only: bool = False
) -> list[Explained]:
    """The point changes of ``cs``'s last recompute, those counting first, newest first."""
    today = today or timezone.localdate()
    items = ScoreItem.objects.filter(civil_servant=cs).select_related("record__item", "rule")
    if in_force_only:
        items = items.filter(in_force=True)
    return [
        Explained(
            record_id=it.record_id,
            record_status=it.record.status,
            kind=it.record.item.name,
            document_no=it.record.document_no,
            decision_date=it.record.decision_date,
            rule=it.rule.label,
            points=it.points,
            counts_from=it.counts_from,
            last_day=it.counts_until - ONE_DAY if it.counts_until else None,
            in_force=it.in_force,
            why_not=why_not(it, today),
        )
        for it in items.order_by("-in_force", "-counts_from", "-id")
    ]


def withdrawn_items(cs: CivilServant) -> list[Explained]:
    """``cs``'s repaired and revoked records that a line of the version in use would score,
    with the points they no longer take and why, newest first."""
    from credit.integrity.services.scoring import load_versions

    version = next((v for v in load_versions() if v.id == cs.ruleset_id), None)
    if version is None:
        return []
    records = (
        CreditRecord.objects.filter(
            natural_person_id=cs.natural_person_id,
            item__code__in=sorted(version.by_item),
            status__in=WITHDRAWN,
        )
        .select_related("item")
        .order_by("-decision_date", "-id")
    )
    out = []
    for record in records:
        line = version.match(record.item.code, record.payload or {})
        if line is not None:
            out.append(
                Explained(
                    record_id=record.pk,
                    record_status=record.status,
                    kind=record.item.name,
                    document_no=record.document_no,
                    decision_date=record.decision_date,
                    rule=line.label,
                    points=line.points,
                    counts_from=None,
                    last_day=None,
                    in_force=False,
                    why_not=WITHDRAWN[record.status],
                )
            )
    return out
