"""How the audit log (审计日志) reads to people: the Chinese name of every action code the
platform writes (:data:`ACTION_GROUPS`, grouped by task for the filter's drop-down), the
Chinese name of an object type, and the before/after of an entry as a readable diff
(:func:`diff_rows`).

The codes stay as they are written (``objection.submitted``): systems and exports use them; a
page shows the Chinese name, and the code only in a secondary column. A code without a name
here is shown as itself (tests/core/test_audit_page.py fails while the code base writes one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.apps import apps

#: Action codes by task, each with its Chinese name. Keep every code the platform writes here.
ACTION_GROUPS: tuple[tuple[str, dict[str, str]], ...] = (
    (
        "信用信息资源目录",
        {
            "catalogitem.created": "新建目录项",
            "catalogitem.edited": "修改目录项",
            "catalogitem.field_added": "目录项添加字段",
            "catalogitem.field_edited": "修改目录项字段",
            "catalogitem.field_removed": "删除目录项字段",
            "catalogitem.fields_reordered": "调整目录项字段顺序",
            "catalogitem.imported": "导入目录项",
            "catalogitem.code_table_changed": "代码表变更，目录项升版",
            "codetable.imported": "导入代码表",
            "codetable.created": "新建代码表",
            "codetable.updated": "修改代码表",
            "codetable.deleted": "删除代码表",
        },
    ),
    (
        "数据归集",
        {
            "batch.received": "接收报送批次",
            "batch.done": "报送批次处理完成",
            "batch.failed": "报送批次处理失败",
            "batch.stalled": "报送批次处理中断",
            "batch.reprocessed": "重新处理报送批次",
            "batch.feedback_downloaded": "下载报送反馈文件",
            "records.loaded": "信用记录入库",
            "legalperson.created": "新增法人主体",
            "legalperson.uscc_assigned": "补充法人统一社会信用代码",
            "naturalperson.created": "新增自然人主体",
        },
    ),
    (
        "信用记录",
        {
            "record.created": "新增信用记录",
            "record.updated": "更新信用记录",
            "record.suspended": "暂停公示信用记录",
            "record.restored": "恢复公示信用记录",
            "record.revoked": "撤销信用记录",
            "record.repaired": "信用修复后停止公示",
            "record.merged": "合并重复的信用记录",
            "record.merge_refused": "重复记录未能合并",
            "records.rekeyed": "重新识别信用记录",
            "records.expired": "信用记录到期",
            "records.publicity_recomputed": "重算信用记录公示期",
            "creditrecord.viewed": "在管理后台查看信用记录",
            "publicitypolicy.rules_saved": "保存公示期规则",
            "publicitypolicy.created": "新建公示期政策",
            "publicitypolicy.updated": "修改公示期政策",
            "publicitypolicy.deleted": "删除公示期政策",
        },
    ),
    (
        "主体查询",
        {
            "naturalperson.viewed": "查看自然人信用档案",
            "naturalperson.looked_up": "按证件号码查询自然人",
            "naturalperson.id_revealed": "查看自然人完整证件号码",
            "naturalperson.checked": "联合奖惩核查命中自然人",
        },
    ),
    (
        "联合奖惩",
        {
            "check.feedback": "反馈联合奖惩措施实施情况",
            "checks.exported": "导出联合奖惩核查记录",
            "listentries.exported": "导出红黑名单",
            "measure.created": "新增联合奖惩措施",
            "measure.updated": "修改联合奖惩措施",
            "sanctions.subscription.create": "新建名单变更推送订阅",
            "sanctions.subscription.update": "修改名单变更推送订阅",
            "sanctions.delivery.resend": "重新推送名单变更",
        },
    ),
    (
        "异议与信用修复",
        {
            "objection.submitted": "提交信用异议申请",
            "objection.accept": "受理异议（暂停公示）",
            "objection.refuse": "不予受理异议",
            "objection.assign": "异议转来源部门核实",
            "objection.reassign": "异议改派核实部门",
            "objection.verify": "提交异议核实意见",
            "objection.return": "退回异议重新核实",
            "objection.correct": "异议办结：更正信息",
            "objection.revoke": "异议办结：撤销信息",
            "objection.uphold": "异议办结：维持原信息（恢复公示）",
            "objection.withdraw": "撤回异议",
            "objection.close": "异议办结归档",
            "objection.viewed": "查看异议案件",
            "objection.attachment_read": "查看异议证明材料",
            "objection.tracking_locked": "异议查询多次核对失败，暂停查询",
            "objection.notified": "短信告知异议办理结果",
            "objections.code_sent": "发送短信验证码",
            "objections.exported": "导出异议案件",
            "repair.submitted": "提交信用修复申请",
            "repair.grant": "准予信用修复（停止公示）",
            "repair.refuse": "不予信用修复",
            "repair.viewed": "查看信用修复申请",
            "repair.attachment_read": "查看信用修复申请材料",
            "repairs.exported": "导出信用修复申请",
            "repairapplication.notified": "短信告知信用修复审核结果",
        },
    ),
    (
        "信用报告",
        {
            "report_template.saved": "保存信用报告模板（新版本）",
            "report_template.enabled": "启用信用报告模板",
            "report_template.disabled": "停用信用报告模板",
            "report_application.submitted": "提交信用报告申请",
            "report_application.materials_passed": "信用报告申请初审通过",
            "report_application.returned": "信用报告申请材料退回",
            "report_application.sent_back": "信用报告复核退回初审",
            "report_application.resubmitted": "信用报告申请补充材料后重新提交",
            "report_application.withdrawn": "申请人撤回信用报告申请",
            "report_application.previewed": "查看信用报告预览",
            "report_application.viewed": "查看信用报告申请",
            "report_application.material_read": "查看信用报告申请材料",
            "report_applications.exported": "导出信用报告申请",
            "report.issued": "出具信用报告",
            "report.revoked": "撤销信用报告",
            "report.superseded": "信用报告所载信息变更（已更新）",
            "report.downloaded": "下载信用报告",
            "report.code_locked": "提取码多次输错，暂停提取",
            "report_authorisation.granted": "授权第三方获取信用报告",
            "report_authorisation.revoked": "撤销信用报告获取授权",
        },
    ),
    (
        "政务诚信",
        {
            "integrity.archive_read": "查看公务员诚信档案",
            "integrity.archive_searched": "按身份证号查找公务员诚信档案",
            "integrity.archive_exported": "导出公务员诚信档案",
            "integrity.own_archive_viewed": "公务人员实名查看本人诚信档案",
            "integrity.honour_exported": "导出公务员红黑榜",
            "integrity.collection_opened": "下达年度归集任务",
            "integrity.record_revoked": "统一撤销政务失信记录",
            "integrity.government_record_viewed": "查看公务员政务失信记录",
            "integrity.government_exported": "导出政务失信记录",
            "integrity.revocations_exported": "导出政务失信记录撤销记录",
            "integrity.rules_imported": "导入公务员诚信评分规则",
            "integrity.ruleset_created": "发布公务员诚信评分规则新版本",
            "integrity.recomputed": "按身份证号重算公务员诚信分（命令行）",
        },
    ),
    (
        "信用承诺",
        {
            "commitment.created": "新增信用承诺（网上申报、部门或窗口录入、接口、导入、信用修复）",
            "commitment.approved": "审核通过信用承诺（公示）",
            "commitment.returned": "退回信用承诺",
            "commitment.fulfilled": "记录践诺",
            "commitment.breached": "认定违诺（生成违背信用承诺记录）",
            "commitment.suspicion_confirmed": "确认疑似违诺",
            "commitment.suspicion_dismissed": "排除疑似违诺",
            "commitment.file_read": "下载信用承诺附件",
            "commitments.exported": "导出信用承诺",
            "commitment_item.versioned": "发布承诺事项模板新版本",
            "commitment_items.imported": "导入承诺事项",
            "commitment_coverage.refreshed": "计算每日信用承诺覆盖率",
            "commitment_coverage.exported": "导出信用承诺覆盖率和未覆盖清单",
        },
    ),
    (
        "绩效考核",
        {
            "assessment.opened": "发起考核",
            "assessment.computed": "计算考核自动指标",
            "assessment.self_saved": "保存考核自评",
            "assessment.evidence_added": "上传考核佐证材料",
            "assessment.evidence_removed": "删除考核佐证材料",
            "assessment.self_submitted": "提交考核自评",
            "assessment.closed": "结束考核自评（进入评审）",
            "assessment.reviewed": "评审被考核单位",
            "assessment.published": "公布考核结果",
            "assessment.exported": "导出考核结果",
            "assessment.rows_exported": "导出考核监测值的明细记录",
            "assessment.evidence_read": "下载考核佐证材料",
            "rubric.imported": "导入考核细则",
            "rubric.copied": "复制考核细则为新版本",
            "indicator.updated": "修改考核指标",
            "quality_report.generated": "生成数据质量报告",
            "quality_report.downloaded": "下载数据质量报告",
        },
    ),
    (
        "数据交换",
        {
            "exchange.partner_created": "新建交换伙伴",
            "exchange.partner_updated": "修改交换伙伴",
            "exchange.channel_created": "新建交换通道",
            "exchange.channel_updated": "修改交换通道",
            "exchange.run": "运行数据交换",
            "exchange.resent": "重新发送交换记录",
            "exchange.loaded": "上报通道初始全量（全部现有记录放入待发送）",
        },
    ),
    (
        "实名认证",
        {
            "identity.account_created": "实名用户首次登录（建立实名账号）",
            "identity.account_updated": "实名用户信息随认证平台更新",
            "identity.login": "实名用户登录",
            "identity.logout": "实名用户退出",
            "devidp.identity_saved": "登记开发测试用实名身份",
            "devidp.client_registered": "登记开发测试用身份认证平台的接入应用",
        },
    ),
    (
        "接口与账号",
        {
            "apiclient.created": "新建接口调用方",
            "apiclient.updated": "修改接口调用方",
            "apiclient.secret_rotated": "更换接口调用方密钥",
            "apiclient.enabled": "启用接口调用方",
            "apiclient.disabled": "停用接口调用方",
            "calllog.exported": "导出接口调用记录",
            "user.created": "创建用户",
            "user.updated": "修改用户",
            "user.deleted": "删除用户",
            "user.role_changed": "变更用户角色或范围",
            "login.failed": "登录失败",
            "login.locked": "多次登录失败，账号或地址被锁定",
            "login.unlocked": "解除登录锁定",
        },
    ),
    (
        "预警与统计报表",
        {
            "warning.raised": "产生预警",
            "warning.acknowledged": "确认预警",
            "warning.closed": "关闭预警",
            "warningrule.created": "新建预警规则",
            "warningrule.updated": "修改预警规则",
            "warningrule.deactivated": "停用预警规则",
            "board.created": "新建统计报表",
            "board.saved": "保存统计报表",
            "board.moved": "移动统计报表",
            "board.published": "发布统计报表",
            "board.unpublished": "撤销发布统计报表",
            "board.copied": "复制统计报表",
            "board.deleted": "删除统计报表",
            "board.folder_added": "新建报表目录",
            "board.folder_renamed": "重命名报表目录",
            "board.folder_moved": "移动报表目录",
            "board.folder_deleted": "删除报表目录",
        },
    ),
    (
        "门户网站",
        {
            "notice.created": "新建新闻公告",
            "notice.updated": "修改新闻公告",
            "notice.published": "发布新闻公告",
            "notice.unpublished": "撤下新闻公告",
        },
    ),
    (
        "系统配置",
        {
            "region.created": "新增行政区划",
            "region.updated": "修改行政区划",
            "region.deleted": "删除行政区划",
            "department.created": "新增部门",
            "department.updated": "修改部门",
            "department.deleted": "删除部门",
            "calendarday.created": "新增工作日历调整",
            "calendarday.updated": "修改工作日历调整",
            "calendarday.deleted": "删除工作日历调整",
            "demo.seeded": "载入演示数据",
        },
    ),
    (
        "审计日志",
        {
            "auditentry.viewed": "查看涉及个人信息的审计记录",
            "auditlog.exported": "导出审计日志",
        },
    ),
)

#: Every action code → its Chinese name.
ACTION_LABELS: dict[str, str] = {
    code: label for _, group in ACTION_GROUPS for code, label in group.items()
}


def action_label(code: str) -> str:
    """The Chinese name of an action code, or the code itself when it has none."""
    return ACTION_LABELS.get(code, code)


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The action filter's choices, grouped by task, by their Chinese names."""
    return [(group, list(codes.items())) for group, codes in ACTION_GROUPS]


#: Object types that are not models (written by jobs and the demo loader).
OTHER_OBJECT_TYPES = {"demo": "演示数据"}


def object_type_label(object_type: str) -> str:
    """The Chinese name of an object type (``subjects.naturalperson`` → 自然人), from the
    model's verbose name; the type itself when it names no model."""
    if object_type in OTHER_OBJECT_TYPES:
        return OTHER_OBJECT_TYPES[object_type]
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the platform as an object type (``app.model``) with its Chinese name."""
    models = [m for m in apps.get_models() if m.__module__.startswith("credit.")]
    choices = [(m._meta.label_lower, str(m._meta.verbose_name)) for m in models]
    choices += list(OTHER_OBJECT_TYPES.items())
    return sorted(choices, key=lambda c: (c[1], c[0]))


# --- before and after as rows ------------------------------------------------------------------

#: Chinese names of the keys that before/after documents commonly hold; others show as written.
KEY_LABELS = {
    "name": "名称",
    "code": "标识",
    "status": "状态",
    "reason": "理由",
    "version": "版本",
    "type": "类型",
    "category": "分类",
    "subject_type": "主体类型",
    "update_period": "更新周期",
    "usage_scope": "信息使用范围",
    "publicity_mode": "公示方式",
    "source_departments": "来源部门",
    "natural_key": "自然键",
    "description": "说明",
    "basis": "依据",
    "sort_order": "排序",
    "is_active": "启用",
    "checks": "跨字段校验",
    "fields": "字段",
    "parent": "上级目录",
    "aliases": "别名",
    "max_length": "最大长度",
    "decimal_places": "小数位数",
    "unit": "单位",
    "required": "必填",
    "conditions": "条件必填规则",
    "code_table": "代码表",
    "multi_value": "可多值",
    "validator": "校验规则",
    "validator_args": "校验参数",
    "sensitivity": "敏感级别",
    "role": "业务含义",
    "values": "代码值",
    "source": "来源",
    "region": "区划",
    "department": "部门",
    "username": "用户名",
    "channel": "渠道",
    "record": "信用记录",
    "attachments": "附件数",
    "count": "数量",
    "rows": "行数",
    "filters": "筛选条件",
    "query": "查询条件",
    "phone": "手机号",
    "id_masked": "证件号码（脱敏）",
    "uscc": "统一社会信用代码",
    "kind": "种类",
    "message": "提示信息",
    "severity": "严重程度",
    "expect": "期望值",
    "max": "上限",
    "when": "条件",
    "then": "要求",
    "in": "取值",
    "field": "字段",
    "published": "公示",
    "title": "标题",
    "level": "级别",
    "note": "说明",
}


@dataclass(frozen=True)
class DiffRow:
    """One leaf of an entry's before/after: where (``path``, readable), the two values as
    text, and what happened to it (``kind``: added, removed, changed, same)."""

    path: str
    before: str
    after: str
    kind: str

    @property
    def kind_label(self) -> str:
        return {"added": "新增", "removed": "删除", "changed": "修改", "same": "未变"}[self.kind]


_MISSING = object()


def _text(value: Any) -> str:
    if value is _MISSING:
        return ""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return "、".join(str(v) for v in value) if value else "（空）"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value) if value != "" else "（空）"


def _key(key: str) -> str:
    return KEY_LABELS.get(key, key)


def _keyed(items: list) -> dict[str, Any] | None:
    """A list of documents each with its own ``code`` (catalog fields), keyed by it."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("code"), str) for i in items):
        return None
    codes = [i["code"] for i in items]
    return dict(zip(codes, items, strict=True)) if len(set(codes)) == len(codes) else None


def _names(value: Any, names: dict[str, str]) -> None:
    """The name of every document with a ``code`` in lists of such documents (the fields of
    an item), so that before and after label a field alike even when its name changed."""
    if isinstance(value, dict):
        for v in value.values():
            _names(v, names)
    elif isinstance(value, list):
        if _keyed(value) is not None:
            names.update((d["code"], str(d.get("name") or d["code"])) for d in value)
        for v in value:
            _names(v, names)


def _flatten(value: Any, path: str, out: dict[str, Any], names: dict[str, str]) -> None:
    if isinstance(value, dict) and value:
        for k, v in value.items():
            _flatten(v, f"{path} › {_key(k)}" if path else _key(k), out, names)
    elif isinstance(value, list) and (keyed := _keyed(value)) is not None:
        for code, doc in keyed.items():
            name = names.get(code, code)
            label = code if name == code else f"{name}（{code}）"
            _flatten(doc, f"{path} › {label}", out, names)
        out[f"{path} › 顺序"] = [d["code"] for d in value]
    else:
        out[path or "内容"] = value


def diff_rows(before: Any, after: Any) -> list[DiffRow]:
    """Before and after flattened to leaves (``字段 › 决定日期（decision_date） › 必填``),
    paired by path in the order they appear: nested objects become paths, lists of
    documents with a ``code`` (an item's fields) are paired by that code, other lists are
    compared whole."""
    names: dict[str, str] = {}
    _names(before, names)
    _names(after, names)  # the name after the change labels both sides
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if before is not None:
        _flatten(before, "", old, names)
    if after is not None:
        _flatten(after, "", new, names)
    rows = []
    for path in [*old, *(p for p in new if p not in old)]:
        b, a = old.get(path, _MISSING), new.get(path, _MISSING)
        if b is _MISSING:
            kind = "added"
        elif a is _MISSING:
            kind = "removed"
        else:
            kind = "same" if a == b else "changed"
        rows.append(DiffRow(path, _text(b), _text(a), kind))
    return rows
