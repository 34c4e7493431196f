"""The demo's commitments on a small library: every kind, every channel, one breach that is a
违背信用承诺 record on the 重点关注名单, the coverage figures above the target for 主动承诺 and
容缺受理 and below it for 告知承诺 and 信用修复型, and a second run that changes nothing."""

from __future__ import annotations

import pytest

from credit.commitments.constants import BREACH_ITEM, Channel, Kind, Status
from credit.commitments.demo import UNUSED_NOTIFY, seed_commitments
from credit.commitments.models import Commitment
from credit.commitments.selectors import coverage
from credit.demo.accounts import ensure_demo_accounts
from credit.records.models import CreditRecord
from tests.commitments.factories import make_subject

pytestmark = pytest.mark.django_db


def black_list(subject) -> None:
    """A 失信被执行人 entry in force of ``subject`` (through the records service)."""
    import datetime

    from credit.catalog.models import CatalogItem
    from credit.core.models import Department
    from credit.records.services import upsert_record

    upsert_record(
        actor=None,
        item=CatalogItem.objects.get(code="dishonest-judgment-debtor"),
        department=Department.objects.get(code="FY"),
        subject=subject,
        payload={
            "debtor_name": subject.name,
            "debtor_category": "法人及非法人组织",
            "uscc": subject.uscc,
            "case_no": f"（2026）苏04执{subject.pk}号",
            "court": "常州市中级人民法院",
            "dishonest_situation": "有履行能力而拒不履行",
            "publish_date": (datetime.date.today() - datetime.timedelta(days=20)).isoformat(),
        },
    )


def test_the_demo_has_every_kind_one_breach_and_figures_on_both_sides_of_the_targets():
    ensure_demo_accounts()
    companies = [make_subject(name=f"常州演示承诺{n}有限公司") for n in range(60)]
    for company in companies[:4]:
        black_list(company)

    made = seed_commitments(report=lambda line: None)

    assert all(made["by_kind"][kind.value] > 0 for kind in Kind)
    channels = set(Commitment.objects.values_list("channel", flat=True))
    assert {Channel.IMPORT, Channel.DEPARTMENT, Channel.HALL, Channel.API} <= channels
    [broken] = Commitment.objects.filter(status=Status.BREACHED)
    assert broken.breach_record.item.code == BREACH_ITEM
    assert broken.breach_record.item.category == "attention_list"
    assert Commitment.objects.filter(status=Status.FULFILLED).count() == 1
    figures = {f.target: f for f in coverage.compute()}
    assert figures["voluntary"].met and figures["tolerance"].met
    assert not figures["notify"].met and not figures["repair"].met
    assert figures["notify"].total - figures["notify"].covered == UNUSED_NOTIFY
    assert (figures["repair"].covered, figures["repair"].total) == (2, 4)

    count = Commitment.objects.count()
    again = seed_commitments(report=lambda line: None)
    assert Commitment.objects.count() == count and again["breached"] == 1
    assert CreditRecord.objects.filter(item__code=BREACH_ITEM).count() == 1
