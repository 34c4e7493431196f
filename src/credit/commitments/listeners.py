"""What credit commitments do when credit records change (``credit.records.changes``)."""

from __future__ import annotations


def record_changed(kind: str, record_ids: list[int]) -> None:
    """A record changed, in its transaction: a row of the 信用承诺 import item becomes a
    commitment; a penalty of a subject with a commitment in the same department's domain is
    checked for a suspected breach (both enqueued as a job, in this transaction)."""
    from credit.commitments.services import imports

    imports.enqueue_for_records(record_ids)
