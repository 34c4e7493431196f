"""The application queue and an application's page: counts, deadlines and filters; each
role sees its tenant's applications only; the two reviews on the page — with the four-eyes
rule as a refusal on the page — the preview, the issue, downloads and revocation, each read
audited; the export; the workbench's count of what waits."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.core.models import AuditEntry
from credit.reports.constants import ApplicantKind, ApplicationStatus, ReportStatus
from credit.reports.models import Application, Report
from tests.reports.factories import enter, make_template, text

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def office(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def second(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def clerk(make_user):
    """The window's clerk, who enters applications (and so reviews none of them)."""
    return make_user(Role.CITY_ADMIN)


@pytest.fixture
def template(office):
    return make_template(office)


@pytest.fixture
def entered(clerk, template, legal_person):
    application, _ = enter(clerk, template, legal_person)
    return application


def _act(client, application, action, **data):
    return client.post(f"/reports/applications/{application.number}/{action}/", data)


# --------------------------------------------------------------------------------------------
# The queue
# --------------------------------------------------------------------------------------------


def test_the_queue_counts_each_status_and_shows_the_overdue_in_red(
    client, office, clerk, template, legal_person
):
    late, _ = enter(clerk, template, legal_person)
    fresh, _ = enter(clerk, template, legal_person)
    Application.objects.filter(pk=late.pk).update(due=TODAY - datetime.timedelta(days=7))
    client.force_login(office)
    page = client.get("/reports/applications/").content.decode()
    assert 'data-testid="count-submitted">2<' in page
    assert 'data-testid="count-overdue">2<' not in page and 'data-testid="count-overdue">1<' in page
    # The overdue one first, its deadline in red, the other on time.
    assert page.index(late.number) < page.index(fresh.number)
    assert 'class="tag overdue" data-testid="deadline">已超期' in page
    only_late = client.get("/reports/applications/?overdue=on").content.decode()
    assert late.number in only_late and fresh.number not in only_late


def test_the_filters_find_by_number_status_and_channel_and_say_when_nothing_matches(
    client, office, entered
):
    client.force_login(office)
    assert (
        entered.number in client.get(f"/reports/applications/?q={entered.number}").content.decode()
    )
    assert entered.number in client.get("/reports/applications/?channel=hall").content.decode()
    none = client.get("/reports/applications/?status=issued").content.decode()
    assert entered.number not in none and "没有符合条件的信用报告申请，请更换查询条件。" in none
    # A value outside the choices is dropped, not an error.
    assert client.get("/reports/applications/?status=nonsense&page=x").status_code == 200


def test_an_empty_queue_says_why(client, office):
    client.force_login(office)
    assert "还没有信用报告申请（您可以查看全市的申请）。" in text(
        client.get("/reports/applications/")
    )


def test_a_department_officer_sees_only_its_departments_applications(
    client, make_user, clerk, template, legal_person
):
    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    own, _ = enter(
        officer, template, legal_person,
        applicant_kind=ApplicantKind.DEPARTMENT, applicant_name="天宁区市场监管局", uploads=[],
    )  # fmt: skip
    hall, _ = enter(clerk, template, legal_person)
    client.force_login(officer)
    page = client.get("/reports/applications/").content.decode()
    assert own.number in page and hall.number not in page
    assert client.get(f"/reports/applications/{own.number}/").status_code == 200
    assert client.get(f"/reports/applications/{hall.number}/").status_code == 404
    other = make_user(Role.DEPT_OFFICER, region="320404", department="ZLQ-SCJG")
    client.force_login(other)
    assert own.number not in client.get("/reports/applications/").content.decode()
    assert client.get(f"/reports/applications/{own.number}/").status_code == 404


def test_a_district_administrator_sees_only_its_districts_subjects(
    client, make_user, clerk, template, legal_person, uscc_factory
):
    from credit.subjects.services import register_legal_person

    elsewhere, _ = register_legal_person(
        actor=None,
        uscc=uscc_factory(division="320404"),
        name="钟楼区某公司",
        legal_representative="李四",
    )
    tianning, _ = enter(clerk, template, legal_person)
    zhonglou, _ = enter(clerk, template, elsewhere)
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    page = client.get("/reports/applications/").content.decode()
    assert tianning.number in page and zhonglou.number not in page
    assert client.get(f"/reports/applications/{zhonglou.number}/").status_code == 404
    export = client.get("/reports/applications/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    numbers = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert numbers == [tianning.number]


@pytest.mark.parametrize("role", [None, Role.LEADER])
def test_the_public_and_a_leader_are_refused(client, make_user, entered, role):
    if role is not None:
        client.force_login(make_user(role))
    for url in ("/reports/applications/", f"/reports/applications/{entered.number}/"):
        response = client.get(url)
        if role is None:
            assert response.status_code == 302 and response["Location"].startswith(
                "/accounts/login/"
            )
        else:
            assert response.status_code == 403
            assert "查看信用报告申请和报告" in response.content.decode()


def test_the_queue_takes_a_bounded_number_of_queries(
    client, office, clerk, template, legal_person, django_assert_max_num_queries
):
    for _ in range(8):
        enter(clerk, template, legal_person)
    client.force_login(office)
    client.get("/reports/applications/")  # the session and the user
    with django_assert_max_num_queries(6):
        response = client.get("/reports/applications/")
    assert response.content.decode().count("/reports/applications/XY") >= 8


def test_the_export_holds_the_filtered_queue_and_is_an_audited_read(client, office, entered):
    client.force_login(office)
    response = client.get("/reports/applications/export.xlsx?status=submitted")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "报告编号" and rows[1][0] == entered.number
    assert rows[1][14] == "待初审"
    (audit,) = AuditEntry.objects.filter(event_type="report_applications.exported")
    assert audit.actor_id == office.pk and audit.after["rows"] == 1


# --------------------------------------------------------------------------------------------
# The two reviews
# --------------------------------------------------------------------------------------------


def test_opening_an_application_and_a_material_are_audited_reads(client, office, entered):
    client.force_login(office)
    page = client.get(f"/reports/applications/{entered.number}/").content.decode()
    assert "初审通过" in page and "退回" in page and "材料.pdf" in page
    assert AuditEntry.objects.filter(
        event_type="report_application.viewed", object_id=str(entered.pk)
    ).exists()
    material = entered.materials.get()
    response = client.get(f"/reports/applications/{entered.number}/materials/{material.pk}/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(event_type="report_application.material_read").exists()
    assert (
        client.get(
            f"/reports/applications/{entered.number}/materials/{material.pk + 999}/"
        ).status_code
        == 404
    )


def test_a_return_needs_a_reason_that_the_page_then_shows(client, office, entered):
    client.force_login(office)
    refused = _act(client, entered, "return", reason="")
    assert refused.status_code == 400 and "这个字段是必填项" in refused.content.decode()
    assert Application.objects.get(pk=entered.pk).status == ApplicationStatus.SUBMITTED
    done = _act(client, entered, "return", reason="营业执照已过期，请上传有效执照")
    assert done.status_code == 302
    page = client.get(done["Location"]).content.decode()
    assert "营业执照已过期，请上传有效执照" in page and "已退回" in page
    assert Application.objects.get(pk=entered.pk).status == ApplicationStatus.RETURNED


def test_the_same_person_cannot_approve_what_they_reviewed(client, office, entered):
    client.force_login(office)
    assert _act(client, entered, "pass").status_code == 302
    page = client.get(f"/reports/applications/{entered.number}/").content.decode()
    assert 'data-testid="four-eyes"' in page and "复核人不能是初审人" in page
    assert 'data-action="approve"' not in page  # no button that can only be refused
    refused = _act(client, entered, "approve")
    assert refused.status_code == 400
    shown = refused.content.decode()
    assert 'data-testid="form-error">复核人不能是初审人：同一人不能完成两道审核' in shown
    application = Application.objects.get(pk=entered.pk)
    assert application.status == ApplicationStatus.REVIEWED and application.approver is None


def test_who_entered_an_application_reviews_neither_step(client, clerk, entered):
    client.force_login(clerk)
    page = client.get(f"/reports/applications/{entered.number}/").content.decode()
    assert "录入申请的人员不能审核该申请" in page and 'data-action="pass"' not in page
    refused = _act(client, entered, "pass")
    assert refused.status_code == 400 and "录入申请的人员不能审核该申请" in refused.content.decode()


def test_a_viewer_without_the_review_permission_cannot_act(client, make_user, entered):
    client.force_login(make_user(Role.AUDITOR))
    page = client.get(f"/reports/applications/{entered.number}/").content.decode()
    assert 'data-testid="actions"' not in page
    assert _act(client, entered, "pass").status_code == 403
    assert client.post(f"/reports/applications/{entered.number}/nonsense/").status_code == 403


def test_the_second_reviewer_sends_back_to_material_review_with_a_reason(
    client, office, second, entered
):
    client.force_login(office)
    _act(client, entered, "pass", reason="材料齐全")
    client.force_login(second)
    assert _act(client, entered, "send_back", reason="").status_code == 400
    assert _act(client, entered, "send_back", reason="授权书日期有误").status_code == 302
    application = Application.objects.get(pk=entered.pk)
    assert application.status == ApplicationStatus.SUBMITTED and application.reviewer is None
    page = client.get(f"/reports/applications/{entered.number}/").content.decode()
    assert "复核退回初审" in page and "授权书日期有误" in page


def test_the_preview_is_a_watermarked_pdf_read_from_the_library_and_audited(
    client, office, entered
):
    client.force_login(office)
    response = client.get(f"/reports/applications/{entered.number}/preview.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(event_type="report_application.previewed").exists()
    assert not Report.objects.exists()


def test_approval_by_another_reviewer_issues_the_report_which_can_be_downloaded_and_revoked(
    client, office, second, entered, signing_keys
):
    client.force_login(office)
    _act(client, entered, "pass")
    client.force_login(second)
    done = _act(client, entered, "approve")
    assert done.status_code == 302, done.content.decode()[:500]
    report = Report.objects.get(application=entered)
    page = client.get(done["Location"]).content.decode()
    assert f"复核通过，已签发报告 {report.number}" in page
    assert report.number in page and "有效" in page and report.sha256 in page

    pdf = client.get(f"/reports/issued/{report.number}/report.pdf")
    assert pdf.status_code == 200 and pdf.content == bytes(report.pdf)
    download = AuditEntry.objects.get(event_type="report.downloaded", object_id=str(report.pk))
    assert download.actor_id == second.pk and download.after["channel"] == "staff"
    assert Report.objects.get(pk=report.pk).downloads == 0  # the applicant's count

    assert (
        client.post(f"/reports/issued/{report.number}/revoke/", {"reason": ""}).status_code == 400
    )
    revoked = client.post(f"/reports/issued/{report.number}/revoke/", {"reason": "申请人撤回用途"})
    assert revoked.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.REVOKED and report.status_reason == "申请人撤回用途"
    page = client.get(f"/reports/applications/{entered.number}/").content.decode()
    assert "已撤销" in page and "撤销报告 " in page  # the step log


def test_another_tenants_report_is_not_found(client, make_user, entered, signing_keys):
    from credit.reports import services

    office = make_user(Role.CITY_REVIEWER)
    services.review_materials(actor=office, application=entered, passed=True)
    report = services.approve(actor=make_user(Role.CITY_REVIEWER), application=entered)
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320404"))
    assert client.get(f"/reports/issued/{report.number}/report.pdf").status_code == 404


# --------------------------------------------------------------------------------------------
# The workbench
# --------------------------------------------------------------------------------------------


def test_the_workbench_counts_the_applications_waiting_for_each_review(
    client, office, clerk, template, legal_person, make_user
):
    from credit.dashboard import waiting

    first, _ = enter(clerk, template, legal_person)
    enter(clerk, template, legal_person)
    Application.objects.filter(pk=first.pk).update(due=TODAY - datetime.timedelta(days=5))
    tasks = {t.key: t for t in waiting.tasks_for(office)}
    assert (tasks["reports_review"].count, tasks["reports_review"].overdue) == (2, 1)
    assert tasks["reports_approve"].count == 0
    assert tasks["reports_review"].url == "/reports/applications/?status=submitted"
    client.force_login(office)
    page = client.get("/").content.decode()
    assert 'data-testid="count-reports_review">2<' in page and "待初审的信用报告申请" in page
    # Who only views or enters applications has nothing to review.
    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    assert not {"reports_review", "reports_approve"} & {t.key for t in waiting.tasks_for(officer)}
