"""The staff workbench (工作台): the home page after login."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from credit.core.access import PERM_LABELS, Perm, data_scope, perms_of


def _links(request: HttpRequest) -> list[dict]:
    """What the signed-in user may do, as links (only those the role allows): each link needs
    any one of its permissions (none: everyone), and the admin's pages a staff account."""
    perms = perms_of(request.user)
    # A department's own officers reach its quality page (the ranking is the reviewers').
    own_department = None
    if Perm.RECORD_VIEW in perms and Perm.RECORD_REVIEW not in perms:
        own_department = data_scope(request.user)["department"]
        own_department = None if own_department in (None, "-") else own_department
    links = [
        (
            {Perm.CATALOG_VIEW},
            False,
            "信用信息资源目录",
            reverse("catalog:list"),
            "查看目录项、字段规格，下载报送模板",
        ),
        (
            {Perm.SUBJECT_VIEW},
            False,
            "信用主体查询",
            reverse("subjects:search"),
            "按统一社会信用代码、名称或身份证号查询法人和自然人档案",
        ),
        (
            {Perm.RECORD_SUBMIT},
            False,
            "数据报送",
            reverse("ingest:upload"),
            "上传报送文件，查看回执和逐行反馈",
        ),
        (
            {Perm.RECORD_VIEW},
            False,
            "报送批次",
            reverse("ingest:batches"),
            "查看报送批次的回执、退回原因和反馈文件",
        ),
        (
            {Perm.RECORD_REVIEW},
            False,
            "数据质量排名",
            reverse("ingest:quality"),
            "各部门报送数据的准确性、完整性、及时性排名",
        ),
        *(
            [
                (
                    {Perm.RECORD_VIEW},
                    False,
                    "本部门数据质量",
                    reverse("ingest:quality_department", args=[own_department]),
                    "本部门报送数据的准确性、完整性、及时性，退回最多的问题和改进方法",
                )
            ]
            if own_department
            else []
        ),
        (
            {Perm.SANCTIONS_CHECK},
            False,
            "联合奖惩核查",
            reverse("sanctions:check"),
            "按主体代码查询红黑名单和应实施的奖惩措施，打印核查证明",
        ),
        (
            {Perm.SANCTIONS_CHECK},
            False,
            "核查记录",
            reverse("sanctions:checks"),
            "本部门（辖区）的核查记录，逐项反馈措施实施情况，导出 Excel",
        ),
        (
            {Perm.CATALOG_VIEW},
            False,
            "联合奖惩措施清单",
            reverse("sanctions:measures"),
            "各类名单的激励和惩戒措施、依据和应用场景（管理员可维护）",
        ),
        (
            {Perm.RECORD_VIEW},
            False,
            "名单管理",
            reverse("sanctions:lists"),
            "红名单、黑名单和重点关注名单的记录、统计和导出",
        ),
        (
            {Perm.API_CLIENT_MANAGE},
            False,
            "名单推送",
            reverse("push:subscriptions"),
            "部门和辖市区订阅名单变更的推送地址，查看推送记录、重新推送",
        ),
        (
            {Perm.CATALOG_MANAGE},
            True,
            "维护目录",
            reverse("admin:catalog_catalogitem_changelist"),
            "在管理后台编辑目录项和字段规格",
        ),
        (
            {Perm.USER_MANAGE},
            False,
            "用户管理",
            reverse("accounts:users"),
            "创建用户、分配角色（辖市区管理员：本辖市区的部门用户）",
        ),
        (
            {Perm.AUDIT_VIEW},
            True,
            "审计日志",
            reverse("admin:core_auditentry_changelist"),
            "查看所有变更与个人信息查询记录",
        ),
        (
            {Perm.OBJECTION_HANDLE, Perm.OBJECTION_VERIFY},
            False,
            "异议处理",
            reverse("objections:manage"),
            "受理、分派、核实和办结信用异议，查看办理时限和超期提醒，导出",
        ),
        (
            {Perm.OBJECTION_HANDLE},
            False,
            "窗口异议登记",
            reverse("objections:offline_new"),
            "登记信用服务大厅收到的线下异议申请",
        ),
        (
            {Perm.REPAIR_REVIEW},
            False,
            "信用修复审核",
            reverse("objections:repairs"),
            "审核信用修复申请，准予修复后终止公示",
        ),
        (
            {Perm.OBJECTION_HANDLE, Perm.REPAIR_REVIEW},
            False,
            "异议和修复统计",
            reverse("objections:stats"),
            "按部门和月份统计异议和信用修复，导出 Excel",
        ),
        (
            {Perm.PORTAL_MANAGE},
            False,
            "门户新闻和公告",
            reverse("portal:manage_notices"),
            "发布和维护“信用常州”网站的新闻动态、政策法规和通知公告",
        ),
        (
            {Perm.API_CLIENT_MANAGE},
            False,
            "接口调用方",
            reverse("gateway:clients"),
            "登记部门业务系统和第三方机构，授权接口，更换密钥，停用",
        ),
        (
            {Perm.API_CLIENT_MANAGE, Perm.AUDIT_VIEW},
            False,
            "接口调用统计",
            reverse("gateway:stats"),
            "按调用方、部门和日期统计接口调用次数、错误和耗时，查看和导出调用明细",
        ),
        (None, False, "接口文档", "/api/v1/docs", "OpenAPI 接口说明，供部门系统对接"),
        (
            None,
            False,
            "信用常州网站",
            reverse("portal:home"),
            "面向社会公众的信用信息查询和公示网站（只显示公示期内的公开信息）",
        ),
    ]
    return [
        {"title": t, "url": u, "help": h}
        for needs, staff_only, t, u, h in links
        if (needs is None or perms & needs) and (not staff_only or request.user.is_staff)
    ]


def home(request: HttpRequest) -> HttpResponse:
    """The staff workbench; the public (not signed in) is sent to the 信用常州 portal."""
    if not request.user.is_authenticated:
        return redirect("portal:home")
    user = request.user
    scope = data_scope(user)
    return render(
        request,
        "dashboard/workbench.html",
        {
            "links": _links(request),
            "perm_labels": [PERM_LABELS[p] for p in Perm if p in perms_of(user)],
            "scope": scope,
        },
    )
