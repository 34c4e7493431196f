"""The credit office looks at the city: the wall screen at 1920×1080 renders every panel and
the Changzhou map with its six districts without scrolling or a console error; a click on a
district drills down to it; on the staff page a number opens the list it counts; on a phone
the staff page does not scroll sideways.

With ``CREDIT_SCREENSHOT=1`` the screen is also saved to ``docs/screen.png`` (the README's
picture), from the synthetic city the demo loads.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import pytest

from credit.accounts.roles import Role
from credit.dashboard.views.lists import CAP
from tests.browser.conftest import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screen.png"
#: The district the journey drills down to, by the name its shape has on the map.
DISTRICT = ("溧阳市", "320481")


def _models() -> list[type]:
    from credit.alerts.models import Warning, WarningRule
    from credit.boards.models import Board, Folder
    from credit.ingest.models import Batch
    from credit.records.models import CreditRecord
    from credit.sanctions.models import Check
    from credit.subjects.models import LegalPerson, NaturalPerson

    return [
        Batch,
        Board,
        Check,
        CreditRecord,
        Folder,
        LegalPerson,
        NaturalPerson,
        Warning,
        WarningRule,
    ]


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """Committed data the server process can see: the demo's synthetic city (small set: 3,000
    companies, 2,000 people, 9,000 records, today's batches and the warnings they raise),
    checks over the last year and API calls over the last 30 days, the facts refreshed, and a
    city administrator; everything added is removed afterwards."""
    from credit.accounts.services import create_user
    from credit.dashboard import facts
    from credit.demo import loader

    tag = f"screen-{uuid.uuid4().hex[:8]}"
    with django_db_blocker.unblock():
        before = {
            model: model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
            for model in _models()
        }
        # Neither the demo objections nor its API clients: other tests count those.
        loader.seed(scale="small", report=lambda line: None, workflows=False, clients=False)
        admin = create_user(
            actor=None, username=tag, password=PASSWORD, role=Role.CITY_ADMIN, real_name="李主任"
        )
        _checks_and_calls(admin, tag)
        facts.refresh()
    yield admin
    with django_db_blocker.unblock():
        _remove(before, admin, tag)


def _checks_and_calls(admin, tag: str) -> None:
    """Checks of demo companies spread over the last twelve months, and API calls (a few
    refused) over the last 30 days, as the applications panels count them."""
    import datetime

    from django.utils import timezone

    from credit.core.models import Department
    from credit.gateway import calllog
    from credit.sanctions import services as sanctions
    from credit.sanctions.models import Check
    from credit.subjects.models import LegalPerson

    now = timezone.now()
    companies = LegalPerson.objects.exclude(uscc=None).order_by("-pk")[:48]
    for i, company in enumerate(companies):
        check = sanctions.run_check(principal=admin, identifier=company.uscc, reason="资格审查")
        Check.objects.filter(pk=check.pk).update(
            checked_at=now - datetime.timedelta(days=(i * 53) % 360)
        )
    department = Department.objects.get(code="SCJG")
    for day in range(30):
        weekend = (now - datetime.timedelta(days=day)).weekday() >= 5
        for n in range(3 if weekend else 9 + day % 4):
            calllog.record_call(
                called_at=now - datetime.timedelta(days=day, minutes=n),
                method="GET",
                route="/api/v1/sanctions/check",
                path="/api/v1/sanctions/check",
                status=403 if n == 0 and day % 4 == 0 else 200,
                latency_ms=20 + n,
                department_id=department.pk,
                request_id=tag,
            )


def _remove(before: dict, admin, tag: str) -> None:
    """What was added (newer than the ids seen before), then the facts recomputed."""
    from credit.alerts.models import Warning, WarningRule
    from credit.dashboard import facts
    from credit.gateway.models import CallLog
    from credit.ingest.models import Batch
    from credit.records.models import CreditRecord, ListChange
    from credit.sanctions.models import Check
    from credit.subjects.models import LegalPerson, LegalPersonIdentifier, NaturalPerson
    from tests.conftest import append_only_bypass, delete_records

    with append_only_bypass():
        CallLog.objects.filter(request_id=tag).delete()
    Check.objects.filter(pk__gt=before[Check]).delete()
    from credit.boards.models import Board, Folder, Panel

    Panel.objects.filter(board__pk__gt=before[Board]).delete()
    Board.objects.filter(pk__gt=before[Board]).delete()
    for folder in Folder.objects.filter(pk__gt=before[Folder]).order_by("-pk"):
        folder.delete()  # children (newer) first
    Warning.objects.filter(pk__gt=before[Warning]).delete()
    WarningRule.objects.filter(pk__gt=before[WarningRule]).delete()
    records = CreditRecord.objects.filter(pk__gt=before[CreditRecord])
    ListChange.objects.filter(record__in=records).delete()
    delete_records(records)
    Batch.objects.filter(pk__gt=before[Batch]).delete()
    LegalPersonIdentifier.objects.filter(legal_person_id__gt=before[LegalPerson]).delete()
    LegalPerson.objects.filter(pk__gt=before[LegalPerson]).delete()
    NaturalPerson.objects.filter(pk__gt=before[NaturalPerson]).delete()
    admin.delete()
    facts.refresh()


def _watch(page) -> list[str]:
    """The console errors and uncaught exceptions of ``page`` from now on."""
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(f"{m.text} ({m.location.get('url', '')})") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def _settled(page) -> None:
    """Every panel has drawn (or, optional and empty, hidden itself) or said it failed."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        """() => [...document.querySelectorAll("section[data-dataset]")].every(s =>
             s.hidden || s.querySelector(".panel-body[data-rendered]")
             || s.querySelector(".panel-body .empty, .panel-body .error"))"""
    )


MAP = "[data-testid=panel-district_overview] .panel-body"


def test_the_screen_shows_the_city_on_one_wall(city, page, live_url):
    errors = _watch(page)
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, live_url, city)
    page.goto(f"{live_url}/dashboard/screen/")
    _settled(page)

    assert page.evaluate("typeof echarts") == "object"
    assert page.evaluate("echarts.getMap('常州') != null")
    assert page.locator(f"{MAP} canvas").count() >= 1
    assert page.locator(MAP).get_attribute("data-districts") == "6"
    failed = page.locator("section[data-dataset] .panel-body .error")
    assert failed.count() == 0, failed.all_inner_texts()
    # The wall's panels show data, not "暂无数据" (the synthetic city has some for each).
    populated = ("collection_summary", "subjects_summary", "legal_by_kind", "credit_trend",
                 "collection_by_department", "lists_in_force", "records_by_severity")  # fmt: skip
    for dataset in populated:
        body = page.locator(f"[data-testid=panel-{dataset}] .panel-body")
        assert body.get_attribute("data-rendered") == "1", dataset
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # Every panel lies within the wall.
    outside = page.evaluate(
        """() => [...document.querySelectorAll("section[data-dataset]")].filter(s => {
             if (s.hidden) { return false; }
             const r = s.getBoundingClientRect();
             return r.bottom > window.innerHeight + 1 || r.right > window.innerWidth + 1
               || r.height < 60;
           }).map(s => s.dataset.dataset)"""
    )
    assert outside == []
    if os.environ.get("CREDIT_SCREENSHOT") == "1":
        page.wait_for_timeout(1500)  # the charts' entrance animations
        page.screenshot(path=str(SCREENSHOT))
    assert errors == []


def test_a_click_on_a_district_drills_down_to_it(city, page, live_url):
    errors = _watch(page)
    page.set_viewport_size({"width": 1920, "height": 1080})
    login(page, live_url, city)
    page.goto(f"{live_url}/dashboard/screen/")
    _settled(page)
    name, code = DISTRICT
    # Where the district's centre (its shape's `cp`) is drawn, in the page's pixels.
    x, y = page.evaluate(
        """([selector, name]) => {
             const body = document.querySelector(selector);
             const chart = echarts.getInstanceByDom(body);
             const geo = echarts.getMap("常州").geoJSON || echarts.getMap("常州").geoJson;
             const shape = geo.features.find(f => f.properties.name === name);
             const point = chart.convertToPixel({ seriesIndex: 0 }, shape.properties.cp);
             if (!chart.containPixel({ seriesIndex: 0 }, point)) { return [null, null]; }
             const box = body.getBoundingClientRect();
             return [box.left + point[0], box.top + point[1]];
           }""",
        [MAP, name],
    )
    assert x is not None, f"{name}'s centre is not on its shape"
    page.mouse.click(x, y)
    page.wait_for_url(re.compile(rf"/dashboard/screen/\?.*region={code}"))
    _settled(page)
    assert f"常州市信用监管一张图 · {name}" in page.locator("h1").inner_text()
    # Every panel now reads the district: its number of legal persons is the district's.
    companies = page.locator("[data-testid=panel-subjects_summary] a.number").first
    assert f"region={code}" in companies.get_attribute("href")
    assert page.locator(MAP).get_attribute("data-districts") == "6"
    assert errors == []


def _number(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


@pytest.mark.parametrize(
    ("panel", "label", "table"),
    [
        ("collection_summary", "归集数据量", "dashboard-records"),
        ("subjects_summary", "法人主体", "dashboard-subjects"),
    ],
)
def test_a_number_opens_the_list_it_counts(city, page, live_url, panel, label, table):
    errors = _watch(page)
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_url, city)
    page.goto(f"{live_url}/dashboard/")
    _settled(page)
    card = page.locator(f"[data-testid=panel-{panel}] a.number", has_text=label)
    number = _number(card.locator("strong").inner_text())
    assert number > 0
    card.click()
    page.wait_for_url(re.compile(r"/dashboard/(records|subjects)/"))
    rows = page.locator(f"[data-testid={table}] tbody tr")
    assert rows.count() == 30  # a full first page
    pager = page.locator(".pager").inner_text()
    counted = re.search(r"共 ([\d,]+)(\+?)", pager)
    if number > CAP:  # the list counts up to its cap: "共 2000+ 条"
        assert (_number(counted.group(1)), counted.group(2)) == (CAP, "+")
    else:
        assert (_number(counted.group(1)), counted.group(2)) == (number, "")
    assert errors == []


def test_the_staff_page_fits_a_phone(city, page, live_url):
    errors = _watch(page)
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_url, city)
    page.goto(f"{live_url}/dashboard/")
    _settled(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the dashboard scrolls sideways by {overflow} px at 390 px"
    assert page.locator(f"{MAP} canvas").count() >= 1
    assert errors == []
