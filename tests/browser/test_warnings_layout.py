"""The warning pages (预警) on a desktop (1366 px) and a phone (390 px): none scrolls sideways
(the list's table scrolls inside its own box), the level shows as a coloured tag, the list
says why it is empty, and acknowledging a warning from its page works."""

from __future__ import annotations

import uuid

import pytest

from credit.accounts.roles import Role
from tests.browser.conftest import PASSWORD, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
WIDTHS = [(1366, 768), (390, 844)]


@pytest.fixture(scope="module")
def office_warnings(django_db_setup, django_db_blocker):
    """A committed credit-office reviewer, a rule and two open warnings with long texts;
    removed afterwards (their audit entries stay, as audit entries do)."""
    from credit.accounts.services import create_user
    from credit.alerts import services
    from credit.alerts.models import Warning, WarningRule
    from credit.core.models import Department

    tag = uuid.uuid4().hex[:8]
    with django_db_blocker.unblock():
        user = create_user(
            actor=None,
            username=f"warnings-{tag}",
            password=PASSWORD,
            role=Role.CITY_REVIEWER,
        )
        rule = services.save_rule(
            actor=None,
            code=f"layout-{tag}",
            name="版式测试：辖市区本月新增失信记录超过前12个月平均值的1.5倍",
            metric="dishonesty_records",
            subject="district",
            comparison="gt",
            ratio_to_average="1.5",
            period="month",
            level="severe",
        )
        tnq = Department.objects.get(code="TNQ-SCJG")
        warnings = [
            Warning.objects.create(
                rule=rule,
                level=level,
                region_id="320402",
                department=tnq,
                key=f"layout-{tag}-{n}",
                period_label="2026-11",
                text="天宁区2026年11月新增失信记录为48条，高于前12个月平均值20.25条的1.5倍"
                "（30.38条）。" * 3,
                evidence_url="/dashboard/records/?region=320402&dishonest=1&from=2026-11&to=2026-11",
                value=48,
                threshold="30.38",
            )
            for n, level in enumerate(("severe", "notice"))
        ]
    yield user, rule, warnings
    with django_db_blocker.unblock():
        Warning.objects.filter(rule=rule).delete()
        WarningRule.objects.filter(pk=rule.pk).delete()
        user.delete()


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_the_warning_pages_do_not_scroll_sideways(office_warnings, page, live_url, width, height):
    user, rule, warnings = office_warnings
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_url, user)
    for path in (
        "/warnings/",
        f"/warnings/?rule={rule.code}&status=closed",
        f"/warnings/{warnings[0].pk}/",
        "/warnings/rules/",
        "/warnings/rules/new/",
        f"/warnings/rules/{rule.code}/edit/",
    ):
        page.goto(f"{live_url}{path}")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} at {width} px scrolls sideways by {overflow} px"


def test_the_list_tags_levels_explains_an_empty_result_and_a_warning_is_acknowledged(
    office_warnings, page, live_url
):
    user, rule, warnings = office_warnings
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, live_url, user)
    page.goto(f"{live_url}/warnings/?rule={rule.code}")
    tag = page.locator("table[data-testid=warnings] .level-severe").first
    assert tag.inner_text() == "严重"
    colour = tag.evaluate("e => getComputedStyle(e).backgroundColor")
    assert colour not in ("rgba(0, 0, 0, 0)", "rgb(255, 255, 255)")
    page.goto(f"{live_url}/warnings/?rule={rule.code}&status=closed")
    assert "暂无符合条件的预警" in page.get_by_test_id("empty").inner_text()
    page.goto(f"{live_url}/warnings/{warnings[0].pk}/")
    page.fill("textarea[name=note]", "已安排核实")
    page.click("form[action$='/acknowledge/'] button[type=submit]")
    page.wait_for_url(f"{live_url}/warnings/{warnings[0].pk}/")
    assert "已确认该预警" in page.content()
    assert "已安排核实" in page.get_by_test_id("history").inner_text()
