"""Batches (报送批次) and their rows."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Batch(models.Model):
    """One delivery of rows of one catalog item by one department, through any channel.

    The counts are the receipt: ``total`` rows read, of which ``rejected``; the others were
    ``inserted``, ``updated`` or ``unchanged`` in the library; ``corrected`` counts accepted
    rows that needed a recorded normalisation. A file refused as a whole has status
    ``failed`` with ``error_code``/``error_message`` and no rows.
    """

    class Channel(models.TextChoices):
        UPLOAD = "upload", "页面上传"
        API = "api", "接口推送"
        CLI = "cli", "命令行"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        PROCESSING = "processing", "处理中"
        DONE = "done", "已完成"
        FAILED = "failed", "文件被拒收"

    item = models.ForeignKey("catalog.CatalogItem", verbose_name="目录项", on_delete=models.PROTECT)
    item_version = models.PositiveIntegerField("目录项版本")
    department = models.ForeignKey(
        "core.Department", verbose_name="报送部门", on_delete=models.PROTECT
    )
    region = models.ForeignKey("core.Region", verbose_name="所属区划", on_delete=models.PROTECT)
    channel = models.CharField("报送渠道", max_length=10, choices=Channel.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="报送人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    file_name = models.CharField("文件名", max_length=255, blank=True)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    file_size = models.BigIntegerField("文件大小", default=0)
    status = models.CharField("状态", max_length=12, choices=Status.choices)
    error_code = models.CharField("拒收原因代码", max_length=40, blank=True)
    error_message = models.CharField("拒收原因", max_length=500, blank=True)
    unknown_columns = models.JSONField("未识别的列", default=list, blank=True)
    metrics = models.JSONField("数据质量指标", default=dict, blank=True)
    total = models.PositiveIntegerField("总行数", default=0)
    inserted = models.PositiveIntegerField("新增", default=0)
    updated = models.PositiveIntegerField("更新", default=0)
    unchanged = models.PositiveIntegerField("未变化", default=0)
    corrected = models.PositiveIntegerField("已纠正", default=0)
    rejected = models.PositiveIntegerField("退回", default=0)
    created_at = models.DateTimeField("接收时间", auto_now_add=True)
    started_at = models.DateTimeField("开始处理时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "报送批次"
        verbose_name_plural = "报送批次"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "-created_at"], name="batch_dept_time")]

    def __str__(self) -> str:
        return f"批次 {self.pk} {self.file_name}"

    def summary(self) -> dict[str, int]:
        return {
            "batch": self.pk,
            "total": self.total,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "corrected": self.corrected,
            "rejected": self.rejected,
        }


class BatchRow(models.Model):
    """One row of a batch as the department sent it, with its outcome.

    ``raw_cipher`` is the row exactly as read (header → cell text), encrypted because it may
    hold ID numbers; it is what the feedback file returns. ``errors`` and ``corrections`` are
    lists of ``{"field", "code", "class", "message"}`` and
    ``{"field", "code", "message"}``; values of sensitive fields are never copied into them.
    ``warnings`` flag accepted rows that disagree with another source (multi-source), e.g. a
    name that differs from the registration authority's; the library keeps its value.
    """

    class Status(models.TextChoices):
        ACCEPTED = "accepted", "已接收"
        CORRECTED = "corrected", "已纠正后接收"
        REJECTED = "rejected", "退回"

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="rows")
    source = models.CharField("来源", max_length=300, blank=True)
    row_no = models.PositiveIntegerField("行号")
    raw_cipher = models.BinaryField("原始数据（密文）")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    outcome = models.CharField("入库结果", max_length=10, blank=True)
    errors = models.JSONField("错误", default=list, blank=True)
    corrections = models.JSONField("纠正", default=list, blank=True)
    warnings = models.JSONField("提示", default=list, blank=True)
    record = models.ForeignKey(
        "records.CreditRecord",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # led by batchrow_record_batch
    )

    class Meta:
        verbose_name = "报送行"
        verbose_name_plural = "报送行"
        ordering = ["batch", "id"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "source", "row_no"], name="batchrow_unique")
        ]
        # "Which row of this batch loaded record R?" (duplicates across chunks), and the
        # foreign key's own look-ups by record.
        indexes = [models.Index(fields=["record", "batch"], name="batchrow_record_batch")]

    def __str__(self) -> str:
        return f"{self.source} 第{self.row_no}行"
