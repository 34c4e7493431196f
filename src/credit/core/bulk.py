"""Fast inserts of many model instances with PostgreSQL COPY.

:func:`copy_insert` assigns primary keys from the table's own sequence first (one query), so
the caller keeps working with the saved instances (foreign keys, audit entries) exactly as
after ``bulk_create``, then streams the rows with COPY — several times faster than Django's
multi-row INSERT for thousands of rows. It applies ``pre_save`` (``auto_now``/``auto_now_add``)
and each field's database preparation, so what is stored is what ``save()`` would store.
Constraints are checked by the database as for any insert.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def copy_insert(objects: Sequence[Model]) -> list[Model]:
    """Insert unsaved ``objects`` of one model with COPY; returns them with their ids set."""
    if not objects:
        return list(objects)
    model = type(objects[0])
    meta = model._meta
    fields = list(meta.concrete_fields)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cur.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        with cur.cursor.copy(f"COPY {meta.db_table} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
                )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = "default"
    return list(objects)
