"""A citizen finds a company on the portal, objects to its black-list entry with an SMS code;
the credit office accepts (the entry disappears from the portal at once), the department
verifies, the office upholds (the entry returns), and the citizen reads the result."""

from __future__ import annotations

import datetime
import re
import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login, server_log

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

PHONE = "13905190001"  # no other test uses it


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Committed data the server process can see: a credit-office reviewer, a department
    officer, and a company with a public black-list entry of an item no other test counts;
    removed afterwards."""
    from credit.accounts.services import create_user
    from credit.catalog.models import CatalogItem
    from credit.core.identifiers import make_uscc
    from credit.core.models import Department
    from credit.records.models import CreditRecord
    from credit.subjects.services import register_legal_person

    tag = uuid.uuid4().hex[:8].upper()
    today = datetime.date.today()
    with django_db_blocker.unblock():
        department = Department.objects.get(code="SCJG")
        reviewer = create_user(
            actor=None,
            username=f"obj-office-{tag.lower()}",
            password=PASSWORD,
            role=Role.CITY_REVIEWER,
            real_name="王受理",
        )
        officer = create_user(
            actor=None,
            username=f"obj-dept-{tag.lower()}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            department=department,
            real_name="赵核实",
        )
        company, _ = register_legal_person(
            actor=None,
            uscc=make_uscc("91", "320402", tag),
            name=f"常州鹦鹉螺{tag}运输有限公司",
        )
        entry = CreditRecord.objects.create(
            # An item no other test counts, so concurrent tests never see this entry.
            item=CatalogItem.objects.get(code="overload-transport-dishonest"),
            legal_person=company,
            department=department,
            region_id="320400",
            natural_key=f"objection-journey-{tag}",
            document_no=f"常交罚〔2026〕{tag}号",
            payload={},
            usage_scope="public",
            decision_date=today - datetime.timedelta(days=20),
            publicity_start=today - datetime.timedelta(days=20),
            valid_to=today + datetime.timedelta(days=300),
            publicity_end=today + datetime.timedelta(days=300),
        )
    yield {"reviewer": reviewer, "officer": officer, "company": company, "entry": entry}
    with django_db_blocker.unblock():
        _remove(entry, company, [reviewer, officer])


def _remove(entry, company, users) -> None:
    """The case and the entry's versions (both append-only: replica mode skips those guards,
    for this cleanup only), the entry's change events, the company and the users."""
    from django.db import connection, transaction

    from credit.records.models import ListChange

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute(
            "DELETE FROM objections_transition WHERE objection_id IN "
            "(SELECT id FROM objections_objection WHERE record_id = %s)",
            [entry.pk],
        )
        cur.execute(
            "DELETE FROM objections_attachment WHERE objection_id IN "
            "(SELECT id FROM objections_objection WHERE record_id = %s)",
            [entry.pk],
        )
        cur.execute("DELETE FROM objections_objection WHERE record_id = %s", [entry.pk])
        cur.execute("DELETE FROM records_creditrecordversion WHERE record_id = %s", [entry.pk])
    from credit.objections import verification
    from credit.objections.models import VerificationCode

    VerificationCode.objects.filter(phone_index=verification.phone_index(PHONE)).delete()
    ListChange.objects.filter(record=entry).delete()
    entry.delete()
    company.identifiers.all().delete()
    company.delete()
    for user in users:
        user.delete()


def _last_code(since: int) -> str:
    """The verification code the development SMS backend wrote to the server's log."""
    log = server_log()
    text = log.read_text(encoding="utf-8", errors="replace")[since:]
    codes = re.findall(r"验证码[^0-9]{0,20}(\d{6})", text)
    assert codes, text[-2000:]
    return codes[-1]


def _log_size() -> int:
    log = server_log()
    return log.stat().st_size if log.exists() else 0


def _act(page, action: str, fields: dict[str, str] | None = None, check: str = "") -> None:
    box = page.locator(f"details[data-action={action}]")
    box.locator("summary").click()
    for name, value in (fields or {}).items():
        box.locator(f"[name={name}]").fill(value)
    if check:
        box.locator(f"input[value={check}]").check()
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_objection_suspends_and_uphold_restores(page, live_url, scene, tmp_path):
    company, entry = scene["company"], scene["entry"]
    subject_url = f"{live_url}/portal/subjects/{company.pk}/"

    # The public finds the company by two characters of its name and opens its page.
    page.goto(f"{live_url}/portal/")
    page.fill("input[name=q]", "鹦鹉螺")
    page.keyboard.press("Enter")
    page.wait_for_url("**/portal/search/**")
    page.get_by_test_id("search-results").get_by_text(company.name).click()
    page.wait_for_url(subject_url)
    record = page.locator(f"[data-record='{entry.pk}']")
    assert entry.document_no in record.inner_text()

    # … and objects to the entry, verifying the phone with a code.
    record.get_by_text("异议申诉").click()
    page.wait_for_url(f"**/objections/new/?record={entry.pk}")
    form = page.get_by_test_id("objection-form")
    form.locator("[name=name]").fill("钱申诉")
    form.locator("[name=id_number]").fill(company.uscc)
    form.locator("[name=phone]").fill(PHONE)
    before = _log_size()
    page.get_by_test_id("send-code").click()
    page.get_by_test_id("code-status").filter(has_text="已发送").wait_for()
    form.locator("[name=code]").fill(_last_code(before))
    form.locator("[name=reason]").fill("该超限运输处罚已经行政复议撤销，名单信息应予更正。")
    form.locator("button[type=submit]", has_text="提交异议申请").click()
    page.wait_for_url("**/objections/track/**")
    number = page.get_by_test_id("case-number").inner_text()
    assert "待受理" in page.get_by_test_id("status").inner_text()
    page.screenshot(path=str(tmp_path / "submitted.png"), full_page=True)

    # The credit office accepts: the entry is suspended and leaves the portal at once.
    staff = page.context.browser.new_context(locale="zh-CN").new_page()
    login(staff, live_url, scene["reviewer"])
    staff.goto(f"{live_url}/objections/manage/{number}/")
    _act(staff, "accept", {"reason": "材料齐全，予以受理"})
    assert "暂停公示" in staff.get_by_test_id("record-status").inner_text()
    page.goto(subject_url)
    assert page.locator(f"[data-record='{entry.pk}']").count() == 0
    _act(staff, "assign")

    # The source department verifies; the office upholds: the entry returns.
    dept = page.context.browser.new_context(locale="zh-CN").new_page()
    login(dept, live_url, scene["officer"])
    dept.goto(f"{live_url}/objections/manage/{number}/")
    _act(dept, "verify", {"reason": "复议决定维持原处罚，名单信息无误。"}, check="uphold")
    staff.goto(f"{live_url}/objections/manage/{number}/")
    _act(staff, "uphold", {"result": "经核实，名单信息准确，维持公示。"})
    assert "有效" in staff.get_by_test_id("record-status").inner_text()
    page.goto(subject_url)
    assert page.locator(f"[data-record='{entry.pk}']").count() == 1

    # The citizen reads the result with the number and the phone's last four digits.
    page.goto(f"{live_url}/objections/track/")
    page.fill("input[name=number]", number)
    page.fill("input[name=phone_last4]", PHONE[-4:])
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"**/objections/track/{number}/")
    assert "维持公示" in page.get_by_test_id("result").inner_text()
    page.screenshot(path=str(tmp_path / "result.png"), full_page=True)
