"""Exchange partners, their channels, the runs of each channel and the items delivered."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from credit.core.models import ChangeTracked
from credit.exchange.constants import (
    Content,
    DeliveryStatus,
    Direction,
    PartnerKind,
    Period,
    RunStatus,
)


class Partner(ChangeTracked):
    """An exchange partner (交换伙伴): the provincial platform, a district's sub-platform, a
    department's system. ``region`` is the tenant it belongs to (the city's, or a district's,
    which manages its own partners). ``config`` holds the adapter's settings (for a database:
    ``{"url": "mysql+pymysql://root@127.0.0.1:3306/test"}``); a password may be part of the URL
    and is never shown on a page or in the audit log (:func:`credit.exchange.adapters.redact`)."""

    code = models.SlugField("伙伴标识", max_length=40, unique=True)
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("交换方式", max_length=10, choices=PartnerKind.choices)
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    config = models.JSONField("连接配置", default=dict, blank=True)
    is_active = models.BooleanField("启用", default=True)
    note = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "交换伙伴"
        verbose_name_plural = "交换伙伴"
        ordering = ["region", "code"]

    def __str__(self) -> str:
        return self.name


class Channel(ChangeTracked):
    """One flow with a partner (交换通道): a catalog item in one direction — 上报 (records of the
    item taken from the change feed and sent), 下发 or 采集 (the partner's rows of the item
    collected through the ingest pipeline, for ``department``) — on a period, with the field
    mapping as data: ``mapping = {"table": "xzcf", "key_column": "record_key", "fields": {partner
    column: field code}, ...}`` (the adapter's documentation says what it reads).

    ``cursor`` is where an upward channel has read the change feed up to
    (:func:`credit.events.feed.read`); ``next_run_at`` when the scheduler runs it next."""

    partner = models.ForeignKey(
        Partner, verbose_name="交换伙伴", on_delete=models.PROTECT, related_name="channels"
    )
    item = models.ForeignKey(
        "catalog.CatalogItem", verbose_name="目录项", on_delete=models.PROTECT, related_name="+"
    )
    direction = models.CharField("方向", max_length=6, choices=Direction.choices)
    content = models.CharField(
        "交换内容", max_length=12, choices=Content.choices, default=Content.RECORDS
    )
    period = models.CharField("周期", max_length=10, choices=Period.choices)
    department = models.ForeignKey(
        "core.Department",
        verbose_name="数据提供部门（下发、采集）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    mapping = models.JSONField("字段映射", default=dict, blank=True)
    is_active = models.BooleanField("启用", default=True)
    cursor = models.CharField("变更读取位置", max_length=64, blank=True, default="")
    next_run_at = models.DateTimeField("下次运行", null=True, blank=True)
    last_run_at = models.DateTimeField("上次运行", null=True, blank=True)

    class Meta:
        verbose_name = "交换通道"
        verbose_name_plural = "交换通道"
        ordering = ["partner", "item", "direction"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "item", "direction", "content"], name="channel_unique_flow"
            ),
            models.CheckConstraint(
                condition=models.Q(content="records") | models.Q(direction="up"),
                name="channel_content_upward",
            ),
            models.CheckConstraint(
                condition=models.Q(direction="up") | models.Q(department__isnull=False),
                name="channel_inbound_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner} {self.item} {self.get_direction_display()}"


class Run(models.Model):
    """One run of a channel (交换作业): when, who started it (``trigger``: 定时, 命令行, 页面),
    the outcome and the volumes; ``batch`` is the ingest batch an inbound run made."""

    channel = models.ForeignKey(
        Channel, verbose_name="交换通道", on_delete=models.PROTECT, related_name="runs"
    )
    trigger = models.CharField("触发方式", max_length=10)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        "结果", max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING
    )
    started_at = models.DateTimeField("开始时间", auto_now_add=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    taken = models.PositiveIntegerField("取出", default=0)
    sent = models.PositiveIntegerField("发送", default=0)
    acked = models.PositiveIntegerField("确认", default=0)
    rejected = models.PositiveIntegerField("拒收", default=0)
    received = models.PositiveIntegerField("接收", default=0)
    batch = models.ForeignKey(
        "ingest.Batch",
        verbose_name="入库批次",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    error = models.TextField("错误", blank=True)

    class Meta:
        verbose_name = "交换作业"
        verbose_name_plural = "交换作业"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["channel", "-started_at"], name="run_channel_time")]

    def __str__(self) -> str:
        return f"{self.channel} {self.started_at:%Y-%m-%d %H:%M}"


class Delivery(models.Model):
    """One record version sent upward on a channel (交换记录): its idempotent ``key``
    (``<record id>-<version>``: the partner upserts on it, so a re-send never duplicates),
    the change that put it in the outbox, the attempts and the partner's receipt."""

    channel = models.ForeignKey(
        Channel, verbose_name="交换通道", on_delete=models.PROTECT, related_name="deliveries"
    )
    key = models.CharField("幂等键", max_length=64)
    #: The record sent (empty for a catalog channel, whose deliveries are item versions).
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="信用记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    version = models.PositiveIntegerField("记录版本")
    change_kind = models.CharField("变更类型", max_length=12)
    status = models.CharField(
        "状态", max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    reason = models.CharField("拒收原因或错误", max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField("发送次数", default=0)
    next_attempt_at = models.DateTimeField("下次发送", null=True, blank=True)
    created_at = models.DateTimeField("进入待发送", auto_now_add=True)
    sent_at = models.DateTimeField("最近发送", null=True, blank=True)
    acked_at = models.DateTimeField("确认时间", null=True, blank=True)
    run = models.ForeignKey(
        Run,
        verbose_name="最近一次交换作业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deliveries",
    )

    class Meta:
        verbose_name = "交换记录"
        verbose_name_plural = "交换记录"
        ordering = ["channel", "id"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="delivery_unique_key"),
        ]
        indexes = [
            models.Index(fields=["channel", "status", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["channel", "created_at"], name="delivery_channel_time"),
        ]

    def __str__(self) -> str:
        return self.key


class OutboundFile(models.Model):
    """A data file (or message) the platform wrote to a files partner (已发送文件): its name
    ``<报文号>_YYYYMMDD_NNNNN.<ext>`` — the sequence ``NNNNN`` is taken from here, so names never
    repeat even where the partner's folder cannot be listed (a message queue) — how many
    records it held, and when the partner's receipt for it was read back."""

    partner = models.ForeignKey(
        Partner, verbose_name="交换伙伴", on_delete=models.PROTECT, related_name="files"
    )
    channel = models.ForeignKey(
        Channel, verbose_name="交换通道", on_delete=models.PROTECT, related_name="files"
    )
    run = models.ForeignKey(
        Run,
        verbose_name="交换作业",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="files",
    )
    name = models.CharField("文件名", max_length=120)
    message_code = models.CharField("报文号", max_length=20)
    day = models.DateField("日期")
    seq = models.PositiveIntegerField("当日序号")
    records = models.PositiveIntegerField("记录数", default=0)
    created_at = models.DateTimeField("写入时间", auto_now_add=True)
    receipt_at = models.DateTimeField("回执读取时间", null=True, blank=True)
    accepted = models.PositiveIntegerField("回执接收", default=0)
    rejected = models.PositiveIntegerField("回执退回", default=0)

    class Meta:
        verbose_name = "已发送文件"
        verbose_name_plural = "已发送文件"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["partner", "name"], name="outboundfile_unique_name"),
            models.UniqueConstraint(
                fields=["partner", "message_code", "day", "seq"], name="outboundfile_unique_seq"
            ),
        ]

    def __str__(self) -> str:
        return self.name
