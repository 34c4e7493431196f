"""Batches (报送批次) and their rows."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models

#: ``error_code`` of a batch whose processing stopped without an outcome (处理中断).
STALLED = "stalled"
#: ``error_code`` of a batch whose job stopped on an unexpected error (处理失败).
INTERNAL_ERROR = "internal_error"


class Batch(models.Model):
    """One delivery of rows of one catalog item by one department, through any channel.

    The counts are the receipt: ``total`` rows read, of which ``rejected``; the others were
    ``inserted``, ``updated`` or ``unchanged`` in the library; ``corrected`` counts accepted
    rows that needed a recorded normalisation. A file refused as a whole has status
    ``failed`` with ``error_code``/``error_message`` and no rows.

    While a run processes the batch, ``progress_at`` is its heartbeat (moved on with every
    committed chunk and, while a file is only being read, about once a minute); a batch
    ``queued`` or ``processing`` without progress for longer than
    ``CREDIT_INGEST_STALL_MINUTES``, or whose job has left the queue, is marked failed with
    the code :data:`STALLED` (处理中断) by a periodic job and may then be re-processed from
    where it stopped (``credit.ingest.services``). An uploaded file waits for its job in the
    upload folder under ``upload_name``; ``job_id`` is the procrastinate job that last took
    the batch.

    ``resubmission_of`` (重新报送) links a batch to the earlier batch whose rejected rows it
    sends again, corrected (the pre-filled template of the rejected rows, uploaded from the
    receipt's 更正后重新上传); ``resubmissions`` are the later batches that did so.
    """

    class Channel(models.TextChoices):
        UPLOAD = "upload", "页面上传"
        API = "api", "接口推送"
        CLI = "cli", "命令行"
        #: Collected from an exchange partner (中间库、数据文件、接口) by ``credit.exchange``.
        EXCHANGE = "exchange", "数据交换"

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
    progress_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    upload_name = models.CharField("上传文件存放名", max_length=64, blank=True)
    job_id = models.BigIntegerField("后台作业", null=True, blank=True)
    resubmission_of = models.ForeignKey(
        "self",
        verbose_name="重新报送自",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resubmissions",
    )

    class Meta:
        verbose_name = "报送批次"
        verbose_name_plural = "报送批次"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["department", "-created_at"], name="batch_dept_time"),
            # The stall check's look-up: the few batches still queued or processing.
            models.Index(
                fields=["id"],
                name="batch_running",
                condition=models.Q(status__in=["queued", "processing"]),
            ),
        ]

    def __str__(self) -> str:
        return f"批次 {self.pk} {self.file_name}"

    @property
    def layout(self) -> list[dict]:
        """The file's tables as the run found them while reading it through
        (:func:`credit.ingest.pipeline._layout_entry`): the header row, the rows skipped above
        it, the note rows passed over, the data rows counted; empty for older batches and
        pushed rows, and whatever in it is not such an entry is left out."""
        entries = self.metrics.get("layout") if isinstance(self.metrics, dict) else None
        return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []

    @property
    def rows_in_file(self) -> int | None:
        """The data rows of the file once the run has read it through and counted them,
        else None (the progress page's total)."""
        counts = [entry.get("rows") for entry in self.layout]
        if not counts or not all(isinstance(n, int) and n >= 0 for n in counts):
            return None
        return sum(counts)

    @property
    def status_label(self) -> str:
        """The status as people read it: a failed batch is 文件被拒收 only when the file was
        refused; an interrupted run is 处理中断, an unexpected error 处理失败."""
        if self.error_code == STALLED:
            return "处理中断"
        if self.error_code == INTERNAL_ERROR:
            return "处理失败"
        return self.get_status_display()

    @property
    def status_text(self) -> str:
        """The status with its reason, e.g. ``文件被拒收：…`` (a 处理中断 message begins with its
        label already)."""
        label = self.status_label
        if not self.error_message:
            return label
        if self.error_message.startswith(label):
            return self.error_message
        return f"{label}：{self.error_message}"

    @property
    def last_progress(self) -> datetime.datetime:
        """When the batch last moved: its heartbeat, else the start of processing, else its
        arrival."""
        return self.progress_at or self.started_at or self.created_at

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
