"""Staff pages of ingest (数据归集): uploads and their batches (:mod:`.batches`), and the data
quality ranking and a department's quality history (:mod:`.quality`)."""
