"""The platform's permission vocabulary (权限): every check in every app names one of these.

Which principal holds which permission is decided where the principal is built: a staff
user's role (``credit.accounts.roles.ROLE_PERMS``), an API client's scopes
(``credit.gateway.scopes``). The vocabulary itself belongs to the kernel so that any app can
ask a principal without importing the apps that build principals.
"""

from __future__ import annotations

from enum import StrEnum


class Perm(StrEnum):
    CATALOG_VIEW = "catalog.view"
    CATALOG_MANAGE = "catalog.manage"
    CATALOG_TEMPLATE = "catalog.template"
    SUBJECT_VIEW = "subjects.view"
    SUBJECT_VIEW_IDENTITY = "subjects.view_identity"
    SUBJECT_VIEW_NATURAL = "subjects.view_natural"
    RECORD_VIEW = "records.view"
    RECORD_SUBMIT = "records.submit"
    RECORD_REVIEW = "records.review"
    USER_MANAGE = "accounts.manage"
    AUDIT_VIEW = "audit.view"
    CONFIG_MANAGE = "core.configure"
    API_CLIENT_MANAGE = "gateway.manage"
    SANCTIONS_CHECK = "sanctions.check"
    MEASURE_MANAGE = "sanctions.manage"
    OBJECTION_HANDLE = "objections.handle"
    OBJECTION_VERIFY = "objections.verify"
    REPAIR_REVIEW = "objections.repair"
    PORTAL_MANAGE = "portal.manage"
    DASHBOARD_VIEW = "dashboard.view"
    DASHBOARD_DESIGN = "dashboard.design"
    WARNING_VIEW = "alerts.view"
    WARNING_HANDLE = "alerts.handle"
    REPORT_VIEW = "reports.view"
    REPORT_ENTER = "reports.enter"
    REPORT_REVIEW = "reports.review"
    REPORT_TEMPLATE = "reports.template"
    REPORT_REQUEST = "reports.request"
    INTEGRITY_VIEW = "integrity.view"
    INTEGRITY_MANAGE = "integrity.manage"
    COMMITMENT_VIEW = "commitments.view"
    COMMITMENT_ENTER = "commitments.enter"
    COMMITMENT_REVIEW = "commitments.review"
    COMMITMENT_MANAGE = "commitments.manage"
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_SELF = "assessment.self"
    ASSESSMENT_MANAGE = "assessment.manage"
    EXCHANGE_VIEW = "exchange.view"
    EXCHANGE_MANAGE = "exchange.manage"


PERM_LABELS: dict[Perm, str] = {
    Perm.CATALOG_VIEW: "查看信用信息资源目录",
    Perm.CATALOG_MANAGE: "维护信用信息资源目录",
    Perm.CATALOG_TEMPLATE: "下载数据报送模板",
    Perm.SUBJECT_VIEW: "查询法人和自然人信用档案",
    Perm.SUBJECT_VIEW_IDENTITY: "查看未脱敏的身份证件号码",
    Perm.SUBJECT_VIEW_NATURAL: "查询自然人信用档案（脱敏）",
    Perm.RECORD_VIEW: "查看信用记录",
    Perm.RECORD_SUBMIT: "报送信用数据",
    Perm.RECORD_REVIEW: "审核信用数据",
    Perm.USER_MANAGE: "管理用户",
    Perm.AUDIT_VIEW: "查看审计日志",
    Perm.CONFIG_MANAGE: "维护区划与部门配置",
    Perm.API_CLIENT_MANAGE: "管理接口调用方",
    Perm.SANCTIONS_CHECK: "联合奖惩核查及反馈",
    Perm.MEASURE_MANAGE: "维护联合奖惩措施",
    Perm.OBJECTION_HANDLE: "受理和办结信用异议",
    Perm.OBJECTION_VERIFY: "核实本部门的异议信息",
    Perm.REPAIR_REVIEW: "审核信用修复申请",
    Perm.PORTAL_MANAGE: "维护门户网站新闻和公告",
    Perm.DASHBOARD_VIEW: "查看信用监管一张图和统计报表",
    Perm.DASHBOARD_DESIGN: "配置统计报表和报表目录",
    Perm.WARNING_VIEW: "查看预警",
    Perm.WARNING_HANDLE: "确认和关闭预警",
    Perm.REPORT_VIEW: "查看信用报告申请和报告",
    Perm.REPORT_ENTER: "代为申请信用报告（窗口、部门）",
    Perm.REPORT_REVIEW: "审核和签发信用报告",
    Perm.REPORT_TEMPLATE: "维护信用报告模板",
    Perm.REPORT_REQUEST: "通过接口请求信用报告",
    Perm.INTEGRITY_VIEW: "查阅公务员诚信档案（本单位、本辖区）",
    Perm.INTEGRITY_MANAGE: "维护政务诚信（评分规则、归集任务、红黑榜、统一撤销）",
    Perm.COMMITMENT_VIEW: "查看信用承诺和覆盖率",
    Perm.COMMITMENT_ENTER: "录入信用承诺（部门、窗口）",
    Perm.COMMITMENT_REVIEW: "审核信用承诺，记录践诺和违诺",
    Perm.COMMITMENT_MANAGE: "维护承诺事项和模板",
    Perm.ASSESSMENT_VIEW: "查看绩效考核结果和数据质量报告（本单位、本辖区）",
    Perm.ASSESSMENT_SELF: "填报本单位的考核自评和佐证材料",
    Perm.ASSESSMENT_MANAGE: "组织绩效考核（考核细则、计算、评审、公布；辖市区为本辖区自评检查）",
    Perm.EXCHANGE_VIEW: "查看数据交换作业和对账（本辖区）",
    Perm.EXCHANGE_MANAGE: "配置交换伙伴和通道，手动运行交换和重发（本辖区）",
}
