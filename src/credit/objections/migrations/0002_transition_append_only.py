"""The transition log (办理记录) is append-only: the database refuses UPDATE, DELETE and
TRUNCATE on it, as on the audit log."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION objections_transition_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'objection transitions are append-only (办理记录不可修改或删除)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER objections_transition_no_update BEFORE UPDATE OR DELETE
    ON objections_transition FOR EACH ROW EXECUTE FUNCTION objections_transition_append_only();
CREATE TRIGGER objections_transition_no_truncate BEFORE TRUNCATE
    ON objections_transition FOR EACH STATEMENT
    EXECUTE FUNCTION objections_transition_append_only();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS objections_transition_no_truncate ON objections_transition;
DROP TRIGGER IF EXISTS objections_transition_no_update ON objections_transition;
DROP FUNCTION IF EXISTS objections_transition_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("objections", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
