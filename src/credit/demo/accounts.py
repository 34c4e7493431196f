"""Demo accounts, one per role, printed when the demo starts. Never in production."""

from __future__ import annotations

import datetime

from django.conf import settings

from credit.accounts.models import User
from credit.accounts.roles import Role
from credit.accounts.services import create_user
from credit.core.errors import CreditError
from credit.core.models import Department, Region

DEMO_PASSWORD = "Changzhou@2026"  # noqa: S105 — demo accounts only; refused in production

#: (username, role, region code, department code, real name)
DEMO_ACCOUNTS = [
    ("admin", Role.CITY_ADMIN, "320400", "FGW", "市信用办管理员"),
    ("reviewer", Role.CITY_REVIEWER, "320400", "FGW", "市信用办审核员"),
    ("scjg", Role.DEPT_OFFICER, "320400", "SCJG", "市场监管局报送员"),
    ("tianning", Role.DISTRICT_ADMIN, "320402", "TNQ-FG", "天宁区管理员"),
    ("tianning_scjg", Role.DEPT_OFFICER, "320402", "TNQ-SCJG", "天宁区市场监管局报送员"),
    ("jwjw", Role.DEPT_OFFICER, "320400", "JWJW", "纪委监委报送员"),
    ("zzb", Role.ORG_HR, "320400", "ZZB", "市委组织部干部监督处"),
    ("scjg_hr", Role.ORG_HR, "320400", "SCJG", "市场监管局人事处"),
    ("auditor", Role.AUDITOR, "320400", None, "审计员"),
    ("leader", Role.LEADER, "320400", None, "市领导"),
]


def ensure_demo_accounts() -> int:
    """Create the missing demo accounts; returns how many were created."""
    if settings.PRODUCTION:
        raise CreditError("生产环境不创建演示账号", code="demo_in_production")
    created = 0
    for username, role, region, dept, real_name in DEMO_ACCOUNTS:
        if User.objects.filter(username=username).exists():
            continue
        create_user(
            actor=None,
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            region=Region.objects.get(code=region),
            department=Department.objects.get(code=dept) if dept else None,
            real_name=real_name,
        )
        created += 1
    return created


#: (name, kind, department, scopes, departments it is granted to report for): a department's
#: system, a district platform reporting for a district bureau (the credit office's grant,
#: shown on the client's page) and a bank that sees public data only.
DEMO_CLIENTS = [
    (
        "市场监管局审批系统",
        "department",
        "SCJG",
        ["subjects:read", "sanctions:check", "ingest:push"],
        [],
    ),
    (
        "天宁区公共信用信息平台",
        "department",
        "TNQ-FG",
        ["ingest:push", "catalog:read"],
        ["TNQ-SCJG"],
    ),
    ("某商业银行信贷审批系统", "third_party", None, ["subjects:read", "sanctions:check"], []),
]


def ensure_demo_clients() -> int:
    """Register the missing demo API clients (from loopback only); returns how many. Their
    secrets are not kept: the credit office rotates one on ``/gateway/clients/`` to try it."""
    from credit.gateway.models import ApiClient
    from credit.gateway.services import create_client

    if settings.PRODUCTION:
        raise CreditError("生产环境不创建演示接口调用方", code="demo_in_production")
    created = 0
    for name, kind, dept, scopes, report_for in DEMO_CLIENTS:
        if ApiClient.objects.filter(name=name).exists():
            continue
        create_client(
            actor=None,
            name=name,
            kind=kind,
            department=Department.objects.get(code=dept) if dept else None,
            ips=["127.0.0.1/32"],
            scopes=scopes,
            report_for=Department.objects.filter(code__in=report_for),
            contact="演示数据",
        )
        created += 1
    return created


def describe() -> list[str]:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for username, role, _region, _dept, real_name in DEMO_ACCOUNTS:
        lines.append(f"  {username:<14} {Role(role).label:<12} {real_name}")
    return lines


def check_examples(today: datetime.date | None = None) -> list[str]:
    """Two USCCs to try the joint reward/punishment check with in the demo: a legal person
    with a black-list entry in force (preferably 失信被执行人) and one on no list at all.
    Empty before the demo data is loaded."""
    from django.db.models import Exists, OuterRef, Q

    from credit.catalog.constants import Category
    from credit.records.constants import RecordStatus
    from credit.records.models import CreditRecord
    from credit.subjects.models import LegalPerson

    today = today or datetime.date.today()
    lists = (Category.RED_LIST, Category.BLACK_LIST, Category.ATTENTION_LIST)
    in_force = (
        CreditRecord.objects.filter(
            item__category=Category.BLACK_LIST,
            status=RecordStatus.ACTIVE,
            legal_person__uscc__isnull=False,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .filter(Q(valid_from__isnull=True) | Q(valid_from__lte=today))
    )
    listed = None
    companies = in_force.filter(legal_person__org_type="91")  # 企业, rather than an agency
    for records in (companies.filter(item__code="dishonest-judgment-debtor"), companies, in_force):
        listed = (
            records.select_related("legal_person", "item").order_by("legal_person__uscc").first()
        )
        if listed is not None:
            break
    on_a_list = CreditRecord.objects.filter(legal_person=OuterRef("pk"), item__category__in=lists)
    clean = (
        LegalPerson.objects.filter(uscc__isnull=False, status="active", org_type="91")
        .exclude(Exists(on_a_list))
        .order_by("uscc")
        .first()
    )
    if listed is None or clean is None:
        return []
    lp = listed.legal_person
    return [
        "联合奖惩核查（/sanctions/check/）可试：",
        f"  {lp.uscc}  {lp.name}（{listed.item.name}）",
        f"  {clean.uscc}  {clean.name}（无名单记录）",
    ]
