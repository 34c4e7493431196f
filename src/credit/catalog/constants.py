"""Code tables of the catalog itself (choices for items and field specifications)."""

from typing import Literal

from django.db import models


class Category(models.TextChoices):
    DOUBLE_PUBLICITY = "double_publicity", "双公示"
    RED_LIST = "red_list", "红名单"
    BLACK_LIST = "black_list", "黑名单"
    ATTENTION_LIST = "attention_list", "重点关注名单"
    BASIC = "basic", "基础信息"
    OTHER = "other", "其他"


#: Categories whose records are list entries (名单): red, black and attention lists.
LIST_CATEGORIES = (Category.RED_LIST, Category.BLACK_LIST, Category.ATTENTION_LIST)
#: Their labels, for pages and exports.
LIST_KIND_LABELS = {c.value: c.label for c in LIST_CATEGORIES}
#: The list kinds as plain strings (red_list, black_list, attention_list), and their type in
#: the API's schemas.
LIST_KINDS = tuple(str(c.value) for c in LIST_CATEGORIES)
ListKind = Literal[LIST_KINDS]


class PublicityMode(models.TextChoices):
    """How the publicity period (公示期) of an item's records is decided (D5.1): by the
    失信严重程度 under the policy in force at the decision date (penalties), for as long as the
    record is valid (licences, list entries), or never published on public channels."""

    SEVERITY = "severity", "按失信严重程度定公示期"
    VALIDITY = "validity", "有效期内公示"
    NONE = "none", "不公示"


class SubjectType(models.TextChoices):
    LEGAL = "legal", "法人及非法人组织"
    NATURAL = "natural", "自然人"
    BOTH = "both", "法人和自然人"


class UpdatePeriod(models.TextChoices):
    """更新周期: how often the source departments report an item. 实时 items (e.g. 个人事项报告
    处理结果) are reported as each case is decided, so no reporting gap is computed for them."""

    REALTIME = "realtime", "实时"
    DAILY = "daily", "每天"
    WEEKLY = "weekly", "每周"
    MONTHLY = "monthly", "每月"
    QUARTERLY = "quarterly", "每季度"
    YEARLY = "yearly", "每年"
    IRREGULAR = "irregular", "不定期"


class UsageScope(models.TextChoices):
    """信息使用范围: who may see the data."""

    PUBLIC = "public", "社会公开"
    SHARED = "shared", "政务共享"
    RESTRICTED = "restricted", "授权查询"


class DataType(models.TextChoices):
    STRING = "string", "字符串"
    TEXT = "text", "长文本"
    DATE = "date", "日期"
    DECIMAL = "decimal", "数值"
    INTEGER = "integer", "整数"
    CODE = "code", "代码"


class Validator(models.TextChoices):
    NONE = "", "无"
    USCC = "uscc", "统一社会信用代码（GB 32100）"
    RESIDENT_ID = "resident_id", "居民身份证号码（GB 11643）"
    ORG_CODE = "org_code", "组织机构代码（GB 11714）"
    ID_BY_TYPE = "id_by_type", "按证件类型校验证件号码"


class Unit(models.TextChoices):
    """The unit of an amount field (金额单位). A cell written with another unit (``15000元`` in
    a 万元 column) is converted by the ingest normaliser, with a correction."""

    NONE = "", "—"
    YUAN = "元", "元"
    WAN_YUAN = "万元", "万元"
    YI_YUAN = "亿元", "亿元"


#: How many 元 one unit is: conversions between units are exact decimal shifts.
UNIT_YUAN = {Unit.YUAN: 1, Unit.WAN_YUAN: 10_000, Unit.YI_YUAN: 100_000_000}


class CheckKind(models.TextChoices):
    """Kinds of cross-field row checks (跨字段校验) an item declares in its ``checks``."""

    DATE_ORDER = "date_order", "日期先后"
    USCC_CATEGORY = "uscc_category", "统一社会信用代码与主体类别一致"
    AMOUNT_BOUND = "amount_bound", "金额合理上限"


class CheckSeverity(models.TextChoices):
    """What a failed row check does: refuse the row, or accept it with a warning."""

    REJECT = "reject", "退回"
    WARN = "warn", "提示"


class Sensitivity(models.TextChoices):
    PUBLIC = "public", "公开"
    INTERNAL = "internal", "内部"
    PERSONAL = "personal", "个人信息"
    SENSITIVE = "sensitive", "敏感个人信息"


class FieldRole(models.TextChoices):
    """What a field means to the platform, so records and subjects are built from any item."""

    NONE = "", "—"
    SUBJECT_NAME = "subject_name", "主体名称"
    SUBJECT_CATEGORY = "subject_category", "主体类别"
    USCC = "uscc", "统一社会信用代码"
    REG_NO = "reg_no", "工商注册号"
    ORG_CODE = "org_code", "组织机构代码"
    TAX_NO = "tax_no", "税务登记号"
    INSTITUTION_NO = "institution_no", "事业单位证书号"
    SOCIAL_ORG_NO = "social_org_no", "社会组织登记证号"
    LEGAL_REP = "legal_rep", "法定代表人"
    ID_TYPE = "id_type", "证件类型"
    ID_NUMBER = "id_number", "证件号码"
    DOCUMENT_NO = "document_no", "决定文书号"
    DECISION_DATE = "decision_date", "决定日期"
    VALID_FROM = "valid_from", "有效期自"
    VALID_TO = "valid_to", "有效期至"
    PUBLICITY_END = "publicity_end", "公示截止期"
    SEVERITY = "severity", "失信严重程度"
    PENALTY_TYPE = "penalty_type", "处罚类别"
    USAGE_SCOPE = "usage_scope", "信息使用范围"
    AUTHORITY = "authority", "决定机关"
    AUTHORITY_USCC = "authority_uscc", "决定机关统一社会信用代码"
    SOURCE_DEPT = "source_dept", "数据来源单位"
    SOURCE_DEPT_USCC = "source_dept_uscc", "数据来源单位统一社会信用代码"
