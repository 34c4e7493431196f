"""``credit demo-accounts``: print the demo accounts (creating missing ones)."""

from django.core.management.base import BaseCommand

from credit.demo.accounts import describe, ensure_demo_accounts


class Command(BaseCommand):
    help = "打印演示账号"

    def handle(self, *args, **opts):
        ensure_demo_accounts()
        self.stdout.write("\n".join(describe()))
