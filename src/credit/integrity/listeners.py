"""What government integrity does when credit records change (``credit.records.changes``)."""

from __future__ import annotations


def record_changed(kind: str, record_ids: list[int]) -> None:
    """A record changed: enqueue, in the changing transaction, the recompute of the civil
    servants (and would-be civil servants: a 公务人员基础信息 record) it concerns."""
    from credit.integrity.services import scoring

    scoring.enqueue_for_records(record_ids)
