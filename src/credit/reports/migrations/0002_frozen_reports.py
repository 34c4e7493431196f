"""Issued means frozen, in the database too: an issued report's number, content, file, hash,
dates and verify code can never be changed, nor the report deleted (only its status and the
reason may move: 有效 → 已更新 / 已撤销); an application's step log (办理记录) is append-only,
like the objections' transitions and the audit log."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION reports_step_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'report application steps are append-only (办理记录不可修改或删除)'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_step_no_update BEFORE UPDATE OR DELETE
    ON reports_step FOR EACH ROW EXECUTE FUNCTION reports_step_append_only();
CREATE TRIGGER reports_step_no_truncate BEFORE TRUNCATE
    ON reports_step FOR EACH STATEMENT EXECUTE FUNCTION reports_step_append_only();

CREATE OR REPLACE FUNCTION reports_report_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (
        NEW.number, NEW.application_id, NEW.template_version_id, NEW.verify_code,
        NEW.issued_at, NEW.valid_until, NEW.issued_by_id, NEW.snapshot::text, NEW.pdf,
        NEW.sha256, NEW.size, NEW.replaces_id
    ) IS DISTINCT FROM (
        OLD.number, OLD.application_id, OLD.template_version_id, OLD.verify_code,
        OLD.issued_at, OLD.valid_until, OLD.issued_by_id, OLD.snapshot::text, OLD.pdf,
        OLD.sha256, OLD.size, OLD.replaces_id
    ) THEN
        RAISE EXCEPTION 'an issued report is frozen (已出具的信用报告不可修改或删除)'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER reports_report_frozen BEFORE UPDATE OR DELETE
    ON reports_report FOR EACH ROW EXECUTE FUNCTION reports_report_frozen();
CREATE TRIGGER reports_report_no_truncate BEFORE TRUNCATE
    ON reports_report FOR EACH STATEMENT EXECUTE FUNCTION reports_report_frozen();
"""
BACKWARD = """
DROP TRIGGER IF EXISTS reports_report_no_truncate ON reports_report;
DROP TRIGGER IF EXISTS reports_report_frozen ON reports_report;
DROP FUNCTION IF EXISTS reports_report_frozen();
DROP TRIGGER IF EXISTS reports_step_no_truncate ON reports_step;
DROP TRIGGER IF EXISTS reports_step_no_update ON reports_step;
DROP FUNCTION IF EXISTS reports_step_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
