"""Record versions (信用记录历史版本) are append-only, like the audit log: the database refuses
UPDATE, DELETE and TRUNCATE on them, even to the table's owner.

Records are never deleted (they are revoked, repaired or expire by status), so the versions'
foreign key becomes ``PROTECT`` (no SQL change): deleting a record that has versions is refused
by Django before the database's trigger would refuse it.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION records_creditrecordversion_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'record versions are append-only (信用记录历史版本不可修改或删除)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER records_creditrecordversion_no_update BEFORE UPDATE OR DELETE
    ON records_creditrecordversion FOR EACH ROW
    EXECUTE FUNCTION records_creditrecordversion_append_only();
CREATE TRIGGER records_creditrecordversion_no_truncate BEFORE TRUNCATE
    ON records_creditrecordversion FOR EACH STATEMENT
    EXECUTE FUNCTION records_creditrecordversion_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS records_creditrecordversion_no_truncate ON records_creditrecordversion;
DROP TRIGGER IF EXISTS records_creditrecordversion_no_update ON records_creditrecordversion;
DROP FUNCTION IF EXISTS records_creditrecordversion_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0005_load_publicity_policies"),
    ]

    operations = [
        migrations.AlterField(
            model_name="creditrecordversion",
            name="record",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="versions",
                to="records.creditrecord",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
