# The push's models moved here from the sanctions app with their tables: this migration takes
# them into the events app's state only. The tables (sanctions_subscription, sanctions_delivery)
# are created by sanctions 0002_push and stay as they are; sanctions 0003 then removes the models
# from the sanctions app's state. A fresh database and an existing one end the same.

import django.contrib.postgres.fields
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("gateway", "0002_calllog"),
        ("records", "0003_listchange"),
        ("sanctions", "0002_push"),  # creates the tables
        ("subjects", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="Subscription",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="创建时间"),
                        ),
                        (
                            "updated_at",
                            models.DateTimeField(auto_now=True, verbose_name="更新时间"),
                        ),
                        ("name", models.CharField(max_length=100, verbose_name="名称")),
                        (
                            "url",
                            models.CharField(max_length=500, verbose_name="接收地址 (Webhook URL)"),
                        ),
                        (
                            "list_kinds",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=20),
                                blank=True,
                                default=list,
                                size=None,
                                verbose_name="名单类型",
                            ),
                        ),
                        (
                            "regions",
                            django.contrib.postgres.fields.ArrayField(
                                base_field=models.CharField(max_length=6),
                                blank=True,
                                default=list,
                                size=None,
                                verbose_name="地区",
                            ),
                        ),
                        ("is_active", models.BooleanField(default=True, verbose_name="启用")),
                        (
                            "client",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="push_subscriptions",
                                to="gateway.apiclient",
                                verbose_name="接口调用方",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="创建人",
                            ),
                        ),
                        (
                            "legal_person",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="subjects.legalperson",
                                verbose_name="法人主体",
                            ),
                        ),
                        (
                            "natural_person",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="subjects.naturalperson",
                                verbose_name="自然人主体",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "推送订阅",
                        "verbose_name_plural": "推送订阅",
                        "db_table": "sanctions_subscription",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [models.Index(fields=["is_active"], name="subscription_active")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    ("legal_person__isnull", True),
                                    ("natural_person__isnull", True),
                                    _connector="OR",
                                ),
                                name="subscription_one_subject",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "待推送"),
                                    ("retrying", "重试中"),
                                    ("delivered", "已送达"),
                                    ("failed", "失败"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="状态",
                            ),
                        ),
                        (
                            "attempts",
                            models.PositiveIntegerField(default=0, verbose_name="发送次数"),
                        ),
                        (
                            "failures",
                            models.PositiveIntegerField(default=0, verbose_name="连续失败次数"),
                        ),
                        (
                            "resends",
                            models.PositiveIntegerField(default=0, verbose_name="人工重发次数"),
                        ),
                        (
                            "last_status",
                            models.PositiveSmallIntegerField(
                                blank=True, null=True, verbose_name="最近响应状态码"
                            ),
                        ),
                        (
                            "last_error",
                            models.CharField(blank=True, max_length=500, verbose_name="最近错误"),
                        ),
                        (
                            "last_attempt_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="最近发送时间"
                            ),
                        ),
                        (
                            "next_attempt_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="下次重试时间"
                            ),
                        ),
                        (
                            "delivered_at",
                            models.DateTimeField(blank=True, null=True, verbose_name="送达时间"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="创建时间"),
                        ),
                        (
                            "event",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="records.listchange",
                                verbose_name="名单变更",
                            ),
                        ),
                        (
                            "subscription",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="deliveries",
                                to="events.subscription",
                                verbose_name="订阅",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "推送记录",
                        "verbose_name_plural": "推送记录",
                        "db_table": "sanctions_delivery",
                        "ordering": ["-created_at", "-id"],
                        "indexes": [
                            models.Index(fields=["status", "created_at"], name="delivery_status"),
                            models.Index(
                                fields=["subscription", "created_at"],
                                name="delivery_subscription",
                            ),
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("event", "subscription"), name="delivery_unique"
                            )
                        ],
                    },
                ),
            ],
        )
    ]
