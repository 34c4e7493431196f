"""Code tables of credit commitments."""

from __future__ import annotations

from django.db import models


class Kind(models.TextChoices):
    """The four kinds of the 示范城市 hard indicators (tender lines 441–445); 主动承诺 and
    行业自律 are counted together."""

    VOLUNTARY = "voluntary", "主动承诺型"
    INDUSTRY = "industry", "行业自律型"
    NOTIFY = "notify", "审批替代型（告知承诺）"
    TOLERANCE = "tolerance", "容缺受理型"
    REPAIR = "repair", "信用修复型"


#: The kind's letter in a commitment's structured number (编码结构化管理, tender line 37).
KIND_CODES = {
    Kind.VOLUNTARY: "ZD",
    Kind.INDUSTRY: "HY",
    Kind.NOTIFY: "GZ",
    Kind.TOLERANCE: "RQ",
    Kind.REPAIR: "XF",
}


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    PUBLISHED = "published", "已公示"
    FULFILLED = "fulfilled", "已践诺"
    BREACHED = "breached", "已违诺"
    WITHDRAWN = "withdrawn", "已撤回"


#: Statuses of a commitment in force (it counts for coverage and shows on the portal).
IN_FORCE = (Status.PUBLISHED, Status.FULFILLED)


class Channel(models.TextChoices):
    PORTAL = "portal", "网上申报"
    DEPARTMENT = "department", "部门录入"
    HALL = "hall", "窗口录入"
    API = "api", "接口推送"
    IMPORT = "import", "批量导入"
    REPAIR = "repair", "信用修复申请"


class SuspicionStatus(models.TextChoices):
    OPEN = "open", "待核实"
    CONFIRMED = "confirmed", "确认违诺"
    DISMISSED = "dismissed", "排除"


class Target(models.TextChoices):
    """The coverage targets (tender lines 441–445), with their target ratios below."""

    VOLUNTARY = "voluntary", "主动承诺和行业自律型承诺覆盖市场主体"
    NOTIFY = "notify", "告知承诺事项（证照分离19项）"
    TOLERANCE = "tolerance", "容缺受理事项"
    REPAIR = "repair", "在运营黑名单主体的信用修复型承诺"


TARGET_RATIOS = {
    Target.VOLUNTARY: 0.90,
    Target.NOTIFY: 1.0,
    Target.TOLERANCE: 1.0,
    Target.REPAIR: 1.0,
}

#: Catalog items of this app: the 违背信用承诺 record a breach creates (a 重点关注名单 item, so
#: it enters publicity and the joint-punishment check), and the 信用承诺 item departments
#: import commitments with through the ingest pipeline.
BREACH_ITEM = "commitment-breach"
IMPORT_ITEM = "credit-commitment"
