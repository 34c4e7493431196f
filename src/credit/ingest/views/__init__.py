"""Staff pages of ingest (数据归集): uploads and their batches (:mod:`.batches`), a batch's
feedback downloads (:mod:`.feedback`), and the data quality ranking and a department's own
quality page (:mod:`.quality`)."""
