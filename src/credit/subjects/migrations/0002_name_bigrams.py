"""The name's character bigrams as a stored generated column, for the portal's name search.

``credit_name_bigrams(text)`` returns the distinct 2-character substrings of the upper-cased
text (Latin letters then match case-insensitively), sorted. It is IMMUTABLE, as a generated
column requires: it depends on its argument only (``upper`` is immutable). The GIN index on
the column is built in 0003, concurrently.
"""

import django.contrib.postgres.fields
from django.db import migrations, models

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION credit_name_bigrams(name text) RETURNS varchar(2)[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN (
    SELECT coalesce(array_agg(DISTINCT substr(upper(name), i, 2)), '{}')::varchar(2)[]
    FROM generate_series(1, char_length(name) - 1) AS i
);
"""
DROP_FUNCTION = "DROP FUNCTION IF EXISTS credit_name_bigrams(text);"


class Migration(migrations.Migration):
    dependencies = [
        ("subjects", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(CREATE_FUNCTION, DROP_FUNCTION),
        migrations.AddField(
            model_name="legalperson",
            name="name_bigrams",
            field=models.GeneratedField(
                db_persist=True,
                expression=models.Func(models.F("name"), function="credit_name_bigrams"),
                output_field=django.contrib.postgres.fields.ArrayField(
                    base_field=models.CharField(max_length=2), size=None
                ),
            ),
        ),
    ]
