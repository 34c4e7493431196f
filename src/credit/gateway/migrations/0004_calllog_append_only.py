"""The API call log (接口调用日志) is append-only, like the audit log: the database refuses
UPDATE, DELETE and TRUNCATE on it and on every partition, present and future, even to the
table's owner.

- UPDATE and DELETE: a row trigger on the partitioned table. PostgreSQL (13 and later) clones
  it onto every partition, those created or attached later included, and refuses to drop the
  clone from a single partition.
- TRUNCATE: statement triggers are not inherited, and ``TRUNCATE gateway_calllog_2026_11``
  does not fire the parent's. So the parent has one and so has each partition:
  ``gateway_calllog_ensure_partitions`` adds it to every partition that lacks it (a partition
  made by hand included) each time it runs — here and daily.

Archiving a month stays possible for the owner: ``DETACH PARTITION`` (which removes the cloned
row trigger from the detached table) and ``DROP TABLE`` fire no trigger.

``gateway_calllog_ensure_partitions`` becomes ``SECURITY DEFINER`` with a fixed
``search_path`` (this schema, then ``pg_temp``) and is no longer executable by PUBLIC, so that
an application role that owns nothing can be allowed to run it (``credit db-roles``). When it
moves rows of a month out of the DEFAULT partition it switches DEFAULT's row trigger off for
that statement only, inside its own transaction, with the owner's rights; the lock this takes
keeps every other session out until the move has committed. A partition it creates gets
exactly the partitioned table's grants (not the schema's default privileges).
"""

from django.db import migrations

ENSURE_PARTITIONS = r"""
CREATE OR REPLACE FUNCTION gateway_calllog_ensure_partitions(months_ahead integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY DEFINER AS $fn$
DECLARE
    first_month timestamp := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai');
    month timestamp;
    lo timestamptz;
    hi timestamptz;
    part text;
    qpart text;
    grant_row record;
BEGIN
    -- One caller at a time (the migration, the daily job, an operator).
    PERFORM pg_advisory_xact_lock(hashtext('gateway_calllog_ensure_partitions'));
    FOR i IN 0..greatest(months_ahead, 0) LOOP
        month := first_month + make_interval(months => i);
        part := 'gateway_calllog_' || to_char(month, 'YYYY_MM');
        qpart := format('%I.%I', current_schema(), part);
        CONTINUE WHEN to_regclass(qpart) IS NOT NULL;
        lo := month AT TIME ZONE 'Asia/Shanghai';
        hi := (month + interval '1 month') AT TIME ZONE 'Asia/Shanghai';
        IF EXISTS (
            SELECT 1 FROM gateway_calllog_default WHERE called_at >= lo AND called_at < hi
        ) THEN
            -- Calls of this month already went to DEFAULT (the job had not run): move them
            -- into a new table, then attach it as the month's partition. DEFAULT refuses
            -- DELETE: its guard is off for this one statement of this transaction only.
            EXECUTE format('CREATE TABLE %s (LIKE gateway_calllog INCLUDING DEFAULTS)', qpart);
            ALTER TABLE gateway_calllog_default DISABLE TRIGGER gateway_calllog_no_update;
            EXECUTE format(
                'WITH moved AS (DELETE FROM gateway_calllog_default'
                ' WHERE called_at >= $1 AND called_at < $2 RETURNING *)'
                ' INSERT INTO %s SELECT * FROM moved',
                qpart
            ) USING lo, hi;
            ALTER TABLE gateway_calllog_default ENABLE TRIGGER gateway_calllog_no_update;
            EXECUTE format(
                'ALTER TABLE gateway_calllog ATTACH PARTITION %s FOR VALUES FROM (%L) TO (%L)',
                qpart, lo, hi
            );
        ELSE
            EXECUTE format(
                'CREATE TABLE %s PARTITION OF gateway_calllog FOR VALUES FROM (%L) TO (%L)',
                qpart, lo, hi
            );
        END IF;
        -- The new partition gets exactly the partitioned table's grants.
        FOR grant_row IN
            SELECT DISTINCT a.grantee FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = qpart::regclass AND a.grantee <> c.relowner
        LOOP
            EXECUTE format('REVOKE ALL ON %s FROM %s', qpart, CASE WHEN grant_row.grantee = 0
                THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grant_row.grantee)) END);
        END LOOP;
        FOR grant_row IN
            SELECT a.grantee, a.privilege_type FROM pg_class c, aclexplode(c.relacl) a
            WHERE c.oid = 'gateway_calllog'::regclass AND a.grantee <> c.relowner
        LOOP
            EXECUTE format('GRANT %s ON %s TO %s', grant_row.privilege_type, qpart,
                CASE WHEN grant_row.grantee = 0
                THEN 'PUBLIC' ELSE quote_ident(pg_get_userbyid(grant_row.grantee)) END);
        END LOOP;
        RETURN NEXT part;
    END LOOP;
    -- Every partition refuses TRUNCATE (the parent's statement trigger is not inherited).
    FOR qpart IN
        SELECT c.oid::regclass::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = 'gateway_calllog'::regclass AND NOT EXISTS (
            SELECT 1 FROM pg_trigger t
            WHERE t.tgrelid = c.oid AND t.tgname = 'gateway_calllog_no_truncate'
        )
    LOOP
        EXECUTE format(
            'CREATE TRIGGER gateway_calllog_no_truncate BEFORE TRUNCATE ON %s'
            ' FOR EACH STATEMENT EXECUTE FUNCTION gateway_calllog_append_only()',
            qpart
        );
    END LOOP;
END
$fn$;
DO $do$ BEGIN
    EXECUTE format(
        'ALTER FUNCTION gateway_calllog_ensure_partitions(integer) SET search_path = %I, pg_temp',
        current_schema()
    );
END $do$;
REVOKE ALL ON FUNCTION gateway_calllog_ensure_partitions(integer) FROM PUBLIC;
"""

GUARDS = r"""
CREATE OR REPLACE FUNCTION gateway_calllog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'API call log is append-only (接口调用日志不可修改或删除)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER gateway_calllog_no_update BEFORE UPDATE OR DELETE ON gateway_calllog
    FOR EACH ROW EXECUTE FUNCTION gateway_calllog_append_only();
CREATE TRIGGER gateway_calllog_no_truncate BEFORE TRUNCATE ON gateway_calllog
    FOR EACH STATEMENT EXECUTE FUNCTION gateway_calllog_append_only();
"""

#: The function as migration 0002 created it.
ENSURE_PARTITIONS_0002 = r"""
CREATE OR REPLACE FUNCTION gateway_calllog_ensure_partitions(months_ahead integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql SECURITY INVOKER AS $fn$
DECLARE
    first_month timestamp := date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai');
    month timestamp;
    lo timestamptz;
    hi timestamptz;
    part text;
BEGIN
    -- One caller at a time (the migration, the daily job, an operator).
    PERFORM pg_advisory_xact_lock(hashtext('gateway_calllog_ensure_partitions'));
    FOR i IN 0..greatest(months_ahead, 0) LOOP
        month := first_month + make_interval(months => i);
        part := 'gateway_calllog_' || to_char(month, 'YYYY_MM');
        CONTINUE WHEN to_regclass(part) IS NOT NULL;
        lo := month AT TIME ZONE 'Asia/Shanghai';
        hi := (month + interval '1 month') AT TIME ZONE 'Asia/Shanghai';
        IF EXISTS (
            SELECT 1 FROM gateway_calllog_default WHERE called_at >= lo AND called_at < hi
        ) THEN
            -- Calls of this month already went to DEFAULT (the job had not run): move them
            -- into a new table, then attach it as the month's partition.
            EXECUTE format('CREATE TABLE %I (LIKE gateway_calllog INCLUDING DEFAULTS)', part);
            EXECUTE format(
                'WITH moved AS (DELETE FROM gateway_calllog_default'
                ' WHERE called_at >= $1 AND called_at < $2 RETURNING *)'
                ' INSERT INTO %I SELECT * FROM moved',
                part
            ) USING lo, hi;
            EXECUTE format(
                'ALTER TABLE gateway_calllog ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
                part, lo, hi
            );
        ELSE
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF gateway_calllog FOR VALUES FROM (%L) TO (%L)',
                part, lo, hi
            );
        END IF;
        RETURN NEXT part;
    END LOOP;
END
$fn$;
GRANT EXECUTE ON FUNCTION gateway_calllog_ensure_partitions(integer) TO PUBLIC;
"""

DROP_GUARDS = r"""
DO $do$
DECLARE
    rel regclass;
BEGIN
    FOR rel IN
        SELECT t.tgrelid::regclass FROM pg_trigger t
        WHERE t.tgname = 'gateway_calllog_no_truncate'
          AND t.tgfoid = 'gateway_calllog_append_only()'::regprocedure
    LOOP
        EXECUTE format('DROP TRIGGER gateway_calllog_no_truncate ON %s', rel);
    END LOOP;
END $do$;
DROP TRIGGER IF EXISTS gateway_calllog_no_update ON gateway_calllog;
DROP FUNCTION IF EXISTS gateway_calllog_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("gateway", "0003_apiclient_report_for"),
    ]

    operations = [
        migrations.RunSQL(
            # Guards first, then the function, which also guards every partition.
            [GUARDS, ENSURE_PARTITIONS, "SELECT gateway_calllog_ensure_partitions(3);"],
            [ENSURE_PARTITIONS_0002, DROP_GUARDS],
        )
    ]
