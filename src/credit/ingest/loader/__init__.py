"""The bulk loader (批量入库) of the ingest pipeline: a chunk of accepted rows into the base
libraries and the credit records, in bulk where it can and row by row where it must.

The common cases — a legal person with a valid USCC, a natural person with a resident ID —
are loaded in bulk: subjects are looked up for the whole chunk in one query each, the missing
ones created with one bulk insert (:mod:`.subjects`), records compared with what the library
holds and inserted, updated (keeping the previous version) or left unchanged in bulk, and every
change written to the audit log as in the services (:mod:`.records`). Everything else (sole
traders without a USCC, legacy codes owned by another subject, other document types) goes row
by row through :func:`credit.subjects.services.register_legal_person` /
:func:`~credit.subjects.services.register_natural_person` and
:func:`credit.records.services.upsert_record`, which hold the full rules (:mod:`.chunk`). Both
paths apply the same natural key, stored payload and extracted columns
(``credit.records.rules``), prepared for each row without the database (:mod:`.prepared`).
"""
