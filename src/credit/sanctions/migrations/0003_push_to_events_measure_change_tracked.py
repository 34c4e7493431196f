# The push's models (Subscription, Delivery) moved to the events app with their tables: events
# 0001 took them into its state, this migration removes them from the sanctions app's state
# only (no table is dropped). The measures take their bookkeeping fields from
# credit.core.models.ChangeTracked (a verbose name only: no SQL).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
        ("sanctions", "0002_push"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Delivery"),
                migrations.DeleteModel(name="Subscription"),
            ],
        ),
        migrations.AlterField(
            model_name="measure",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="创建人",
            ),
        ),
    ]
