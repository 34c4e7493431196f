"""Code tables of government integrity: the catalog items it reads, grades, statuses."""

from __future__ import annotations

from django.db import models

# --- The catalog items of the civil servants' archive (公务人员信用档案归集清单, seed L168–L428)
#: 公务人员基础信息 (人社局/组织部, yearly): who is a civil servant, in which unit.
BASIC = "cs-basic"
#: 纪律处分信息 (纪委监委, quarterly).
DISCIPLINE = "cs-discipline"
#: 问责处分信息 (纪委监委, quarterly).
ACCOUNTABILITY = "cs-accountability"
#: 其他处分信息 (各部门, monthly): minor handling, −10 each.
OTHER_HANDLING = "cs-other-handling"
#: 行政处罚信息: the natural-person records of the existing 双公示 item, linked by ID number.
PENALTY = "admin-penalty"
#: 文明交通信用信息 (公安局, weekly).
TRAFFIC = "civil-traffic"
#: 个人事项报告制度信息 (组织部, real time).
PERSONAL_MATTERS = "cs-personal-matters"
#: 失信被执行人信息: the existing black-list item of the courts, linked by ID number.
DISHONEST_DEBTOR = "dishonest-judgment-debtor"
#: 被执行人信息 (法院, monthly).
JUDGMENT_DEBTOR = "judgment-debtor"
#: 刑事案件判决信息 (法院, quarterly).
CRIMINAL = "criminal-judgment"
#: 公务员考核结果信息 (人社局, yearly).
ASSESSMENT = "cs-assessment"
#: 党员年度评议信息 (机关工委, yearly).
PARTY_REVIEW = "party-review"

# --- Government dishonesty records (政务失信记录, seed L429–L433)
#: 政务失信记录 of government bodies (legal persons): published on the portal (政务诚信 column).
GOV_DISHONESTY = "gov-dishonesty"
#: 公务员政务失信记录 (natural persons): never public except through the 黑榜.
CS_DISHONESTY = "cs-dishonesty"

#: Items whose records describe civil servants only (the archive's own items): their records
#: are read by this app only, never by the public or other departments (usage 授权查询).
ARCHIVE_ITEMS = (
    BASIC,
    DISCIPLINE,
    ACCOUNTABILITY,
    OTHER_HANDLING,
    PERSONAL_MATTERS,
    ASSESSMENT,
    PARTY_REVIEW,
    CS_DISHONESTY,
)
#: Every item whose records appear in an archive (its timeline), in the seed's order.
TIMELINE_ITEMS = (
    BASIC,
    DISCIPLINE,
    ACCOUNTABILITY,
    OTHER_HANDLING,
    PENALTY,
    TRAFFIC,
    PERSONAL_MATTERS,
    DISHONEST_DEBTOR,
    JUDGMENT_DEBTOR,
    CRIMINAL,
    ASSESSMENT,
    PARTY_REVIEW,
    CS_DISHONESTY,
)
#: Items reported in the annual collection in February (seed L160–L167) by each unit.
ANNUAL_ITEMS = (BASIC, ASSESSMENT, PARTY_REVIEW, OTHER_HANDLING)

#: Departments that oversee civil servants of their whole region rather than of their own unit:
#: the organisation department (组织部), the HR bureau (人社局) and a district's credit office
#: (its 发展和改革局, ``<区>-FG``; the city's is of kind ``credit_office``). A district's own
#: departments are named ``<区>-ZZB`` / ``<区>-RS`` / ``<区>-FG``.
OVERSEEING_CODES = ("ZZB", "RS", "FG")


class Grade(models.TextChoices):
    A = "A", "A（优秀，500 分以上）"
    B = "B", "B（良好，451–499 分）"
    C = "C", "C（一般，351–450 分）"
    D = "D", "D（较差，350 分以下）"


class TaskStatus(models.TextChoices):
    PENDING = "pending", "待报送"
    SUBMITTED = "submitted", "已报送"
    LATE = "late", "逾期报送"
    OVERDUE = "overdue", "逾期未报送"


class HonourKind(models.TextChoices):
    RED = "red", "红榜（长期守信）"
    BLACK = "black", "黑榜（政务失信）"


class ExchangeStatus(models.TextChoices):
    QUEUED = "queued", "待随下次交换上报"
    SENT = "sent", "已上报"
