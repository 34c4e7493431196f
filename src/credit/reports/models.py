"""Credit reports' data: templates (报告模板) and their immutable versions, applications
(信用报告申请) with their materials and step log, issued reports (信用报告) with their frozen
snapshot, PDF and hash, the records each one shows, authorisations (授权) of third parties,
and the wrong tries of the extraction code (提取码).

The database holds the rules that must never break: one template version number per
template; a report number once; the second reviewer is never the first (四眼原则); a report's
records are the ones it showed, at the version it showed.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from credit.core.models import ChangeTracked, Timestamped
from credit.reports.constants import (
    OPEN_STATUSES,
    WITHDRAWABLE,
    ApplicantKind,
    ApplicationStatus,
    Channel,
    MaterialKind,
    Purpose,
    ReportStatus,
)

_USER = settings.AUTH_USER_MODEL


class ReportTemplate(ChangeTracked):
    """A report template (报告模板): for one subject type, the purposes it serves, the period it
    covers and how long an issued report stays valid. Its content — the sections, their
    catalog items and fields — lives in :class:`TemplateVersion`; ``current`` is the version in
    use. ``auto_issue``: a department's request for its own procedures (信用核查) is issued at
    once, without manual review. ``review_reissue``: a corrected report is reviewed before it
    replaces one whose records changed (else it is issued at once)."""

    code = models.SlugField("模板标识", max_length=40, unique=True)
    name = models.CharField("模板名称", max_length=100)
    subject_type = models.CharField(
        "主体类型", max_length=10, choices=[("legal", "企业"), ("natural", "个人")]
    )
    purposes = ArrayField(
        models.CharField(max_length=20, choices=Purpose.choices), verbose_name="适用用途"
    )
    period_months = models.PositiveSmallIntegerField("信息时段（月）", default=36)
    valid_days = models.PositiveSmallIntegerField("有效期（天）", default=90)
    auto_issue = models.BooleanField("部门核查即时出具", default=False)
    review_reissue = models.BooleanField("更正后重出须复核", default=True)
    is_active = models.BooleanField("启用", default=True)
    current = models.ForeignKey(
        "TemplateVersion",
        verbose_name="当前版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField("说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "报告模板"
        verbose_name_plural = "报告模板"
        ordering = ["subject_type", "code"]

    def __str__(self) -> str:
        return self.name


class TemplateVersion(models.Model):
    """One version of a template's content, never changed once saved: ``sections`` is a list
    of ``{"kind": "basic", "title", "facts": [key…]}`` or ``{"kind": "records", "title",
    "items": [{"code", "fields": [field code…]}]}`` in print order (validated by
    :mod:`credit.reports.rules`)."""

    template = models.ForeignKey(ReportTemplate, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField("版本")
    sections = models.JSONField("章节")
    note = models.CharField("修订说明", max_length=200, blank=True)
    created_by = models.ForeignKey(
        _USER,
        verbose_name="修订人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("修订时间", auto_now_add=True)

    class Meta:
        verbose_name = "报告模板版本"
        verbose_name_plural = "报告模板版本"
        ordering = ["template", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["template", "version"], name="templateversion_unique")
        ]

    def __str__(self) -> str:
        return f"{self.template.name}（第{self.version}版）"


class Application(Timestamped):
    """An application for a report (信用报告申请): the subject, template, purpose and period,
    who applies through which channel, its materials, and where it stands.

    ``number`` (报告编号) is the number of the first report issued for it; the applicant
    downloads with it and the extraction code (``code_hash``: only its hash is kept). Material
    review (初审: ``reviewer``) and the second review (复核: ``approver``) are done by two
    different people — the database refuses the same person twice — and the one who entered
    an application on someone's behalf reviews neither step.
    """

    number = models.CharField("报告编号", max_length=24, unique=True)
    channel = models.CharField("申请渠道", max_length=12, choices=Channel.choices)
    applicant_kind = models.CharField("申请人类型", max_length=12, choices=ApplicantKind.choices)
    applicant_name = models.CharField("申请人", max_length=100)
    applicant_contact = models.CharField("联系方式（脱敏）", max_length=40, blank=True)
    account = models.ForeignKey(
        "identity.PublicAccount",
        verbose_name="实名用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        _USER,
        verbose_name="录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="申请部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    client = models.ForeignKey(
        "gateway.ApiClient",
        verbose_name="接口调用方",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    authorisation = models.ForeignKey(
        "Authorisation",
        verbose_name="依据的授权",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    template = models.ForeignKey(ReportTemplate, on_delete=models.PROTECT, related_name="+")
    template_version = models.ForeignKey(
        TemplateVersion, verbose_name="模板版本", on_delete=models.PROTECT, related_name="+"
    )
    legal_person = models.ForeignKey(
        "subjects.LegalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_name = models.CharField("信息主体", max_length=200)
    region = models.ForeignKey(
        "core.Region",
        verbose_name="主体所属区划",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    #: The natural person's own report: identifiers shown unmasked.
    own_report = models.BooleanField("本人报告", default=False)
    purpose = models.CharField("报告用途", max_length=20, choices=Purpose.choices)
    purpose_text = models.CharField("用途说明", max_length=200, blank=True)
    period_from = models.DateField("信息时段自")
    period_to = models.DateField("信息时段至")
    status = models.CharField(
        "状态",
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
    )
    code_hash = models.CharField("提取码（摘要）", max_length=128)
    due = models.DateField("办理期限")
    reviewer = models.ForeignKey(
        _USER,
        verbose_name="初审人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField("初审时间", null=True, blank=True)
    approver = models.ForeignKey(
        _USER,
        verbose_name="复核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("复核时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)
    returned_at = models.DateTimeField("退回时间", null=True, blank=True)
    issued_at = models.DateTimeField("出具时间", null=True, blank=True)

    class Meta:
        verbose_name = "信用报告申请"
        verbose_name_plural = "信用报告申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_person__isnull=True)
                ^ models.Q(natural_person__isnull=True),
                name="application_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(approver__isnull=True)
                | models.Q(reviewer__isnull=True)
                | ~models.Q(approver=models.F("reviewer")),
                name="application_four_eyes",
            ),
            models.CheckConstraint(
                condition=models.Q(period_from__lte=models.F("period_to")),
                name="application_period_order",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due"], name="application_queue"),
            models.Index(fields=["legal_person"], name="application_legal"),
            models.Index(fields=["natural_person"], name="application_natural"),
            models.Index(fields=["account"], name="application_account"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        """Waiting for a review (its deadline runs)."""
        return self.status in OPEN_STATUSES

    @property
    def may_withdraw(self) -> bool:
        return self.status in WITHDRAWABLE


class Material(models.Model):
    """A file the applicant supplied (营业执照, 授权委托书 …): checked by its first bytes."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField("材料类型", max_length=16, choices=MaterialKind.choices)
    name = models.CharField("文件名", max_length=100)
    content_type = models.CharField("类型", max_length=40)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """One step of an application (办理记录), append-only: what happened, by whom, when."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField("操作", max_length=40)
    label = models.CharField("说明", max_length=100)
    actor = models.ForeignKey(
        _USER,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_name = models.CharField("操作人（显示）", max_length=100, blank=True)
    comment = models.CharField("意见", max_length=500, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class Report(models.Model):
    """An issued report (信用报告), frozen: its ``snapshot`` (what it says, as
    :class:`~credit.reports.content.ReportContent`), the signed ``pdf`` and its ``sha256``.
    Nothing here changes after issue except ``status`` (有效 → 已更新 when a corrected report
    replaces it, or 已撤销) and ``replaced_by``. ``verify_code`` is the QR link's ``c``."""

    number = models.CharField("报告编号", max_length=28, unique=True)
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="reports")
    template_version = models.ForeignKey(
        TemplateVersion, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=12, choices=ReportStatus.choices, default=ReportStatus.VALID
    )
    verify_code = models.CharField("核验码", max_length=16)
    issued_at = models.DateTimeField("出具时间")
    valid_until = models.DateField("有效期至")
    issued_by = models.ForeignKey(
        _USER,
        verbose_name="签发人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    snapshot = models.JSONField("数据快照")
    pdf = models.BinaryField("报告文件")
    sha256 = models.CharField("文件SHA-256", max_length=64, unique=True)
    size = models.PositiveIntegerField("文件大小")
    replaces = models.OneToOneField(
        "self",
        verbose_name="更正前的报告",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    status_reason = models.CharField("状态说明", max_length=300, blank=True)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)
    downloads = models.PositiveIntegerField("下载次数", default=0)

    class Meta:
        verbose_name = "信用报告"
        verbose_name_plural = "信用报告"
        ordering = ["-issued_at", "-id"]
        indexes = [models.Index(fields=["status", "valid_until"], name="report_status_valid")]

    def __str__(self) -> str:
        return self.number


class ReportRecord(models.Model):
    """A credit record a report showed, at the version and content it showed (a later
    correction, revocation or repair of it makes the report 已更新)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="shown")
    record = models.ForeignKey("records.CreditRecord", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField("记录版本")
    digest = models.CharField("内容摘要", max_length=64)
    under_objection = models.BooleanField("异议处理中", default=False)

    class Meta:
        verbose_name = "报告所含记录"
        verbose_name_plural = "报告所含记录"
        constraints = [
            models.UniqueConstraint(fields=["report", "record"], name="reportrecord_unique")
        ]
        indexes = [models.Index(fields=["record"], name="reportrecord_record")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.record_id}@{self.version}"


class Authorisation(ChangeTracked):
    """A subject's authorisation (授权) of a third party, named by its USCC, to obtain the
    subject's report for a purpose within a period. Revocable; every use names it."""

    legal_person = models.ForeignKey(
        "subjects.LegalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    natural_person = models.ForeignKey(
        "subjects.NaturalPerson", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grantee_uscc = models.CharField("被授权方统一社会信用代码", max_length=18)
    grantee_name = models.CharField("被授权方名称", max_length=200)
    purpose = models.CharField("授权用途", max_length=20, choices=Purpose.choices)
    valid_from = models.DateField("授权起始日")
    valid_to = models.DateField("授权截止日")
    account = models.ForeignKey(
        "identity.PublicAccount",
        verbose_name="授权人（实名用户）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)
    uses = models.PositiveIntegerField("已使用次数", default=0)

    class Meta:
        verbose_name = "报告查询授权"
        verbose_name_plural = "报告查询授权"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(legal_person__isnull=True)
                ^ models.Q(natural_person__isnull=True),
                name="authorisation_one_subject",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__lte=models.F("valid_to")),
                name="authorisation_period_order",
            ),
        ]
        indexes = [models.Index(fields=["grantee_uscc", "valid_to"], name="authorisation_grantee")]


class ExtractionAttempt(models.Model):
    """A wrong extraction code (提取码) typed on the portal: the counters of the limits per
    report number and per address (:mod:`credit.reports.extraction`)."""

    number = models.CharField("报告编号", max_length=28)
    source_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "提取码错误记录"
        verbose_name_plural = "提取码错误记录"
        indexes = [
            models.Index(fields=["number", "-created_at"], name="extract_number_time"),
            models.Index(fields=["source_ip", "-created_at"], name="extract_ip_time"),
        ]

    def __str__(self) -> str:
        return self.number


__all__ = [
    "Application",
    "Authorisation",
    "ExtractionAttempt",
    "Material",
    "Report",
    "ReportRecord",
    "ReportTemplate",
    "Step",
    "TemplateVersion",
]
