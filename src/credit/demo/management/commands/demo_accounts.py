"""``credit demo-accounts``: print the demo accounts (creating missing ones), two USCCs to
try the joint reward/punishment check with, and where the portal and the objection
workbench are."""

from django.core.management.base import BaseCommand

from credit.demo.accounts import check_examples, describe, ensure_demo_accounts

PAGES = [
    "信用常州网站（公众，无需登录）：/portal/ ；异议和修复进度：/objections/track/",
    "异议处理工作台（reviewer 或 admin 登录）：/objections/manage/ ；"
    "信用修复审核：/objections/manage/repairs/",
]


class Command(BaseCommand):
    help = "打印演示账号"

    def handle(self, *args, **opts):
        ensure_demo_accounts()
        self.stdout.write("\n".join([*describe(), *check_examples(), *PAGES]))
