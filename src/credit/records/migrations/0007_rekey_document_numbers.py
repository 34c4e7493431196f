"""Natural keys compare a document number's year in any bracket as one (issue 14): records
stored under the old keys are re-keyed, and those that turn out to be one decision merged
(versions kept, references re-pointed, list changes and audit entries written), by
:func:`credit.records.rekey.rekey_records`; a summary is printed when anything was done and
stays in the audit log (``records.rekeyed``, ``record.merged``, ``record.merge_refused``).

Importing app code here is safe: :mod:`credit.records.docnumbers` (the key form) is frozen by
contract — stored keys are made by it, so a change to it needs a re-key migration of its own,
which may call the same function — and :mod:`credit.records.rekey` reads models only through
this migration's ``apps`` and returns before reading any of them on a database without
records (every new installation). Reversing leaves the keys and merges as they are.
"""

from django.db import migrations


def rekey(apps, schema_editor):
    from credit.records.rekey import rekey_records

    report = rekey_records(apps)
    if report:
        print("\n" + "\n".join(report.lines()))


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0006_version_append_only"),
        ("catalog", "0002_publicity_mode"),
        ("core", "0003_calendarday"),
        # every table that refers to a record, so that the state re-points them all
        ("ingest", "0005_batch_progress_and_job"),
        ("objections", "0004_timestamped"),
        ("sanctions", "0003_push_to_events_measure_change_tracked"),
    ]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop, elidable=False)]
