"""Credit records and their previous versions."""

from __future__ import annotations

from django.db import models

from credit.catalog.constants import UsageScope
from credit.records.constants import RecordStatus, Severity


class PublicityPolicy(models.Model):
    """A national or local rule on how long dishonesty records are published (公示期规则, D5.1),
    in force from ``effective_from`` until the next policy's date. Which policy applies to a
    record is decided by the record's decision date and stored with the record.

    ``penalty_type_severity`` maps 处罚类别 values to a severity; a decision with several types
    takes the longest period. Its rules (:class:`PublicityRule`) give, per severity and
    optionally per catalog item, whether the record is published and the minimum (repair may be
    applied for after it) and maximum (publication ends) periods in months.
    """

    code = models.SlugField("规则标识", max_length=64, unique=True)
    name = models.CharField("名称", max_length=200)
    document_no = models.CharField("文号", max_length=100, blank=True)
    effective_from = models.DateField("施行日期", unique=True)
    penalty_type_severity = models.JSONField("处罚类别对应严重程度", default=dict, blank=True)
    note = models.TextField("说明", blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "公示期规则"
        verbose_name_plural = "公示期规则"
        ordering = ["effective_from"]

    def __str__(self) -> str:
        return f"{self.name}（{self.effective_from:%Y-%m-%d}起）"


class PublicityRule(models.Model):
    """One line of a policy: for ``severity`` (and ``item`` when set, overriding the policy's
    default line), whether the record is published and for how many months."""

    policy = models.ForeignKey(PublicityPolicy, on_delete=models.CASCADE, related_name="rules")
    item = models.ForeignKey(
        "catalog.CatalogItem",
        verbose_name="目录项（空为默认）",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    severity = models.CharField("失信严重程度", max_length=10, choices=Severity.choices)
    published = models.BooleanField("公示", default=True)
    min_months = models.PositiveSmallIntegerField("最短公示期（月）", default=0)
    max_months = models.PositiveSmallIntegerField("最长公示期（月）", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "公示期规则明细"
        verbose_name_plural = "公示期规则明细"
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "item", "severity"],
                name="publicityrule_unique",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                condition=models.Q(min_months__lte=models.F("max_months")),
                name="publicityrule_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy.code} {self.item_id or '*'} {self.severity}"


class CreditRecord(models.Model):
    """One credit record (信用记录) of a catalog item about one subject.

    Identified by ``(item, natural_key)``: ``natural_key`` is the SHA-256 of the department,
    the item's key fields (for 双公示 the decision document number) and the subject, so the
    same record reported twice is stored once (unique in the database). The payload is the
    record's fields as the catalog item specifies them, validated before storage; the columns
    beside it are extracted from the payload by field role for indexing and rules.
    """

    item = models.ForeignKey(
        "catalog.CatalogItem",
        verbose_name="目录项",
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # led by record_unique_key and record_item_date
    )
    legal_person = models.ForeignKey(
        "subjects.LegalPerson",
        verbose_name="法人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # led by record_lp_item
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson",
        verbose_name="自然人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="records",
        db_index=False,  # led by record_np_item
    )
    # Each foreign key is the leading column of a composite index below, so none needs its
    # own: every index costs every bulk insert.
    department = models.ForeignKey(
        "core.Department", verbose_name="来源部门", on_delete=models.PROTECT, db_index=False
    )
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", on_delete=models.PROTECT, db_index=False
    )
    natural_key = models.CharField("自然键", max_length=64)
    document_no = models.CharField("决定文书号", max_length=128, blank=True)
    payload = models.JSONField("数据项")
    decision_date = models.DateField("决定日期", null=True, blank=True)
    valid_from = models.DateField("有效期自", null=True, blank=True)
    valid_to = models.DateField("有效期至", null=True, blank=True)
    # Publicity (D5.1), decided by credit.records.publicity when the record is written: the
    # policy in force at the decision date, whether the public may see it at all, from when
    # until when (no end: while valid), and from when credit repair may be applied for.
    publicity_policy = models.ForeignKey(
        PublicityPolicy,
        verbose_name="适用公示规则",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # few policies; never looked up from this side
    )
    publishable = models.BooleanField("社会公示", default=True)
    publicity_start = models.DateField("公示起始日", null=True, blank=True)
    publicity_end = models.DateField("公示截止日", null=True, blank=True)
    repair_from = models.DateField("可申请信用修复日", null=True, blank=True)
    severity = models.CharField(
        "失信严重程度", max_length=10, choices=Severity.choices, blank=True, default=""
    )
    status = models.CharField(
        "状态", max_length=10, choices=RecordStatus.choices, default=RecordStatus.ACTIVE
    )
    usage_scope = models.CharField("信息使用范围", max_length=10, choices=UsageScope.choices)
    version = models.PositiveIntegerField("版本", default=1)
    created_at = models.DateTimeField("入库时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信用记录"
        verbose_name_plural = "信用记录"
        constraints = [
            models.UniqueConstraint(fields=["item", "natural_key"], name="record_unique_key"),
            models.CheckConstraint(
                condition=models.Q(legal_person__isnull=False, natural_person__isnull=True)
                | models.Q(legal_person__isnull=True, natural_person__isnull=False),
                name="record_exactly_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_to")),
                name="record_validity_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["legal_person", "item"],
                name="record_lp_item",
                condition=models.Q(legal_person__isnull=False),
            ),
            models.Index(
                fields=["natural_person", "item"],
                name="record_np_item",
                condition=models.Q(natural_person__isnull=False),
            ),
            models.Index(fields=["item", "-decision_date"], name="record_item_date"),
            models.Index(fields=["department", "-decision_date"], name="record_dept_date"),
            models.Index(fields=["region", "item"], name="record_region_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.document_no}".strip()

    @property
    def subject(self):
        return self.legal_person or self.natural_person


class CreditRecordVersion(models.Model):
    """A previous version of a record (信用记录历史版本), kept when a department sends a changed
    row or the record's status changes. Append-only: the database refuses UPDATE, DELETE and
    TRUNCATE on it (migration ``0006_version_append_only``), so a record that has versions
    cannot be deleted either (``PROTECT``) — records are never deleted, they are revoked,
    repaired or expire by status."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField("版本")
    payload = models.JSONField("数据项")
    status = models.CharField("状态", max_length=10, choices=RecordStatus.choices)
    replaced_at = models.DateTimeField("被替换时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用记录历史版本"
        verbose_name_plural = "信用记录历史版本"
        constraints = [
            models.UniqueConstraint(fields=["record", "version"], name="recordversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.record_id} v{self.version}"


class ChangeEvent(models.Model):
    """The columns of a change event written in the changing transaction (变更事件): the
    writing transaction's id ``txid`` (readers page by ``(txid, id)``, see
    :func:`credit.events.feed.read`), when, a UUID for deliveries, and the record's item,
    region, department, subject and version at the change. Each feed adds its ``kind`` and its
    ``record``."""

    txid = models.BigIntegerField("事务号")
    occurred_at = models.DateTimeField("发生时间")
    event_id = models.UUIDField("事件编号", unique=True)
    item = models.ForeignKey("catalog.CatalogItem", on_delete=models.PROTECT, related_name="+")
    region = models.ForeignKey("core.Region", on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey("core.Department", on_delete=models.PROTECT, related_name="+")
    legal_person = models.ForeignKey(
        "subjects.LegalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField("记录版本")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind} {self.record_id}"


class ListChange(ChangeEvent):
    """A change of a list entry (a record of a red, black or attention list item), in the same
    transaction as the change: the feed that subscribers pull (``GET /sanctions/changes``) and
    that push deliveries are made from.

    ``txid`` is the writing transaction's id: readers return only events of transactions older
    than every transaction still running, ordered by ``(txid, id)``, so a cursor never skips an
    event committed late (see :func:`credit.events.feed.read`).
    """

    class Kind(models.TextChoices):
        LISTED = "listed", "列入名单"
        UPDATED = "updated", "名单信息变更"
        EXPIRED = "expired", "有效期届满移出"
        REMOVED = "removed", "移出名单（修复或撤销）"
        SUSPENDED = "suspended", "暂停公示（异议处理中）"
        RESTORED = "restored", "恢复公示"

    kind = models.CharField("变更类型", max_length=10, choices=Kind.choices)
    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="+")
    list_kind = models.CharField("名单类型", max_length=20)

    class Meta:
        verbose_name = "名单变更"
        verbose_name_plural = "名单变更"
        indexes = [models.Index(fields=["txid", "id"], name="listchange_cursor")]


class RecordChange(ChangeEvent):
    """A change of any credit record (信用记录变更), written in the transaction that changes it:
    the feed of every record (``GET /api/v1/changes``, event type ``record.changed``) that
    data exchange (``credit.exchange``) and subscribers read. :class:`ListChange` keeps the
    list entries' own feed beside it, unchanged.

    Ordered and paged like :class:`ListChange`, by ``(txid, id)`` through
    :func:`credit.events.feed.read`. The platform never deletes a record; the event goes with
    its record only when committed test data is cleaned up (``CASCADE``).
    """

    class Kind(models.TextChoices):
        CREATED = "created", "新增"
        UPDATED = "updated", "更新（新版本）"
        SUSPENDED = "suspended", "暂停公示"
        RESTORED = "restored", "恢复公示"
        CORRECTED = "corrected", "更正"
        REVOKED = "revoked", "撤销"
        REPAIRED = "repaired", "信用修复"
        EXPIRED = "expired", "到期"

    kind = models.CharField("变更类型", max_length=10, choices=Kind.choices)
    record = models.ForeignKey(CreditRecord, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = "信用记录变更"
        verbose_name_plural = "信用记录变更"
        indexes = [
            models.Index(fields=["txid", "id"], name="recordchange_cursor"),
            models.Index(fields=["item", "txid", "id"], name="recordchange_item_cursor"),
        ]
