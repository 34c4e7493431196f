"""Demo accounts, one per role, printed when the demo starts. Never in production."""

from __future__ import annotations

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
    ("auditor", Role.AUDITOR, "320400", None, "审计员"),
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


def describe() -> list[str]:
    lines = [f"演示账号（密码均为 {DEMO_PASSWORD}）："]
    for username, role, _region, _dept, real_name in DEMO_ACCOUNTS:
        lines.append(f"  {username:<14} {Role(role).label:<12} {real_name}")
    return lines
