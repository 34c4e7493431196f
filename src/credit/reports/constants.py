"""The closed sets of credit reports: purposes, channels, statuses, materials, section kinds."""

from __future__ import annotations

from django.db import models


class Purpose(models.TextChoices):
    """报告用途."""

    GENERAL = "general", "通用"
    PROCUREMENT = "procurement", "政府采购"
    BIDDING = "bidding", "招标投标"
    HONOURS = "honours", "评优评先"
    FUNDS = "funds", "财政资金"
    FINANCING = "financing", "融资信贷"
    LICENSING = "licensing", "行政审批"
    OTHER = "other", "其他"


class Channel(models.TextChoices):
    """How an application arrived (申请渠道)."""

    PORTAL = "portal", "网上申请"
    HALL = "hall", "窗口代录"
    DEPARTMENT = "department", "部门申请"
    API = "api", "接口请求"


class ApplicantKind(models.TextChoices):
    """Who applies (申请人类型)."""

    SELF = "self", "本单位/本人"
    AGENT = "agent", "受托代理人"
    DEPARTMENT = "department", "政府部门"
    THIRD_PARTY = "third_party", "经授权的第三方"


class ApplicationStatus(models.TextChoices):
    """Where an application stands. Material review (初审) then the second review (复核) by
    another person; a return tells the applicant why."""

    SUBMITTED = "submitted", "待初审"
    RETURNED = "returned", "已退回"
    REVIEWED = "reviewed", "待复核"
    ISSUED = "issued", "已出具"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.REVIEWED)
#: What the applicant may still withdraw (撤回): anything not issued yet.
WITHDRAWABLE = (*OPEN_STATUSES, ApplicationStatus.RETURNED)


class ReportStatus(models.TextChoices):
    """An issued report's state; 已过期 is read from ``valid_until`` (:func:`status_of`)."""

    VALID = "valid", "有效"
    SUPERSEDED = "superseded", "已更新"
    REVOKED = "revoked", "已撤销"


EXPIRED_LABEL = "已过期"


class MaterialKind(models.TextChoices):
    """申请材料."""

    LICENCE = "licence", "营业执照"
    AUTHORISATION = "authorisation", "授权委托书"
    IDENTITY = "identity", "身份证明"
    OTHER = "other", "其他材料"


class SectionKind(models.TextChoices):
    BASIC = "basic", "基本信息"
    RECORDS = "records", "信用记录"


#: The subject facts a basic-information section may show, by subject type, in order.
LEGAL_FACTS: dict[str, str] = {
    "uscc": "统一社会信用代码",
    "kind": "主体类别",
    "legal_representative": "法定代表人（经营者）",
    "region": "所属区划",
    "industry": "行业门类",
    "established_on": "成立日期",
    "status": "登记状态",
    "registered_capital": "注册资本（万元）",
    "registered_address": "注册地址",
}
NATURAL_FACTS: dict[str, str] = {
    "id_number": "证件号码",
    "id_type": "证件类型",
    "region": "所属区划",
}
