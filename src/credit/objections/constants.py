"""Code tables of objections (异议) and credit repair (信用修复)."""

from __future__ import annotations

from django.db import models


class ObjectionStatus(models.TextChoices):
    """Where an objection (异议) stands. The allowed moves are the table in
    :data:`credit.objections.rules.TRANSITIONS`."""

    SUBMITTED = "submitted", "待受理"
    REFUSED = "refused", "不予受理"
    ACCEPTED = "accepted", "已受理（信息暂停公示）"
    VERIFYING = "verifying", "来源部门核实中"
    VERIFIED = "verified", "部门已核实（待决定）"
    CORRECTED = "corrected", "已更正信息"
    REVOKED = "revoked", "已撤销信息"
    UPHELD = "upheld", "维持原信息（恢复公示）"
    WITHDRAWN = "withdrawn", "申请人已撤回"
    CLOSED = "closed", "已办结"


#: Statuses in which the objected record is suspended by this objection (停发).
SUSPENDING = frozenset(
    {ObjectionStatus.ACCEPTED, ObjectionStatus.VERIFYING, ObjectionStatus.VERIFIED}
)
#: Statuses still waiting for the platform (not decided, refused, withdrawn or closed).
OPEN = frozenset({ObjectionStatus.SUBMITTED, *SUSPENDING})
#: The three decisions on an objection.
DECIDED = frozenset({ObjectionStatus.CORRECTED, ObjectionStatus.REVOKED, ObjectionStatus.UPHELD})


class Channel(models.TextChoices):
    ONLINE = "online", "网上申请"
    OFFLINE = "offline", "窗口受理"


class Action(models.TextChoices):
    """What staff (or the submitter) do to an objection; each is one row of the transition
    table and one entry of its log."""

    SUBMIT = "submit", "提交异议申请"
    ACCEPT = "accept", "受理（暂停公示）"
    REFUSE = "refuse", "不予受理"
    ASSIGN = "assign", "转来源部门核实"
    REASSIGN = "reassign", "改派核实部门"
    VERIFY = "verify", "提交核实意见"
    RETURN = "return", "退回重新核实"
    CORRECT = "correct", "更正信息"
    REVOKE = "revoke", "撤销信息"
    UPHOLD = "uphold", "维持原信息（恢复公示）"
    WITHDRAW = "withdraw", "撤回异议"
    CLOSE = "close", "办结归档"


class Finding(models.TextChoices):
    """The source department's verification result (核实意见), a proposal to the credit
    office, which decides."""

    CORRECT = "correct", "信息有误，建议更正"
    REVOKE = "revoke", "信息不应公示，建议撤销"
    UPHOLD = "uphold", "信息无误，建议维持"


class RepairStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    GRANTED = "granted", "准予修复"
    REFUSED = "refused", "不予修复"


class RepairAction(models.TextChoices):
    SUBMIT = "submit", "提交修复申请"
    GRANT = "grant", "准予修复（停止公示）"
    REFUSE = "refuse", "不予修复"


class AttachmentKind(models.TextChoices):
    EVIDENCE = "evidence", "异议证明材料"
    COMMITMENT = "commitment", "信用承诺书"
    PROOF = "proof", "失信行为纠正证明"
    OTHER = "other", "其他材料"


class CodePurpose(models.TextChoices):
    """What a phone verification code (短信验证码) was sent for: a code is good for its own
    purpose only."""

    OBJECTION = "objection", "信用异议申请"
    REPAIR = "repair", "信用修复申请"


class SubmitterKind(models.TextChoices):
    NATURAL = "natural", "自然人（居民身份证）"
    LEGAL = "legal", "法人及非法人组织（统一社会信用代码）"


#: Tracking-number prefixes: 异议 and 修复.
OBJECTION_PREFIX = "YY"
REPAIR_PREFIX = "XF"

ATTACHMENT_KIND_LABELS = dict(AttachmentKind.choices)
