"""Fast inserts of many rows with PostgreSQL COPY, for bulk loaders that never build model
instances.

:func:`reserve_ids` takes primary keys from the table's own sequence (one query) when the caller
needs them before writing (foreign keys, audit entries); :func:`copy_dicts` streams plain rows
with COPY — several times faster than Django's multi-row INSERT for thousands of rows — filling
each missing field with its model default (``auto_now``/``auto_now_add`` the time of the call)
and serialising JSON fields, so what is stored is what ``save()`` would store. Constraints are
checked by the database as for any insert.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model
from django.utils import timezone


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """``count`` primary keys from ``model``'s own sequence, for rows written with COPY."""
    if count <= 0:
        return []
    meta = model._meta
    with connection.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, count],
        )
        return [pk for (pk,) in cur.fetchall()]


class _Columns:
    """The concrete columns of a model for :func:`copy_dicts`, with their defaults."""

    def __init__(self, model: type[Model]) -> None:
        meta = model._meta
        self.table = meta.db_table
        self.pk = meta.pk.attname
        self.names: list[str] = []
        self.columns: list[str] = []
        self.defaults: list[Any] = []  # a value, or _NOW for auto_now(_add)
        self.json: set[int] = set()
        # Generated columns (e.g. a legal person's name bigrams) are the database's to fill.
        fields = [f for f in meta.concrete_fields if not getattr(f, "generated", False)]
        for n, f in enumerate(fields):
            self.names.append(f.attname)
            self.columns.append(connection.ops.quote_name(f.column))
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                self.defaults.append(_NOW)
            elif f.has_default() and callable(f.default):
                self.defaults.append(f.default)  # called per row (list, dict …)
            else:
                self.defaults.append(f.get_default())  # "" for a blank text field
            if isinstance(f, JSONField):
                self.json.add(n)


_NOW = object()
_columns: dict[type[Model], _Columns] = {}


def copy_dicts(model: type[Model], rows: Iterable[dict[str, Any]]) -> int:
    """Insert plain rows (dicts keyed by field attname, e.g. ``region_id``) with COPY.

    The fast path for bulk loaders that never build model instances: a missing field takes
    its model default (``auto_now``/``auto_now_add`` the time of the call), JSON fields are
    serialised here. Give ``id`` (from :func:`reserve_ids`) when the caller needs the keys.
    Constraints are checked by the database as for any insert. Returns the number of rows.
    """
    cols = _columns.get(model)
    if cols is None:
        cols = _columns[model] = _Columns(model)
    it = iter(rows)
    first = next(it, None)
    if first is None:
        return 0
    # Without ids the primary key is left to its sequence (the column's default).
    keep = [n for n, name in enumerate(cols.names) if name != cols.pk or cols.pk in first]
    names = [(n, cols.names[n], cols.defaults[n]) for n in keep]
    now = timezone.now()
    count = 0
    sql = f"COPY {cols.table} ({', '.join(cols.columns[n] for n in keep)}) FROM STDIN"
    with connection.cursor() as cur, cur.cursor.copy(sql) as copy:
        for row in itertools.chain((first,), it):
            values = []
            for n, name, default in names:
                if name in row:
                    value = row[name]
                elif default is _NOW:
                    value = now
                elif callable(default):
                    value = default()
                else:
                    value = default
                if n in cols.json and value is not None and not isinstance(value, str):
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value)
            copy.write_row(values)
            count += 1
    return count
