from __future__ import annotations

import datetime

import pytest

from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.records.models import CreditRecord
from credit.sanctions import services

TODAY = datetime.date.today()


@pytest.fixture
def listed(legal_person):
    """A legal person on the 失信被执行人 black list (in force), with an expired entry and a
    revoked one beside it, and three measures."""
    black = CatalogItem.objects.get(code="dishonest-judgment-debtor")
    court = Department.objects.filter(region_id="320400").first()

    def entry(n, **extra):
        return CreditRecord.objects.create(
            item=black,
            legal_person=legal_person,
            department=court,
            region_id="320400",
            natural_key=f"test-entry-{legal_person.pk}-{n}",
            document_no=f"（2025）苏04执{n}号",
            payload={},
            usage_scope="public",
            decision_date=TODAY - datetime.timedelta(days=30),
            **extra,
        )

    ends = TODAY + datetime.timedelta(days=300), TODAY - datetime.timedelta(days=1)
    in_force = entry(1, valid_to=ends[0], publicity_end=ends[0])
    entry(2, valid_to=ends[1], publicity_end=ends[1])  # expired
    entry(3, status="revoked")
    measures = {
        "B-GP-01": services.save_measure(
            actor=None,
            code="B-GP-01",
            list_kind="black_list",
            text="限制参加政府采购活动",
            legal_basis="《政府采购法》第二十二条",
            scenarios=["gov_procurement", "bidding"],
        ),
        "B-SUB-01": services.save_measure(
            actor=None,
            code="B-SUB-01",
            list_kind="black_list",
            text="限制申请财政资金补助",
            legal_basis="国发〔2016〕33号",
            scenarios=["subsidy"],
            items=[black],
        ),
        "B-TAX-01": services.save_measure(
            actor=None,
            code="B-TAX-01",
            list_kind="black_list",
            text="列为重点监控对象",
            legal_basis="税收征管法",
            scenarios=["tax"],
            items=[CatalogItem.objects.get(code="major-tax-violation")],  # another list
        ),
    }
    return legal_person, in_force, measures
