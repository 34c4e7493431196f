"""Database roles of a production installation (数据库角色与审计表保护).

Two roles keep the append-only tables honest:

- the **owner** (default ``credit_owner``) owns the schema's tables, sequences, types and
  functions. Only it runs ``credit migrate`` and archives call-log months; it may be
  ``NOLOGIN`` with a DBA switching to it, or a login used for nothing else;
- the **application** (default ``credit_app``), the role in gunicorn's and the workers'
  ``DATABASE_URL``, owns nothing. It may read and change ordinary tables, but only read and
  INSERT into the append-only tables (:data:`APPEND_ONLY_TABLES`), read ``django_migrations``,
  use the sequences, and run the partition function (SECURITY DEFINER,
  :data:`DEFINER_FUNCTIONS`). It has no TRUNCATE, REFERENCES or TRIGGER privilege and owns no
  table, so it can neither ``ALTER TABLE … DISABLE TRIGGER`` nor ``DROP TRIGGER``; it may not
  create objects in the schema, own the database or the schema, or be a member of the owner.

:func:`plan` inspects the database and returns the SQL that brings it to that state; running
the statements again changes nothing. Objects created by later migrations are owned by the
owner (who runs them), and the owner's default privileges give the application its ordinary
DML on them; running the plan again after each migration fixes any other gap (a new
append-only table must be added to :data:`APPEND_ONLY_TABLES`). ``credit db-roles`` prints the
plan and executes it with ``--apply``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

#: Tables the application may only read and append to. The first five also refuse UPDATE,
#: DELETE and TRUNCATE by trigger, to the owner too; the change feed and the check log have no
#: trigger (the owner may prune them), but the application never rewrites them. The
#: partitions of a partitioned table are included.
APPEND_ONLY_TABLES: tuple[str, ...] = (
    "core_auditentry",
    "objections_transition",
    "reports_step",
    "gateway_calllog",
    "records_creditrecordversion",
    "records_listchange",
    "sanctions_check",
)
#: Tables the application may only read: the migration history belongs to ``credit migrate``.
READ_ONLY_TABLES: tuple[str, ...] = ("django_migrations",)
#: Functions doing DDL that the application must be able to call (the daily partition job):
#: they run with the owner's rights, with a fixed ``search_path``.
DEFINER_FUNCTIONS: tuple[str, ...] = ("gateway_calllog_ensure_partitions(integer)",)

DEFAULT_OWNER = "credit_owner"
DEFAULT_APP = "credit_app"

_ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


class RoleSetupError(ValueError):
    """The requested set-up cannot be reached by the plan (bad names, unsafe memberships)."""


def validate_role_name(name: str) -> str:
    """``name`` when it is a plain lower-case role name, else :class:`RoleSetupError`."""
    if not _ROLE_NAME.fullmatch(name or "") or name.startswith("pg_"):
        raise RoleSetupError(f"角色名不合法：{name!r}（小写字母、数字、下划线，不以 pg_ 开头）")
    return name


@dataclass(frozen=True)
class _State:
    """What :func:`plan` decides from: the names (and their quoted SQL forms) and which roles
    exist already."""

    owner: str
    app: str
    schema: str
    database: str
    q_owner: str
    q_app: str
    q_schema: str
    q_database: str
    owner_exists: bool
    app_exists: bool


def _one(cur, sql: str, params: list | None = None):
    cur.execute(sql, params or [])
    row = cur.fetchone()
    return row[0] if row else None


def _all(cur, sql: str, params: list | None = None) -> list[tuple]:
    cur.execute(sql, params or [])
    return list(cur.fetchall())


def _role_statements(cur, st: _State) -> list[str]:
    """Missing roles (``NOLOGIN``: logins and passwords are the DBA's), then whatever would let
    the application act as the owner: membership, owning the database or the schema."""
    out = [
        f"CREATE ROLE {quoted} NOLOGIN"
        for quoted, exists in ((st.q_owner, st.owner_exists), (st.q_app, st.app_exists))
        if not exists
    ]
    if not st.app_exists:
        return out
    direct = _one(
        cur,
        "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
        "JOIN pg_roles a ON a.oid = m.member WHERE r.rolname = %s AND a.rolname = %s",
        [st.owner, st.app],
    )
    if direct:
        out.append(f"REVOKE {st.q_owner} FROM {st.q_app}")
    elif st.owner_exists and _one(
        cur, "SELECT pg_has_role(%s::name, %s::name, 'MEMBER')", [st.app, st.owner]
    ):
        raise RoleSetupError(
            f"应用角色 {st.app} 经由其他角色属于所有者角色 {st.owner}：请先撤销该成员关系。"
        )
    database_owner = _one(
        cur, "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [st.database]
    )
    if database_owner == st.app:
        out.append(f"ALTER DATABASE {st.q_database} OWNER TO {st.q_owner}")
    schema_owner = _one(
        cur, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s", [st.schema]
    )
    if schema_owner == st.app:
        out.append(f"ALTER SCHEMA {st.q_schema} OWNER TO {st.q_owner}")
    return out


def _schema_statements(cur, st: _State) -> list[str]:
    """The owner may create in the schema; the application and PUBLIC may not."""
    acl = {
        (who, privilege)
        for who, privilege in _all(
            cur,
            "SELECT coalesce(r.rolname, 'PUBLIC'), a.privilege_type "
            "FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
            "LEFT JOIN pg_roles r ON r.oid = a.grantee WHERE n.nspname = %s",
            [st.schema],
        )
    }
    schema_owner = _one(
        cur, "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s", [st.schema]
    )
    out = []
    if schema_owner != st.owner and not {(st.owner, "USAGE"), (st.owner, "CREATE")} <= acl:
        out.append(f"GRANT USAGE, CREATE ON SCHEMA {st.q_schema} TO {st.q_owner}")
    if ("PUBLIC", "CREATE") in acl:
        out.append(f"REVOKE CREATE ON SCHEMA {st.q_schema} FROM PUBLIC")
    if (st.app, "CREATE") in acl:
        out.append(f"REVOKE CREATE ON SCHEMA {st.q_schema} FROM {st.q_app}")
    if not {(st.app, "USAGE"), ("PUBLIC", "USAGE")} & acl:
        out.append(f"GRANT USAGE ON SCHEMA {st.q_schema} TO {st.q_app}")
    return out


#: ``ALTER <kind>`` for each ``pg_class.relkind`` whose owner is set directly.
_RELATION_KINDS = {
    "r": "TABLE",
    "p": "TABLE",
    "v": "VIEW",
    "m": "MATERIALIZED VIEW",
    "f": "FOREIGN TABLE",
    "S": "SEQUENCE",
    "c": "TYPE",
}
#: Objects of the schema not owned by the owner, not members of an extension; sequences owned
#: by a column (identity, serial) follow their table.
_FOREIGN_RELATIONS = """
SELECT c.relkind, format('%%I.%%I', n.nspname, c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %s AND c.relkind = ANY(%s) AND pg_get_userbyid(c.relowner) <> %s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
  AND NOT (c.relkind = 'S' AND EXISTS (
      SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
ORDER BY c.relkind <> 'p', c.relname
"""
_FOREIGN_TYPES = """
SELECT format('%%I.%%I', n.nspname, t.typname)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %s AND t.typtype IN ('e', 'd', 'r', 'm') AND pg_get_userbyid(t.typowner) <> %s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
ORDER BY 1
"""
_FOREIGN_ROUTINES = """
SELECT format('%%I.%%I(%%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid))
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %s AND pg_get_userbyid(p.proowner) <> %s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
ORDER BY 1
"""
#: ``names`` that exist in the schema, each with its partitions (a plain table has no
#: partition tree: it stands for itself).
_TABLES_WITH_PARTITIONS = """
SELECT format('%%I.%%I', n.nspname, c.relname)
FROM unnest(%s::text[]) AS wanted(name)
JOIN pg_class root ON root.oid = to_regclass(format('%%I.%%I', %s::text, wanted.name))
LEFT JOIN LATERAL pg_partition_tree(root.oid) tree ON true
JOIN pg_class c ON c.oid = coalesce(tree.relid, root.oid)
JOIN pg_namespace n ON n.oid = c.relnamespace
ORDER BY 1
"""


def _ownership_statements(cur, st: _State) -> list[str]:
    """``ALTER … OWNER TO`` for every object of the schema the owner does not own yet
    (indexes and column-owned sequences follow their table)."""
    out = [
        f"ALTER {_RELATION_KINDS[kind]} {name} OWNER TO {st.q_owner}"
        for kind, name in _all(
            cur, _FOREIGN_RELATIONS, [st.schema, list(_RELATION_KINDS), st.owner]
        )
    ]
    out += [
        f"ALTER TYPE {name} OWNER TO {st.q_owner}"
        for (name,) in _all(cur, _FOREIGN_TYPES, [st.schema, st.owner])
    ]
    out += [
        f"ALTER ROUTINE {name} OWNER TO {st.q_owner}"
        for (name,) in _all(cur, _FOREIGN_ROUTINES, [st.schema, st.owner])
    ]
    return out


def _existing_tables(cur, schema: str, names: tuple[str, ...]) -> list[str]:
    """``names`` that exist in ``schema`` with all their partitions, schema-qualified."""
    return [row[0] for row in _all(cur, _TABLES_WITH_PARTITIONS, [list(names), schema])]


def _privilege_statements(cur, st: _State) -> list[str]:
    """DML on ordinary tables, SELECT and INSERT only on the append-only ones, SELECT only on
    the migration history, sequences, the definer functions, and the owner's defaults for
    tables and sequences that later migrations create."""
    schema, a = st.q_schema, st.q_app
    out = [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM PUBLIC, {a}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {a}",
    ]
    if append_only := _existing_tables(cur, st.schema, APPEND_ONLY_TABLES):
        out.append(f"REVOKE UPDATE, DELETE ON TABLE {', '.join(append_only)} FROM {a}")
    if read_only := _existing_tables(cur, st.schema, READ_ONLY_TABLES):
        out.append(f"REVOKE INSERT, UPDATE, DELETE ON TABLE {', '.join(read_only)} FROM {a}")
    out += [
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM PUBLIC, {a}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {a}",
    ]
    for signature in DEFINER_FUNCTIONS:
        function = f"{schema}.{signature}"
        if _one(cur, "SELECT to_regprocedure(%s::text)", [function]) is None:
            continue
        out += [
            f"ALTER FUNCTION {function} SECURITY DEFINER",
            f"ALTER FUNCTION {function} SET search_path = {schema}, pg_temp",
            f"REVOKE ALL ON FUNCTION {function} FROM PUBLIC",
            f"GRANT EXECUTE ON FUNCTION {function} TO {a}",
        ]
    defaults = f"ALTER DEFAULT PRIVILEGES FOR ROLE {st.q_owner} IN SCHEMA {schema}"
    out += [
        f"{defaults} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {a}",
        f"{defaults} GRANT USAGE, SELECT ON SEQUENCES TO {a}",
    ]
    return out


def _attribute_statements(cur, st: _State) -> list[str]:
    """Last, since the statements before may need the rights of the role running them: an
    application role that is a superuser or may create roles could make itself the owner."""
    if not st.app_exists:
        return []
    ((superuser, createrole),) = _all(
        cur, "SELECT rolsuper, rolcreaterole FROM pg_roles WHERE rolname = %s", [st.app]
    )
    return [f"ALTER ROLE {st.q_app} NOSUPERUSER NOCREATEROLE"] if superuser or createrole else []


def plan(
    *,
    owner: str = DEFAULT_OWNER,
    app: str = DEFAULT_APP,
    schema: str | None = None,
    using: BaseDatabaseWrapper | None = None,
) -> list[str]:
    """The SQL statements (without ``;``) that bring the database to the production set-up
    of the module docstring for roles ``owner`` and ``app`` in ``schema`` (default: the
    connection's current schema). Read-only; idempotent once applied."""
    validate_role_name(owner)
    validate_role_name(app)
    if owner == app:
        raise RoleSetupError("所有者角色与应用角色必须不同。")
    conn = using or connection
    with conn.cursor() as cur:
        schema = schema or _one(cur, "SELECT current_schema()")
        if _one(cur, "SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema]) is None:
            raise RoleSetupError(f"模式不存在：{schema}")
        database = _one(cur, "SELECT current_database()")
        cur.execute(
            "SELECT quote_ident(%s), quote_ident(%s), quote_ident(%s), quote_ident(%s), "
            "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s), "
            "EXISTS (SELECT 1 FROM pg_roles WHERE rolname = %s)",
            [owner, app, schema, database, owner, app],
        )
        q_owner, q_app, q_schema, q_database, owner_exists, app_exists = cur.fetchone()
        st = _State(
            owner=owner,
            app=app,
            schema=schema,
            database=database,
            q_owner=q_owner,
            q_app=q_app,
            q_schema=q_schema,
            q_database=q_database,
            owner_exists=owner_exists,
            app_exists=app_exists,
        )
        return [
            *_role_statements(cur, st),
            *_schema_statements(cur, st),
            *_ownership_statements(cur, st),
            *_privilege_statements(cur, st),
            *_attribute_statements(cur, st),
        ]


def apply(statements: list[str], *, using: BaseDatabaseWrapper | None = None) -> None:
    """Run ``statements`` in one transaction: all of them or none."""
    conn = using or connection
    with transaction.atomic(using=conn.alias), conn.cursor() as cur:
        for statement in statements:
            cur.execute(statement)
