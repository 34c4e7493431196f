"""``credit demo-accounts``: print the demo accounts (creating missing ones) and two USCCs
to try the joint reward/punishment check with."""

from django.core.management.base import BaseCommand

from credit.demo.accounts import check_examples, describe, ensure_demo_accounts


class Command(BaseCommand):
    help = "打印演示账号"

    def handle(self, *args, **opts):
        ensure_demo_accounts()
        self.stdout.write("\n".join([*describe(), *check_examples()]))
