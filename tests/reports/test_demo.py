"""The demo's credit reports: the three templates in two versions, ``general`` issued at once
for departments, applications in every state, signed reports that validate, the numbers and
codes reported once — made through the services, once (in this test's transaction)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from credit.accounts.models import User
from credit.demo.accounts import ensure_demo_accounts
from credit.objections.services import record_offline_objection
from credit.reports.constants import ApplicationStatus, ReportStatus
from credit.reports.demo import seed_reports
from credit.reports.models import Application, Authorisation, Report, ReportTemplate
from credit.reports.verification import check_signature
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(uscc_factory, resident_id_factory):
    """Ten companies with a penalty each, one of them under objection."""
    from credit.subjects.services import register_legal_person

    ensure_demo_accounts()
    records = []
    for n in range(10):
        subject, _ = register_legal_person(
            actor=None, uscc=uscc_factory(), name=f"常州市演示报告{n}有限公司"
        )
        records.append(penalty(subject, "SCJG", f"常市监罚〔2026〕7{n:02d}号").record)
    record_offline_objection(
        actor=User.objects.get(username="admin"),
        record=records[5],
        name="张三",
        id_number=resident_id_factory(),
        phone="13812345678",
        reason="处罚已被复议撤销",
        files=[],
    )
    return records


def test_the_demo_has_the_templates_and_reports_of_every_state(library, settings):
    lines: list[str] = []
    made = seed_reports(report=lines.append)

    # Signing keys made on the way (the report tests start without any).
    assert made["keys_created"] == 1
    general = ReportTemplate.objects.get(code="general")
    assert general.auto_issue and general.current.version == 2
    assert {t.code: t.versions.count() for t in ReportTemplate.objects.all()} == {
        "general": 2,
        "procurement": 2,
        "personal": 2,
    }
    titles = [s["title"] for s in general.current.sections]
    assert titles[:3] == ["基本信息", "行政许可", "行政处罚"] and "黑名单" in titles
    assert "行政许可" not in [
        s["title"] for s in ReportTemplate.objects.get(code="procurement").current.sections
    ]

    states = set(Application.objects.values_list("status", flat=True))
    assert {"submitted", "returned", "reviewed", "issued"} <= states
    assert Application.objects.filter(status="submitted", due__lt=timezone.localdate()).exists()
    returned = Application.objects.get(status=ApplicationStatus.RETURNED)
    assert "营业执照" in returned.return_reason
    assert Application.objects.filter(
        channel="api", applicant_kind="department", status="issued"
    ).exists()
    assert Authorisation.objects.count() == 1
    assert Application.objects.get(applicant_kind="third_party").status == "submitted"

    issued = Report.objects.all()
    assert issued.count() >= 3 and made["issued"] == issued.count()
    for report in issued:
        assert check_signature(bytes(report.pdf)).ok, report.number
    assert issued.filter(shown__under_objection=True).exists()
    old = issued.get(status=ReportStatus.SUPERSEDED)
    assert old.replaced_by.number == f"{old.number}-2"

    text = "\n".join(lines)
    for application in Application.objects.all():
        assert application.number in text
    assert "提取码" in text and "/portal/reports/verify/" in text

    again = seed_reports(report=lines.append)
    assert again == {"templates": 0, "applications": 0, "issued": 0, "keys_created": 0}
    assert Report.objects.count() == issued.count()
