"""Credit commitments: items and their versions, commitments, their files, suspected
breaches, the numbering counter and the daily coverage figures."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.commitments.constants import Channel, Kind, Status, SuspicionStatus, Target


class CommitmentItem(models.Model):
    """A commitment item (承诺事项) of a department, e.g. one of the 19 告知承诺 items of the
    证照分离 reform, or 容缺受理 for an approval item. Its text, basis, attachments and validity
    live in versions (:class:`CommitmentItemVersion`); a commitment keeps the version it
    signed. ``verified`` false: the name or basis could not be checked against its source."""

    code = models.SlugField("事项编码", max_length=64, unique=True)
    name = models.CharField("承诺事项", max_length=200)
    kind = models.CharField("承诺类型", max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "core.Department", verbose_name="承诺部门", on_delete=models.PROTECT, related_name="+"
    )
    verified = models.BooleanField("名称和依据已核实", default=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "承诺事项"
        verbose_name_plural = "承诺事项"
        ordering = ["kind", "sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class CommitmentItemVersion(models.Model):
    """One version of an item's template (承诺书模板): the text the promisor signs, the legal
    basis, the attachments required, how long a commitment stays valid. Never edited once a
    commitment signed it; a change is a new version."""

    item = models.ForeignKey(CommitmentItem, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    template_text = models.TextField("承诺书模板")
    legal_basis = models.CharField("依据", max_length=500, blank=True)
    attachments = ArrayField(
        models.CharField(max_length=100), verbose_name="须提交的附件", default=list, blank=True
    )
    validity_months = models.PositiveSmallIntegerField("有效期（月）", null=True, blank=True)
    note = models.CharField("修订说明", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "承诺事项版本"
        verbose_name_plural = "承诺事项版本"
        ordering = ["item", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["item", "version"], name="commitmentitemversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item.code} v{self.version}"


class Commitment(models.Model):
    """One commitment (信用承诺) of a legal or natural person for an item, with its structured
    number ``<kind>-<department>-<YYYYMMDD>-<sequence>`` (编码结构化管理) and machine-readable
    fields: 承诺人 (name, USCC or ID), 承诺事项, 承诺部门, 承诺日期, 公示日期, validity, attachment.
    A commitment is in force while published or fulfilled and not past ``valid_until``."""

    number = models.CharField("承诺编号", max_length=40, unique=True)
    item = models.ForeignKey(
        CommitmentItem,
        verbose_name="承诺事项",
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    item_version = models.ForeignKey(
        CommitmentItemVersion, verbose_name="事项版本", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField("承诺类型", max_length=12, choices=Kind.choices)
    department = models.ForeignKey(
        "core.Department", verbose_name="承诺部门", on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        "core.Region", verbose_name="所属区划", on_delete=models.PROTECT, related_name="+"
    )
    legal_person = models.ForeignKey(
        "subjects.LegalPerson",
        verbose_name="法人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson",
        verbose_name="自然人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    promisor_name = models.CharField("承诺人", max_length=200)
    promisor_code = models.CharField("承诺人代码（统一社会信用代码或脱敏证件号）", max_length=40)
    signer_name = models.CharField("签署人", max_length=50, blank=True)
    committed_on = models.DateField("承诺日期")
    published_on = models.DateField("公示日期", null=True, blank=True)
    valid_until = models.DateField("有效期至", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    channel = models.CharField("来源渠道", max_length=12, choices=Channel.choices)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField("审核时间", null=True, blank=True)
    fulfilled_on = models.DateField("践诺日期", null=True, blank=True)
    breach_record = models.OneToOneField(
        "records.CreditRecord",
        verbose_name="违背信用承诺记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="breached_commitment",
    )
    source_record = models.OneToOneField(
        "records.CreditRecord",
        verbose_name="导入来源记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="imported_commitment",
    )
    account = models.ForeignKey(
        "identity.PublicAccount",
        verbose_name="申报账户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    repair = models.OneToOneField(
        "objections.RepairApplication",
        verbose_name="信用修复申请",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="commitment",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "信用承诺"
        verbose_name_plural = "信用承诺"
        ordering = ["-committed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_person__isnull=False, natural_person__isnull=True)
                | models.Q(legal_person__isnull=True, natural_person__isnull=False),
                name="commitment_exactly_one_subject",
            ),
        ]
        indexes = [
            models.Index(fields=["legal_person", "kind", "status"], name="commitment_lp_kind"),
            models.Index(fields=["item", "status"], name="commitment_item_status"),
            models.Index(fields=["department", "status"], name="commitment_dept_status"),
        ]

    def __str__(self) -> str:
        return self.number


class CommitmentFile(models.Model):
    """An attachment of a commitment (the signed letter 承诺书, a licence …), checked by
    ``credit.objections.uploads`` like every upload."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField("附件类型", max_length=20)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "承诺附件"
        verbose_name_plural = "承诺附件"

    def __str__(self) -> str:
        return self.name


class NumberCounter(models.Model):
    """The last sequence number given for a prefix (kind, department, date): numbers are
    taken under a row lock, so two commitments never share one."""

    prefix = models.CharField("编号前缀", max_length=40, unique=True)
    last = models.PositiveIntegerField("已用序号", default=0)

    class Meta:
        verbose_name = "承诺编号计数"
        verbose_name_plural = "承诺编号计数"

    def __str__(self) -> str:
        return f"{self.prefix} {self.last}"


class SuspectedBreach(models.Model):
    """A penalty a subject received, after committing, from the department of its commitment
    (the commitment's domain): a suspected breach (疑似违诺) for that department to confirm
    (the commitment becomes breached) or dismiss, audited."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="suspicions")
    record = models.ForeignKey(
        "records.CreditRecord", verbose_name="处罚记录", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=10, choices=SuspicionStatus.choices, default=SuspicionStatus.OPEN
    )
    note = models.CharField("核实意见", max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField("核实时间", null=True, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)

    class Meta:
        verbose_name = "疑似违诺"
        verbose_name_plural = "疑似违诺"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["commitment", "record"], name="suspectedbreach_unique")
        ]

    def __str__(self) -> str:
        return f"{self.commitment_id} {self.record_id}"


class CoverageFigure(models.Model):
    """A target's coverage on a day (computed daily): covered, total, ratio, target ratio."""

    day = models.DateField("日期")
    target = models.CharField("指标", max_length=12, choices=Target.choices)
    covered = models.PositiveIntegerField("已覆盖")
    total = models.PositiveIntegerField("应覆盖")
    target_ratio = models.DecimalField("目标比例", max_digits=5, decimal_places=4)
    computed_at = models.DateTimeField("计算时间", auto_now=True)

    class Meta:
        verbose_name = "承诺覆盖率"
        verbose_name_plural = "承诺覆盖率"
        ordering = ["-day", "target"]
        constraints = [
            models.UniqueConstraint(fields=["day", "target"], name="coveragefigure_unique")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.target} {self.covered}/{self.total}"

    @property
    def ratio(self) -> float:
        return self.covered / self.total if self.total else 1.0
