"""GIN index on the name bigrams, built concurrently (a million rows: writes go on meanwhile),
hence its own non-atomic migration; then the table's statistics, so that the planner knows
how common each bigram is (常州 is in every name, 鑫达 in few) from the first search on."""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("subjects", "0002_name_bigrams"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="legalperson",
            index=django.contrib.postgres.indexes.GinIndex(
                fields=["name_bigrams"], name="legalperson_name_bigrams"
            ),
        ),
        migrations.RunSQL("ANALYZE subjects_legalperson", migrations.RunSQL.noop),
    ]
