"""API clients (接口调用方) and the short-lived state that guards their requests."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.core.access import Kind, Principal
from credit.core.models import ChangeTracked


class ApiClient(ChangeTracked):
    """A department's business system or a third party that calls ``/api/v1``.

    It authenticates with ``key`` and a secret (stored encrypted, shown once), from the
    networks in ``allowed_ips``, within its ``scopes`` and catalog ``items``, at most
    ``rate_limit`` requests a second and ``daily_quota`` a day. Inside the services it is a
    principal (:meth:`as_principal`): its scopes' permissions, acting for its department —
    and for the departments in ``report_for``, which only the credit office grants — and
    audited under its service account ``user`` (role 接口调用方). ``created_by`` is the
    administrator who registered it (:class:`~credit.core.models.ChangeTracked`).
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
    #: The organisation's USCC: a subject's authorisation (授权) names a third party by it.
    org_uscc = models.CharField("机构统一社会信用代码", max_length=18, blank=True)
    key = models.CharField("访问密钥 (Key)", max_length=40, unique=True)
    secret_cipher = models.BinaryField("密钥（密文）")
    secret_rotated_at = models.DateTimeField("密钥更新时间")
    allowed_ips = ArrayField(models.CharField(max_length=64), verbose_name="允许的来源地址")
    scopes = ArrayField(models.CharField(max_length=40), verbose_name="接口权限")
    items = models.ManyToManyField(
        "catalog.CatalogItem", verbose_name="可访问的目录项", blank=True, related_name="+"
    )
    report_for = models.ManyToManyField(
        "core.Department",
        verbose_name="可代报的其他部门",
        blank=True,
        related_name="+",
        help_text="除本部门外，经市信用办授权可代为报送数据的部门（如省级数据回流、辖市区平台）",
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

    def as_principal(self) -> Principal:
        """The client as a principal (``credit.core.access``), built once per client object
        (the gateway keeps client objects a few seconds; a change drops them):

        - permissions: those of its scopes, none while disabled;
        - tenant (what it manages and writes for): its department and the departments the
          credit office granted in ``report_for``; a third party manages nothing;
        - use: 社会公开 records, and 政务共享 ones for a department's system; only the granted
          catalog ``items`` when any are granted; natural persons' names masked.
        """
        found = self.__dict__.get("_principal")
        if found is not None:
            return found
        from credit.gateway.scopes import ITEM_SCOPES_BY_KIND, perms_for

        department = self.department if self.department_id else None
        departments: frozenset[int] = frozenset()
        if self.kind == self.Kind.DEPARTMENT and department is not None:
            departments = frozenset({department.pk, *(d.pk for d in self.report_for.all())})
        granted = frozenset(i.pk for i in self.items.all())
        found = Principal(
            kind=Kind.CLIENT,
            name=self.name,
            username=self.user.get_username() if self.user_id else "",
            user_id=self.user_id,
            client_id=self.pk,
            perms=perms_for(self.scopes) if self.is_active else frozenset(),
            department_id=self.department_id,
            region_id=department.region_id if department is not None else None,
            city_wide=False,
            departments=departments,
            usage_scopes=ITEM_SCOPES_BY_KIND.get(self.kind, frozenset())
            if self.is_active
            else frozenset(),
            item_ids=granted or None,
            masked_names=True,
            labels={"role": "api_client", "role_label": f"接口调用方（{self.get_kind_display()}）"},
        )
        self.__dict__["_principal"] = found
        return found

    def forget_principal(self) -> None:
        """Drop the principal built from this object (after its grants changed)."""
        self.__dict__.pop("_principal", None)


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
    :func:`credit.gateway.calllog.ensure_partitions`. Append-only: the database refuses
    UPDATE, DELETE and TRUNCATE on it and on every partition (migration
    ``0004_calllog_append_only``); old months are archived by the owner (DETACH, DROP).
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
