"""The staff workbench (工作台): what waits for each role in its own scope, with counts,
deadlines and overdue in red, each count opening its filtered list; the key figures of the
scope; the leader's overview; a bounded number of queries."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone

from credit.accounts.roles import Role
from credit.catalog.models import CatalogItem
from credit.core.models import Department
from credit.dashboard import waiting
from credit.ingest.models import Batch
from credit.objections import services as objections
from credit.objections.models import Objection
from credit.objections.uploads import Upload
from tests.records.factories import penalty

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TODAY = timezone.localdate()
TODAY_IS_LOCAL = True  # TODAY (and YESTERDAY, TOMORROW) set before each test: tests/conftest.py


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.CREDIT_SMS_BACKEND = "credit.objections.sms.MemoryBackend"


@pytest.fixture
def office(make_user):
    return make_user(Role.CITY_REVIEWER)


@pytest.fixture
def objection_on(legal_person, resident_id_factory, admin_user):
    """``objection_on(department, doc)`` → an objection received at the hall (待受理) on a
    new penalty of ``department``."""

    def make(department: str, doc: str) -> Objection:
        record = penalty(legal_person, department, doc).record
        return objections.record_offline_objection(
            actor=admin_user,
            record=record,
            name="李四",
            id_number=resident_id_factory(),
            phone="13812345678",
            reason="本人未实施该违法行为。",
            files=[Upload("证明.pdf", PDF, "")],
        )

    return make


def _assigned(objection: Objection, office, department: str) -> Objection:
    objections.accept_objection(actor=office, objection=objection)
    objections.assign_objection(actor=office, objection=objection, department=department)
    return Objection.objects.get(pk=objection.pk)


def _batch(department: str, *, rejected: int = 0, status: str = "done", **extra) -> Batch:
    dept = Department.objects.get(code=department)
    return Batch.objects.create(
        item=CatalogItem.objects.get(code="admin-penalty"),
        item_version=1,
        department=dept,
        region_id=dept.region_id,
        channel=Batch.Channel.UPLOAD,
        status=status,
        total=10,
        rejected=rejected,
        **extra,
    )


def _tasks(user) -> dict[str, waiting.Task]:
    return {t.key: t for t in waiting.tasks_for(user)}


def _count(page: str, key: str) -> int | None:
    found = re.search(rf'data-testid="count-{key}">(\d+)<', page)
    return int(found.group(1)) if found else None


def test_a_department_officer_counts_the_verifications_of_its_own_department(
    client, make_user, objection_on, office
):
    tianning = _assigned(objection_on("TNQ-SCJG", "天市监罚〔2026〕11号"), office, "TNQ-SCJG")
    _assigned(objection_on("ZLQ-SCJG", "钟市监罚〔2026〕12号"), office, "ZLQ-SCJG")
    objection_on("TNQ-SCJG", "天市监罚〔2026〕13号")  # not yet accepted: not the officer's
    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")

    tasks = _tasks(officer)
    assert tasks["objections_verify"].count == 1
    assert tasks["objections_verify"].due == tianning.verify_due
    assert "objections_accept" not in tasks  # the credit office accepts, not the department

    client.force_login(officer)
    page = client.get("/").content.decode()
    assert _count(page, "objections_verify") == 1
    assert 'href="/objections/manage/?status=verifying"' in page
    assert "剩余" in page and "个工作日" in page  # the nearest deadline in working days
    listed = client.get("/objections/manage/?status=verifying").content.decode()
    assert tianning.number in listed

    other = make_user(Role.DEPT_OFFICER, region="320404", department="ZLQ-SCJG")
    assert _tasks(other)["objections_verify"].count == 1
    assert _tasks(make_user(Role.DEPT_OFFICER, department="SW"))["objections_verify"].count == 0


def test_the_credit_office_counts_objections_to_accept_with_the_overdue_in_red(
    client, objection_on, office
):
    late = objection_on("TNQ-SCJG", "天市监罚〔2026〕21号")
    on_time = objection_on("ZLQ-SCJG", "钟市监罚〔2026〕22号")
    Objection.objects.filter(pk=late.pk).update(accept_due=TODAY - datetime.timedelta(days=3))
    decided = _assigned(objection_on("SCJG", "常市监罚〔2026〕23号"), office, "SCJG")
    objections.record_verification(
        actor=office, objection=decided, finding="uphold", opinion="经核实无误"
    )

    tasks = _tasks(office)
    accept = tasks["objections_accept"]
    assert (accept.count, accept.overdue) == (2, 1)
    assert accept.due == Objection.objects.get(pk=on_time.pk).accept_due
    assert tasks["objections_decide"].count == 1
    assert "objections_verify" not in tasks  # the reviewer has no department to verify for

    client.force_login(office)
    page = client.get("/").content.decode()
    assert _count(page, "objections_accept") == 2
    assert '<li class="wb-task wb-late" data-testid="task-objections_accept">' in page
    card = page[page.index('data-testid="task-objections_accept"') :]
    card = card[: card.index("</li>")]
    overdue_url = "/objections/manage/?status=submitted&amp;overdue=on"
    assert f'href="{overdue_url}"' in card and "其中 1 件已超期" in card
    listed = client.get(overdue_url.replace("&amp;", "&")).content.decode()
    assert late.number in listed and on_time.number not in listed


def test_batches_with_rejections_are_counted_in_the_users_district_only(client, make_user):
    _batch("TNQ-SCJG", rejected=3)
    _batch("TNQ-SCJG", status="failed", error_code="missing_columns", error_message="缺少必填列")
    _batch("TNQ-SCJG", rejected=0)
    _batch("ZLQ-SCJG", rejected=5)
    old = _batch("TNQ-SCJG", rejected=4)
    Batch.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=waiting.RECENT_DAYS + 5)
    )

    tianning = _tasks(make_user(Role.DISTRICT_ADMIN, region="320402"))
    assert tianning["batches_rejected_rows"].count == 1
    assert tianning["batches_refused"].count == 1
    zhonglou = _tasks(make_user(Role.DISTRICT_ADMIN, region="320404"))
    assert (zhonglou["batches_rejected_rows"].count, zhonglou["batches_refused"].count) == (1, 0)
    city = _tasks(make_user(Role.CITY_REVIEWER))
    assert city["batches_rejected_rows"].count == 2

    officer = make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG")
    client.force_login(officer)
    page = client.get("/").content.decode()
    assert _count(page, "batches_refused") == 1
    refused = re.search(r'href="([^"]*state=refused[^"]*)"', page).group(1)
    listed = client.get(refused.replace("&amp;", "&")).content.decode()
    assert "缺少必填列" in listed
    # An auditor reads but does not act on rejections: nothing of the kind waits for it.
    assert "batches_rejected_rows" not in _tasks(make_user(Role.AUDITOR))


@pytest.fixture
def failed_delivery(legal_person):
    from credit.catalog.models import CatalogItem
    from credit.events import services as push
    from credit.events.models import Delivery
    from credit.gateway import services as gateway
    from credit.gateway.models import ApiClient
    from credit.records.models import CreditRecord, ListChange

    tnq = Department.objects.get(code="TNQ-SCJG")
    system, _ = gateway.create_client(
        actor=None,
        name="天宁区审批系统",
        kind=ApiClient.Kind.DEPARTMENT,
        department=tnq,
        ips=["10.0.0.0/8"],
        scopes=["sanctions:changes"],
    )
    subscription = push.create_subscription(
        actor=None, client=system, name="天宁推送", url="https://example.org/hook"
    )
    entry = CreditRecord.objects.create(
        item=CatalogItem.objects.get(code="dishonest-judgment-debtor"),
        legal_person=legal_person,
        department=tnq,
        region_id="320402",
        natural_key=f"workbench-{legal_person.pk}",
        document_no="（2026）苏0402执9号",
        payload={},
        usage_scope="public",
    )
    event = ListChange.objects.create(
        txid=1,
        occurred_at=timezone.now(),
        event_id="00000000-0000-4000-8000-0000000000aa",
        kind="listed",
        record=entry,
        item=entry.item,
        list_kind="black_list",
        region_id="320402",
        department=tnq,
        legal_person=legal_person,
        version=1,
    )
    return Delivery.objects.create(event_id=event.pk, subscription=subscription, status="failed")


def test_failing_deliveries_wait_for_whoever_manages_the_push(
    client, admin_user, make_user, failed_delivery
):
    assert _tasks(admin_user)["deliveries_failed"].count == 1
    assert "deliveries_failed" not in _tasks(make_user(Role.CITY_REVIEWER))
    client.force_login(admin_user)
    page = client.get("/").content.decode()
    assert 'href="/sanctions/push/deliveries/?status=failed"' in page
    listed = client.get("/sanctions/push/deliveries/?status=failed").content.decode()
    assert "天宁推送" in listed


@pytest.fixture
def warnings_raised(db):
    from credit.alerts.models import Warning, WarningRule

    rule = WarningRule.objects.create(
        code="district-dishonesty",
        name="辖市区新增失信记录异常",
        metric="dishonesty_records",
        subject="district",
        comparison="gt",
        ratio_to_average=1.5,
        period="month",
        level="warning",
    )
    return [
        Warning.objects.create(
            rule=rule,
            level="warning",
            region_id=code,
            key=code,
            period_label=TODAY.strftime("%Y-%m"),
            text=f"{name}本月新增失信记录 30 条，高于前12个月平均值的1.5倍（12 条）",
            evidence_url=f"/ingest/batches/?region={code}",
        )
        for code, name in (("320402", "天宁区"), ("320404", "钟楼区"))
    ]


def test_open_warnings_are_shown_in_the_users_scope(client, make_user, warnings_raised):
    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    page = client.get("/").content.decode()
    assert _count(page, "warnings") == 1
    assert "天宁区本月新增失信记录" in page and "钟楼区本月新增失信记录" not in page
    assert _tasks(make_user(Role.LEADER))["warnings"].count == 2


def test_a_leader_sees_the_dashboards_the_warnings_and_the_figures_only(
    client, make_user, warnings_raised
):
    client.force_login(make_user(Role.LEADER))
    page = client.get("/").content.decode()
    assert 'data-testid="dashboards"' in page and 'href="/dashboard/"' in page
    assert 'href="/assessment/"' in page  # the assessment results with the dashboards
    assert _count(page, "warnings") == 2
    assert 'data-testid="figures"' in page
    assert 'data-testid="task-nav"' not in page  # no list of functions it cannot use
    for absent in ("异议", "退回", "推送", "用户管理", "联合奖惩核查"):
        assert absent not in page, absent


def test_key_figures_count_the_users_scope(client, make_user, legal_person):
    from credit.dashboard import facts
    from credit.records.models import CreditRecord

    penalty(legal_person, "TNQ-SCJG", "天市监罚〔2026〕31号")
    penalty(legal_person, "ZLQ-SCJG", "钟市监罚〔2026〕32号")
    _batch("TNQ-SCJG")
    facts.refresh()

    def figures(user) -> dict[str, waiting.Figure]:
        return {f.key: f for f in waiting.figures_for(user)[0]}

    city = figures(make_user(Role.CITY_REVIEWER))
    assert city["records"].value == CreditRecord.objects.count()
    tianning = figures(make_user(Role.DISTRICT_ADMIN, region="320402"))
    assert tianning["records"].value == CreditRecord.objects.filter(region_id="320402").count()
    assert tianning["batches_month"].value == 1
    assert figures(make_user(Role.DISTRICT_ADMIN, region="320404"))["batches_month"].value == 0
    officer = figures(make_user(Role.DEPT_OFFICER, region="320402", department="TNQ-SCJG"))
    assert (
        officer["records"].value == CreditRecord.objects.filter(department__code="TNQ-SCJG").count()
    )
    assert officer["list_entries"].url == "/sanctions/lists/?state=in_force"

    client.force_login(make_user(Role.DISTRICT_ADMIN, region="320402"))
    page = client.get("/").content.decode()
    assert 'data-testid="figure-records"' in page and "本辖市区" in page


def test_without_a_snapshot_the_figures_say_so(make_user):
    from credit.dashboard.models import Snapshot

    Snapshot.objects.all().delete()
    figures, note = waiting.figures_for(make_user(Role.CITY_REVIEWER))
    assert [f.key for f in figures] == ["batches_month"]
    assert "尚未生成" in note


def test_nothing_waiting_is_said_in_words(client, make_user):
    client.force_login(make_user(Role.CITY_REVIEWER))
    page = client.get("/").content.decode()
    assert 'data-testid="nothing-waits"' in page and "目前没有等待您办理的事项" in page
    assert 'data-testid="clear-objections_accept"' in page  # the lists, should one look
    auditor = make_user(Role.AUDITOR)  # reads everything, acts on warnings only
    assert [t.key for t in waiting.tasks_for(auditor)] == ["warnings"]


def test_the_workbench_takes_a_bounded_number_of_queries(
    client, admin_user, objection_on, office, failed_delivery, warnings_raised,
    django_assert_max_num_queries,
):  # fmt: skip
    for n in range(3):
        objection_on("TNQ-SCJG", f"天市监罚〔2026〕4{n}号")
        _batch("TNQ-SCJG", rejected=n)
    from credit.dashboard import facts

    facts.refresh()
    client.force_login(admin_user)
    client.get("/")  # the session and the user
    # One aggregate query per kind of task (objections, repairs, credit reports, batches, …).
    with django_assert_max_num_queries(16):
        response = client.get("/")
    assert response.status_code == 200
    assert _count(response.content.decode(), "objections_accept") == 3
