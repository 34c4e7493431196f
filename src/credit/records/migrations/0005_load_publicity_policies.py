"""The national publicity policies (2019, 2023, 2026) from records/data/publicity_policies.json."""

from django.db import migrations


def load(apps, schema_editor):
    from credit.records.publicity import install_policies, read_policy_file

    install_policies(
        apps.get_model("records", "PublicityPolicy"),
        apps.get_model("records", "PublicityRule"),
        read_policy_file(),
    )


class Migration(migrations.Migration):
    dependencies = [("records", "0004_publicity_policies")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
