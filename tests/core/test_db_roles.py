"""The production database roles (``credit db-roles``): an owner that owns everything and an
application role that may only append to the audit-like tables and cannot switch off their
guards.

Each test creates two uniquely named roles in the test database's cluster and applies the
set-up inside the test's transaction: roles, ownership and grants vanish with its rollback,
and the fixture also drops them explicitly. A module-level check on a separate connection
proves that no role is left behind.
"""

from __future__ import annotations

import datetime
import io
import uuid
import zoneinfo

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from credit.accounts.roles import Role
from credit.core import audit, dbroles

pytestmark = pytest.mark.django_db

BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
_created: list[str] = []


def _sql(statement: str, params: list | None = None) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(statement, params)
        return list(cur.fetchall()) if cur.description else []


def _value(statement: str, params: list | None = None):
    return _sql(statement, params)[0][0]


def _refused(statement: str, match: str = "permission denied|must be owner") -> None:
    """``statement`` fails (in a savepoint, so the test goes on) with an error matching."""
    with pytest.raises(DatabaseError, match=match), transaction.atomic():
        _sql(statement)


@pytest.fixture(scope="module", autouse=True)
def no_role_left_behind(django_db_setup):
    """After the module: none of the roles its tests created exists in the cluster (checked
    on a connection of its own, after every test transaction has ended)."""
    yield
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
    ) as conn:
        left = conn.execute(
            "SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", [_created]
        ).fetchall()
    assert left == []


@pytest.fixture
def role_names(db):
    """``(owner, app)``: fresh role names; whatever the test did, the roles are dropped after
    it (their objects given back to the test's user first)."""
    suffix = uuid.uuid4().hex[:12]
    names = (f"test_owner_{suffix}", f"test_app_{suffix}")
    _created.extend(names)
    try:
        yield names
    finally:
        _drop_roles(names)


def _drop_roles(names: tuple[str, ...]) -> None:
    if connection.needs_rollback:
        return  # the test's transaction is broken: its rollback removes the roles
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("RESET ROLE")
        for name in names:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            if cur.fetchone():
                cur.execute(f'REASSIGN OWNED BY "{name}" TO SESSION_USER')
                cur.execute(f'DROP OWNED BY "{name}"')
                cur.execute(f'DROP ROLE "{name}"')


@pytest.fixture
def roles(role_names):
    """The production set-up applied with the command for fresh roles: ``(owner, app)``."""
    owner, app = role_names
    call_command("db_roles", owner=owner, app=app, apply=True, stdout=io.StringIO())
    return owner, app


def _as(role: str) -> None:
    _sql(f'SET LOCAL ROLE "{role}"')


def _append_only_tables() -> list[str]:
    """Every append-only table with its partitions."""
    return [
        name
        for (name,) in _sql(
            "SELECT c.oid::regclass::text FROM unnest(%s::text[]) AS t(name) "
            "JOIN pg_class root ON root.relname = t.name "
            "LEFT JOIN LATERAL pg_partition_tree(root.oid) tree ON true "
            "JOIN pg_class c ON c.oid = coalesce(tree.relid, root.oid)",
            [list(dbroles.APPEND_ONLY_TABLES)],
        )
    ]


def _a_column(table: str) -> str:
    """A column of ``table`` that is not an identity column (UPDATE of those fails earlier)."""
    return _value(
        "SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
        "AND NOT attisdropped AND attidentity = '' ORDER BY attnum LIMIT 1",
        [table],
    )


# --------------------------------------------------------------------------------------------
# the command
# --------------------------------------------------------------------------------------------


def test_without_apply_the_command_prints_the_sql_and_changes_nothing(role_names):
    owner, app = role_names
    out = io.StringIO()
    call_command("db_roles", owner=owner, app=app, stdout=out)
    text = out.getvalue()
    assert f"CREATE ROLE {owner} NOLOGIN;" in text
    assert f"ALTER TABLE public.core_auditentry OWNER TO {owner};" in text
    assert "REVOKE UPDATE, DELETE ON TABLE public.core_auditentry" in text
    assert (
        f"GRANT EXECUTE ON FUNCTION public.gateway_calllog_ensure_partitions(integer) TO {app};"
        in text
    )
    assert f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public" in text
    assert _sql("SELECT 1 FROM pg_roles WHERE rolname IN (%s, %s)", [owner, app]) == []


def test_the_same_role_for_owner_and_app_or_a_bad_name_is_refused(role_names):
    owner, _ = role_names
    with pytest.raises(CommandError, match="必须不同"):
        call_command("db_roles", owner=owner, app=owner, stdout=io.StringIO())
    with pytest.raises(CommandError, match="不合法"):
        call_command("db_roles", owner=owner, app='x"; DROP TABLE y; --', stdout=io.StringIO())


def test_after_apply_the_owner_owns_every_table_sequence_type_and_function(roles):
    owner, _ = roles
    not_owned = _sql(
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
        "AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c', 'i', 'I') "
        "AND pg_get_userbyid(c.relowner) <> %s "
        "UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace "
        "AND pg_get_userbyid(proowner) <> %s "
        "UNION ALL SELECT typname FROM pg_type WHERE typnamespace = 'public'::regnamespace "
        "AND typtype = 'e' AND pg_get_userbyid(typowner) <> %s",
        [owner, owner, owner],
    )
    assert not_owned == []


def test_applying_again_only_repeats_the_idempotent_grants(roles):
    owner, app = roles
    again = dbroles.plan(owner=owner, app=app)
    assert not [s for s in again if s.startswith(("CREATE ROLE", "ALTER TABLE", "ALTER ROUTINE"))]
    assert not [s for s in again if " ON SCHEMA " in s or "OWNER TO" in s]
    dbroles.apply(again)
    assert dbroles.plan(owner=owner, app=app) == again


def test_an_app_role_that_is_a_member_of_the_owner_loses_the_membership(role_names):
    owner, app = role_names
    _sql(f'CREATE ROLE "{owner}" NOLOGIN')
    _sql(f'CREATE ROLE "{app}" NOLOGIN CREATEROLE')
    _sql(f'GRANT "{owner}" TO "{app}"')
    statements = dbroles.plan(owner=owner, app=app)
    assert f"REVOKE {owner} FROM {app}" in statements
    assert f"ALTER ROLE {app} NOSUPERUSER NOCREATEROLE" in statements
    dbroles.apply(statements)
    assert _value("SELECT pg_has_role(%s::name, %s::name, 'MEMBER')", [app, owner]) is False
    assert _value("SELECT rolcreaterole FROM pg_roles WHERE rolname = %s", [app]) is False


def test_every_table_guarded_by_an_append_only_trigger_is_append_only_for_the_app():
    guarded = {
        table
        for (table,) in _sql(
            "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE p.proname LIKE '%_append_only' AND NOT c.relispartition"
        )
    }
    assert guarded == {
        "core_auditentry",
        "objections_transition",
        "reports_step",
        "gateway_calllog",
        "records_creditrecordversion",
    }
    assert guarded <= set(dbroles.APPEND_ONLY_TABLES)


# --------------------------------------------------------------------------------------------
# what the application role may do
# --------------------------------------------------------------------------------------------


def test_the_app_role_appends_to_every_append_only_table_through_the_application(
    roles, make_user, legal_person, resident_id_factory
):
    from credit.catalog.models import CatalogItem
    from credit.core.models import AuditEntry, Department
    from credit.gateway import calllog
    from credit.gateway.models import CallLog
    from credit.objections import services as objections
    from credit.objections.models import Transition
    from credit.records import services as records
    from credit.records.models import CreditRecord, CreditRecordVersion, ListChange
    from credit.sanctions import services as sanctions
    from credit.sanctions.models import Check

    _, app = roles
    office = make_user(Role.CITY_REVIEWER)
    entry = CreditRecord.objects.create(
        item=CatalogItem.objects.get(code="major-tax-violation"),
        legal_person=legal_person,
        department=Department.objects.get(code="SW"),
        region_id="320400",
        natural_key=f"db-roles-{legal_person.pk}",
        document_no="常税稽〔2026〕9号",
        payload={"document_no": "常税稽〔2026〕9号"},
        usage_scope="public",
        decision_date=datetime.date.today(),
    )
    models = [AuditEntry, CallLog, CreditRecordVersion, ListChange, Transition, Check]
    before = {m: m.objects.count() for m in models}

    _as(app)
    assert _value("SELECT current_user") == app
    audit.record("test.db_roles", object_type="x", object_id="1")
    assert calllog.record_call(
        called_at=timezone.now(), method="GET", route="/r", path="/r", status=200, latency_ms=1
    )
    objections.record_offline_objection(
        actor=office,
        record=entry,
        reason="名单有误",
        files=[],
        name="李四",
        id_number=resident_id_factory(),
        phone="13800000000",
    )
    sanctions.run_check(principal=office, identifier=legal_person.uscc, reason="资格审查")
    records.change_status(
        actor=office, record=entry, status="suspended", reason="核实中", reference="T-1"
    )

    grown = {m.__name__: m.objects.count() - before[m] for m in models}
    assert all(n >= 1 for n in grown.values()), grown


@pytest.mark.parametrize("operation", ["UPDATE", "DELETE", "TRUNCATE"])
def test_the_app_role_may_not_rewrite_any_append_only_table_or_partition(roles, operation):
    _, app = roles
    tables = _append_only_tables()
    assert "gateway_calllog_default" in tables and "records_creditrecordversion" in tables
    _as(app)
    for table in tables:
        statement = {
            "UPDATE": f"UPDATE {table} SET {_a_column(table)} = {_a_column(table)}",
            "DELETE": f"DELETE FROM {table}",
            "TRUNCATE": f"TRUNCATE {table}",
        }[operation]
        _refused(statement, match="permission denied")


def test_the_app_role_cannot_switch_off_drop_or_bypass_the_guards(roles):
    owner, app = roles
    triggers = _sql(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
        "WHERE NOT tgisinternal AND tgname ~ '_no_(update|truncate)$'"
    )
    guarded = {table for table, _ in triggers}
    assert {
        "core_auditentry",
        "objections_transition",
        "reports_step",
        "reports_report",
        "gateway_calllog",
        "gateway_calllog_default",
        "records_creditrecordversion",
    } <= guarded
    assert _value("SELECT pg_has_role(%s::name, %s::name, 'MEMBER')", [app, owner]) is False
    _as(app)
    for table, trigger in triggers:
        _refused(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}", match="must be owner")
        _refused(f"ALTER TABLE {table} DISABLE TRIGGER ALL", match="must be owner")
        _refused(f"DROP TRIGGER {trigger} ON {table}", match="must be owner")
    _refused(f'ALTER TABLE core_auditentry OWNER TO "{app}"', match="must be owner")
    _refused("DROP TABLE core_auditentry", match="must be owner")
    _refused("SET session_replication_role = replica", match="permission denied")
    _refused("CREATE TABLE public.evil (id int)", match="permission denied")
    _refused(
        "CREATE TRIGGER evil BEFORE INSERT ON core_auditentry FOR EACH ROW "
        "EXECUTE FUNCTION core_auditentry_append_only()",
        match="permission denied",
    )


def test_the_app_role_has_ordinary_dml_on_ordinary_tables_and_only_reads_migrations(roles):
    from credit.core.models import CalendarDay

    _, app = roles
    _as(app)
    day = CalendarDay.objects.create(date=datetime.date(2031, 1, 1), is_workday=False, name="元旦")
    CalendarDay.objects.filter(pk=day.pk).update(name="元旦节")
    CalendarDay.objects.filter(pk=day.pk).delete()
    _sql(
        "INSERT INTO django_session (session_key, session_data, expire_date) "
        "VALUES ('dbroles', 'x', now())"
    )
    _sql("UPDATE django_session SET session_data = 'y' WHERE session_key = 'dbroles'")
    _sql("DELETE FROM django_session WHERE session_key = 'dbroles'")
    _sql(
        "INSERT INTO procrastinate_jobs (queue_name, task_name, args) "
        "VALUES ('dbroles', 'dbroles.test', '{}')"
    )
    _sql("DELETE FROM procrastinate_jobs WHERE queue_name = 'dbroles'")
    assert _value("SELECT count(*) FROM django_migrations") > 0
    _refused(
        "INSERT INTO django_migrations (app, name, applied) VALUES ('x', 'y', now())",
        match="permission denied",
    )


def test_the_app_role_runs_the_partition_function_whose_partitions_keep_the_guards(roles):
    owner, app = roles
    _as(app)
    _sql("SELECT gateway_calllog_ensure_partitions(3)")
    # A call of a month without a partition lands in DEFAULT; the function moves it out
    # (DEFAULT refuses DELETE: the function's owner rights switch that off for the move).
    far = timezone.now() + datetime.timedelta(days=20 * 31)
    _sql(
        "INSERT INTO gateway_calllog (called_at, method, path, status, latency_ms, request_id) "
        "VALUES (%s, 'GET', '/far', 200, 1, 'dbroles-far')",
        [far],
    )
    where = "SELECT tableoid::regclass::text FROM gateway_calllog WHERE request_id = 'dbroles-far'"
    assert _value(where) == "gateway_calllog_default"
    created = [name for (name,) in _sql("SELECT gateway_calllog_ensure_partitions(22)")]
    home = f"gateway_calllog_{far.astimezone(BEIJING):%Y_%m}"
    assert home in created and _value(where) == home
    assert _value(
        "SELECT bool_and(tgenabled = 'O') FROM pg_trigger "
        "WHERE tgrelid = 'gateway_calllog_default'::regclass"
    )
    for partition in created:
        assert (
            _value("SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = %s", [partition])
            == owner
        )
        privileges = _value(
            "SELECT array_agg(p ORDER BY p) FROM unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', "
            "'DELETE', 'TRUNCATE', 'TRIGGER', 'REFERENCES']) p "
            "WHERE has_table_privilege(%s, %s, p)",
            [app, partition],
        )
        assert privileges == ["INSERT", "SELECT"]
        _refused(f"TRUNCATE {partition}", match="permission denied")


def test_the_guards_refuse_the_owner_too(roles):
    owner, _ = roles
    _sql(
        "INSERT INTO gateway_calllog (method, path, status, latency_ms, request_id) "
        "VALUES ('GET', '/x', 200, 1, 'dbroles-owner')"
    )
    _as(owner)
    for statement in (
        "UPDATE gateway_calllog SET status = 500 WHERE request_id = 'dbroles-owner'",
        "DELETE FROM gateway_calllog WHERE request_id = 'dbroles-owner'",
        "TRUNCATE gateway_calllog",
        "TRUNCATE gateway_calllog_default",
        "TRUNCATE records_creditrecordversion",
    ):
        _refused(statement, match="append-only")
