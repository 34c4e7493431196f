"""The rules of the report workflow as services enforce them: template versions, the two
reviews by two people, the frozen snapshot of an issued report, records under objection
marked, the corrected re-issue after a record changes, extraction-code limits and the bounds
of authorisations."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from credit.accounts.roles import Role
from credit.core.errors import NotFound, PermissionDenied, RateLimited, ValidationFailed
from credit.core.models import AuditEntry
from credit.records import services as records
from credit.records.constants import RecordStatus
from credit.reports import extraction, selectors, services
from credit.reports.constants import ApplicantKind, ApplicationStatus, ReportStatus
from credit.reports.content import EMPTY, UNDER_OBJECTION, ReportContent
from credit.reports.models import Report, ReportRecord
from credit.reports.verification import check_signature
from tests.reports.factories import make_template

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _sections(fields_of):
    penalty = sorted(fields_of["admin-penalty"])[:4]
    licence = sorted(fields_of["admin-license"])[:3]
    return [
        {"kind": "basic", "title": "基本信息", "facts": ["uscc", "kind", "region"]},
        {
            "kind": "records",
            "title": "行政许可",
            "items": [{"code": "admin-license", "fields": licence}],
        },
        {
            "kind": "records",
            "title": "行政处罚",
            "items": [{"code": "admin-penalty", "fields": penalty}],
        },
    ]


@pytest.fixture
def template(office):
    return make_template(
        office,
        code="t-general",
        name="企业信用报告（测试）",
        sections=_sections(services.usable_items("legal")),
    )


@pytest.fixture
def penalty(legal_person):
    from tests.records.factories import penalty as make

    return make(legal_person, "SCJG", "常市监罚〔2026〕501号").record


def _entered(actor, template, subject):
    application, code = services.enter_application(
        actor=actor,
        template=template,
        subject=subject,
        purpose="general",
        applicant_name="张经办",
        applicant_kind=ApplicantKind.SELF,
        uploads=[_licence()],
    )
    return application, code


def _pdf_text(report) -> str:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(bytes(report.pdf))
    return "".join(page.get_textpage().get_text_range() for page in pdf)


def _licence():
    from credit.objections.uploads import Upload

    return Upload("营业执照.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "licence")


def _issued(office, second, template, subject):
    application, code = _entered(second, template, subject)
    services.review_materials(actor=office, application=application, passed=True)
    report = services.approve(actor=second_reviewer(second, office), application=application)
    return application, code, report


def second_reviewer(entered_by, reviewer):
    """Another city reviewer than both (the one who entered may not approve)."""
    from credit.accounts.models import User

    return (
        User.objects.exclude(pk__in=[entered_by.pk, reviewer.pk])
        .filter(role__in=[Role.CITY_ADMIN, Role.CITY_REVIEWER])
        .first()
    )


@pytest.fixture
def third(make_user):
    return make_user(Role.CITY_REVIEWER)


def test_saving_a_template_again_makes_a_new_version_and_keeps_the_old(office, template):
    fields_of = services.usable_items("legal")
    sections = _sections(fields_of)[:2]
    v2 = services.save_template(
        actor=office,
        template=template,
        name=template.name,
        subject_type="legal",
        purposes=["general"],
        period_months=24,
        valid_days=30,
        sections=sections,
        note="撤回行政处罚",
    )
    template.refresh_from_db()
    assert v2.version == 2 and template.current == v2
    assert template.versions.get(version=1).sections[-1]["title"] == "行政处罚"


def test_a_template_may_choose_only_public_fields_of_active_items(office):
    with pytest.raises(ValidationFailed) as refused:
        services.save_template(
            actor=office,
            code="bad",
            name="坏模板",
            subject_type="legal",
            purposes=["general"],
            period_months=12,
            valid_days=30,
            sections=[
                {
                    "kind": "records",
                    "title": "行政处罚",
                    "items": [{"code": "admin-penalty", "fields": ["no-such-field"]}],
                }
            ],
        )
    assert refused.value.code == "template_sections"
    assert "no-such-field" in str(refused.value)


def test_the_second_review_is_never_done_by_the_first_reviewer(
    office, second, third, template, legal_person, signing_keys
):
    application, _ = _entered(second, template, legal_person)
    with pytest.raises(PermissionDenied):  # who entered it may not review it
        services.review_materials(actor=second, application=application, passed=True)
    services.review_materials(actor=office, application=application, passed=True)
    with pytest.raises(PermissionDenied) as refused:
        services.approve(actor=office, application=application)
    assert refused.value.code == "four_eyes"
    with pytest.raises(PermissionDenied):  # nor the one who entered it
        services.approve(actor=second, application=application)
    report = services.approve(actor=third, application=application)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.ISSUED
    assert application.reviewer_id == office.pk and application.approver_id == third.pk
    assert report.number == application.number


def test_a_return_tells_the_reason_and_needs_one(office, second, template, legal_person):
    application, _ = _entered(second, template, legal_person)
    with pytest.raises(ValidationFailed):
        services.review_materials(actor=office, application=application, passed=False)
    services.review_materials(
        actor=office, application=application, passed=False, reason="营业执照不清晰"
    )
    application.refresh_from_db()
    assert application.status == ApplicationStatus.RETURNED
    assert application.return_reason == "营业执照不清晰"
    assert application.steps.filter(action="returned").exists()


def test_an_issued_report_is_signed_frozen_and_lists_its_records(
    office, second, third, template, legal_person, penalty, signing_keys
):
    _application, _, report = _issued(office, second, template, legal_person)
    assert check_signature(bytes(report.pdf)).ok
    assert report.sha256 == hashlib.sha256(bytes(report.pdf)).hexdigest()
    content = ReportContent.from_dict(report.snapshot)
    penalties = next(s for s in content.sections if "行政处罚" in s.title)
    assert len(penalties.rows) == 1
    assert ReportRecord.objects.get(report=report).record_id == penalty.pk
    licences = next(s for s in content.sections if "行政许可" in s.title)
    assert licences.empty
    assert EMPTY in _pdf_text(report)  # printed for the empty section
    # A later correction changes the library, not the issued report.
    report.refresh_from_db()
    before = (bytes(report.pdf), report.snapshot)
    payload = dict(penalty.payload)
    records.correct_record(actor=None, record=penalty, payload=payload, reason="测试")
    report.refresh_from_db()
    assert (bytes(report.pdf), report.snapshot) == before


def test_a_record_under_objection_is_printed_marked(
    office, second, third, template, legal_person, penalty, signing_keys, resident_id_factory
):
    from credit.objections.services import record_offline_objection

    record_offline_objection(
        actor=office,
        record=penalty,
        name="张三",
        id_number=resident_id_factory(),
        phone="13812345678",
        reason="处罚已撤销",
        files=[],
    )
    _, _, report = _issued(office, second, template, legal_person)
    content = ReportContent.from_dict(report.snapshot)
    assert content.marked_rows == 1
    assert ReportRecord.objects.get(report=report).under_objection
    assert UNDER_OBJECTION in _pdf_text(report)


def test_a_revoked_record_makes_the_report_updated_and_a_corrected_one_follows(
    office, second, third, template, legal_person, penalty, signing_keys
):
    application, _code, report = _issued(office, second, template, legal_person)
    template.review_reissue = False
    template.save()
    assert services.follow_changes() == 0
    records.change_status(
        actor=None, record=penalty, status=RecordStatus.REVOKED, reason="异议成立"
    )
    shown = selectors.verification(report.number, report.verify_code)
    assert shown.status == "已更新"  # at once, before the job
    assert services.follow_changes() == 1
    assert services.follow_changes() == 0  # idempotent
    report.refresh_from_db()
    assert report.status == ReportStatus.SUPERSEDED
    new = report.replaced_by
    assert new.number == f"{application.number}-2"
    assert ReportContent.from_dict(new.snapshot).sections[2].empty
    assert selectors.current_report(application) == new


def test_with_review_reissue_the_corrected_report_waits_for_the_second_review(
    office, second, third, template, legal_person, penalty, signing_keys
):
    application, _, _report = _issued(office, second, template, legal_person)
    records.correct_record(
        actor=None,
        record=penalty,
        payload={**penalty.payload, "penalty_content": "罚款（更正）"},
        reason="更正",
    )
    assert services.follow_changes() == 1
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REVIEWED
    assert Report.objects.filter(application=application).count() == 1


def test_wrong_extraction_codes_are_limited_per_number(
    office, second, third, template, legal_person, settings, signing_keys
):
    settings.CREDIT_REPORT_CODE_TRIES_PER_HOUR = 3
    application, code, _ = _issued(office, second, template, legal_person)
    for left in (2, 1):
        with pytest.raises(NotFound) as wrong:
            extraction.find_application(number=application.number, code="WRONG", source_ip=None)
        assert f"还可再试{left}次" in str(wrong.value)
    with pytest.raises(RateLimited):
        extraction.find_application(number=application.number, code="WRONG", source_ip=None)
    with pytest.raises(RateLimited):  # the right code too, while locked
        extraction.find_application(number=application.number, code=code, source_ip=None)
    assert AuditEntry.objects.filter(event_type="report.code_locked").exists()


def test_the_right_code_downloads_and_the_download_is_audited(
    office, second, third, template, legal_person, signing_keys
):
    application, code, report = _issued(office, second, template, legal_person)
    found = extraction.find_application(
        number=application.number.lower(), code=code.lower(), source_ip="10.0.0.1"
    )
    got = extraction.download(application=found, channel="portal", source_ip="10.0.0.1")
    assert got == report
    report.refresh_from_db()
    assert report.downloads == 1
    assert (
        AuditEntry.objects.filter(event_type="report.downloaded", object_id=str(report.pk)).count()
        == 1
    )


def test_a_missing_number_answers_like_a_wrong_code(db):
    with pytest.raises(NotFound) as missing:
        extraction.find_application(number="XY2026", code="ABCDEFGH", source_ip=None)
    assert missing.value.code == "code_mismatch"


def test_the_verify_page_needs_the_right_code(
    office, second, third, template, legal_person, signing_keys
):
    _, _, report = _issued(office, second, template, legal_person)
    assert selectors.verification(report.number, "WRONGCODE1") is None
    shown = selectors.verification(report.number, report.verify_code)
    assert shown.status == "有效" and shown.sha256 == report.sha256
    assert (
        selectors.verification(
            report.number, report.verify_code, today=report.valid_until + datetime.timedelta(days=1)
        ).status
        == "已过期"
    )


def test_the_dashboard_counts_applications_and_issued_reports_by_month(
    office, second, third, template, legal_person, signing_keys, make_user
):
    from credit.dashboard import datasets

    _issued(office, second, template, legal_person)
    _entered(second, template, legal_person)
    month = f"{TODAY:%Y-%m}"
    rows = {r["month"]: r for r in datasets.run("credit_reports", office).rows}
    assert (rows[month]["applications"], rows[month]["issued"]) == (2, 1)
    other = make_user(Role.DISTRICT_ADMIN, region="320412")  # 武进区: not the subject's
    rows = {r["month"]: r for r in datasets.run("credit_reports", other).rows}
    assert (rows[month]["applications"], rows[month]["issued"]) == (0, 0)


def test_the_database_refuses_to_change_an_issued_report_or_its_steps(
    office, second, third, template, legal_person, signing_keys
):
    from django.db import DatabaseError, transaction

    from credit.reports.models import Step

    application, _, report = _issued(office, second, template, legal_person)
    for change in (
        lambda: Report.objects.filter(pk=report.pk).update(pdf=b"%PDF-1.7 forged"),
        lambda: Report.objects.filter(pk=report.pk).update(sha256="0" * 64),
        lambda: Report.objects.filter(pk=report.pk).delete(),
        lambda: Step.objects.filter(application=application).update(label="改写"),
        lambda: Step.objects.filter(application=application).delete(),
    ):
        with pytest.raises(DatabaseError), transaction.atomic():
            change()
    # Its status may move (已撤销), and the download count.
    services.revoke(actor=office, report=report, reason="测试撤销")
    Report.objects.filter(pk=report.pk).update(downloads=5)
    report.refresh_from_db()
    assert report.status == ReportStatus.REVOKED and report.downloads == 5


def test_a_record_suspended_by_an_objection_is_printed_marked_only_if_it_would_be_public(
    office, second, third, template, legal_person, signing_keys, resident_id_factory
):
    from credit.objections.services import accept_objection, record_offline_objection
    from tests.records.factories import penalty as make

    public = make(legal_person, "SCJG", "常市监罚〔2026〕601号").record
    shared = make(legal_person, "SCJG", "常市监罚〔2026〕602号", info_usage_scope="政务共享").record
    assert shared.usage_scope != public.usage_scope
    for record in (public, shared):
        objection = record_offline_objection(
            actor=office,
            record=record,
            name="张三",
            id_number=resident_id_factory(),
            phone="13812345678",
            reason="处罚有误",
            files=[],
        )
        accept_objection(actor=office, objection=objection)
        record.refresh_from_db()
        assert record.status == RecordStatus.SUSPENDED
    _, _, report = _issued(office, second, template, legal_person)
    shown = list(ReportRecord.objects.filter(report=report).values_list("record_id", flat=True))
    assert shown == [public.pk]
    assert ReportContent.from_dict(report.snapshot).marked_rows == 1
