"""Exchange (数据交换, 一体化): the platform's channels to the provincial platform above and to
the districts and departments below — an intermediate database (中间库/前置库), data files, web
services — each configured per partner and catalog item with a direction (上报, 下发, 采集), a
period and a field mapping kept as data.

Upward items are taken from the one change feed of records (:mod:`credit.records.changes`),
sent through the partner's adapter (:mod:`credit.exchange.adapters`) and acknowledged by the
partner's receipt, each under an idempotent key, so a re-send never duplicates at the partner;
inbound rows go through the ingest pipeline like any department's batch."""
