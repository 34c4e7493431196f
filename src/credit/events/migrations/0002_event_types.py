# Subscriptions choose the event types they receive, and a delivery names its event by type and
# id instead of a foreign key to records.ListChange.
#
# Every row is kept: subscriptions get event_types = {list.changed} (what they received), and
# deliveries keep their column event_id (now a plain bigint: the foreign key constraint and
# its index are dropped) with event_type = 'list.changed'. The unique constraint becomes
# (event_type, event_id, subscription_id) under its old name; the tables keep their names.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.db import migrations, models

import credit.events.models


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="delivery", name="delivery_unique"),
        # Drop the foreign key constraint and its index, keeping the column and its values.
        migrations.AlterField(
            model_name="delivery",
            name="event",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="records.listchange",
                verbose_name="名单变更",
            ),
        ),
        # The same column, now the id of an event of any type.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(model_name="delivery", name="event"),
                migrations.AddField(
                    model_name="delivery",
                    name="event_id",
                    field=models.BigIntegerField(default=0, verbose_name="事件"),
                    preserve_default=False,
                ),
            ],
        ),
        migrations.AddField(
            model_name="delivery",
            name="event_type",
            field=models.CharField(default="list.changed", max_length=40, verbose_name="事件类型"),
        ),
        migrations.AddField(
            model_name="subscription",
            name="event_types",
            field=django.contrib.postgres.fields.ArrayField(
                base_field=models.CharField(max_length=40),
                default=credit.events.models.default_event_types,
                size=None,
                verbose_name="事件类型",
            ),
        ),
        migrations.AddConstraint(
            model_name="delivery",
            constraint=models.UniqueConstraint(
                fields=("event_type", "event_id", "subscription"), name="delivery_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="subscription",
            constraint=models.CheckConstraint(
                condition=models.Q(("event_types", []), _negated=True),
                name="subscription_has_event_types",
            ),
        ),
    ]
