"""Code tables of the subjects app."""

from django.db import models


class LegalPersonKind(models.TextChoices):
    ORGANISATION = "organisation", "法人及非法人组织"
    SOLE_TRADER = "sole_trader", "个体工商户"


class LegalPersonStatus(models.TextChoices):
    ACTIVE = "active", "存续（在营）"
    REVOKED = "revoked", "吊销"
    CANCELLED = "cancelled", "注销"
    MOVED_OUT = "moved_out", "迁出"


class IdentifierScheme(models.TextChoices):
    """Identifier schemes of the cross-walk (USCC ↔ legacy codes), as 行政相对人代码_1..6."""

    USCC = "uscc", "统一社会信用代码"
    REG_NO = "reg_no", "工商注册号"
    ORG_CODE = "org_code", "组织机构代码"
    TAX_NO = "tax_no", "税务登记号"
    INSTITUTION_NO = "institution_no", "事业单位证书号"
    SOCIAL_ORG_NO = "social_org_no", "社会组织登记证号"


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", "居民身份证"
    PASSPORT = "passport", "护照"
    HK_MACAO_PERMIT = "hk_macao_permit", "港澳居民来往内地通行证"
    TAIWAN_PERMIT = "taiwan_permit", "台湾居民来往大陆通行证"
    FOREIGN_PR = "foreign_pr", "外国人永久居留身份证"
    HMT_RESIDENCE = "hmt_residence", "港澳台居民居住证"
    OTHER = "other", "其他"


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"
    UNKNOWN = "", "未知"


class Industry(models.TextChoices):
    """GB/T 4754-2017 国民经济行业分类, sections (门类)."""

    A = "A", "农、林、牧、渔业"
    B = "B", "采矿业"
    C = "C", "制造业"
    D = "D", "电力、热力、燃气及水生产和供应业"
    E = "E", "建筑业"
    F = "F", "批发和零售业"
    G = "G", "交通运输、仓储和邮政业"
    H = "H", "住宿和餐饮业"
    I = "I", "信息传输、软件和信息技术服务业"  # noqa: E741
    J = "J", "金融业"
    K = "K", "房地产业"
    L = "L", "租赁和商务服务业"
    M = "M", "科学研究和技术服务业"
    N = "N", "水利、环境和公共设施管理业"
    O = "O", "居民服务、修理和其他服务业"  # noqa: E741
    P = "P", "教育"
    Q = "Q", "卫生和社会工作"
    R = "R", "文化、体育和娱乐业"
    S = "S", "公共管理、社会保障和社会组织"
    T = "T", "国际组织"
