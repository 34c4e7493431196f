"""An officer of the discipline inspection commission (纪委监委) uploads a 纪律处分 file about a
civil servant graded A; the upload is processed by the server's worker and the score's
recompute job runs; the organisation and HR officer of the person's unit opens the archive
(公务员诚信档案): the deduction is there with its explanation, and the grade has changed.
Screenshots of the archive at 1366 and 390 px are kept in the test's folder."""

from __future__ import annotations

import datetime
import uuid
from concurrent.futures import ThreadPoolExecutor

import openpyxl
import pytest
from playwright.sync_api import expect

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, fits, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

TAG = uuid.uuid4().hex[:6]
DOCUMENT_NO = f"常纪处〔2026〕旅程{TAG}号"


@pytest.fixture(scope="module")
def scene(django_db_setup, django_db_blocker, live_url):
    """Committed data the server can see: a civil servant of 市场监管局 scored A (500), an
    officer of 纪委监委 and an organisation and HR officer of 市场监管局; removed afterwards
    with what the journey made (records, batches, the score, the audit trail)."""
    from credit.accounts.services import create_user
    from credit.core.models import Department
    from tests.integrity.factories import id_number_of, make_civil_servant

    with django_db_blocker.unblock():
        servant = make_civil_servant("SCJG", name=f"吴诚信{TAG}")
        assert (servant.score, servant.grade) == (500, "A")
        officer = create_user(
            actor=None,
            username=f"jw-{TAG}",
            password=PASSWORD,
            role=Role.DEPT_OFFICER,
            real_name="郑纪检",
            department=Department.objects.get(code="JWJW"),
        )
        hr = create_user(
            actor=None,
            username=f"hr-{TAG}",
            password=PASSWORD,
            role=Role.ORG_HR,
            real_name="冯人事",
            department=Department.objects.get(code="SCJG"),
        )
        number = id_number_of(servant)
    yield {"servant": servant, "officer": officer, "hr": hr, "id_number": number}
    with django_db_blocker.unblock():
        _remove(servant, [officer, hr])


def _remove(servant, users) -> None:
    from credit.ingest.models import Batch
    from credit.integrity.models import CivilServant
    from credit.records.models import CreditRecord
    from tests.conftest import delete_records

    person = servant.natural_person
    CivilServant.objects.filter(pk=servant.pk).delete()  # its items and years with it
    delete_records(CreditRecord.objects.filter(natural_person=person))
    Batch.objects.filter(created_by__in=users).delete()
    person.delete()
    for user in users:
        user.delete()


@pytest.fixture
def discipline_file(scene, tmp_path):
    """A 纪律处分信息 file with one row about the civil servant: 记过, a month ago."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["姓名", "身份证", "工作单位", "职务", "违纪行为", "处分结果", "处分文号", "处分时间"]
    )
    decided = datetime.date.today() - datetime.timedelta(days=30)
    sheet.append(
        [
            scene["servant"].natural_person.name,
            scene["id_number"],
            "常州市市场监督管理局",
            "科长",
            "违反工作纪律，造成不良影响",
            "记过",
            DOCUMENT_NO,
            decided.isoformat(),
        ]
    )
    path = tmp_path / "纪律处分信息.xlsx"
    book.save(path)
    return path


def _off_the_loop(django_db_blocker, work):
    """Run ``work`` with the database outside Playwright's event loop (its own connection)."""
    from django.db import connection

    def run():
        with django_db_blocker.unblock():
            try:
                return work()
            finally:
                connection.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(run).result()


def _run_recompute_jobs(django_db_blocker, person_id: int) -> int:
    """The queued ``integrity.recompute`` jobs of the person, run as the worker runs them (the
    server's own worker may have run them already: a recompute is idempotent)."""

    def work() -> int:
        from procrastinate.contrib.django.models import ProcrastinateJob

        from credit.integrity.tasks import recompute

        jobs = [
            job
            for job in ProcrastinateJob.objects.filter(task_name="integrity.recompute")
            if person_id in (job.args.get("person_ids") or [])
        ]
        for job in jobs:
            recompute(**job.args)
        return len(jobs)

    return _off_the_loop(django_db_blocker, work)


def test_a_discipline_upload_lowers_the_grade_with_its_explanation(
    page, live_url, scene, discipline_file, django_db_blocker, tmp_path
):
    servant = scene["servant"]
    page.set_viewport_size({"width": 1366, "height": 768})

    # 纪委监委 uploads the 纪律处分 file; the server's worker loads it.
    login(page, live_url, scene["officer"])
    page.goto(f"{live_url}/ingest/")  # 数据报送
    page.select_option("select[name=item]", "cs-discipline")
    page.select_option("select[name=department]", "JWJW")
    page.set_input_files("input[name=file]", str(discipline_file))
    page.click("main button[type=submit]")
    page.wait_for_url("**/ingest/batches/*/")
    expect(page.get_by_test_id("total")).to_have_text("1", timeout=30_000)
    expect(page.get_by_test_id("status")).to_have_text("已完成")

    # The record's arrival enqueued the recompute of the person's score: it runs.
    assert _run_recompute_jobs(django_db_blocker, servant.natural_person_id) >= 1

    # The organisation and HR officer of 市场监管局 finds the person in the unit's archives.
    login(page, live_url, scene["hr"])
    page.goto(f"{live_url}/integrity/?name={servant.natural_person.name}")
    row = page.get_by_test_id("archive-list").locator("tr", has_text=servant.natural_person.name)
    expect(row).to_contain_text("420")
    row.get_by_role("link", name=servant.natural_person.name).click()
    page.wait_for_url(f"**/integrity/civil-servants/{servant.pk}/")

    # The deduction, explained: the record, the rule, the points and from when.
    expect(page.get_by_test_id("score-value")).to_have_text("420")
    expect(page.get_by_test_id("grade")).to_have_text("C")
    items = page.get_by_test_id("score-items")
    deduction = items.locator("tr", has_text=DOCUMENT_NO)
    expect(deduction).to_contain_text("纪律处分信息")
    expect(deduction).to_contain_text("【公务员】记过")
    expect(deduction).to_contain_text("-80")
    expect(deduction).to_contain_text("计入")
    decided = datetime.date.today() - datetime.timedelta(days=30)
    expect(deduction).to_contain_text(decided.isoformat())
    expect(page.get_by_test_id("timeline-cs-discipline")).to_contain_text(DOCUMENT_NO)
    page.screenshot(path=str(tmp_path / "archive-1366.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("grade")).to_have_text("C")
    fits(page)
    page.screenshot(path=str(tmp_path / "archive-390.png"), full_page=True)

    # The unit's list and its grade distribution, on a phone and on a desktop.
    for width, height in ((390, 844), (1366, 768)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{live_url}/integrity/")
        expect(page.get_by_test_id("count-C")).to_have_text("1")
        fits(page)
        page.screenshot(path=str(tmp_path / f"list-{width}.png"), full_page=True)
        page.goto(f"{live_url}/integrity/distribution/")
        expect(page.get_by_test_id("chart-region")).to_have_attribute("data-rendered", "chart")
        fits(page)
        page.screenshot(path=str(tmp_path / f"distribution-{width}.png"), full_page=True)
    for name in ("archive", "list", "distribution"):
        for width in (1366, 390):
            assert (tmp_path / f"{name}-{width}.png").stat().st_size > 0
