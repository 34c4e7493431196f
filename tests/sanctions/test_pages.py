"""Staff pages of joint reward and punishment: the measures catalogue, the check form, the
check list and a check's page with its feedback forms; permissions per role and scope, and
the xlsx exports."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.errors import ValidationFailed
from credit.core.models import AuditEntry
from credit.sanctions import services
from credit.sanctions.models import Check, CheckFeedback, Measure

pytestmark = pytest.mark.django_db

VIEW_PAGES = [
    "/sanctions/measures/",
    "/sanctions/measures/B-GP-01/",
    "/sanctions/measures/export.xlsx",
]
EDIT_PAGES = ["/sanctions/measures/new/", "/sanctions/measures/B-GP-01/edit/"]
CHECK_PAGES = ["/sanctions/check/", "/sanctions/checks/", "/sanctions/checks/export.xlsx"]


def _check(user, subject, scenario="gov_procurement", reason="政府采购资格审查"):
    return services.run_check(
        principal=user, identifier=subject.uscc, scenario=scenario, reason=reason
    )


@pytest.fixture
def clean_company(uscc_factory):
    """A legal person on no list (the ``listed`` one is the shared ``legal_person``)."""
    from credit.subjects.services import register_legal_person

    subject, _ = register_legal_person(
        actor=None, uscc=uscc_factory(), name="常州市清白贸易有限公司"
    )
    return subject


def _sheet(response, title):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    return [list(row) for row in wb[title].iter_rows(values_only=True)]


# --- permissions ------------------------------------------------------------------------------


@pytest.mark.parametrize("url", VIEW_PAGES + EDIT_PAGES + CHECK_PAGES)
def test_anonymous_users_are_sent_to_the_login_page(client, listed, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "view", "edit", "check"),
    [
        (Role.CITY_ADMIN, 200, 200, 200),
        (Role.CITY_REVIEWER, 200, 403, 200),
        (Role.DEPT_OFFICER, 200, 403, 200),
        (Role.DISTRICT_ADMIN, 200, 403, 200),
        (Role.AUDITOR, 200, 403, 403),  # reads the catalogue (catalog.view), cannot check
    ],
)
def test_each_role_gets_the_pages_its_permissions_allow(
    client, make_user, listed, role, view, edit, check
):
    client.force_login(make_user(role))
    for urls, expected in ((VIEW_PAGES, view), (EDIT_PAGES, edit), (CHECK_PAGES, check)):
        for url in urls:
            assert client.get(url).status_code == expected, (role, url)


def test_the_auditor_cannot_post_a_check(client, make_user, listed):
    subject, _, _ = listed
    client.force_login(make_user(Role.AUDITOR))
    response = client.post(
        "/sanctions/check/", {"identifier": subject.uscc, "reason": "x", "scenario": ""}
    )
    assert response.status_code == 403 and not Check.objects.exists()


def test_a_check_of_another_department_is_not_found_and_cannot_be_fed_back(
    client, make_user, listed
):
    subject, entry, _ = listed
    check = _check(make_user(Role.DEPT_OFFICER), subject)
    client.force_login(make_user(Role.DEPT_OFFICER, department="SW"))
    url = f"/sanctions/checks/{check.number}/"
    assert client.get(url).status_code == 404
    posted = client.post(
        url + "feedback/", {"record": entry.pk, "measure": "B-GP-01", "action": "applied"}
    )
    assert posted.status_code == 404 and not CheckFeedback.objects.exists()
    assert check.number not in client.get("/sanctions/checks/").content.decode()


def test_a_district_admin_sees_only_its_districts_checks(client, make_user, listed):
    subject, _, _ = listed
    city = _check(make_user(Role.DEPT_OFFICER), subject)  # 市场监管局 (city)
    district = _check(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"), subject)
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    page = client.get("/sanctions/checks/").content.decode()
    assert district.number in page and city.number not in page
    assert client.get(f"/sanctions/checks/{city.number}/").status_code == 404


# --- the check form and the check page ---------------------------------------------------------


def test_the_check_form_creates_a_check_and_shows_its_hits(client, make_user, listed):
    subject, entry, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    client.force_login(officer)
    response = client.post(
        "/sanctions/check/",
        {"identifier": subject.uscc, "scenario": "gov_procurement", "reason": "招标资格审查"},
    )
    check = Check.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sanctions/checks/{check.number}/"
    assert (check.user, check.result, check.reason) == (officer, "hit", "招标资格审查")
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert check.number in text and subject.name in text and entry.document_no in text
    assert "失信被执行人" in text and "限制参加政府采购活动" in text
    assert "限制申请财政资金补助" not in text  # another scenario's measure
    # The printable certificate: a signed link (its timestamp is the page's second, so it is
    # read back rather than rebuilt) that names this check.
    link = re.search(r'href="/sanctions/certificates/([^/"]+)/"', text)
    assert link and services.check_by_certificate(link.group(1)) == check
    assert text.count('data-testid="pair"') == 1


def test_a_clean_and_an_unknown_subject(client, make_user, legal_person, uscc_factory):
    client.force_login(make_user(Role.DEPT_OFFICER))
    clean = client.post(
        "/sanctions/check/", {"identifier": legal_person.uscc, "scenario": "", "reason": "审批"}
    )
    assert "未发现名单信息" in client.get(clean["Location"]).content.decode()
    unknown = client.post(
        "/sanctions/check/", {"identifier": uscc_factory(), "scenario": "", "reason": "审批"}
    )
    assert "未找到该主体" in client.get(unknown["Location"]).content.decode()


def test_the_check_form_shows_what_is_missing(client, make_user):
    client.force_login(make_user(Role.DEPT_OFFICER))
    response = client.post("/sanctions/check/", {"identifier": "", "scenario": "", "reason": ""})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() == {"identifier", "reason"}
    assert not Check.objects.exists()


def test_a_service_refusal_shows_its_message_and_code(client, make_user, monkeypatch):
    def refuse(**kwargs):
        raise ValidationFailed("请填写核查事由", code="reason_required")

    monkeypatch.setattr(services, "run_check", refuse)
    client.force_login(make_user(Role.DEPT_OFFICER))
    response = client.post(
        "/sanctions/check/", {"identifier": "91320400MA1XXXXXX0", "scenario": "", "reason": "x"}
    )
    assert response.context["form"].errors["reason"] == ["请填写核查事由（reason_required）"]


def test_feedback_is_recorded_and_an_exemption_needs_a_reason(client, make_user, listed):
    subject, entry, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    check = _check(officer, subject)
    client.force_login(officer)
    url = f"/sanctions/checks/{check.number}/feedback/"
    refused = client.post(
        url, {"record": entry.pk, "measure": "B-GP-01", "action": "exempted", "reason": ""}
    )
    assert refused.status_code == 200 and "reason_required" in refused.content.decode()
    assert not CheckFeedback.objects.exists()

    done = client.post(
        url, {"record": entry.pk, "measure": "B-GP-01", "action": "exempted", "reason": "已履行"}
    )
    assert done.status_code == 302
    assert done["Location"] == f"/sanctions/checks/{check.number}/#m-{entry.pk}-B-GP-01"
    (feedback,) = CheckFeedback.objects.all()
    assert (feedback.action, feedback.reason, feedback.user) == ("exempted", "已履行", officer)
    page = client.get(f"/sanctions/checks/{check.number}/").content.decode()
    assert "依法免予实施" in page and "已履行" in page and "已反馈 1 / 1 项" in page
    assert AuditEntry.objects.filter(event_type="check.feedback", object_id=str(check.pk)).exists()


def test_feedback_for_a_measure_the_check_did_not_give_is_refused(client, make_user, listed):
    subject, entry, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    check = _check(officer, subject)
    client.force_login(officer)
    response = client.post(
        f"/sanctions/checks/{check.number}/feedback/",
        {"record": entry.pk, "measure": "B-SUB-01", "action": "applied"},
    )
    assert "measure_not_in_check" in response.content.decode()
    assert not CheckFeedback.objects.exists()


def test_a_city_admin_reads_every_check_but_feeds_back_only_its_own(
    client, admin_user, make_user, listed
):
    subject, entry, _ = listed
    check = _check(make_user(Role.DEPT_OFFICER), subject)
    client.force_login(admin_user)
    page = client.get(f"/sanctions/checks/{check.number}/").content.decode()
    assert check.number in page and "未反馈" in page
    assert f'action="/sanctions/checks/{check.number}/feedback/"' not in page
    response = client.post(
        f"/sanctions/checks/{check.number}/feedback/",
        {"record": entry.pk, "measure": "B-GP-01", "action": "applied"},
    )
    assert "feedback_not_yours" in response.content.decode()
    assert not CheckFeedback.objects.exists()


def test_the_feedback_page_refuses_get(client, make_user, listed):
    subject, _, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    check = _check(officer, subject)
    client.force_login(officer)
    assert client.get(f"/sanctions/checks/{check.number}/feedback/").status_code == 405


# --- the check list and its export -------------------------------------------------------------


def test_the_check_list_filters(client, make_user, listed, clean_company):
    subject, entry, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    hit = _check(officer, subject)
    clean = _check(officer, clean_company, scenario="subsidy")
    services.record_feedback(
        principal=officer, number=hit.number, measure_code="B-GP-01", record_id=entry.pk,
        action="applied",
    )  # fmt: skip
    client.force_login(officer)

    def numbers(**query):
        page = client.get("/sanctions/checks/", query)
        assert page.status_code == 200
        return {c.number for c in page.context["page"]}

    assert numbers() == {hit.number, clean.number}
    assert numbers(result="hit") == {hit.number}
    assert numbers(scenario="subsidy") == {clean.number}
    assert numbers(feedback="yes") == {hit.number}
    assert numbers(feedback="no") == {clean.number}
    assert numbers(department="SCJG") == {hit.number, clean.number}
    assert numbers(department="SW") == {hit.number, clean.number}  # not in scope: ignored
    today = timezone.localdate(hit.checked_at).isoformat()
    assert numbers(date_from=today, date_to=today) == {hit.number, clean.number}
    assert numbers(date_from="2000-01-01", date_to="2000-01-02") == set()
    assert numbers(result="maybe") == {hit.number, clean.number}  # invalid filter: ignored


def test_the_check_list_does_not_grow_queries_with_rows(
    client, make_user, listed, django_assert_max_num_queries
):
    subject, _, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    for _ in range(12):
        _check(officer, subject)
    client.force_login(officer)
    with django_assert_max_num_queries(12):
        response = client.get("/sanctions/checks/")
    assert len(response.context["page"]) == 12


def test_the_checks_export_has_a_row_per_check_and_per_feedback(
    client, make_user, listed, clean_company
):
    subject, entry, _ = listed
    officer = make_user(Role.DEPT_OFFICER)
    hit = _check(officer, subject, reason='=HYPERLINK("http://x")')
    _check(officer, clean_company)
    services.record_feedback(
        principal=officer, number=hit.number, measure_code="B-GP-01", record_id=entry.pk,
        action="not_applicable", reason="非政府采购项目",
    )  # fmt: skip
    client.force_login(officer)
    response = client.get("/sanctions/checks/export.xlsx")
    checks = _sheet(response, "核查记录")
    assert checks[0][:3] == ["核查编号", "核查时间", "核查单位"]
    assert len(checks) == 3
    row = next(r for r in checks if r[0] == hit.number)
    assert row[7] == '\'=HYPERLINK("http://x")'  # a formula is kept as text
    assert row[8] == "发现名单信息" and row[9:] == [1, 1, 1]
    feedback = _sheet(response, "措施反馈")
    assert feedback[1][:4] == [hit.number, "失信被执行人", entry.pk, "B-GP-01"]
    assert feedback[1][5:7] == ["不适用", "非政府采购项目"]
    filtered = _sheet(client.get("/sanctions/checks/export.xlsx", {"result": "clean"}), "核查记录")
    assert len(filtered) == 2 and filtered[1][8] == "未发现名单信息"


# --- the measures catalogue --------------------------------------------------------------------


def test_the_measure_list_filters_and_searches(client, make_user, listed):
    client.force_login(make_user(Role.DEPT_OFFICER))

    def codes(**query):
        return [m.code for m in client.get("/sanctions/measures/", query).context["page"]]

    assert codes() == ["B-GP-01", "B-SUB-01", "B-TAX-01"]
    assert codes(scenario="subsidy") == ["B-SUB-01"]
    assert codes(list_kind="red_list") == []
    assert codes(q="财政资金") == ["B-SUB-01"]
    Measure.objects.filter(code="B-TAX-01").update(is_active=False)
    assert codes(active="0") == ["B-TAX-01"]
    assert codes(active="1") == ["B-GP-01", "B-SUB-01"]


def test_the_measure_list_does_not_grow_queries_with_rows(
    client, make_user, django_assert_max_num_queries
):
    for n in range(15):
        services.save_measure(
            actor=None, code=f"B-Q-{n:02d}", list_kind="black_list", text="限制", legal_basis="x",
            scenarios=["tax"], items=[CatalogItem.objects.get(code="major-tax-violation")],
        )  # fmt: skip
    client.force_login(make_user(Role.DEPT_OFFICER))
    with django_assert_max_num_queries(10):
        response = client.get("/sanctions/measures/")
    assert len(response.context["page"]) == 15


def test_the_measures_export(client, make_user, listed):
    services.save_measure(
        actor=None, code="R-X-01", list_kind="red_list", text="=1+1 绿色通道", legal_basis="x",
        scenarios=["market_access"],
    )  # fmt: skip
    client.force_login(make_user(Role.AUDITOR))
    rows = _sheet(client.get("/sanctions/measures/export.xlsx"), "联合奖惩措施")
    assert rows[0][0] == "措施编号" and [r[0] for r in rows[1:]] == [
        "B-GP-01",
        "B-SUB-01",
        "B-TAX-01",
        "R-X-01",
    ]
    red = rows[4]
    assert red[1:4] == ["激励措施", "红名单", "该类型全部名单"] and red[4] == "'=1+1 绿色通道"
    only_red = _sheet(
        client.get("/sanctions/measures/export.xlsx", {"list_kind": "red_list"}), "联合奖惩措施"
    )
    assert [r[0] for r in only_red[1:]] == ["R-X-01"]


def test_the_city_admin_creates_a_measure(client, admin_user):
    client.force_login(admin_user)
    form = {
        "code": "R-NEW-01",
        "list_kind": "red_list",
        "items": ["a-grade-taxpayer"],
        "scenarios": ["market_access", "financing"],
        "text": "建立行政审批绿色通道",
        "legal_basis": "国发〔2016〕33号",
        "memorandum": "",
        "implementing_department": "SW",
        "implementing_text": "",
        "is_active": "on",
    }
    response = client.post("/sanctions/measures/new/", form)
    assert response.status_code == 302 and response["Location"] == "/sanctions/measures/R-NEW-01/"
    measure = Measure.objects.get(code="R-NEW-01")
    assert measure.kind == "reward" and measure.scenarios == ["financing", "market_access"]
    assert measure.implementing_department.code == "SW" and measure.created_by == admin_user
    assert AuditEntry.objects.filter(
        event_type="measure.created", object_id=str(measure.pk)
    ).exists()
    again = client.post("/sanctions/measures/new/", form)
    assert again.context["form"].errors["code"] == ["措施编号 R-NEW-01 已存在"]


def test_a_measure_on_a_list_of_another_kind_is_refused_on_its_field(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        "/sanctions/measures/new/",
        {
            "code": "B-NEW-01",
            "list_kind": "black_list",
            "items": ["a-grade-taxpayer"],
            "scenarios": ["tax"],
            "text": "列为重点监控对象",
            "legal_basis": "税收征管法",
        },
    )
    assert response.status_code == 200
    (error,) = response.context["form"].errors["items"]
    assert "A级纳税人" in error and "measure_item_kind" in error
    assert not Measure.objects.filter(code="B-NEW-01").exists()


def test_editing_a_measure_saves_changes_and_skips_none(client, admin_user, listed):
    client.force_login(admin_user)
    url = "/sanctions/measures/B-GP-01/edit/"
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if k != "code" and v is not None}
    data["is_active"] = "on"
    audited = AuditEntry.objects.filter(event_type="measure.updated").count()
    unchanged = client.post(url, data)
    assert unchanged.status_code == 302
    assert AuditEntry.objects.filter(event_type="measure.updated").count() == audited
    data["text"] = "限制参加政府采购活动（修订）"
    data.pop("is_active")  # unticked: the measure is withdrawn
    client.post(url, {**data, "code": "B-OTHER"})  # the code cannot be changed
    measure = Measure.objects.get(code="B-GP-01")
    assert measure.text.endswith("（修订）") and not measure.is_active
    assert not Measure.objects.filter(code="B-OTHER").exists()
    assert AuditEntry.objects.filter(event_type="measure.updated").count() == audited + 1
    detail = client.get("/sanctions/measures/B-GP-01/").content.decode()
    assert "（修订）" in detail and "停用" in detail


def test_reading_a_check_of_a_natural_person_is_audited(client, make_user, resident_id_factory):
    from credit.subjects.services import register_natural_person

    number = resident_id_factory()
    person, _ = register_natural_person(actor=None, name="李四", id_number=number)
    officer = make_user(Role.DEPT_OFFICER)
    check = services.run_check(principal=officer, identifier=number, reason="招录资格审查")
    client.force_login(officer)
    page = client.get(f"/sanctions/checks/{check.number}/").content.decode()
    assert number not in page and check.query in page
    viewed = AuditEntry.objects.filter(event_type="naturalperson.viewed", object_id=str(person.pk))
    assert viewed.get().after == {"check": check.number}
    client.get("/sanctions/checks/export.xlsx")
    exported = AuditEntry.objects.get(event_type="checks.exported")
    assert exported.after == {"checks": 1, "natural_persons": [person.pk]}
