"""Every public page — the portal's home, search (with and without results), subject page,
publicity columns and lists, notices, the objection and repair forms, the tracking pages, a
check certificate and the portal's 404 — on a phone (390×844) and a desktop (1366×768): none
scrolls sideways (a wide table scrolls inside its own box or becomes cards) and none logs an
error in the browser's console."""

from __future__ import annotations

import datetime
import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

WIDTHS = [(390, 844), (1366, 768)]
PHONE = "13905190077"  # no other test uses it


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker):
    """Committed data the server process can see: a company with a licence, a penalty past
    its minimum period, a red-list and a 失信被执行人 entry (long texts, as real ones are), a
    published notice, an objection to the penalty and a check of the company with its
    certificate; removed afterwards."""
    from credit.accounts.services import create_user
    from credit.core.identifiers import make_uscc
    from credit.objections import services as objections
    from credit.portal import services as portal
    from credit.records.publicity import add_months
    from credit.sanctions import services as sanctions
    from credit.subjects.services import register_legal_person
    from tests.portal.conftest import a_grade, debtor_entry, licence
    from tests.records.factories import penalty

    tag = uuid.uuid4().hex[:8].upper()
    decided = datetime.date.today() - datetime.timedelta(days=120)
    with django_db_blocker.unblock():
        admin = create_user(
            actor=None, username=f"public-{tag.lower()}", password=PASSWORD, role=Role.CITY_ADMIN
        )
        company, _ = register_legal_person(
            actor=None,
            uscc=make_uscc("91", "320402", tag),
            name=f"常州市琥珀{tag}精密机械制造股份有限公司武进高新技术产业开发区分公司",
            legal_representative="张三",
            registered_address="江苏省常州市武进区常武中路18号常州科教城创研港3号楼B座1201室",
        )
        fine = penalty(
            company,
            "SCJG",
            f"常市监罚〔2026〕{tag}号",
            decision_date=decided.isoformat(),
            valid_to=add_months(decided, 6).isoformat(),
            publicity_end=add_months(decided, 12).isoformat(),
        ).record
        records = [
            fine,
            licence(company, f"常市监许〔2026〕{tag}号"),
            debtor_entry(company, f"（2026）苏04执{tag}号"),
            a_grade(company),
        ]
        notice = portal.create_notice(
            actor=admin,
            kind="news",
            title=f"关于开展2026年度信用修复集中培训的通知（{tag}）" * 2,
            body="各有关单位：\n为进一步规范信用修复工作，现将有关事项通知如下。" * 5,
        )
        portal.publish_notice(actor=admin, notice=notice)
        case = objections.record_offline_objection(
            actor=admin,
            record=fine,
            name=company.name,
            id_number=company.uscc,
            phone=PHONE,
            reason="该行政处罚决定已被复议机关撤销，请予更正。",
            files=[],
        )
        check = sanctions.run_check(
            principal=admin, identifier=company.uscc, reason="政府采购项目供应商资格审查"
        )
    yield {
        "company": company,
        "fine": fine,
        "debtor": records[2],
        "notice": notice,
        "case": case,
        "certificate": sanctions.certificate_url(check),
    }
    with django_db_blocker.unblock():
        _remove(records, company, notice, case, check, admin)


def _remove(records, company, notice, case, check, admin) -> None:
    """The objection and its transitions (append-only: replica mode skips those guards, for
    this cleanup only), the check, the records with their versions and list changes, the
    notice, the company and the user."""
    from django.db import connection, transaction

    from credit.records.models import CreditRecord, ListChange
    from credit.sanctions.models import Check
    from tests.conftest import delete_records

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("DELETE FROM objections_transition WHERE objection_id = %s", [case.pk])
        cur.execute("DELETE FROM objections_objection WHERE id = %s", [case.pk])
    Check.objects.filter(pk=check.pk).delete()
    ids = [r.pk for r in records]
    ListChange.objects.filter(record_id__in=ids).delete()
    delete_records(CreditRecord.objects.filter(pk__in=ids))
    notice.delete()
    company.identifiers.all().delete()
    company.delete()
    admin.delete()


def _public_paths(scene) -> list[tuple[str, int]]:
    """(path, expected status) of every public page."""
    company, fine = scene["company"], scene["fine"]
    return [
        ("/portal/", 200),
        (f"/portal/search/?q=琥珀{company.uscc[8:16]}", 200),  # with results
        ("/portal/search/?q=不存在的青花瓷企业", 200),  # without
        (f"/portal/subjects/{company.pk}/", 200),
        ("/portal/publicity/license/", 200),
        ("/portal/publicity/penalty/", 200),
        ("/portal/lists/red_list/", 200),
        ("/portal/lists/black_list/", 200),
        ("/portal/lists/attention_list/", 200),
        ("/portal/notices/", 200),
        ("/portal/notices/?kind=news", 200),
        (f"/portal/notices/{scene['notice'].pk}/", 200),
        (f"/objections/new/?record={fine.pk}", 200),
        (f"/objections/repair/new/?record={fine.pk}", 200),
        (f"/objections/repair/new/?record={scene['debtor'].pk}", 200),  # not applicable
        ("/objections/track/", 200),
        (scene["certificate"], 200),
        ("/portal/reports/", 200),
        ("/portal/reports/download/", 200),
        ("/portal/reports/verify/", 200),
        ("/portal/reports/verify/XY2026010100000000?c=ABCDEFGHJK", 404),  # no such report
        ("/portal/no-such-page/", 404),
    ]


def _check(page, live_url: str, path: str, status: int, width: int) -> list[str]:
    """Open ``path``; the problems found (sideways scroll, console errors, wrong status)."""
    errors: list[str] = []

    def on_console(message) -> None:
        if message.type != "error":
            return
        # The browser reports the document's own 404 as a failed resource: expected there.
        if status == 404 and "status of 404" in message.text:
            return
        errors.append(f"{message.text} ({message.location.get('url', '')})")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(f"{live_url}{path}")
    page.wait_for_load_state("networkidle")
    problems = []
    if response.status != status:
        problems.append(f"{path}: status {response.status}, expected {status}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        problems.append(f"{path} at {width} px scrolls sideways by {overflow} px")
    problems += [f"{path} at {width} px: console error {e}" for e in errors]
    page.remove_listener("console", on_console)
    return problems


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_no_public_page_scrolls_sideways_or_logs_errors(scene, page, live_url, width, height):
    page.set_viewport_size({"width": width, "height": height})
    problems: list[str] = []
    for path, status in _public_paths(scene):
        problems += _check(page, live_url, path, status, width)
    # The tracking page of the case, once found by its number and the phone's last digits.
    page.goto(f"{live_url}/objections/track/")
    page.fill("input[name=number]", scene["case"].number)
    page.fill("input[name=phone_last4]", PHONE[-4:])
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/objections/track/{scene['case'].number}/")
    problems += _check(page, live_url, f"/objections/track/{scene['case'].number}/", 200, width)
    assert not problems, "\n".join(problems)


def test_the_pages_show_what_a_citizen_needs(scene, page, live_url):
    """On a phone: the search says when nothing is found, the subject page offers repair of
    the penalty and says why the 失信被执行人 entry cannot be repaired, and the 404 leads
    back to the portal's home."""
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_url}/portal/search/?q=不存在的青花瓷企业")
    assert page.get_by_test_id("search-empty").is_visible()
    assert "没有找到符合条件的主体" in page.get_by_test_id("search-empty").inner_text()

    page.goto(f"{live_url}/portal/subjects/{scene['company'].pk}/")
    fine = page.locator(f"[data-record='{scene['fine'].pk}']")
    assert fine.get_by_test_id("repair-link").is_visible()
    debtor = page.locator(f"[data-record='{scene['debtor'].pk}']")
    assert debtor.get_by_test_id("repair-link").count() == 0
    assert "不适用信用修复" in debtor.get_by_test_id("repair-note").inner_text()

    page.goto(f"{live_url}/portal/no-such-page/")
    page.get_by_text("返回信用常州首页").click()
    page.wait_for_url(f"{live_url}/portal/")
    assert page.get_by_test_id("home-license").is_visible()
