"""``credit demo-accounts``: print the demo accounts (creating missing ones), two USCCs to
try the joint reward/punishment check with, and where the portal and the objection
workbench are."""

from django.core.management.base import BaseCommand

from credit.demo.accounts import check_examples, describe, ensure_demo_accounts
from credit.identity.demo import describe as describe_people
from credit.identity.demo import seed_demo_identities

PAGES = [
    "信用常州网站（公众，无需登录）：/portal/ ；异议和修复进度：/objections/track/",
    "异议处理工作台（reviewer 或 admin 登录）：/objections/manage/ ；"
    "信用修复审核：/objections/manage/repairs/",
    "信用报告：申请审核 /reports/ ；报告模板 /reports/templates/ ；"
    "门户报告下载 /portal/reports/download/ ；报告核验 /portal/reports/verify/",
    "政务诚信：公务员诚信档案 /integrity/ （zzb 全市，scjg_hr 本单位，admin 全部）；"
    "红黑榜 /integrity/honour/ ；门户政务诚信 /portal/integrity/ ；"
    "本人档案 /portal/integrity/me/ （实名登录 official）",
]


class Command(BaseCommand):
    help = "打印演示账号"

    def handle(self, *args, **opts):
        ensure_demo_accounts()
        people = describe_people(seed_demo_identities(**_agent_company()))
        self.stdout.write("\n".join([*describe(), *check_examples(), *people, *PAGES]))


def _agent_company() -> dict[str, str]:
    """The company whose demo agent applied online for a report (so that signing in as the
    demo person ``agent`` shows it), when the demo has one."""
    from credit.reports.models import Application

    uscc = (
        Application.objects.filter(account__isnull=False, legal_person__isnull=False)
        .order_by("id")
        .values_list("legal_person__uscc", flat=True)
        .first()
    )
    return {"company_uscc": uscc} if uscc else {}
