"""The API call log (接口调用日志): a table partitioned by month on ``called_at``.

Declarative range partitioning, one partition per calendar month in Beijing time
(``gateway_calllog_YYYY_MM``) plus a DEFAULT partition, so that an insert never fails when a
month's partition is missing. The function ``gateway_calllog_ensure_partitions(months_ahead)``
creates the current month's and the next ``months_ahead`` months' partitions when missing;
rows already in the DEFAULT partition for such a month are moved into the new partition. It
is run here (current month + 3) and daily by the job ``gateway.ensure_calllog_partitions``.

The model ``CallLog`` is unmanaged: Django only reads the table.
"""

from django.db import migrations, models

CREATE = r"""
CREATE TABLE gateway_calllog (
    id bigint GENERATED ALWAYS AS IDENTITY,
    called_at timestamptz NOT NULL DEFAULT now(),
    client_id bigint,
    user_id bigint,
    department_id bigint,
    method varchar(10) NOT NULL,
    route text NOT NULL DEFAULT '',
    path text NOT NULL,
    status smallint NOT NULL,
    latency_ms integer NOT NULL,
    subject text,
    result jsonb,
    source_ip inet,
    request_id varchar(64) NOT NULL DEFAULT '',
    PRIMARY KEY (id, called_at)
) PARTITION BY RANGE (called_at);

CREATE INDEX gateway_calllog_client_idx ON gateway_calllog (client_id, called_at);
CREATE INDEX gateway_calllog_department_idx ON gateway_calllog (department_id, called_at);
-- Rows arrive in time order: a BRIN index serves date ranges inside a month for a few pages.
CREATE INDEX gateway_calllog_called_at_brin ON gateway_calllog USING brin (called_at);

CREATE TABLE gateway_calllog_default PARTITION OF gateway_calllog DEFAULT;

CREATE FUNCTION gateway_calllog_ensure_partitions(months_ahead integer DEFAULT 3)
RETURNS SETOF text
LANGUAGE plpgsql AS $fn$
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

SELECT gateway_calllog_ensure_partitions(3);
"""

DROP = r"""
DROP FUNCTION IF EXISTS gateway_calllog_ensure_partitions(integer);
DROP TABLE IF EXISTS gateway_calllog;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("gateway", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(CREATE, reverse_sql=DROP),
        migrations.CreateModel(
            name="CallLog",
            fields=[
                ("id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("called_at", models.DateTimeField(verbose_name="调用时间")),
                ("method", models.CharField(max_length=10, verbose_name="方法")),
                ("route", models.TextField(verbose_name="接口")),
                ("path", models.TextField(verbose_name="请求路径")),
                ("status", models.SmallIntegerField(verbose_name="状态码")),
                ("latency_ms", models.IntegerField(verbose_name="耗时（毫秒）")),
                ("subject", models.TextField(null=True, verbose_name="查询对象")),
                ("result", models.JSONField(null=True, verbose_name="结果摘要")),
                ("source_ip", models.GenericIPAddressField(null=True, verbose_name="来源地址")),
                ("request_id", models.CharField(max_length=64, verbose_name="请求编号")),
            ],
            options={
                "verbose_name": "接口调用日志",
                "verbose_name_plural": "接口调用日志",
                "db_table": "gateway_calllog",
                "ordering": ["-called_at", "-id"],
                "managed": False,
            },
        ),
    ]
