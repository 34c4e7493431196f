"""Writes of credit commitments, by topic: ``items`` (承诺事项 and their versions), ``numbering``
(structured numbers), ``commitments`` (submit, enter, review, fulfil, breach), ``imports``
(commitments from the ingest pipeline and from credit repair; suspected breaches from
penalties), ``coverage`` (the daily figures)."""
