"""The demo's objections and repair application: a case in every stage, made once, through
the workflow services (in this test's transaction)."""

from __future__ import annotations

import datetime

import pytest

from credit.demo.accounts import ensure_demo_accounts
from credit.demo.workflows import seed_workflows
from credit.objections.models import Objection, RepairApplication
from credit.records.publicity import add_months
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db


def test_the_workbench_gets_a_case_in_every_stage_once(legal_person, uscc_factory):
    from credit.subjects.services import register_legal_person

    ensure_demo_accounts()
    for n in range(3):
        subject, _ = register_legal_person(
            actor=None, uscc=uscc_factory(), name=f"常州市演示异议{n}有限公司"
        )
        penalty(subject, "SCJG", f"常市监罚〔2026〕90{n}号")
    # Decided over three months ago: a 一般 penalty past its minimum period, repairable.
    decided = datetime.date.today() - datetime.timedelta(days=120)
    penalty(
        legal_person,
        "SCJG",
        "常市监罚〔2026〕910号",
        decision_date=decided.isoformat(),
        valid_to=add_months(decided, 6).isoformat(),
        publicity_end=add_months(decided, 12).isoformat(),
        penalty_category="罚款",
        fine_amount="0.5",
        severity="一般",
    )

    assert seed_workflows() == {"objections": 3, "repairs": 1}
    assert set(Objection.objects.values_list("status", flat=True)) == {
        "submitted",
        "verifying",
        "upheld",
    }
    assert Objection.objects.get(status="verifying").record.status == "suspended"
    assert Objection.objects.get(status="upheld").record.status == "active"
    application = RepairApplication.objects.get()
    assert application.record.legal_person == legal_person
    assert application.attachments.count() == 2
    assert seed_workflows() == {"objections": 0, "repairs": 0}
