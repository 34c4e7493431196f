"""The pages of the score rules (评分规则): the versions with their effective dates (the one in
force marked), a version's lines by catalog item with the 红黑榜 rules, and a new version
copied from the current one — by the city's credit office only, its refusals on the form."""

from __future__ import annotations

import datetime
import re

import pytest

from credit.accounts.roles import Role
from credit.core.models import AuditEntry

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


@pytest.fixture
def seed_rules(ruleset):
    """The seed's table (data/rules.json, loaded with the test database): one version with its
    lines, and the 红黑榜 rules."""
    assert ruleset.code == "cs-score-2026"
    return ruleset


def _form(ruleset, **changes) -> dict[str, str]:
    """The new-version form as the page posts it, every line as the current version has it."""
    data = {
        "code": "cs-score-next",
        "name": "公务员诚信计分规则（第二版）",
        "effective_from": (TODAY + datetime.timedelta(days=30)).isoformat(),
        "note": "调整记过的分值",
    }
    for rule in ruleset.rules.all():
        data[f"points_{rule.pk}"] = str(rule.points)
        data[f"months_{rule.pk}"] = "" if rule.months is None else str(rule.months)
    data.update(changes)
    return data


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "region", "department"),
    [
        (Role.CITY_ADMIN, "320400", None),
        (Role.DISTRICT_ADMIN, "320402", None),
        (Role.ORG_HR, "320400", "SCJG"),
        (Role.ORG_HR, "320402", "TNQ-ZZB"),
    ],
)
def test_every_archive_reader_reads_the_rules(client, make_user, seed_rules, role, region,
                                              department):  # fmt: skip
    client.force_login(make_user(role, region=region, department=department))
    html = client.get("/integrity/rules/").content.decode()
    assert "公务员诚信计分规则（第一版）" in html
    assert 'data-testid="state-cs-score-2026">现行<' in html
    assert "政务诚信黑榜" in html and "政务诚信红榜" in html
    assert client.get("/integrity/rules/cs-score-2026/").status_code == 200


@pytest.mark.parametrize("role", [Role.DEPT_OFFICER, Role.AUDITOR, Role.LEADER])
def test_readers_without_the_archive_permission_do_not(client, make_user, seed_rules, role):
    client.force_login(make_user(role))
    for url in ("/integrity/rules/", "/integrity/rules/cs-score-2026/", "/integrity/rules/new/"):
        assert client.get(url).status_code == 403, url


def test_a_version_lists_its_lines_by_item(client, make_user, seed_rules):
    client.force_login(make_user(Role.ORG_HR, "320400", "SCJG"))
    html = client.get("/integrity/rules/cs-score-2026/").content.decode()
    discipline = re.search(r'data-testid="item-cs-discipline">(.*?)</section>', html, re.S)
    text = discipline.group(1)
    assert "纪律处分信息" in text
    row = re.search(r"<tr>\s*<td>【公务员】记过</td>(.*?)</tr>", text, re.S).group(1)
    assert "处分结果 = 记过" in row and "-80" in row and "12 个月" in row
    assert "处分期间12个月" in row  # the note
    open_ended = re.search(r"<tr>\s*<td>【公务员】开除</td>(.*?)</tr>", text, re.S).group(1)
    assert "记录有效期间" in open_ended
    assessment = re.search(r'data-testid="item-cs-assessment">(.*?)</section>', html, re.S)
    assert "+20" in assessment.group(1) and "考核年度" in assessment.group(1)
    other = re.search(r'data-testid="item-cs-other-handling">(.*?)</section>', html, re.S)
    assert "该类每条记录" in other.group(1)
    honour = re.search(r'data-testid="honour-rules">(.*?)</table>', html, re.S).group(1)
    assert "政务诚信黑榜" in honour and "限制评优评先" in honour
    assert "A 档 500 分以上" in html and "基准分" in html


def test_an_unknown_version_is_not_found(client, make_user, seed_rules):
    client.force_login(make_user(Role.CITY_ADMIN))
    assert client.get("/integrity/rules/no-such-version/").status_code == 404


def test_no_rules_yet_says_so(client, make_user):
    from credit.integrity.models import ScoreRuleSet

    ScoreRuleSet.objects.all().delete()
    client.force_login(make_user(Role.CITY_ADMIN))
    assert "还没有评分规则版本" in client.get("/integrity/rules/").content.decode()
    assert 'data-testid="no-base"' in client.get("/integrity/rules/new/").content.decode()


# --------------------------------------------------------------------------------------------
# A new version
# --------------------------------------------------------------------------------------------


def test_the_credit_office_issues_a_new_version_from_the_current_one(client, make_user, seed_rules):
    from credit.integrity.models import ScoreRule, ScoreRuleSet

    office = make_user(Role.CITY_REVIEWER)
    client.force_login(office)
    page = client.get("/integrity/rules/new/").content.decode()
    assert "公务员诚信计分规则（第一版）" in page
    demerit = seed_rules.rules.get(value="记过", item__code="cs-discipline")
    assert f'name="points_{demerit.pk}" value="-80"' in page
    expelled = seed_rules.rules.get(value="开除", item__code="cs-discipline")

    form = _form(seed_rules, **{f"points_{demerit.pk}": "-90", f"months_{expelled.pk}": "120"})
    response = client.post("/integrity/rules/new/", form)
    assert response.status_code == 302
    assert response["Location"] == "/integrity/rules/cs-score-next/"
    created = ScoreRuleSet.objects.get(code="cs-score-next")
    assert created.effective_from == TODAY + datetime.timedelta(days=30)
    assert created.rules.count() == seed_rules.rules.count()
    copied = ScoreRule.objects.get(ruleset=created, item__code="cs-discipline", value="记过")
    assert copied.points == -90
    assert ScoreRule.objects.get(ruleset=created, value="开除", item__code="cs-discipline").months
    assert ScoreRule.objects.get(pk=demerit.pk).points == -80  # the old version is untouched
    entry = AuditEntry.objects.get(event_type="integrity.ruleset_created")
    assert entry.after["changes"]["【公务员】记过"]["points"] == [-80, -90]

    shown = client.get(response["Location"]).content.decode()
    assert "已制定评分规则新版本" in shown and "待施行" in shown
    listing = client.get("/integrity/rules/").content.decode()
    assert 'data-testid="state-cs-score-next">待施行<' in listing
    assert 'data-testid="state-cs-score-2026">现行<' in listing


def test_refusals_are_shown_on_the_form(client, make_user, seed_rules):
    from credit.integrity.models import ScoreRuleSet

    client.force_login(make_user(Role.CITY_ADMIN))
    taken = client.post("/integrity/rules/new/", _form(seed_rules, code="cs-score-2026"))
    assert taken.status_code == 200 and "已被使用" in taken.content.decode()
    early = client.post("/integrity/rules/new/", _form(seed_rules, effective_from="2025-06-01"))
    assert early.status_code == 200 and "新版本的施行日期须晚于现有各版本" in early.content.decode()
    upper = client.post("/integrity/rules/new/", _form(seed_rules, code="CS-Next"))
    assert "版本标识须为2–64位小写字母" in upper.content.decode()
    rule = seed_rules.rules.first()
    bad = client.post("/integrity/rules/new/", _form(seed_rules, **{f"points_{rule.pk}": "很多"}))
    assert bad.status_code == 200 and "error" in bad.content.decode()
    huge = client.post("/integrity/rules/new/", _form(seed_rules, **{f"points_{rule.pk}": "5000"}))
    assert huge.status_code == 200
    missing = client.post("/integrity/rules/new/", {"code": "x"})
    assert missing.status_code == 200
    assert ScoreRuleSet.objects.count() == 1


@pytest.mark.parametrize(
    ("role", "region", "department"),
    [(Role.DISTRICT_ADMIN, "320402", None), (Role.ORG_HR, "320400", "ZZB")],
)
def test_only_the_citys_credit_office_issues_versions(
    client, make_user, seed_rules, role, region, department
):
    from credit.integrity.models import ScoreRuleSet

    client.force_login(make_user(role, region=region, department=department))
    assert 'data-testid="new-version"' not in client.get("/integrity/rules/").content.decode()
    for response in (
        client.get("/integrity/rules/new/"),
        client.post("/integrity/rules/new/", _form(seed_rules)),
    ):
        assert response.status_code == 403
    assert ScoreRuleSet.objects.count() == 1


def test_the_menu_offers_the_rules(client, make_user, seed_rules):
    client.force_login(make_user(Role.DISTRICT_ADMIN, "320402"))
    html = client.get("/integrity/rules/cs-score-2026/").content.decode()
    crumb = re.search(r'data-testid="breadcrumb">(.*?)</nav>', html, re.S).group(1)
    assert "政务诚信" in crumb and "评分规则" in crumb and "公务员诚信计分规则（第一版）" in crumb
