"""The demo's credit commitments (``credit seed-demo``): commitments of every kind through every
channel, one breach, one suspected breach, and coverage figures below and above the targets.

- 主动承诺: the market-supervision bureau imports, as an Excel batch would arrive through the
  ingest pipeline, the 市场主体信用承诺 of 93 % of the operating companies (above the 90 %
  target); 行业自律: a few dozen more;
- 告知承诺: 17 of the 19 证照分离 items used (below 100 %, the two unused listed on the page);
- 容缺受理: each of the approval items used (100 %);
- 信用修复型: half of the operating black-listed companies (below 100 %);
- one commitment broken (a 违背信用承诺 record on the 重点关注名单), one fulfilled, one returned,
  and, when the demo's real-name company agent exists, one signed online waiting for review.

Idempotent: a second run finds the imported rows unchanged and the commitments already there.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import Exists, OuterRef

#: Share of the operating companies that signed the 市场主体信用承诺 (above the 90 % target).
VOLUNTARY_SHARE = 0.93
#: 告知承诺 items left unused (below the 100 % target).
UNUSED_NOTIFY = 2


def seed_commitments(*, report: Callable[[str], None] = print) -> dict[str, Any]:
    """Load the demo's commitments (see the module's docstring); returns counts."""
    from credit.accounts.models import User
    from credit.commitments.constants import IMPORT_ITEM, IN_FORCE, Channel, Kind, Status
    from credit.commitments.models import Commitment, CommitmentItem
    from credit.commitments.services import commitments, coverage, imports, items
    from credit.ingest.pipeline import ingest_payloads
    from credit.records.models import CreditRecord
    from credit.records.publicity import public_q
    from credit.subjects.constants import LegalPersonStatus
    from credit.subjects.models import LegalPerson

    items.import_items()
    admin = User.objects.filter(username="admin").first()
    if admin is None or not LegalPerson.objects.exists():
        return {}
    today = datetime.date.today()
    operating = list(
        LegalPerson.objects.filter(status=LegalPersonStatus.ACTIVE).order_by("pk")[:100_000]
    )
    by_kind = {
        kind: list(CommitmentItem.objects.filter(kind=kind, is_active=True).order_by("code"))
        for kind in Kind
    }

    # 主动承诺: an import batch of the market-supervision bureau, through the ingest pipeline.
    voluntary = by_kind[Kind.VOLUNTARY][0]
    signed = operating[: int(len(operating) * VOLUNTARY_SHARE)]
    rows = [
        {
            "subject_name": lp.name,
            "subject_category": "法人及非法人组织",
            "uscc": lp.uscc,
            "item_code": voluntary.code,
            "item_name": voluntary.name,
            "committed_on": (today - datetime.timedelta(days=30 + n % 300)).isoformat(),
            "signer": "法定代表人",
        }
        for n, lp in enumerate(signed)
    ]
    batch = ingest_payloads(
        actor=None,
        rows=rows,
        item_code=IMPORT_ITEM,
        department_code=voluntary.department.code,
    )
    imported_ids = list(
        CreditRecord.objects.filter(item__code=IMPORT_ITEM).values_list("pk", flat=True)
    )
    imported = imports.import_records(imported_ids)

    def enter(item, subject, days: int, channel=Channel.DEPARTMENT):
        committed_on = today - datetime.timedelta(days=days)
        if channel == Channel.API:  # a department's system pushing it
            return commitments.record_via_api(
                actor=admin,
                subject_code=subject.uscc,
                item_code=item.code,
                committed_on=committed_on,
                signer_name="经办人",
            )
        return commitments.enter(
            actor=admin,
            item=item,
            subject=subject,
            committed_on=committed_on,
            signer_name="经办人",
            channel=channel,
        )

    def once(item, subject, days: int, channel=Channel.DEPARTMENT):
        found = Commitment.objects.filter(item=item, legal_person=subject).first()
        return found or enter(item, subject, days, channel)

    # 行业自律 (two associations' members), 告知承诺 (all but two items), 容缺受理 (every item).
    members = max(1, min(40, len(operating) // 10))
    for n, item in enumerate(by_kind[Kind.INDUSTRY]):
        for lp in operating[n * members : (n + 1) * members]:
            once(item, lp, 60 + n)
    notify = by_kind[Kind.NOTIFY]
    for n, item in enumerate(notify[: len(notify) - UNUSED_NOTIFY]):
        company = operating[(100 + n) % len(operating)]
        once(item, company, 20 + n, Channel.HALL if n % 2 else Channel.DEPARTMENT)
    for n, item in enumerate(by_kind[Kind.TOLERANCE]):
        once(item, operating[(200 + n) % len(operating)], 10 + n, Channel.API)

    # 信用修复型: half of the operating companies with a black-list record in force.
    blacklisted = list(
        LegalPerson.objects.filter(status=LegalPersonStatus.ACTIVE)
        .filter(
            Exists(
                CreditRecord.objects.filter(
                    public_q(), legal_person=OuterRef("pk"), item__category="black_list"
                )
            )
        )
        .order_by("pk")
    )
    repair_item = by_kind[Kind.REPAIR][0]
    for lp in blacklisted[: len(blacklisted) // 2]:
        once(repair_item, lp, 15)

    # One fulfilled, one broken, one returned, one waiting online.
    industry = Commitment.objects.filter(kind=Kind.INDUSTRY, status__in=IN_FORCE).order_by("pk")
    breached = Commitment.objects.filter(status=Status.BREACHED).count()
    if not Commitment.objects.filter(status=Status.FULFILLED).exists() and industry.exists():
        commitments.fulfil(actor=admin, commitment=industry.first(), note="年度检查践诺")
    target = industry.filter(status=Status.PUBLISHED).last()
    if not breached and target is not None:
        commitments.breach(
            actor=admin,
            commitment=target,
            facts="承诺不使用过期原料，经抽检发现使用超过保质期的食品原料",
        )
        breached = 1
    _online(report)
    coverage.refresh()
    counts = {
        "import_batch": batch.pk,
        "imported": imported,
        "commitments": Commitment.objects.count(),
        "breached": breached,
        "by_kind": {kind.value: Commitment.objects.filter(kind=kind).count() for kind in Kind},
    }
    report(
        "信用承诺：{n} 条（主动 {v}、行业自律 {i}、告知承诺 {g}、容缺受理 {t}、信用修复 {r}），"
        "违诺 {b} 条".format(
            n=counts["commitments"],
            v=counts["by_kind"]["voluntary"],
            i=counts["by_kind"]["industry"],
            g=counts["by_kind"]["notify"],
            t=counts["by_kind"]["tolerance"],
            r=counts["by_kind"]["repair"],
            b=breached,
        )
    )
    return counts


def _online(report: Callable[[str], None]) -> None:
    """A commitment the demo's real-name company agent signed online (waiting for review),
    and one returned to them — when that agent exists (the credit-report demo made them)."""
    from credit.commitments.constants import Channel, Kind, Status
    from credit.commitments.models import Commitment, CommitmentItem
    from credit.commitments.services import commitments
    from credit.identity.models import PublicAccount
    from credit.objections.uploads import Upload

    account = PublicAccount.objects.exclude(uscc="").order_by("pk").first()
    if account is None or Commitment.objects.filter(channel=Channel.PORTAL).exists():
        return
    letter = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    items = list(CommitmentItem.objects.filter(kind=Kind.INDUSTRY).order_by("code")[:2])
    made = []
    for item in items:
        made.append(
            commitments.submit_online(
                account=account,
                item=item,
                agreed=True,
                signer_name="周经办",
                files=[Upload("信用承诺书.pdf", letter, "letter")],
            )
        )
    if len(made) == 2:
        from credit.accounts.models import User

        admin = User.objects.get(username="admin")
        commitments.review(
            actor=admin,
            commitment=made[1],
            approve=False,
            reason="承诺书未加盖单位公章，请盖章后重新提交",
        )
    waiting = Commitment.objects.filter(status=Status.SUBMITTED).count()
    report(f"信用承诺：网上签署待审核 {waiting} 条（实名登录 agent 可在“我的”中查看）")
