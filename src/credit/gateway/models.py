"""API clients (接口调用方) and the short-lived state that guards their requests."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models


class ApiClient(models.Model):
    """A department's business system or a third party that calls ``/api/v1``.

    It authenticates with ``key`` and a secret (stored encrypted, shown once), from the
    networks in ``allowed_ips``, within its ``scopes`` and catalog ``items``, at most
    ``rate_limit`` requests a second and ``daily_quota`` a day. It acts inside the services as
    its own service ``user`` (role 接口调用方), whose permissions are its scopes', so every
    write it makes is audited under its name.
    """

    class Kind(models.TextChoices):
        DEPARTMENT = "department", "部门业务系统"
        THIRD_PARTY = "third_party", "第三方机构"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name="所属部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    contact = models.CharField("联系人及电话", max_length=100, blank=True)
    key = models.CharField("访问密钥 (Key)", max_length=40, unique=True)
    secret_cipher = models.BinaryField("密钥（密文）")
    secret_rotated_at = models.DateTimeField("密钥更新时间")
    allowed_ips = ArrayField(models.CharField(max_length=64), verbose_name="允许的来源地址")
    scopes = ArrayField(models.CharField(max_length=40), verbose_name="接口权限")
    items = models.ManyToManyField(
        "catalog.CatalogItem", verbose_name="可访问的目录项", blank=True, related_name="+"
    )
    rate_limit = models.PositiveIntegerField("每秒请求上限", default=50)
    daily_quota = models.PositiveIntegerField("每日调用配额", default=100_000)
    is_active = models.BooleanField("启用", default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="服务账号",
        on_delete=models.PROTECT,
        related_name="api_client",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="登记人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    disabled_at = models.DateTimeField("停用时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口调用方"
        verbose_name_plural = "接口调用方"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="department") | models.Q(department__isnull=False),
                name="apiclient_department_has_department",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ApiNonce(models.Model):
    """A nonce seen from a client, kept for the signature window so it cannot be replayed."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "nonce"], name="apinonce_unique")]

    def __str__(self) -> str:
        return self.nonce


class ApiCounter(models.Model):
    """Requests of a client in one window: ``period`` ``s`` (a second, ``start`` = unix
    second) or ``d`` (a day in Beijing time, ``start`` = the date's ordinal). Shared by every
    web process through the database."""

    client = models.ForeignKey(ApiClient, on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=1)
    start = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client", "period", "start"], name="apicounter_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period}{self.start}: {self.count}"


class CallLog(models.Model):
    """One call of ``/api/v1`` (接口调用日志): who called what, about which subject, with what
    outcome and how fast. Read-only for Django.

    The table is created by SQL in migration ``0002_calllog``, not by Django: it is partitioned
    by month on ``called_at`` (a DEFAULT partition catches rows outside the monthly ones, so an
    insert never fails), its primary key is ``(id, called_at)`` and ``id`` is an identity
    column, unique on its own. It has no foreign-key constraints (it is a log: a deleted client
    or user keeps its calls). Rows are written by :func:`credit.gateway.calllog.record_call`
    with one INSERT per call; monthly partitions are created ahead by
    :func:`credit.gateway.calllog.ensure_partitions`.
    """

    id = models.BigIntegerField(primary_key=True)
    called_at = models.DateTimeField("调用时间")
    client = models.ForeignKey(
        ApiClient,
        verbose_name="接口调用方",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="用户",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="部门",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    method = models.CharField("方法", max_length=10)
    route = models.TextField("接口")
    path = models.TextField("请求路径")
    status = models.SmallIntegerField("状态码")
    latency_ms = models.IntegerField("耗时（毫秒）")
    subject = models.TextField("查询对象", null=True)
    result = models.JSONField("结果摘要", null=True)
    source_ip = models.GenericIPAddressField("来源地址", null=True)
    request_id = models.CharField("请求编号", max_length=64)

    class Meta:
        managed = False
        db_table = "gateway_calllog"
        verbose_name = "接口调用日志"
        verbose_name_plural = "接口调用日志"
        ordering = ["-called_at", "-id"]

    def __str__(self) -> str:
        return f"{self.called_at:%Y-%m-%d %H:%M:%S} {self.method} {self.route} {self.status}"
