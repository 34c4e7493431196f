"""The staff site's navigation (导航): one menu for the user's role, grouped by task, and the
breadcrumb (当前位置) of every staff page.

The menu is data — :data:`MENU`, rows of (group, label, URL name, permissions, help) — so
that every page, the workbench's task list and the tests read the same table. A row is shown
to a principal holding any one of its permissions, and only when its URL name resolves: a page
that is not installed is left out rather than breaking every page.

The breadcrumb is resolved from the request's URL: ``工作台 › <group> › <menu entry>``, where
the entry is the row of the page itself or, for a page not in the menu (a batch, a case, a
form), the row whose address is the longest prefix of the page's, else the first row of the
page's URL namespace — among the rows the user may open. A template adds the page's own title
as the last step with ``{% block crumb %}``.

The kernel imports no app: the rows name URLs and :class:`~credit.core.access.Perm` only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject

from credit.core.access import Perm, Principal, principal_of

#: The task groups, in menu order: key (the workbench's anchor) → label.
GROUPS: dict[str, str] = {
    "reporting": "数据报送",
    "lists": "名单管理",
    "objections": "异议修复",
    "reports": "报告",
    "integrity": "政务诚信",
    "commitments": "信用承诺",
    "assessment": "绩效考核",
    "exchange": "数据交换",
    "analysis": "统计分析",
    "system": "系统管理",
}


@dataclass(frozen=True)
class Entry:
    """One row of the menu.

    - ``perms``: any one of them opens the page (none: every signed-in member of staff);
    - ``staff_only``: a page of the Django admin, for accounts allowed into it as well;
    - ``own_department``: the page of the principal's own department (its code is the URL's
      ``code``), shown only to a principal limited to its department.
    """

    group: str
    label: str
    url_name: str
    perms: tuple[Perm, ...]
    help: str
    staff_only: bool = False
    own_department: bool = False


P = Perm
MENU: tuple[Entry, ...] = (
    # 数据报送
    Entry("reporting", "数据报送", "ingest:upload", (P.RECORD_SUBMIT,),
          "上传报送文件，查看回执和逐行反馈"),
    Entry("reporting", "报送批次", "ingest:batches", (P.RECORD_VIEW,),
          "报送批次的回执、退回原因和反馈文件"),
    Entry("reporting", "本部门数据质量", "ingest:quality_department", (P.RECORD_VIEW,),
          "本部门报送数据的准确性、完整性、及时性，退回最多的问题和改进方法",
          own_department=True),
    Entry("reporting", "信用信息资源目录", "catalog:list", (P.CATALOG_VIEW,),
          "目录项、字段规格，下载报送模板"),
    Entry("reporting", "接口文档", "api-1:openapi-view", (P.RECORD_SUBMIT, P.API_CLIENT_MANAGE),
          "OpenAPI 接口说明，供部门业务系统对接报送"),
    # 名单管理
    Entry("lists", "名单管理", "sanctions:lists", (P.RECORD_VIEW,),
          "红名单、黑名单和重点关注名单的记录、统计和导出"),
    Entry("lists", "联合奖惩核查", "sanctions:check", (P.SANCTIONS_CHECK,),
          "按主体代码查询红黑名单和应实施的奖惩措施，打印核查证明"),
    Entry("lists", "核查记录", "sanctions:checks", (P.SANCTIONS_CHECK,),
          "本部门（辖区）的核查记录，逐项反馈措施实施情况"),
    Entry("lists", "联合奖惩措施清单", "sanctions:measures", (P.SANCTIONS_CHECK, P.CATALOG_VIEW),
          "各类名单的激励和惩戒措施、依据和应用场景"),
    Entry("lists", "名单推送订阅", "push:subscriptions", (P.API_CLIENT_MANAGE,),
          "部门和辖市区订阅名单变更的推送地址"),
    Entry("lists", "推送记录", "push:deliveries", (P.API_CLIENT_MANAGE,),
          "名单变更的推送结果，失败的重新推送"),
    # 异议修复
    Entry("objections", "异议办理", "objections:manage",
          (P.OBJECTION_HANDLE, P.OBJECTION_VERIFY),
          "受理、分派、核实和办结信用异议，办理时限和超期提醒"),
    Entry("objections", "窗口异议登记", "objections:offline_new", (P.OBJECTION_HANDLE,),
          "登记信用服务大厅收到的线下异议申请"),
    Entry("objections", "信用修复审核", "objections:repairs", (P.REPAIR_REVIEW,),
          "审核信用修复申请，准予修复后终止公示"),
    # 报告
    Entry("reports", "信用主体查询", "subjects:search", (P.SUBJECT_VIEW,),
          "按统一社会信用代码、名称或身份证号查询法人和自然人信用档案"),
    Entry("reports", "统计报表", "boards:catalogue", (P.DASHBOARD_VIEW,),
          "报表目录中已发布的统计报表，导出 Excel"),
    Entry("reports", "信用报告申请", "reports:applications", (P.REPORT_VIEW,),
          "初审、复核并签发信用报告，办理时限和超期提醒"),
    Entry("reports", "报告模板", "reports:templates", (P.REPORT_VIEW,),
          "勾选章节、目录项和字段设计报告模板，即时预览，版本历史"),
    Entry("reports", "报告统计", "reports:stats", (P.REPORT_VIEW,),
          "按状态、渠道统计信用报告申请，按月统计出具的报告"),
    Entry("reports", "窗口代为申请", "reports:hall", (P.REPORT_ENTER,),
          "为到窗口的企业、个人或本部门登记信用报告申请，打印受理回执"),
    # 政务诚信
    Entry("integrity", "公务员诚信档案", "integrity:index", (P.INTEGRITY_VIEW,),
          "本单位（本辖区）公务员的诚信档案、诚信分和等级分布，按身份证号查找"),
    Entry("integrity", "评分规则", "integrity:rules", (P.INTEGRITY_VIEW, P.INTEGRITY_MANAGE),
          "公务员诚信计分规则的版本、分值和计分期限，红黑榜规则"),
    Entry("integrity", "红黑榜", "integrity:honour", (P.INTEGRITY_VIEW,),
          "公务员诚信红榜、黑榜（按施行中的规则生成），导出 Excel"),
    Entry("integrity", "政务失信记录", "integrity:government",
          (P.INTEGRITY_VIEW, P.INTEGRITY_MANAGE),
          "政府机构和公务员的政务失信记录，统一撤销"),
    Entry("integrity", "撤销记录", "integrity:revocations",
          (P.INTEGRITY_VIEW, P.INTEGRITY_MANAGE),
          "已撤销的政务失信记录及其向省平台上报的状态"),
    Entry("integrity", "年度归集任务", "integrity:collection",
          (P.INTEGRITY_VIEW, P.INTEGRITY_MANAGE, P.RECORD_SUBMIT),
          "每年2月公务员考核结果等信息的归集任务、截止日期和报送情况"),
    # 信用承诺
    Entry("commitments", "信用承诺", "commitments:index", (P.COMMITMENT_VIEW,),
          "本部门（本辖区）的信用承诺，审核、践诺和违诺，导出 Excel"),
    Entry("commitments", "录入承诺", "commitments:new", (P.COMMITMENT_ENTER,),
          "部门或服务窗口为企业、个人录入信用承诺并上传承诺书"),
    Entry("commitments", "疑似违诺", "commitments:suspicions", (P.COMMITMENT_VIEW,),
          "承诺人在承诺领域受到行政处罚，核实后确认违诺或排除"),
    Entry("commitments", "承诺事项", "commitments:items", (P.COMMITMENT_VIEW, P.COMMITMENT_MANAGE),
          "四类承诺事项、承诺书模板、依据和版本"),
    Entry("commitments", "承诺覆盖率", "commitments:coverage", (P.COMMITMENT_VIEW,),
          "示范城市承诺覆盖率指标的完成情况和未覆盖清单"),
    # 绩效考核
    Entry("assessment", "考核结果", "assessment:index", (P.ASSESSMENT_VIEW,),
          "各部门、各辖市区的季度和年度考核：自动计分、自评、评审、排名和公示"),
    Entry("assessment", "数据质量报告", "assessment:quality", (P.ASSESSMENT_VIEW,),
          "每月的部门、辖市区和全市数据质量报告（PDF、Excel）"),
    Entry("assessment", "考核细则", "assessment:rubrics", (P.ASSESSMENT_VIEW,),
          "每年的考核指标、加分扣分项、监测点和计分方式"),
    Entry("assessment", "监测指标", "assessment:metrics", (P.ASSESSMENT_VIEW,),
          "平台自动计算的指标的定义和计算方法"),
    Entry("assessment", "自评检查", "assessment:self_check", (P.ASSESSMENT_MANAGE,),
          "辖市区按自己配置的参数检查本辖区的数据归集、报送和公示"),
    # 数据交换
    Entry("exchange", "交换作业", "exchange:jobs", (P.EXCHANGE_VIEW,),
          "与省平台、辖市区和部门的交换通道：下次运行、上次结果、数据量，手动运行"),
    Entry("exchange", "交换伙伴", "exchange:partners", (P.EXCHANGE_VIEW,),
          "中间库、数据文件和接口伙伴，通道配置，按周期对账和重发"),
    # 统计分析
    Entry("analysis", "信用监管一张图", "dashboard:index", (P.DASHBOARD_VIEW,),
          "全市（本辖区、本部门）信用数据的地图、归集、主体、状况和应用"),
    Entry("analysis", "大屏", "dashboard:screen", (P.DASHBOARD_VIEW,),
          "信用监管一张图的大屏展示（1920×1080，自动刷新）"),
    Entry("analysis", "预警", "alerts:list", (P.WARNING_VIEW,),
          "按预警规则发现的异常，确认和关闭"),
    Entry("analysis", "预警规则", "alerts:rules", (P.WARNING_VIEW,),
          "预警的指标、对象、阈值和周期（市信用办维护）"),
    Entry("analysis", "数据质量排名", "ingest:quality", (P.RECORD_REVIEW,),
          "各部门报送数据的准确性、完整性、及时性排名"),
    Entry("analysis", "异议和修复统计", "objections:stats",
          (P.OBJECTION_HANDLE, P.REPAIR_REVIEW),
          "按部门和月份统计异议和信用修复"),
    Entry("analysis", "接口调用统计", "gateway:stats", (P.API_CLIENT_MANAGE, P.AUDIT_VIEW),
          "按调用方、部门和日期统计接口调用次数、错误和耗时"),
    # 系统管理
    Entry("system", "用户管理", "accounts:users", (P.USER_MANAGE,),
          "创建用户、分配角色，解除登录锁定"),
    Entry("system", "新增目录项", "catalog:item_create", (P.CATALOG_MANAGE,),
          "新增信用信息资源目录项；已有目录项和字段在目录中打开该项后编辑"),
    Entry("system", "审计日志", "core:audit", (P.AUDIT_VIEW,),
          "所有变更与个人信息查询记录，按操作人、操作、对象和日期查询"),
    Entry("system", "报表设计", "boards:designer", (P.DASHBOARD_DESIGN,),
          "组合数据集和图表，发布统计报表"),
    Entry("system", "接口调用方", "gateway:clients", (P.API_CLIENT_MANAGE,),
          "登记部门业务系统和第三方机构，授权接口，更换密钥"),
    Entry("system", "接口调用明细", "gateway:calls", (P.API_CLIENT_MANAGE, P.AUDIT_VIEW),
          "每一次接口调用的调用方、结果和耗时"),
    Entry("system", "门户新闻和公告", "portal:manage_notices", (P.PORTAL_MANAGE,),
          "发布和维护“信用常州”网站的新闻动态、政策法规和通知公告"),
    Entry("system", "管理后台", "admin:index", (P.CATALOG_MANAGE, P.AUDIT_VIEW, P.CONFIG_MANAGE),
          "区划、部门等配置数据（供系统管理员使用）", staff_only=True),
)  # fmt: skip

HOME_LABEL = "工作台"


@dataclass
class Link:
    """A menu entry as one user sees it."""

    entry: Entry
    url: str
    current: bool = False

    @property
    def label(self) -> str:
        return self.entry.label

    @property
    def help(self) -> str:
        return self.entry.help

    @property
    def url_name(self) -> str:
        return self.entry.url_name


@dataclass
class Group:
    key: str
    label: str
    links: list[Link] = field(default_factory=list)
    current: bool = False

    @property
    def anchor(self) -> str:
        return f"nav-{self.key}"


@dataclass
class Crumb:
    label: str
    url: str | None = None


def _own_department_code(principal: Principal) -> str | None:
    """The code of the department a department-limited principal acts for."""
    from credit.core.models import Department

    if principal.departments is None or principal.department_id is None:
        return None
    return (
        Department.objects.filter(pk=principal.department_id).values_list("code", flat=True).first()
    )


def _may_open(entry: Entry, principal: Principal, is_staff: bool) -> bool:
    if entry.perms and not principal.has_any(entry.perms):
        return False
    if entry.staff_only and not is_staff:
        return False
    return not entry.own_department or principal.departments is not None


def links_for(actor: Any, *, is_staff: bool = False, entries: Iterable[Entry] = MENU) -> list[Link]:
    """The menu entries ``actor`` may open, in menu order, with their addresses (entries
    whose URL name does not resolve are left out)."""
    principal = principal_of(actor)
    if not principal.is_authenticated:
        return []
    links: list[Link] = []
    department: str | None = None
    for entry in entries:
        if not _may_open(entry, principal, is_staff):
            continue
        kwargs: dict[str, str] = {}
        if entry.own_department:
            department = department or _own_department_code(principal)
            if not department:
                continue
            kwargs = {"code": department}
        try:
            url = reverse(entry.url_name, kwargs=kwargs or None)
        except NoReverseMatch:
            continue
        links.append(Link(entry=entry, url=url))
    return links


def menu_for(actor: Any, *, is_staff: bool = False) -> list[Group]:
    """The menu of ``actor``: the task groups that hold an entry it may open."""
    return _group(links_for(actor, is_staff=is_staff))


def _group(links: list[Link]) -> list[Group]:
    groups = {key: Group(key, label) for key, label in GROUPS.items()}
    for link in links:
        groups[link.entry.group].links.append(link)
    return [g for g in groups.values() if g.links]


def current_link(links: list[Link], path: str, view_name: str | None) -> Link | None:
    """The entry a page belongs to: its own (same address), else the entry whose address is
    the longest prefix of the page's, else the first entry of the page's URL namespace."""
    for link in links:
        if link.url == path:
            return link
    prefixed = [link for link in links if link.url != "/" and path.startswith(link.url)]
    if prefixed:
        return max(prefixed, key=lambda link: len(link.url))
    namespace = view_name.rpartition(":")[0] if view_name else ""
    if namespace:
        for link in links:
            if link.url_name.rpartition(":")[0] == namespace:
                return link
    return None


@dataclass
class Navigation:
    """What the staff layout shows: the menu and the breadcrumb of the current page."""

    groups: list[Group]
    crumbs: list[Crumb]
    current: Link | None
    is_home: bool

    @property
    def links(self) -> list[Link]:
        return [link for group in self.groups for link in group.links]


def navigation_for(request: HttpRequest) -> Navigation:
    """The menu and breadcrumb of ``request``'s user on ``request``'s page."""
    user = getattr(request, "user", None)
    links = links_for(user, is_staff=bool(getattr(user, "is_staff", False)))
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match else None
    is_home = view_name == "home"
    current = None if is_home else current_link(links, request.path, view_name)
    groups = _group(links)
    crumbs = [] if is_home else [Crumb(HOME_LABEL, reverse("home"))]
    if current is not None:
        current.current = True
        group = next(g for g in groups if g.key == current.entry.group)
        group.current = True
        crumbs.append(Crumb(group.label, f"{reverse('home')}#{group.anchor}"))
        on_entry = current.url == request.path
        crumbs.append(Crumb(current.label, None if on_entry else current.url))
    return Navigation(groups=groups, crumbs=crumbs, current=current, is_home=is_home)


def navigation(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``site_nav``, the menu and breadcrumb, built only when a template
    reads it (pages of signed-in users)."""
    return {"site_nav": SimpleLazyObject(lambda: navigation_for(request))}
