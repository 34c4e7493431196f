"""Objections (异议), credit repair applications (信用修复申请), their attachments, the
append-only log of their transitions, phone verification codes (短信验证码), and the wrong
tries of the public tracking page (办理进度查询).

Submitters' identity numbers (ID number or USCC) and phones are stored only encrypted
(AES-256-GCM, :mod:`credit.core.crypto`) with an HMAC blind index for look-ups and a masked
copy for display; the clear values are decrypted only to send an SMS.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from credit.core.models import Timestamped
from credit.objections.constants import (
    OPEN,
    SUSPENDING,
    AttachmentKind,
    Channel,
    CodePurpose,
    Finding,
    ObjectionStatus,
    RepairStatus,
    SubmitterKind,
)


class Submitter(models.Model):
    """The person or organisation applying: name, identity number and mobile phone, the
    last two encrypted + indexed + masked."""

    submitter_name = models.CharField("申请人姓名（名称）", max_length=100)
    submitter_kind = models.CharField("申请人类型", max_length=10, choices=SubmitterKind.choices)
    id_cipher = models.BinaryField("证件号码（密文）")
    id_index = models.CharField("证件号码索引", max_length=64, db_index=True)
    id_masked = models.CharField("证件号码（脱敏）", max_length=40)
    phone_cipher = models.BinaryField("手机号码（密文）")
    phone_index = models.CharField("手机号码索引", max_length=64)
    phone_masked = models.CharField("手机号码（脱敏）", max_length=20)
    #: True when the identity number is the record's subject's (本人/本单位申请).
    is_subject = models.BooleanField("申请人即信息主体", default=False)

    class Meta:
        abstract = True


class Objection(Timestamped, Submitter):
    """An objection (异议) to one credit record: who raised it, why, and where it stands.

    ``number`` (受理编号) is random enough to be the public look-up key together with the
    phone's last four digits. Deadlines are dates: ``accept_due`` (受理审查) from receipt,
    ``due`` (办结) from acceptance, ``verify_due`` (部门核实) from assignment. While the status
    is accepted, verifying or verified the record is suspended (停发) by this objection; the
    database allows at most one such objection per record. ``created_at`` is the time of receipt
    (提交时间).
    """

    number = models.CharField("受理编号", max_length=24, unique=True)
    channel = models.CharField("受理渠道", max_length=10, choices=Channel.choices)
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="异议信息",
        on_delete=models.PROTECT,
        related_name="objections",
    )
    record_version = models.PositiveIntegerField("提出异议时的信息版本")
    reason = models.TextField("异议理由", max_length=2000)
    status = models.CharField(
        "状态", max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.SUBMITTED
    )
    department = models.ForeignKey(
        "core.Department",
        verbose_name="核实部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,  # led by objection_dept_status
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="窗口录入人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accept_due = models.DateField("受理期限")
    verify_due = models.DateField("核实期限", null=True, blank=True)
    due = models.DateField("办结期限", null=True, blank=True)
    outcome = models.CharField(
        "办理结果", max_length=10, choices=ObjectionStatus.choices, blank=True, default=""
    )
    finding = models.CharField(
        "部门核实结论", max_length=10, choices=Finding.choices, blank=True, default=""
    )
    finding_text = models.TextField("部门核实意见", blank=True)
    result = models.TextField("处理结果", blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    assigned_at = models.DateTimeField("转办时间", null=True, blank=True)
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    decided_at = models.DateTimeField("办理完毕时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结归档时间", null=True, blank=True)
    notified_at = models.DateTimeField("告知申请人时间", null=True, blank=True)

    class Meta:
        verbose_name = "信用异议"
        verbose_name_plural = "信用异议"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(status__in=sorted(SUSPENDING)),
                name="objection_one_suspending_per_record",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["verifying", "verified"])
                | models.Q(department__isnull=False, verify_due__isnull=False),
                name="objection_verifying_has_department",
            ),
            models.CheckConstraint(
                condition=models.Q(channel="online") | models.Q(entered_by__isnull=False),
                name="objection_offline_has_clerk",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="objection_status_time"),
            models.Index(fields=["department", "status"], name="objection_dept_status"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class RepairApplication(Timestamped, Submitter):
    """A credit repair application (信用修复申请): the subject asks to end the publicity of a
    penalty or list entry after its minimum period, with a credit commitment (信用承诺书) and
    proof of correction (失信行为纠正证明). ``eligibility`` keeps the check made when it was
    submitted (``{"eligible", "reasons"}``); the credit office grants or refuses. At most one
    application per record waits for review (database constraint). ``created_at`` is the time
    of application (申请时间)."""

    number = models.CharField("申请编号", max_length=24, unique=True)
    record = models.ForeignKey(
        "records.CreditRecord",
        verbose_name="修复信息",
        on_delete=models.PROTECT,
        related_name="repair_applications",
    )
    record_version = models.PositiveIntegerField("申请时的信息版本")
    statement = models.TextField("纠正失信行为情况说明", max_length=2000)
    status = models.CharField(
        "状态", max_length=10, choices=RepairStatus.choices, default=RepairStatus.SUBMITTED
    )
    eligibility = models.JSONField("申请时的条件核查结果", default=dict)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="审核人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.TextField("审核意见", blank=True)
    due = models.DateField("办理期限")
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    notified_at = models.DateTimeField("告知申请人时间", null=True, blank=True)

    class Meta:
        verbose_name = "信用修复申请"
        verbose_name_plural = "信用修复申请"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["record"],
                condition=models.Q(status="submitted"),
                name="repair_one_pending_per_record",
            ),
            models.CheckConstraint(
                condition=models.Q(status="submitted") | models.Q(decided_at__isnull=False),
                name="repair_decided_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="repair_status_time"),
        ]

    def __str__(self) -> str:
        return self.number


class Attachment(models.Model):
    """A file attached to an objection or a repair application: PDF, JPG or PNG as its
    content (magic bytes) says, size-limited. Kept in the database with the case, so it
    commits or rolls back with it and every web process sees it."""

    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    repair = models.ForeignKey(
        RepairApplication,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="attachments",
    )
    kind = models.CharField("材料类型", max_length=12, choices=AttachmentKind.choices)
    name = models.CharField("文件名", max_length=100)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "申请材料"
        verbose_name_plural = "申请材料"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(objection__isnull=False, repair__isnull=True)
                | models.Q(objection__isnull=True, repair__isnull=False),
                name="attachment_exactly_one_case",
            ),
            models.CheckConstraint(
                condition=models.Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="attachment_allowed_type",
            ),
            models.CheckConstraint(condition=models.Q(size__gt=0), name="attachment_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name


class Transition(models.Model):
    """One step of an objection or a repair application (办理记录): from which status to which,
    by whom (and for which department), why, and when. Append-only: the database refuses
    UPDATE and DELETE (trigger in migration 0002); a step is undone only by a new step."""

    objection = models.ForeignKey(
        Objection, null=True, blank=True, on_delete=models.PROTECT, related_name="transitions"
    )
    repair = models.ForeignKey(
        RepairApplication,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transitions",
    )
    action = models.CharField("操作", max_length=10)
    from_status = models.CharField("原状态", max_length=10, blank=True)
    to_status = models.CharField("新状态", max_length=10)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_repr = models.CharField("操作人名称", max_length=150)
    department = models.ForeignKey(
        "core.Department",
        verbose_name="办理单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField("说明", blank=True)
    reason_public = models.BooleanField("说明向申请人公开", default=False)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(objection__isnull=False, repair__isnull=True)
                | models.Q(objection__isnull=True, repair__isnull=False),
                name="transition_exactly_one_case",
            )
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.from_status}→{self.to_status}"


class VerificationCode(models.Model):
    """A phone verification code (短信验证码) as sent: only its HMAC is kept, bound to the
    phone (``phone_index``). Good for 5 minutes, once, and for a few attempts. The rows are
    also the counters of the sending limits (per phone and per source IP), so the limits
    hold across web processes."""

    phone_index = models.CharField("手机号码索引", max_length=64)
    purpose = models.CharField("用途", max_length=10, choices=CodePurpose.choices)
    code_hash = models.CharField("验证码摘要", max_length=64)
    source_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    created_at = models.DateTimeField("发送时间")
    expires_at = models.DateTimeField("失效时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="verificationcode_expires_after_sent",
            )
        ]
        indexes = [
            models.Index(fields=["phone_index", "-created_at"], name="code_phone_time"),
            models.Index(fields=["source_ip", "-created_at"], name="code_ip_time"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M:%S}"


class TrackingAttempt(models.Model):
    """A wrong try on the public tracking page (办理进度查询): the case number as typed
    (normalised, kept whether or not a case has that number, so that counting does not reveal
    which numbers exist) and the client's address. The rows are the counters of the tracking
    limits per number and per address (:mod:`credit.objections.tracking`), so the limits hold
    across web processes; a periodic job deletes them after a day."""

    number = models.CharField("受理编号", max_length=24)
    source_ip = models.GenericIPAddressField("来源IP", null=True, blank=True)
    created_at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "进度查询错误记录"
        verbose_name_plural = "进度查询错误记录"
        indexes = [
            models.Index(fields=["number", "-created_at"], name="track_number_time"),
            models.Index(fields=["source_ip", "-created_at"], name="track_ip_time"),
            models.Index(fields=["created_at"], name="track_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.created_at:%Y-%m-%d %H:%M:%S}"
